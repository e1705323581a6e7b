"""Audio payloads: sniff the real container, map mime types, validate, convert, save.

The service accepts only wav and mp3 as chat input, so every input goes through
:func:`prepare_input_audio`, which looks at the *bytes* (not the declared mime type), refuses
empty, corrupt or over-size audio with a message that names the fix, and converts other containers
(flac, ogg/opus, aac, m4a, webm) to wav when the ``codecs`` extra (PyAV) is installed.

Base64 input that is already wav or mp3 goes through untouched: only a short prefix is decoded to
sniff it, so a 20 MB clip is not copied on its way to the wire.

Example:
    >>> from langchain_azure_audio.audio import pcm16_to_wav, sniff_format
    >>> wav = pcm16_to_wav(b"\\x00\\x00" * 2400, sample_rate=24000)
    >>> sniff_format(wav), round(wav_duration(wav), 3)
    ('wav', 0.1)
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import struct
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_azure_audio import audio_codecs
from langchain_azure_audio.audio_codecs import pcm16_to_wav
from langchain_azure_audio.capabilities import CHAT_INPUT_FORMATS, MAX_CHAT_AUDIO_BYTES
from langchain_azure_audio.errors import AudioValidationError
from langchain_azure_audio.sources import read_audio_file

__all__ = [
    "PCM16_MIME_TYPE",
    "PCM16_SAMPLE_RATE",
    "PreparedAudio",
    "WavInfo",
    "atomic_write",
    "audio_block",
    "check_audio_header",
    "check_base64",
    "format_for_mime",
    "mime_for_format",
    "parse_wav_header",
    "pcm16_to_wav",
    "prepare_input_audio",
    "sniff_format",
    "wav_duration",
]

logger = logging.getLogger(__name__)

PCM16_SAMPLE_RATE = 24_000
"""Sample rate of the service's raw pcm16 audio (mono, signed 16-bit little-endian)."""

PCM16_MIME_TYPE = "audio/pcm;rate=24000;channels=1;encoding=s16le"
"""Mime type this package gives raw pcm16 audio, so consumers know how to play it."""

_FORMAT_TO_MIME: dict[str, str] = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "opus": "audio/ogg",
    "ogg": "audio/ogg",
    "aac": "audio/aac",
    "m4a": "audio/mp4",
    "webm": "audio/webm",
    "pcm16": PCM16_MIME_TYPE,
    "pcm": PCM16_MIME_TYPE,
}

_MIME_TO_FORMAT: dict[str, str] = {
    "audio/wav": "wav",
    "audio/wave": "wav",
    "audio/x-wav": "wav",
    "audio/vnd.wave": "wav",
    "audio/x-pn-wav": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mpeg3": "mp3",
    "audio/x-mpeg-3": "mp3",
    "audio/x-mp3": "mp3",
    "audio/flac": "flac",
    "audio/x-flac": "flac",
    "audio/ogg": "ogg",
    "audio/opus": "ogg",
    "audio/aac": "aac",
    "audio/x-aac": "aac",
    "audio/aacp": "aac",
    "audio/mp4": "m4a",
    "audio/m4a": "m4a",
    "audio/x-m4a": "m4a",
    "audio/webm": "webm",
    "audio/pcm": "pcm16",
    "audio/l16": "pcm16",
}

_SNIFF_PREFIX_B64_CHARS = 4096  # decodes to 3072 bytes: enough for any sane header


def mime_for_format(fmt: str) -> str:
    """``"mp3"`` → ``"audio/mpeg"``; raw pcm16 gets :data:`PCM16_MIME_TYPE`."""
    return _FORMAT_TO_MIME.get(fmt, f"audio/{fmt}")


def format_for_mime(mime_type: str) -> str | None:
    """Map a mime type (with aliases and parameters) to a format name, or ``None``.

    Example:
        >>> format_for_mime("audio/x-wav"), format_for_mime("audio/mpeg; codecs=mp3")
        ('wav', 'mp3')
    """
    base = mime_type.split(";", 1)[0].strip().lower()
    return _MIME_TO_FORMAT.get(base)


def sniff_format(data: bytes) -> str | None:
    """Name the container of ``data`` from its magic bytes, or ``None`` if it is not audio.

    Recognises wav (RIFF/WAVE), mp3 (ID3 tag or MPEG frame sync), flac, ogg, aac (ADTS),
    m4a/mp4 (``ftyp``) and webm/matroska (EBML).
    """
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:3] == b"ID3":
        return "mp3"
    if data[:4] == b"fLaC":
        return "flac"
    if data[:4] == b"OggS":
        return "ogg"
    if len(data) >= 8 and data[4:8] == b"ftyp":
        return "m4a"
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if len(data) >= 2 and data[0] == 0xFF:
        if data[1] & 0xF6 == 0xF0:  # ADTS: sync 0xFFF, layer 00
            return "aac"
        if data[1] & 0xE0 == 0xE0 and (data[1] >> 1) & 0x3 != 0:  # MPEG audio frame, layer 1-3
            return "mp3"
    return None


