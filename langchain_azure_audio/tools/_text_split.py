"""Splitting text for ``/audio/speech``, which takes at most 4096 characters a request.

* :func:`split_text` packs whole sentences into pieces of at most ``max_chars`` characters; a
  sentence longer than that is cut at clause marks, then at spaces, never inside a word unless
  a single "word" is longer than the limit.
* :class:`SentenceBuffer` finds sentence ends in streamed text (an LLM's tokens) so that speech
  can start before the whole reply is known.

Example:
    >>> split_text("One. Two is longer. Three!", max_chars=12)
    ['One.', 'Two is', 'longer.', 'Three!']
"""

from __future__ import annotations

import re

__all__ = ["SentenceBuffer", "split_text"]

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
