"""pcm16 samples of wav files with the standard library: read as mono, join, measure energy.

Wav headers are read by :func:`langchain_azure_audio.audio.parse_wav_header` (the one wav
parser); anything that is not 16-bit PCM wav goes through the optional codecs extra.

Example:
    >>> from langchain_azure_audio.audio import pcm16_to_wav
    >>> wav_to_pcm16(pcm16_to_wav(b"\\x01\\x00" * 4, sample_rate=16000))
    (b'\\x01\\x00\\x01\\x00\\x01\\x00\\x01\\x00', 16000)
"""

from __future__ import annotations

import array
import math
import sys
from collections.abc import Sequence

from langchain_azure_audio import audio_codecs
from langchain_azure_audio.audio import PCM16_SAMPLE_RATE, parse_wav_header

__all__ = ["frame_energies", "join_wav", "pcm16_samples", "wav_to_pcm16"]


def pcm16_samples(pcm: bytes) -> array.array[int]:
    """The signed 16-bit samples of little-endian ``pcm`` (a trailing odd byte is dropped)."""
    samples = array.array("h")
    samples.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    if sys.byteorder == "big":  # pragma: no cover - little-endian everywhere we run
        samples.byteswap()
    return samples


def _to_bytes(samples: array.array[int]) -> bytes:
    if sys.byteorder == "big":  # pragma: no cover
        samples = array.array("h", samples)
        samples.byteswap()
    return samples.tobytes()


def _downmix(pcm: bytes, channels: int) -> bytes:
    samples = pcm16_samples(pcm)
    mono = array.array(
        "h",
        (
            int(sum(samples[i : i + channels]) / channels)
            for i in range(0, len(samples) - channels + 1, channels)
        ),
    )
    return _to_bytes(mono)


def wav_to_pcm16(data: bytes) -> tuple[bytes, int] | None:
    """Mono pcm16 and rate of a 16-bit PCM wav file, with the standard library only.

    Tolerates streamed headers (data size 0 or 0xFFFFFFFF: the samples run to the end of the
    file). Multi-channel audio is averaged to mono. Returns ``None`` for wav files that are not
    16-bit PCM (float, 8/24/32-bit, compressed): decode those with the codecs extra.

    Raises:
        AudioValidationError: not a wav file, or no ``fmt ``/``data`` chunk.
    """
    info = parse_wav_header(data)
    if info.format_tag != 1 or info.sample_width != 2 or info.channels < 1:
        return None
    if info.sample_rate <= 0:
        return None
    pcm = data[info.data_offset : info.data_offset + info.data_bytes]
    frame = 2 * info.channels
    pcm = pcm[: len(pcm) - len(pcm) % frame]
    if info.channels > 1:
        pcm = _downmix(pcm, info.channels)
    return pcm, info.sample_rate


def join_wav(pieces: Sequence[bytes]) -> tuple[bytes, int]:
    """Join wav files into one stream of pcm16 (resampling pieces to the first's rate).

    16-bit PCM wav is read with the standard library; other wav needs the codecs extra.
    Returns ``(pcm, rate)``.
    """
    joined: list[bytes] = []
    rate = 0
    for piece in pieces:
        decoded = wav_to_pcm16(piece)
        pcm, piece_rate = decoded if decoded is not None else audio_codecs.decode_to_pcm16(piece)
        if rate == 0:
            rate = piece_rate
        elif piece_rate != rate:
            pcm = audio_codecs.resample_pcm16(pcm, piece_rate, rate)
        joined.append(pcm)
    return b"".join(joined), rate or PCM16_SAMPLE_RATE


def frame_energies(pcm: bytes, frame_len: int) -> list[float]:
    """RMS energy of consecutive frames of ``frame_len`` samples (numpy when installed)."""
    n_frames = (len(pcm) // 2) // frame_len
    if n_frames == 0:
        return []
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is almost always present
        samples = pcm16_samples(pcm)
        out: list[float] = []
        for f in range(n_frames):
            window = samples[f * frame_len : (f + 1) * frame_len]
            out.append(math.sqrt(sum(s * s for s in window) / frame_len))
        return out
    arr = np.frombuffer(pcm, dtype="<i2", count=n_frames * frame_len).astype(np.float64)
    energies = np.sqrt(np.mean(arr.reshape(n_frames, frame_len) ** 2, axis=1))
    return [float(e) for e in energies]
