"""Thin PyAV wrapper: decode any container to mono pcm16, encode pcm16 to service formats.

PyAV (``av``, FFmpeg's libraries in a wheel) is an optional dependency, imported lazily inside
the functions that need it; without it, :func:`decode_to_pcm16`, :func:`resample_pcm16` and
:func:`encode_pcm16` (for anything but ``wav``/``pcm``) raise :class:`ImportError` naming the
extra to install. ``wav`` and raw ``pcm`` go through the standard library only.

All PCM here is mono, signed 16-bit little-endian ("pcm16", ``s16le``).

Example:
    >>> from langchain_azure_audio.audio_codecs import encode_pcm16, decode_to_pcm16
    >>> pcm = b"\\x00\\x00" * 2400                     # 0.1 s of silence at 24 kHz
    >>> wav = encode_pcm16(pcm, 24000, "wav")
    >>> wav[:4]
    b'RIFF'
    >>> decode_to_pcm16(wav) == (pcm, 24000)
    True
"""

from __future__ import annotations

import io
import wave
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from langchain_azure_audio.errors import AudioValidationError

if TYPE_CHECKING:  # pragma: no cover
    from types import ModuleType

__all__ = [
    "ENCODABLE_FORMATS",
    "codecs_available",
    "decode_to_pcm16",
    "encode_pcm16",
    "pcm16_to_wav",
    "resample_pcm16",
]

_INSTALL_HINT = (
    'Audio conversion needs PyAV. Install it with: pip install "langchain-azure-audio[codecs]"'
)

# fmt -> (container format, encoder name, preferred sample formats in order)
_ENCODERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "mp3": ("mp3", "libmp3lame", ("s16p", "fltp")),
    "flac": ("flac", "flac", ("s16",)),
    "opus": ("ogg", "libopus", ("s16", "flt")),
    "aac": ("adts", "aac", ("fltp",)),
}
_OPUS_RATES = (48000, 24000, 16000, 12000, 8000)

ENCODABLE_FORMATS: frozenset[str] = frozenset({"wav", "pcm", "pcm16", *_ENCODERS})
"""Formats :func:`encode_pcm16` can produce."""

_CHUNK_SAMPLES = 24000  # samples per frame fed to encoders/resamplers (1 s at 24 kHz)


def _import_av() -> ModuleType:
    try:
        import av
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(_INSTALL_HINT) from exc
    return av


def codecs_available() -> bool:
    """Whether PyAV is importable (so every format can be decoded and encoded).

    Example:
        >>> isinstance(codecs_available(), bool)
        True
    """
    try:
        import av  # noqa: F401
    except ImportError:
        return False
    return True


def _frame_bytes(frame: Any) -> bytes:
    """The exact payload of a packed mono s16 frame (planes may carry alignment padding)."""
    n = int(frame.samples) * 2
    plane = frame.planes[0]
    if plane.buffer_size == n:
        return bytes(plane)
    return bytes(memoryview(plane)[:n])


def _pcm_frames(av: ModuleType, pcm: bytes, sample_rate: int) -> Iterator[Any]:
    """Yield mono s16 frames of at most ``_CHUNK_SAMPLES`` samples covering ``pcm``."""
    view = memoryview(pcm)
    step = _CHUNK_SAMPLES * 2
    pts = 0
    for start in range(0, len(view) - len(view) % 2, step):
        chunk = view[start : start + step]
        samples = len(chunk) // 2
        frame = av.AudioFrame(format="s16", layout="mono", samples=samples, align=1)
        frame.planes[0].update(chunk)
        frame.sample_rate = sample_rate
        frame.pts = pts
        pts += samples
        yield frame


def _resample_frames(resampler: Any, frames: Iterable[Any]) -> Iterator[Any]:
    for frame in frames:
        yield from resampler.resample(frame)
    yield from resampler.resample(None)