@dataclass(frozen=True)
class WavInfo:
    """What a wav header says: layout, and where the samples are."""

    channels: int
    sample_rate: int
    sample_width: int
    """Bytes per sample (2 for 16-bit)."""
    data_bytes: int
    """Size of the sample data actually present (streamed headers: to the end of the file)."""
    format_tag: int = 1
    """1 for integer PCM (WAVE_FORMAT_EXTENSIBLE resolved to its sub-format)."""
    data_offset: int = 0
    """Where the sample data starts in the file."""

    @property
    def duration(self) -> float:
        frame = self.channels * self.sample_width
        return self.data_bytes / (frame * self.sample_rate) if frame and self.sample_rate else 0.0


_WAV_FORMAT_TAGS = {
    0x0001: "PCM",
    0x0003: "IEEE float",
    0x0006: "A-law",
    0x0007: "mu-law",
    0xFFFE: "extensible",
}
_MAX_WAV_RATE = 768_000
_MAX_WAV_CHANNELS = 64


def _check_wav_fmt(size: int, tag: int, channels: int, rate: int, bits: int) -> None:
    """Refuse a ``fmt `` chunk no decoder (nor the service) can use, naming the bad field."""
    problem = None
    if size < 16:
        problem = f"its 'fmt ' chunk is {size} bytes (at least 16 are needed)"
    elif tag not in _WAV_FORMAT_TAGS:
        problem = f"it uses the unknown format tag 0x{tag:04x}"
    elif not 1 <= channels <= _MAX_WAV_CHANNELS:
        problem = f"it claims {channels} channels"
    elif not 1 <= rate <= _MAX_WAV_RATE:
        problem = f"it claims a sample rate of {rate} Hz"
    elif bits == 0 or bits % 8 or bits > 64:
        problem = f"it claims {bits} bits per sample"
    if problem:
        raise AudioValidationError(
            f"Corrupt wav audio: {problem}. Re-export the file as 16-bit PCM wav (or mp3)."
        )


