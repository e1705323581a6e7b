"""Stitching the transcripts of a long recording's chunks back into one.

:func:`stitch` offsets segment and word timestamps by each chunk's start, keeps every overlap
word once (each side owns the half of the overlap nearest to it), keeps timestamps monotonic,
and joins plain text without repeating the overlap's words (:func:`merge_text`).

Example:
    >>> merge_text("the quick brown fox", "brown fox jumps over", overlap=True)
    'the quick brown fox jumps over'
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_azure_audio.tools._chunking import ChunkSpan

__all__ = ["ChunkTranscript", "StitchedTranscript", "merge_text", "overlap_words", "stitch"]

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


def _segments_text(segments: list[dict[str, Any]]) -> str:
    return " ".join(str(s.get("text", "")).strip() for s in segments)


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
            if overlap and text:
                own = _drop_leading_words(own, overlap_words(text, _segments_text(own)))
            segments.extend(own)
            text = merge_text(text, _segments_text(own), overlap=False)
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
