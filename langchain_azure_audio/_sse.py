"""Server-sent events from raw response lines (the chat, speech and transcription streams).

The SDK's own stream classes build a pydantic model per event; reading the lines ourselves keeps
streamed audio to one ``json.loads`` per event and lets the caller see whether ``[DONE]`` came.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_azure_audio import _json
from langchain_azure_audio.errors import AzureAudioError, StreamInterruptedError

__all__ = ["aiter_sse_json", "iter_sse_json"]


class _Decoder:
    def __init__(self) -> None:
        self.data: list[str] = []
        self.done = False

    def line(self, line: str) -> Any | None:
        """Feed one line; return a parsed event object at an event boundary."""
        if line == "":
            if not self.data:
                return None
            text = "\n".join(self.data)
            self.data = []
            if text == "[DONE]":
                self.done = True
                return None
            event = _json.loads(text)
            if isinstance(event, dict) and event.get("error") and len(event) <= 2:
                err = event["error"]
                message = err.get("message") if isinstance(err, dict) else str(err)
                raise AzureAudioError(f"The service reported an error mid-stream: {message}")
            return event
        if line.startswith(":"):
            return None
        field, _, value = line.partition(":")
        if field == "data":
            self.data.append(value[1:] if value.startswith(" ") else value)
        return None

    def finish(self, require_done: bool) -> Any | None:
        """End of input: return a last unterminated event, or raise if ``[DONE]`` never came."""
        tail = self.line("")
        if require_done and not self.done:
            raise StreamInterruptedError(
                "The stream ended before the service sent [DONE]; the reply is incomplete. "
                "Retry the request."
            )
        return tail


def iter_sse_json(lines: Iterator[str], *, require_done: bool = True) -> Iterator[Any]:
    """Yield each ``data:`` event as parsed JSON until ``[DONE]``.

    Raises:
        StreamInterruptedError: the lines ran out before ``[DONE]`` (when ``require_done``).
    """
    decoder = _Decoder()
    for raw in lines:
        event = decoder.line(raw.rstrip("\r"))
        if event is not None:
            yield event
        if decoder.done:
            return
    tail = decoder.finish(require_done)
    if tail is not None:
        yield tail


async def aiter_sse_json(
    lines: AsyncIterator[str], *, require_done: bool = True
) -> AsyncIterator[Any]:
    """Async twin of :func:`iter_sse_json`."""
    decoder = _Decoder()
    async for raw in lines:
        event = decoder.line(raw.rstrip("\r"))
        if event is not None:
            yield event
        if decoder.done:
            return
    tail = decoder.finish(require_done)
    if tail is not None:
        yield tail