def parse_wav_header(prefix: bytes, total_size: int | None = None) -> WavInfo:
    """Walk the RIFF chunks of a wav file (or its first bytes, when ``total_size`` is given).

    Every field a decoder needs is checked: channels, sample rate, bit depth, format tag, chunk
    sizes (a ``data`` chunk that claims more bytes than the file has is refused, except the
    0 / 0xFFFFFFFF sizes that streamed wavs use).

    Raises:
        AudioValidationError: not a wav file, an impossible header, or no ``fmt ``/``data``
            chunk in ``prefix``.
    """
    if total_size is None:
        total_size = len(prefix)
    if sniff_format(prefix[:12]) != "wav":
        raise AudioValidationError("Not a wav file (no RIFF/WAVE header).")
    pos = 12
    fmt: tuple[int, int, int, int] | None = None
    while pos + 8 <= len(prefix):
        chunk_id = prefix[pos : pos + 4]
        (size,) = struct.unpack_from("<I", prefix, pos + 4)
        body = pos + 8
        if chunk_id == b"fmt ":
            if body + 16 > len(prefix):
                _check_wav_fmt(size, 1, 1, 1, 16)  # a short chunk is named; else need more bytes
                break
            tag, channels, rate, _byte_rate, _align, bits = struct.unpack_from(
                "<HHIIHH", prefix, body
            )
            _check_wav_fmt(size, tag, channels, rate, bits)
            if tag == 0xFFFE and size >= 40 and body + 26 <= len(prefix):
                (tag,) = struct.unpack_from("<H", prefix, body + 24)  # EXTENSIBLE sub-format
            fmt = (tag, channels, rate, bits // 8)
        elif chunk_id == b"data":
            if fmt is None:
                raise AudioValidationError("Corrupt wav audio: the data chunk comes before 'fmt '.")
            tag, channels, rate, width = fmt
            available = max(total_size - body, 0)
            if size in (0, 0xFFFFFFFF):  # streamed wav: the samples run to the end of the file
                data_bytes = available
            elif size > available + 1:  # +1: a missing pad byte is harmless
                raise AudioValidationError(
                    f"Corrupt wav audio: the data chunk claims {size} bytes but the file has "
                    f"{available} after the header (truncated file?). Re-export it."
                )
            else:
                data_bytes = min(size, available)
            return WavInfo(channels, rate, width, data_bytes, tag, body)
        elif body + size > total_size + 1:
            raise AudioValidationError(
                f"Corrupt wav audio: the {chunk_id!r} chunk claims {size} bytes, past the end of "
                "the file. Re-export the file as 16-bit PCM wav."
            )
        pos = body + size + (size & 1)
    raise AudioValidationError(
        "Corrupt wav audio: no 'fmt ' and 'data' chunks in the header. Re-export the file as "
        "16-bit PCM wav."
    )


def wav_duration(data: bytes) -> float:
    """Duration in seconds of a wav file, read from its header."""
    return parse_wav_header(data[:65536], len(data)).duration


@dataclass(frozen=True)
class PreparedAudio:
    """Audio ready for an ``input_audio`` part: base64 text and ``"wav"`` or ``"mp3"``."""

    base64: str
    format: str
    size: int
    """Decoded size in bytes."""
    converted_from: str | None = None
    """The original container when the audio was converted to wav."""

    def to_part(self) -> dict[str, Any]:
        """The chat-completions content part."""
        return {"type": "input_audio", "input_audio": {"data": self.base64, "format": self.format}}


def _too_large(size: int, limit: int) -> AudioValidationError:
    return AudioValidationError(
        f"Audio is {size / 1048576:.1f} MB; Azure OpenAI accepts at most {limit // 1048576} MB per "
        "audio input. Split it (e.g. AzureSpeechToTextTool chunks long audio), trim it, or "
        "compress it to mp3."
    )


MIN_ENCODED_AUDIO_BYTES = 128
"""Compressed audio (mp3, flac, ogg...) shorter than this cannot hold a decodable frame."""

_B64_SLICE = 1 << 20  # a multiple of 4: each slice decodes on its own


def check_audio_header(prefix: bytes, total_size: int, fmt: str) -> WavInfo | None:
    """The checks that run *without decoding* the audio, shared by every path that sends audio.

    wav: the whole RIFF header is parsed and checked (see :func:`parse_wav_header`) and the
    file must hold samples. Other containers: only the magic bytes (already sniffed) and a
    minimum size are checked; a valid frame header followed by junk is caught by the service or
    a decoder, not here.

    Returns:
        The wav header's :class:`WavInfo`, or ``None`` for other containers.
    """
    if fmt == "wav":
        info = parse_wav_header(prefix, total_size)
        if info.data_bytes < info.channels * info.sample_width:
            raise AudioValidationError("The wav audio has no samples (empty data chunk).")
        return info
    if total_size < MIN_ENCODED_AUDIO_BYTES:
        raise AudioValidationError(
            f"The {fmt} audio is only {total_size} bytes: too short to decode."
        )
    return None


def check_base64(b64: str) -> None:
    """Refuse base64 text that is corrupt anywhere, decoding it in 1 MB slices (no full copy).

    Raises:
        AudioValidationError: a character outside the base64 alphabet, padding in the middle,
            or a length that is not a multiple of four.
    """
    pad = b64.find("=")
    if pad != -1 and pad < len(b64) - 2:
        raise AudioValidationError(
            f"The audio is not valid base64: padding '=' at character {pad} of {len(b64)}."
        )
    for start in range(0, len(b64), _B64_SLICE):
        try:
            base64.b64decode(b64[start : start + _B64_SLICE], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise AudioValidationError(
                f"The audio is not valid base64 (in characters {start}-"
                f"{min(start + _B64_SLICE, len(b64))}): {exc}."
            ) from exc


def prepare_input_audio(
    data: bytes | str,
    *,
    declared_format: str | None = None,
    max_bytes: int = MAX_CHAT_AUDIO_BYTES,
    allowed_formats: frozenset[str] = CHAT_INPUT_FORMATS,
) -> PreparedAudio:
    """Validate (and if needed convert) audio for the chat endpoint, before any request.

    Args:
        data: Raw bytes, or a base64 string (passed through unchanged when already wav/mp3).
        declared_format: A format or mime type the caller claims; the bytes win on conflict.
        max_bytes: Size limit of the decoded audio.
        allowed_formats: Containers that may go on the wire as they are.

    Raises:
        AudioValidationError: empty, not audio, corrupt, over ``max_bytes``, or in a container the
            service refuses while no converter (the ``codecs`` extra) is installed.
    """
    if isinstance(data, str):
        data = data.strip()
        b64 = "".join(data.split()) if any(c.isspace() for c in data[:200]) else data
        if not b64:
            raise AudioValidationError("The audio is empty (no base64 data).")
        est_size = len(b64) * 3 // 4 - b64[-2:].count("=")
        if est_size > max_bytes:
            raise _too_large(est_size, max_bytes)
        try:
            prefix = base64.b64decode(b64[:_SNIFF_PREFIX_B64_CHARS], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise AudioValidationError(f"The audio is not valid base64: {exc}.") from exc
        fmt = sniff_format(prefix)
        if fmt in allowed_formats:
            check_audio_header(prefix, est_size, fmt)
            check_base64(b64)
            _warn_mismatch(declared_format, fmt)
            return PreparedAudio(b64, fmt, est_size)
        check_base64(b64)
        raw = base64.b64decode(b64)
    else:
        raw = bytes(data)
    return _prepare_bytes(raw, declared_format, max_bytes, allowed_formats)


def _warn_mismatch(declared: str | None, actual: str) -> None:
    if declared is None:
        return
    claimed = format_for_mime(declared) if "/" in declared else declared.lower()
    if claimed and claimed != actual:
        logger.warning(
            "Audio declared as %r is really %s; sending it as %s.", declared, actual, actual
        )


def _prepare_bytes(
    raw: bytes, declared: str | None, max_bytes: int, allowed: frozenset[str]
) -> PreparedAudio:
    if not raw:
        raise AudioValidationError("The audio is empty (0 bytes).")
    fmt = sniff_format(raw)
    if fmt is None:
        claimed = (format_for_mime(declared) if declared and "/" in declared else declared) or "?"
        raise AudioValidationError(
            f"The data is not audio in a known container (declared {claimed!r}; the first bytes "
            f"are {raw[:8]!r}). Send wav or mp3 (raw pcm16 must be wrapped: see pcm16_to_wav)."
        )
    _warn_mismatch(declared, fmt)
    converted_from = None
    if fmt not in allowed:
        if not audio_codecs.codecs_available():
            raise AudioValidationError(
                f"Azure OpenAI chat accepts only {' and '.join(sorted(allowed))} audio, and this "
                f"is {fmt}. Install the converter with "
                '`pip install "langchain-azure-audio[codecs]"` '
                "or convert it to wav/mp3 first."
            )
        pcm, rate = audio_codecs.decode_to_pcm16(raw)
        raw, converted_from, fmt = pcm16_to_wav(pcm, sample_rate=rate), fmt, "wav"
        del pcm
    if len(raw) > max_bytes:
        raise _too_large(len(raw), max_bytes)
    check_audio_header(raw[:65536], len(raw), fmt)
    return PreparedAudio(base64.b64encode(raw).decode("ascii"), fmt, len(raw), converted_from)


def audio_block(
    source: bytes | str | os.PathLike[str],
    *,
    mime_type: str | None = None,
) -> dict[str, Any]:
    """Build a LangChain v1 audio content block from bytes or a local file path.

    Example:
        >>> from langchain_azure_audio.audio import audio_block, pcm16_to_wav
        >>> block = audio_block(pcm16_to_wav(b"\\x00\\x00" * 240))
        >>> block["type"], block["mime_type"]
        ('audio', 'audio/wav')
    """
    if isinstance(source, bytes | bytearray | memoryview):
        raw = bytes(source)
    elif isinstance(source, str | os.PathLike):
        raw = read_audio_file(source)
    else:
        raise AudioValidationError(
            f"audio_block() takes bytes or a file path, not {type(source).__name__}."
        )
    if mime_type is not None and not isinstance(mime_type, str):
        raise AudioValidationError("mime_type must be a string such as 'audio/wav'.")
    if not raw:
        raise AudioValidationError("The audio is empty (0 bytes).")
    fmt = sniff_format(raw)
    mime = mime_type or (mime_for_format(fmt) if fmt else "application/octet-stream")
    return {"type": "audio", "base64": base64.b64encode(raw).decode("ascii"), "mime_type": mime}


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same folder, fsync, rename)."""
    target = Path(os.fspath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        # mkstemp creates 0600; a saved file gets the mode any new file would (0666 - umask).
        os.chmod(tmp, 0o666 & ~_current_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def block_bytes(block: Mapping[str, Any]) -> bytes:
    """Decoded audio bytes of an audio content block (v1 ``base64`` or v0 ``data``)."""
    data = block.get("base64") or block.get("data")
    if not isinstance(data, str):
        raise AudioValidationError("This audio block carries no base64 data.")
    return base64.b64decode(data)
