"""The emulator's text arithmetic: a token estimate, word pieces, a cut to a token budget.

Shared by ``/chat/completions``, the speech and transcription routes and the realtime
WebSocket, so usage, streamed deltas and ``max_tokens`` cuts agree everywhere.

Example:
    >>> text_tokens("one two three")
    4
    >>> word_pieces("Hello there, friend")
    ['Hello', ' there,', ' friend']
    >>> truncate_to_tokens("one two three four", 3)
    ('one two', True)
"""

from __future__ import annotations

import math
import re

__all__ = ["text_tokens", "truncate_to_tokens", "word_pieces"]


def text_tokens(text: str) -> int:
    """~1.3 tokens a word."""
    words = len(text.split())
    return math.ceil(words * 1.3)


def word_pieces(text: str) -> list[str]:
    """Split ``text`` into word pieces that concatenate back to it exactly."""
    return re.findall(r"\s*\S+\s*?(?=\s|$)|\s+$", text) or ([text] if text else [])


def truncate_to_tokens(text: str, limit: int | None) -> tuple[str, bool]:
    """``text`` cut to whole words within ``limit`` tokens (``None``: no limit), and if it was."""
    if limit is None or text_tokens(text) <= limit:
        return text, False
    words = text.split()
    keep = max(0, math.floor(limit / 1.3))
    while keep > 0 and text_tokens(" ".join(words[:keep])) > limit:
        keep -= 1
    return " ".join(words[:keep]), True
