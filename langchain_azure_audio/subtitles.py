"""SubRip (srt) and WebVTT documents: timestamps, rendering and parsing.

Pure functions on plain dicts and numbers, importing nothing else of the package, so that the
local emulator can render the same documents as the tools without importing a LangChain class.

Example:
    >>> format_timestamp(3661.5, ",")
    '01:01:01,500'
    >>> print(render_srt([{"start": 0.0, "end": 1.25, "text": " Hi."}]))
    1
    00:00:00,000 --> 00:00:01,250
    Hi.
    <BLANKLINE>
    >>> parse_subtitles("WEBVTT\\n\\n00:00.500 --> 00:01.000\\nHi.\\n")
    [{'id': 0, 'start': 0.5, 'end': 1.0, 'text': 'Hi.'}]
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["format_timestamp", "parse_subtitles", "render_srt", "render_vtt"]


def format_timestamp(seconds: float, sep: str) -> str:
    """``HH:MM:SS<sep>mmm`` (``sep`` is ``","`` for srt, ``"."`` for vtt); negatives are 0."""
    ms = max(0, round(seconds * 1000))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _cue(seg: Mapping[str, Any], sep: str) -> str:
    start, end = format_timestamp(seg["start"], sep), format_timestamp(seg["end"], sep)
    return f"{start} --> {end}\n{str(seg.get('text', '')).strip()}\n"


def render_srt(segments: Sequence[Mapping[str, Any]]) -> str:
    """SubRip text of ``segments`` (``start``/``end`` in seconds, ``text``)."""
    return "\n".join(f"{i}\n{_cue(seg, ',')}" for i, seg in enumerate(segments, 1))


def render_vtt(segments: Sequence[Mapping[str, Any]]) -> str:
    """WebVTT text of ``segments``."""
    return "\n".join(["WEBVTT\n", *(_cue(seg, ".") for seg in segments)])


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
