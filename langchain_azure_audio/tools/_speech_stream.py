"""Streamed speech: SSE audio events, and mp3 pieces made to follow one another.

Example:
    >>> stripper = Id3Stripper()
    >>> stripper.feed(b"ID3\\x04\\x00\\x00\\x00\\x00\\x00\\x02ab") + stripper.feed(b"\\xff\\xfb")
    b'\\xff\\xfb'
    >>> sse_audio({"type": "speech.audio.delta", "audio": "AAE="})
    b'\\x00\\x01'
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any

from langchain_azure_audio.errors import StreamInterruptedError

__all__ = ["Id3Stripper", "aiter_any", "astrip_id3", "sse_audio", "sse_incomplete", "strip_id3"]


def _id3_length(head: bytes) -> int:
    """Bytes of the ID3v2 tag at the start of ``head`` (at least 10 bytes), or 0."""
    if head[:3] != b"ID3":
        return 0
    size = 0
    for byte in head[6:10]:
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if head[5] & 0x10 else 0
    return 10 + size + footer


class Id3Stripper:
    """Drops a leading ID3v2 tag from a byte stream, so mp3 pieces concatenate cleanly."""

    def __init__(self) -> None:
        self.buf = b""
        self.skip: int | None = None

    def feed(self, chunk: bytes) -> bytes:
        if self.skip is None:
            self.buf += chunk
            if len(self.buf) < 10:
                return b""
            self.skip = _id3_length(self.buf)
            chunk, self.buf = self.buf, b""
        if self.skip:
            dropped = min(self.skip, len(chunk))
            self.skip -= dropped
            chunk = chunk[dropped:]
        return chunk

    def flush(self) -> bytes:
        rest, self.buf = self.buf, b""
        return rest


def strip_id3(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """``chunks`` without a leading ID3v2 tag."""
    stripper = Id3Stripper()
    for chunk in chunks:
        if out := stripper.feed(chunk):
            yield out
    if rest := stripper.flush():
        yield rest


async def astrip_id3(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """Async :func:`strip_id3`."""
    stripper = Id3Stripper()
    async for chunk in chunks:
        if out := stripper.feed(chunk):
            yield out
    if rest := stripper.flush():
        yield rest


async def aiter_any(items: AsyncIterable[str] | Iterable[str]) -> AsyncIterator[str]:
    """Iterate a sync or async iterable asynchronously."""
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item


def sse_audio(event: Any) -> bytes | None:
    """Audio of one speech SSE event; ``None`` at ``speech.audio.done``; ``b""`` otherwise."""
    if not isinstance(event, dict):
        return b""
    kind = event.get("type")
    if kind == "speech.audio.delta":
        data = event.get("audio")
        return base64.b64decode(data) if isinstance(data, str) and data else b""
    if kind == "speech.audio.done":
        return None
    return b""


def sse_incomplete() -> StreamInterruptedError:
    """The error of a speech SSE stream that ended before ``speech.audio.done``."""
    return StreamInterruptedError(
        "The speech stream ended before 'speech.audio.done'; the audio is incomplete. Retry."
    )
