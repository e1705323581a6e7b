"""Server-sent events from a response body (the chat, speech and transcription streams).

The SDK's own stream classes build a pydantic model per event; reading the body ourselves keeps
streamed audio to one JSON parse per event (straight from bytes) and lets the caller see whether
``[DONE]`` came. :func:`iter_sse_batches` also keeps the events of one network read together,
so a consumer can merge what arrived at once (see ``StreamAssembler.feed_batch``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from langchain_azure_audio import fastjson
from langchain_azure_audio.errors import AzureAudioError, StreamInterruptedError

__all__ = ["aiter_sse_batches", "aiter_sse_json", "iter_sse_batches", "iter_sse_json"]


class _Decoder:
    """Sans-I/O SSE decoder: bytes in, parsed ``data`` events out."""

    def __init__(self) -> None:
        self.data: list[bytes] = []
        self.done = False
        self._tail = b""

    def line(self, line: bytes) -> Any | None:
        """Feed one line (without its newline); return a parsed event at an event boundary."""
        if not line:
            if not self.data:
                return None
            text = self.data[0] if len(self.data) == 1 else b"\n".join(self.data)
            self.data = []
            if text == b"[DONE]":
                self.done = True
                return None
            event = fastjson.loads(text)
            if isinstance(event, dict) and event.get("error") and len(event) <= 2:
                err = event["error"]
                message = err.get("message") if isinstance(err, dict) else str(err)
                raise AzureAudioError(f"The service reported an error mid-stream: {message}")
            return event
        if line[:1] == b":":
            return None
        field, _, value = line.partition(b":")
        if field == b"data":
            self.data.append(value[1:] if value[:1] == b" " else value)
        return None

    def lines(self, lines: Iterable[bytes]) -> list[Any]:
        """Feed lines; the events they complete, stopping at ``[DONE]``."""
        events = []
        for raw in lines:
            event = self.line(raw[:-1] if raw[-1:] == b"\r" else raw)
            if event is not None:
                events.append(event)
            if self.done:
                break
        return events

    def chunk(self, data: bytes) -> list[Any]:
        """Feed a piece of the body (any split); the events it completes."""
        if self._tail:
            data = self._tail + data
        parts = data.split(b"\n")
        self._tail = parts.pop()
        return self.lines(parts)

    def finish(self, require_done: bool) -> list[Any]:
        """End of input: the last unterminated event; raise if ``[DONE]`` never came."""
        events = [] if self.done else self.lines([self._tail, b""])
        self._tail = b""
        if require_done and not self.done:
            raise StreamInterruptedError(
                "The stream ended before the service sent [DONE]; the reply is incomplete. "
                "Retry the request."
            )
        return events


def iter_sse_batches(chunks: Iterable[bytes], *, require_done: bool = True) -> Iterator[list[Any]]:
    """Yield the events of each piece of the body read from the network, until ``[DONE]``.

    Raises:
        StreamInterruptedError: the body ran out before ``[DONE]`` (when ``require_done``).
    """
    decoder = _Decoder()
    for data in chunks:
        events = decoder.chunk(data)
        if events:
            yield events
        if decoder.done:
            for _rest in chunks:  # read to the end, so the connection goes back to the pool
                pass
            return
    tail = decoder.finish(require_done)
    if tail:
        yield tail


async def aiter_sse_batches(
    chunks: AsyncIterator[bytes], *, require_done: bool = True
) -> AsyncIterator[list[Any]]:
    """Async twin of :func:`iter_sse_batches`."""
    decoder = _Decoder()
    async for data in chunks:
        events = decoder.chunk(data)
        if events:
            yield events
        if decoder.done:
            async for _rest in chunks:  # read to the end: the connection goes back to the pool
                pass
            return
    tail = decoder.finish(require_done)
    if tail:
        yield tail


def iter_sse_json(lines: Iterator[str], *, require_done: bool = True) -> Iterator[Any]:
    """Yield each ``data:`` event of text lines as parsed JSON until ``[DONE]``.

    Raises:
        StreamInterruptedError: the lines ran out before ``[DONE]`` (when ``require_done``).
    """
    decoder = _Decoder()
    for line in lines:
        yield from decoder.chunk(line.encode() + b"\n")
        if decoder.done:
            return
    yield from decoder.finish(require_done)


async def aiter_sse_json(
    lines: AsyncIterator[str], *, require_done: bool = True
) -> AsyncIterator[Any]:
    """Async twin of :func:`iter_sse_json`."""
    decoder = _Decoder()
    async for line in lines:
        for event in decoder.chunk(line.encode() + b"\n"):
            yield event
        if decoder.done:
            return
    for event in decoder.finish(require_done):
        yield event
