"""Splitting long inputs for the audio endpoints and stitching the results back together.

Text (``/audio/speech`` takes at most 4096 characters):

* :func:`split_text` packs whole sentences into pieces of at most ``max_chars`` characters; a
  sentence longer than that is cut at clause marks, then at spaces, never inside a word unless
  a single "word" is longer than the limit.
* :class:`SentenceBuffer` finds sentence ends in streamed text (an LLM's tokens) so that speech
  can start before the whole reply is known.
* :func:`join_wav` / :func:`wav_to_pcm16` join synthesized pieces with the standard library.

Audio (``/audio/transcriptions`` takes at most 25 MB):

* :func:`plan_chunks` cuts pcm16 at the quietest stretch near each chunk limit (RMS energy);
  a cut that is not at silence gets a small overlap so that no word is lost at the join.
* :func:`stitch` offsets segment and word timestamps by each chunk's start, keeps every overlap
  word once (each side owns the half of the overlap nearest to it), keeps timestamps monotonic,
  and joins plain text without repeating the overlap's words.
* :func:`render_srt` / :func:`render_vtt` / :func:`parse_subtitles` for subtitle formats.

Example:
    >>> split_text("One. Two is longer. Three!", max_chars=12)
    ['One.', 'Two is', 'longer.', 'Three!']
    >>> merge_text("the quick brown fox", "brown fox jumps over", overlap=True)
    'the quick brown fox jumps over'
"""

from __future__ import annotations

import array
import math
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_azure_audio.audio import parse_wav_header

__all__ = [
    "ChunkSpan",
    "ChunkTranscript",
    "SentenceBuffer",
    "StitchedTranscript",
    "frame_energies",
    "join_wav",
    "merge_text",
    "overlap_words",
    "parse_subtitles",
    "plan_chunks",
    "render_srt",
    "render_vtt",
    "split_text",
    "stitch",
    "wav_to_pcm16",
]

# -- text -------------------------------------------------------------------------------------

_SENTENCE_RE = re.compile(
    r".*?(?:[.!?\u2026\u3002\uff01\uff1f]+[\"'\u201d\u2019)\]]*(?=\s|$)|\n\s*\n|$)\s*",
    re.DOTALL,
)
_CLAUSE_RE = re.compile(r".*?(?:[,;:\u2013\u2014\uff0c\uff1b]+(?=\s)|$)\s*", re.DOTALL)
_SENTENCE_END_RE = re.compile(r"[.!?\u2026\u3002\uff01\uff1f]+[\"'\u201d\u2019)\]]*\s|\n\s*\n")


def _sentences(text: str) -> list[str]:
    """Sentences of ``text`` with their trailing whitespace (they concatenate back to ``text``)."""
    return [m.group(0) for m in _SENTENCE_RE.finditer(text) if m.group(0)]


def _split_long(sentence: str, max_chars: int) -> list[str]:
    """Cut one over-long sentence at clause marks, then spaces, then hard."""
    out: list[str] = []
    for clause in (m.group(0) for m in _CLAUSE_RE.finditer(sentence) if m.group(0)):
        if len(clause.strip()) <= max_chars:
            out.append(clause)
            continue
        words = re.findall(r"\S+\s*", clause)
        for word in words:
            if len(word.strip()) <= max_chars:
                out.append(word)
            else:
                stripped = word.strip()
                out.extend(stripped[i : i + max_chars] for i in range(0, len(stripped), max_chars))
    return out


