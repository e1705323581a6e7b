"""Audio for realtime sessions: everything becomes pcm16, 24 kHz, mono (the session's format).

Uses the package's one audio layer (:mod:`langchain_azure_audio.audio`, and PyAV through
``_codecs`` for anything that is not already 24 kHz pcm16 wav).

Example:
    >>> from langchain_azure_audio.audio import pcm16_to_wav
    >>> len(to_session_pcm16(pcm16_to_wav(b"\\x01\\x00" * 480)))
    960
    >>> [len(f) for f in pcm16_frames(b"\\x00" * 2000, frame_ms=20)]
    [960, 960, 80]
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path

from langchain_azure_audio.audio import PCM16_SAMPLE_RATE, parse_wav_header, sniff_format
from langchain_azure_audio.errors import AudioValidationError

__all__ = [
    "BYTES_PER_MS",
    "aiter_frames",
    "bytes_to_ms",
    "ms_to_bytes",
    "pcm16_frames",
    "read_pcm16",
    "to_session_pcm16",
]

BYTES_PER_MS = PCM16_SAMPLE_RATE * 2 // 1000
"""48 bytes of 24 kHz mono pcm16 per millisecond."""


def bytes_to_ms(n: int) -> float:
    """Playback length in ms of ``n`` bytes of session audio."""
    return n / BYTES_PER_MS


def ms_to_bytes(ms: float) -> int:
    """Bytes of session audio in ``ms`` milliseconds (whole samples)."""
    return int(ms * BYTES_PER_MS) // 2 * 2


def to_session_pcm16(data: bytes, *, raw_unless_wav: bool = False) -> bytes:
    """Return ``data`` as raw 24 kHz mono pcm16.

    Raw pcm16 passes through (it must have whole samples); wav at 24 kHz mono 16-bit is unwrapped
    without copying through a decoder; any other container or rate is decoded and resampled
    (``codecs`` extra). With ``raw_unless_wav`` (microphone frames), anything but a RIFF/WAVE
    file is taken as raw pcm16: samples can look like an mp3 frame header by chance.

    Converting can take milliseconds per second of audio: call it off the event loop for long
    clips (:meth:`RealtimeSession.send_audio` does).

    Raises:
        AudioValidationError: odd-length raw pcm, empty or corrupt audio, or a container that
            needs the ``codecs`` extra when it is not installed.
    """
    fmt = sniff_format(data[:64]) if data else None
    if raw_unless_wav and fmt != "wav":
        fmt = None
    if fmt is None:
        if len(data) % 2:
            raise AudioValidationError(
                f"Realtime audio is pcm16 (2 bytes a sample); got {len(data)} bytes, an odd "
                "number. Send whole samples of 24 kHz mono signed 16-bit little-endian audio."
            )
        return data
    if fmt == "wav":
        info = parse_wav_header(data[:65536], len(data))
        if (
            info.format_tag == 1
            and info.sample_width == 2
            and info.channels == 1
            and info.sample_rate == PCM16_SAMPLE_RATE
        ):
            return data[info.data_offset : info.data_offset + info.data_bytes]
    try:
        from langchain_azure_audio import audio_codecs

        pcm, _rate = audio_codecs.decode_to_pcm16(data, sample_rate=PCM16_SAMPLE_RATE)
    except ImportError as exc:
        raise AudioValidationError(
            f"Realtime sessions take 24 kHz mono pcm16; converting {fmt} audio needs the codecs "
            'extra: pip install "langchain-azure-audio[codecs]" (or send 24 kHz mono 16-bit wav).'
        ) from exc
    return pcm


def read_pcm16(path: str | os.PathLike[str]) -> bytes:
    """Read an audio file (wav, or anything the codecs extra decodes) as session pcm16."""
    return to_session_pcm16(Path(os.fspath(path)).read_bytes())


def pcm16_frames(pcm: bytes, *, frame_ms: int = 20) -> Iterator[bytes]:
    """Cut pcm16 into ``frame_ms`` frames (the last one may be shorter), as a microphone would."""
    size = ms_to_bytes(frame_ms)
    if size <= 0:
        raise ValueError(f"frame_ms must be positive (got {frame_ms}).")
    for start in range(0, len(pcm), size):
        yield pcm[start : start + size]


async def aiter_frames(
    frames: Iterable[bytes], *, pace: float | None = None, frame_ms: int = 20
) -> AsyncIterator[bytes]:
    """Turn frames into an async iterable; ``pace=1.0`` sends them in real time."""
    import asyncio

    for frame in frames:
        yield frame
        if pace:
            await asyncio.sleep(frame_ms / 1000.0 / pace)
