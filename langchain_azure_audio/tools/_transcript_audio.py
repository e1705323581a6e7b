"""Getting a recording ready for ``/audio/transcriptions``: validate, convert, plan its chunks.

No request is sent here. The recording is checked (:func:`~langchain_azure_audio.audio.
check_audio_header`, the one audio validation), converted to wav when the deployment does not
take its container, and — when it is longer than ``max_seconds`` or larger than ``max_bytes`` —
decoded to 16 kHz pcm16 and planned as chunks cut at pauses (:func:`plan_chunks`).

Example:
    >>> from langchain_azure_audio.audio import pcm16_to_wav
    >>> limits = ChunkLimits(max_seconds=1.0, max_bytes=25 * 1024 * 1024, overlap_seconds=0.1)
    >>> wav = pcm16_to_wav(b"\\x10\\x27" * 16000 * 3, sample_rate=16000)
    >>> [c.describe() for c in prepare_audio(wav, None, limits).chunks]
    ['chunk 1 (0.0s-1.0s)', 'chunk 2 (0.9s-1.9s)', 'chunk 3 (1.8s-2.8s)', 'chunk 4 (2.6s-3.0s)']
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from langchain_azure_audio import audio_codecs
from langchain_azure_audio.audio import check_audio_header, pcm16_to_wav, sniff_format
from langchain_azure_audio.errors import AudioValidationError
from langchain_azure_audio.pcm import wav_to_pcm16
from langchain_azure_audio.tools._chunking import ChunkSpan, plan_chunks

__all__ = ["WHISPER_RATE", "ChunkLimits", "PreparedAudio", "prepare_audio"]

logger = logging.getLogger(__name__)

WHISPER_RATE = 16_000
"""Chunks are sent as 16 kHz mono wav (what Whisper listens at): no information is lost."""
_MIN_BYTES_PER_SECOND = 1000
"""Lowest bitrate assumed when guessing whether compressed audio could exceed the length limit."""
_WAV_HEADER_BYTES = 64
"""Room left for a chunk's wav header under ``max_bytes``."""


@dataclass(frozen=True)
class ChunkLimits:
    """How long and how large one request's audio may be, and the overlap at unquiet cuts."""

    max_seconds: float
    max_bytes: int
    overlap_seconds: float


@dataclass(frozen=True)
class PreparedAudio:
    """Audio ready to send: whole (``data`` in ``format``), or ``chunks`` of ``pcm``."""

    data: bytes
    format: str
    chunks: list[ChunkSpan] = field(default_factory=list)
    pcm: bytes = b""
    rate: int = 0

    def chunk_wav(self, span: ChunkSpan) -> bytes:
        """One chunk as a wav file."""
        return pcm16_to_wav(span.slice(self.pcm), sample_rate=self.rate)


def _needs_codecs(fmt: str, size: int, convert: bool) -> AudioValidationError:
    return AudioValidationError(
        f"This {fmt} audio ({size / 1048576:.1f} MB) must be "
        + ("converted" if convert else "split into chunks")
        + ' first, which needs the codecs extra: pip install "langchain-azure-'
        'audio[codecs]" (or send wav, which is split without it).'
    )


def prepare_audio(
    data: bytes, input_formats: frozenset[str] | None, limits: ChunkLimits
) -> PreparedAudio:
    """Validate ``data`` and decide whether (and where) to split it.

    Args:
        data: The recording.
        input_formats: Containers the deployment takes (``None``: whatever ``data`` is).
        limits: Chunk length and size limits.

    Raises:
        AudioValidationError: empty, not audio, corrupt, or a conversion or split that needs
            the codecs extra when it is not installed.
    """
    if not data:
        raise AudioValidationError("The audio is empty (0 bytes).")
    fmt = sniff_format(data)
    if fmt is None:
        raise AudioValidationError(
            f"The data is not audio in a known container (first bytes {data[:8]!r}). Send "
            "wav, mp3, m4a, flac, ogg or webm."
        )
    have_codecs = audio_codecs.codecs_available()
    allowed = input_formats if input_formats is not None else frozenset({fmt})
    duration: float | None = None
    decoded: tuple[bytes, int] | None = None
    info = check_audio_header(data[:65536], len(data), fmt)
    if info is not None:
        decoded = wav_to_pcm16(data)
        duration = info.duration
    too_big = len(data) > limits.max_bytes
    maybe_long = duration is None and len(data) > limits.max_seconds * _MIN_BYTES_PER_SECOND
    needs_convert = fmt not in allowed
    if duration is None and (too_big or maybe_long or needs_convert):
        if have_codecs:
            decoded = audio_codecs.decode_to_pcm16(data, sample_rate=WHISPER_RATE)
            duration = len(decoded[0]) / (2 * decoded[1])
        elif needs_convert or too_big:
            raise _needs_codecs(fmt, len(data), needs_convert)
    too_long = duration is not None and duration > limits.max_seconds
    if not (too_big or too_long):
        if needs_convert and decoded is not None:
            return PreparedAudio(pcm16_to_wav(decoded[0], sample_rate=decoded[1]), "wav")
        return PreparedAudio(data, fmt)
    if decoded is None:
        if not have_codecs:
            raise AudioValidationError(
                "This wav file is not 16-bit PCM; splitting it needs the codecs extra: "
                'pip install "langchain-azure-audio[codecs]".'
            )
        decoded = audio_codecs.decode_to_pcm16(data, sample_rate=WHISPER_RATE)
    pcm, rate = decoded
    if rate > WHISPER_RATE and have_codecs:
        pcm, rate = audio_codecs.resample_pcm16(pcm, rate, WHISPER_RATE), WHISPER_RATE
    byte_seconds = (limits.max_bytes - _WAV_HEADER_BYTES) / (2 * rate)
    spans = plan_chunks(
        pcm,
        rate,
        max_seconds=min(limits.max_seconds, byte_seconds),
        overlap_seconds=limits.overlap_seconds,
    )
    logger.info(
        "Audio of %.1f s / %.1f MB split into %d chunks.",
        len(pcm) / (2 * rate),
        len(data) / 1048576,
        len(spans),
    )
    return PreparedAudio(data, fmt, spans, pcm, rate)