def decode_to_pcm16(data: bytes, *, sample_rate: int | None = None) -> tuple[bytes, int]:
    """Decode audio in any container FFmpeg knows to mono pcm16.

    Handles wav, mp3, flac, ogg/opus, aac (ADTS), m4a and webm. Multi-channel audio is downmixed.

    Args:
        data: The encoded file's bytes.
        sample_rate: Resample to this rate; ``None`` keeps the file's own rate.

    Returns:
        ``(pcm, rate)``: raw s16le mono samples and their sample rate.

    Raises:
        AudioValidationError: ``data`` is empty, corrupt, or holds no audio stream.
        ImportError: PyAV is not installed.

    Example:
        >>> pcm, rate = decode_to_pcm16(encode_pcm16(b"\\x00\\x00" * 2400, 24000, "wav"),
        ...                             sample_rate=16000)
        >>> rate, len(pcm)
        (16000, 3200)
    """
    if not data:
        raise AudioValidationError("The audio is empty (0 bytes); nothing to decode.")
    av = _import_av()
    pieces: list[bytes] = []
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            streams = [s for s in container.streams if s.type == "audio"]
            if not streams:
                raise AudioValidationError("The file holds no audio stream.")
            stream = streams[0]
            rate = int(sample_rate or stream.codec_context.sample_rate or stream.rate or 0)
            if rate <= 0:
                raise AudioValidationError("Could not determine the audio's sample rate.")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=rate)
            for frame in _resample_frames(resampler, container.decode(stream)):
                pieces.append(_frame_bytes(frame))
    except AudioValidationError:
        raise
    except (av.FFmpegError, ValueError, EOFError) as exc:
        raise AudioValidationError(
            f"Could not decode the audio ({type(exc).__name__}: {exc}). "
            "Is it a complete wav/mp3/flac/ogg/aac/m4a/webm file?"
        ) from exc
    pcm = b"".join(pieces)
    if not pcm:
        raise AudioValidationError("The audio decoded to no samples (empty or corrupt file).")
    return pcm, rate


def resample_pcm16(pcm: bytes, from_rate: int, to_rate: int) -> bytes:
    """Resample mono pcm16 from ``from_rate`` to ``to_rate`` (Hz).

    Example:
        >>> len(resample_pcm16(b"\\x00\\x00" * 22050, 22050, 24000))
        48000
    """
    if from_rate <= 0 or to_rate <= 0:
        raise ValueError(f"Sample rates must be positive (got {from_rate} -> {to_rate}).")
    if from_rate == to_rate or not pcm:
        return pcm
    av = _import_av()
    resampler = av.AudioResampler(format="s16", layout="mono", rate=to_rate)
    return b"".join(
        _frame_bytes(f) for f in _resample_frames(resampler, _pcm_frames(av, pcm, from_rate))
    )


def pcm16_to_wav(pcm: bytes, *, sample_rate: int = 24_000, channels: int = 1) -> bytes:
    """Wrap raw signed 16-bit little-endian PCM in a wav container (stdlib :mod:`wave`).

    The one pcm→wav writer of the package (re-exported as ``audio.pcm16_to_wav``).
    """
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm)
    return buf.getvalue()


def encode_pcm16(pcm: bytes, sample_rate: int, fmt: str) -> bytes:
    """Encode mono pcm16 at ``sample_rate`` into ``fmt``.

    Args:
        pcm: Raw s16le mono samples.
        sample_rate: Their rate in Hz.
        fmt: ``wav``, ``mp3``, ``flac``, ``opus`` (Ogg container), ``aac`` (ADTS) or
            ``pcm``/``pcm16`` (returned as is).

    Raises:
        ValueError: unknown ``fmt``.
        ImportError: PyAV is missing and ``fmt`` is not wav/pcm.

    Example:
        >>> encode_pcm16(b"\\x01\\x00", 24000, "pcm")
        b'\\x01\\x00'
    """
    fmt = fmt.lower()
    if fmt in ("pcm", "pcm16"):
        return pcm
    if fmt == "wav":
        return pcm16_to_wav(pcm, sample_rate=sample_rate)
    if fmt not in _ENCODERS:
        raise ValueError(
            f"Cannot encode audio as {fmt!r}; use one of: {', '.join(sorted(ENCODABLE_FORMATS))}."
        )
    av = _import_av()
    container_fmt, codec_name, sample_fmts = _ENCODERS[fmt]
    out_rate = sample_rate
    if codec_name == "libopus" and out_rate not in _OPUS_RATES:
        out_rate = min(_OPUS_RATES, key=lambda r: (r < sample_rate, abs(r - sample_rate)))
    codec = av.codec.Codec(codec_name, "w")
    supported = {f.name for f in (codec.audio_formats or ())}
    sample_fmt = next((f for f in sample_fmts if f in supported), sample_fmts[0])

    out = io.BytesIO()
    with av.open(out, mode="w", format=container_fmt) as container:
        stream = container.add_stream(codec_name, rate=out_rate)
        stream.layout = "mono"
        stream.format = sample_fmt
        if fmt in ("mp3", "aac", "opus"):
            stream.bit_rate = 64000
        stream.codec_context.open()
        frame_size = int(stream.codec_context.frame_size or 0) or None
        resampler = av.AudioResampler(
            format=sample_fmt, layout="mono", rate=out_rate, frame_size=frame_size
        )
        for frame in _resample_frames(resampler, _pcm_frames(av, pcm, sample_rate)):
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()