def split_text(text: str, max_chars: int = 4096) -> list[str]:
    """Split ``text`` into pieces of at most ``max_chars`` characters at sentence boundaries.

    Whole sentences are packed greedily; pieces are stripped and never empty.

    Example:
        >>> split_text("Short text.")
        ['Short text.']
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive.")
    if len(text.strip()) <= max_chars:
        return [text.strip()] if text.strip() else []
    units: list[tuple[str, bool]] = []  # (text, must start a new piece)
    for sentence in _sentences(text):
        if len(sentence.strip()) <= max_chars:
            units.append((sentence, False))
        else:
            fragments = _split_long(sentence, max_chars)
            units.extend((frag, i == 0) for i, frag in enumerate(fragments))
    pieces: list[str] = []
    current = ""
    for unit, fresh in units:
        if current and (fresh or len((current + unit).strip()) > max_chars):
            pieces.append(current.strip())
            current = ""
        current += unit
    if current.strip():
        pieces.append(current.strip())
    return [p for p in pieces if p]


class SentenceBuffer:
    """Collects streamed text and releases it sentence by sentence.

    Example:
        >>> buf = SentenceBuffer(min_chars=1)
        >>> buf.feed("Hello there. How")
        ['Hello there.']
        >>> buf.feed(" are you?") + buf.flush()
        ['How are you?']
    """

    def __init__(self, *, min_chars: int = 20, max_chars: int = 4096) -> None:
        self.min_chars = min_chars
        self.max_chars = max_chars
        self._buf = ""

    def feed(self, text: str) -> list[str]:
        """Add text; return the complete sentences (grouped to at least ``min_chars``)."""
        self._buf += text
        out: list[str] = []
        while True:
            cut = None
            for match in _SENTENCE_END_RE.finditer(self._buf):
                if match.end() >= self.min_chars:
                    cut = match.end()
                    break
            if cut is None:
                if len(self._buf) > self.max_chars:
                    pieces = split_text(self._buf, self.max_chars)
                    out.extend(pieces[:-1])
                    self._buf = pieces[-1] if pieces else ""
                return [p for p in out if p]
            piece, self._buf = self._buf[:cut].strip(), self._buf[cut:]
            if piece:
                out.extend(split_text(piece, self.max_chars))

    def flush(self) -> list[str]:
        """Return whatever text is left (the last, possibly unfinished, sentence)."""
        rest, self._buf = self._buf, ""
        return split_text(rest, self.max_chars)


# -- wav ----------------------------------------------------------------------------------------


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


def _samples(pcm: bytes) -> array.array[int]:
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
    samples = _samples(pcm)
    mono = array.array(
        "h",
        (
            int(sum(samples[i : i + channels]) / channels)
            for i in range(0, len(samples) - channels + 1, channels)
        ),
    )
    return _to_bytes(mono)


def join_wav(pieces: Sequence[bytes]) -> tuple[bytes, int]:
    """Join 16-bit wav files into one stream of pcm16 (resampling pieces to the first's rate).

    Returns ``(pcm, rate)``.
    """
    joined: list[bytes] = []
    rate = 0
    for piece in pieces:
        decoded = wav_to_pcm16(piece)
        if decoded is None:
            from langchain_azure_audio import _codecs

            decoded = _codecs.decode_to_pcm16(piece)
        pcm, piece_rate = decoded
        if rate == 0:
            rate = piece_rate
        elif piece_rate != rate:
            from langchain_azure_audio import _codecs

            pcm = _codecs.resample_pcm16(pcm, piece_rate, rate)
        joined.append(pcm)
    return b"".join(joined), rate or 24_000


# -- energy and chunk plans ---------------------------------------------------------------------


def frame_energies(pcm: bytes, frame_len: int) -> list[float]:
    """RMS energy of consecutive frames of ``frame_len`` samples (numpy when installed)."""
    n_frames = (len(pcm) // 2) // frame_len
    if n_frames == 0:
        return []
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is almost always present
        samples = _samples(pcm)
        out: list[float] = []
        for f in range(n_frames):
            window = samples[f * frame_len : (f + 1) * frame_len]
            out.append(math.sqrt(sum(s * s for s in window) / frame_len))
        return out
    arr = np.frombuffer(pcm, dtype="<i2", count=n_frames * frame_len).astype(np.float64)
    energies = np.sqrt(np.mean(arr.reshape(n_frames, frame_len) ** 2, axis=1))
    return [float(e) for e in energies]


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


@dataclass(frozen=True)
class ChunkSpan:
    """One chunk of a long recording, in samples of ``rate`` Hz.

    Attributes:
        index: Position of the chunk (0-based).
        start: First sample.
        end: One past the last sample.
        overlap: Samples shared with the previous chunk (0 when cut at silence).
        rate: Sample rate.
        silent_cut: Whether the cut *after* this chunk falls in silence.
    """

    index: int
    start: int
    end: int
    overlap: int
    rate: int
    silent_cut: bool = True

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
    heard whole by one of the two chunks; :func:`stitch` removes the duplicate.

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
        return [ChunkSpan(0, 0, n, 0, rate, True)]
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
            spans.append(ChunkSpan(len(spans), start, n, overlap, rate, True))
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
        spans.append(ChunkSpan(len(spans), start, cut, overlap, rate, silent))
        next_start = cut if silent else max(cut - overlap_n, start + 1)
        overlap = cut - next_start
        start = next_start


# -- transcripts ---------------------------------------------------------------------------------

_WORD_NORM_RE = re.compile(r"[^\w']+")


def _norm(word: str) -> str:
    return _WORD_NORM_RE.sub("", word.lower())


def overlap_words(previous: str, following: str, *, max_words: int = 12) -> int:
    """How many leading words of ``following`` repeat the end of ``previous``.

    Looks for the longest run of up to ``max_words`` words ending ``previous`` that reappears at
    the start of ``following`` (which may begin with up to two fragments of the word at the
    cut); a single repeated word counts only when it has at least four letters.
    """
    prev_words = [_norm(w) for w in previous.split()]
    next_words = [_norm(w) for w in following.split()]
    for k in range(min(len(prev_words), len(next_words), max_words), 0, -1):
        tail = prev_words[-k:]
        for skip in range(0, min(3, len(next_words) - k + 1)):
            if next_words[skip : skip + k] == tail and (k >= 2 or len(tail[0]) >= 4):
                return skip + k
    return 0


def merge_text(previous: str, following: str, *, overlap: bool, max_words: int = 12) -> str:
    """Join two chunk transcripts, dropping words the overlap made ``following`` repeat.

    Only when ``overlap`` is true (the chunks share audio) is a repeat looked for (see
    :func:`overlap_words`).
    """
    previous, following = previous.strip(), following.strip()
    if not previous:
        return following
    if not following:
        return previous
    if overlap:
        drop = overlap_words(previous, following, max_words=max_words)
        if drop:
            following = " ".join(following.split()[drop:])
    return f"{previous} {following}".strip()


def _drop_leading_words(segments: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """Remove ``count`` words from the start of consecutive segments' texts."""
    out: list[dict[str, Any]] = []
    for seg in segments:
        if count > 0:
            words = str(seg.get("text", "")).split()
            taken = min(count, len(words))
            count -= taken
            if taken == len(words):
                continue
            seg = {**seg, "text": " " + " ".join(words[taken:])}
        out.append(seg)
    return out


@dataclass
class ChunkTranscript:
    """What the service returned for one chunk (times relative to the chunk's start)."""

    span: ChunkSpan
    text: str
    segments: list[dict[str, Any]] = field(default_factory=list)
    words: list[dict[str, Any]] = field(default_factory=list)
    language: str | None = None
    duration: float | None = None


@dataclass
class StitchedTranscript:
    """The whole recording's transcript, times relative to its start."""

    text: str
    segments: list[dict[str, Any]]
    words: list[dict[str, Any]]
    language: str | None
    duration: float | None


def _owned(
    items: Iterable[dict[str, Any]], offset: float, lo: float, hi: float
) -> list[dict[str, Any]]:
    kept = []
    for item in items:
        start = float(item.get("start", 0.0)) + offset
        end = float(item.get("end", start - offset)) + offset
        mid = (start + end) / 2
        if lo <= mid < hi:
            kept.append({**item, "start": round(start, 3), "end": round(max(end, start), 3)})
    return kept


def _monotonic(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Make items follow one another: each starts no earlier than the previous one ends."""
    last = 0.0
    for item in items:
        if item["start"] < last:
            item["start"] = last
        if item["end"] < item["start"]:
            item["end"] = item["start"]
        last = item["end"]
    return items


def stitch(parts: Sequence[ChunkTranscript]) -> StitchedTranscript:
    """Join chunk transcripts: offset timestamps, drop overlap duplicates, keep order.

    Each chunk owns the time from the middle of its overlap with the previous chunk to the middle
    of its overlap with the next one; a segment or word belongs to the chunk owning its midpoint.
    Words that a chunk's text repeats from the previous chunk's end (the overlap heard twice)
    are removed from its first segments. Each segment (and word) starts no earlier than the
    previous one ends, so timestamps are monotonic across the joins.
    """
    bounds = [p.span.start_seconds + p.span.overlap_seconds / 2 for p in parts]
    segments: list[dict[str, Any]] = []
    words: list[dict[str, Any]] = []
    text = ""
    language = None
    for i, part in enumerate(parts):
        lo = bounds[i] if i > 0 else -math.inf
        hi = bounds[i + 1] if i + 1 < len(parts) else math.inf
        offset = part.span.start_seconds
        overlap = part.span.overlap > 0
        words.extend(_owned(part.words, offset, lo, hi))
        language = language or part.language
        if part.segments:
            own = _owned(part.segments, offset, lo, hi)
            chunk_text = " ".join(str(s.get("text", "")).strip() for s in own)
            if overlap and text:
                own = _drop_leading_words(own, overlap_words(text, chunk_text))
                chunk_text = " ".join(str(s.get("text", "")).strip() for s in own)
            segments.extend(own)
            text = merge_text(text, chunk_text, overlap=False)
        else:
            text = merge_text(text, part.text, overlap=overlap)
    for idx, seg in enumerate(segments):
        seg["id"] = idx
    duration = None
    if parts:
        last = parts[-1]
        length = (
            last.duration
            if last.duration is not None
            else last.span.end_seconds - last.span.start_seconds
        )
        duration = round(last.span.start_seconds + length, 3)
    return StitchedTranscript(
        text=text.strip(),
        segments=_monotonic(segments),
        words=_monotonic(words),
        language=language,
        duration=duration,
    )


# -- subtitles ----------------------------------------------------------------------------------


def _timestamp(seconds: float, sep: str) -> str:
    ms = max(0, round(seconds * 1000))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def render_srt(segments: Sequence[dict[str, Any]]) -> str:
    """SubRip text of ``segments`` (``start``/``end`` in seconds, ``text``)."""
    cues = []
    for i, seg in enumerate(segments, 1):
        start, end = _timestamp(seg["start"], ","), _timestamp(seg["end"], ",")
        cues.append(f"{i}\n{start} --> {end}\n{str(seg.get('text', '')).strip()}\n")
    return "\n".join(cues)


def render_vtt(segments: Sequence[dict[str, Any]]) -> str:
    """WebVTT text of ``segments``."""
    cues = ["WEBVTT\n"]
    for seg in segments:
        start, end = _timestamp(seg["start"], "."), _timestamp(seg["end"], ".")
        cues.append(f"{start} --> {end}\n{str(seg.get('text', '')).strip()}\n")
    return "\n".join(cues)


_CUE_TIME_RE = re.compile(
    r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})\s*-->\s*(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
)


def _cue_seconds(h: str | None, m: str, s: str, ms: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000


def parse_subtitles(document: str) -> list[dict[str, Any]]:
    """Segments (``id``, ``start``, ``end``, ``text``) of an srt or vtt document."""
    segments: list[dict[str, Any]] = []
    for block in re.split(r"\n\s*\n", document.replace("\r\n", "\n")):
        lines = [ln for ln in block.strip().split("\n") if ln.strip()]
        for i, line in enumerate(lines):
            match = _CUE_TIME_RE.search(line)
            if match:
                g = match.groups()
                segments.append(
                    {
                        "id": len(segments),
                        "start": _cue_seconds(g[0], g[1], g[2], g[3]),
                        "end": _cue_seconds(g[4], g[5], g[6], g[7]),
                        "text": " ".join(lines[i + 1 :]).strip(),
                    }
                )
                break
    return segments
