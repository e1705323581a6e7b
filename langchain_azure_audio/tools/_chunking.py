"""Planning the chunks of a long recording (``/audio/transcriptions`` takes at most 25 MB).

:func:`plan_chunks` cuts pcm16 at the quietest stretch near each chunk limit (RMS energy); a
cut that is not at silence gets a small overlap so that no word is lost at the join
(:mod:`~langchain_azure_audio.tools._stitching` removes the words heard twice).

Example:
    >>> span = ChunkSpan(index=1, start=16000, end=48000, overlap=0, rate=16000)
    >>> span.describe()
    'chunk 2 (1.0s-3.0s)'
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_azure_audio.pcm import frame_energies

__all__ = ["SILENCE_RMS", "ChunkSpan", "plan_chunks"]


@dataclass(frozen=True)
class ChunkSpan:
    """One chunk of a long recording, in samples of ``rate`` Hz.

    Attributes:
        index: Position of the chunk (0-based).
        start: First sample.
        end: One past the last sample.
        overlap: Samples shared with the previous chunk (0 when cut at silence).
        rate: Sample rate.
    """

    index: int
    start: int
    end: int
    overlap: int
    rate: int

    @property
    def start_seconds(self) -> float:
        return self.start / self.rate

    @property
    def end_seconds(self) -> float:
        return self.end / self.rate

    @property
    def overlap_seconds(self) -> float:
        return self.overlap / self.rate

    def slice(self, pcm: bytes) -> bytes:
        """The chunk's samples out of the whole recording's pcm16."""
        return pcm[self.start * 2 : self.end * 2]

    def describe(self) -> str:
        return f"chunk {self.index + 1} ({self.start_seconds:.1f}s-{self.end_seconds:.1f}s)"


SILENCE_RMS = 328.0
"""RMS (of pcm16 samples) below which a stretch counts as silence: about -40 dBFS."""


def _smooth(values: list[float], width: int) -> list[float]:
    """Centered moving average (pauses, not single quiet frames inside a word)."""
    if width <= 1 or len(values) <= 1:
        return list(values)
    half = width // 2
    prefix = [0.0]
    for v in values:
        prefix.append(prefix[-1] + v)
    out = []
    for i in range(len(values)):
        lo, hi = max(0, i - half), min(len(values), i + half + 1)
        out.append((prefix[hi] - prefix[lo]) / (hi - lo))
    return out


def plan_chunks(
    pcm: bytes,
    rate: int,
    *,
    max_seconds: float,
    overlap_seconds: float = 1.0,
    search_seconds: float | None = None,
    silence_rms: float = SILENCE_RMS,
) -> list[ChunkSpan]:
    """Plan chunks of at most ``max_seconds``, cut at the quietest pause near each limit.

    Each cut is searched in the last ``search_seconds`` before the limit (default: a quarter
    of ``max_seconds``, at most 30 s) using the RMS energy of 20 ms frames, smoothed over 300
    ms. When even the quietest point is louder than ``silence_rms`` (continuous speech or
    music), the next chunk starts ``overlap_seconds`` before the cut so the word at the cut is
    heard whole by one of the two chunks; the stitching removes the duplicate.

    Example:
        >>> pcm = b"\\x10\\x27" * 16000 * 3 + b"\\x00\\x00" * 16000 + b"\\x10\\x27" * 16000 * 3
        >>> [(c.start_seconds, round(c.end_seconds, 2), c.overlap) for c in
        ...  plan_chunks(pcm, 16000, max_seconds=5)]
        [(0.0, 3.85, 0), (3.85, 7.0, 0)]
    """
    if max_seconds <= 0:
        raise ValueError("max_seconds must be positive.")
    n = len(pcm) // 2
    max_n = max(int(max_seconds * rate), 1)
    if n <= max_n:
        return [ChunkSpan(0, 0, n, 0, rate)]
    frame_len = max(rate // 50, 1)
    energies = _smooth(frame_energies(pcm, frame_len), 15)
    if search_seconds is None:
        search_seconds = min(max_seconds / 4, 30.0)
    search_n = max(min(int(search_seconds * rate), max_n // 2), frame_len)
    overlap_n = max(0, min(int(overlap_seconds * rate), max_n // 4))
    spans: list[ChunkSpan] = []
    start, overlap = 0, 0
    while True:
        if n - start <= max_n:
            spans.append(ChunkSpan(len(spans), start, n, overlap, rate))
            return spans
        hi = start + max_n
        lo = max(hi - search_n, start + max_n // 2)
        f_lo = -(-lo // frame_len)
        f_hi = min(hi // frame_len, len(energies))
        if f_hi > f_lo:
            window = energies[f_lo:f_hi]
            low = min(window)
            # The latest frame within 10 % of the minimum: keep chunks long.
            best = max(i for i, e in enumerate(window) if e <= low * 1.1 + 1e-9) + f_lo
            cut = min(best * frame_len + frame_len // 2, hi)
            silent = low <= silence_rms
        else:
            cut, silent = hi, False
        spans.append(ChunkSpan(len(spans), start, cut, overlap, rate))
        next_start = cut if silent else max(cut - overlap_n, start + 1)
        overlap = cut - next_start
        start = next_start
