"""The state a realtime session keeps, its options, and usage in the package's shapes.

:class:`_SessionCore` holds everything the session's parts share (the socket, the event queue,
the conversation history, response and audio bookkeeping) and the one way to send an event.
The parts are mixins over it: :mod:`._connection` (open, renew, reconnect, read),
:mod:`._tools` (tool runs and LangChain callbacks) and :mod:`.session` (the caller's API, event
dispatch and barge-in).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, Callbacks
from langchain_core.tools import BaseTool

from langchain_azure_audio.messages import usage_from_payload
from langchain_azure_audio.realtime._transport import ConnectionLost, Transport, TransportFactory
from langchain_azure_audio.realtime.events import RealtimeEvent

__all__ = ["SessionOptions", "chat_usage", "realtime_usage"]

logger = logging.getLogger("langchain_azure_audio.realtime.session")


def realtime_usage(usage: Mapping[str, Any] | None) -> Any:
    """``usage_metadata`` (audio, text and cached tokens) from a realtime ``response.done`` usage.

    Example:
        >>> realtime_usage({"input_tokens": 30, "output_tokens": 50, "total_tokens": 80,
        ...     "input_token_details": {"audio_tokens": 20, "cached_tokens": 8},
        ...     "output_token_details": {"audio_tokens": 40}})["output_token_details"]
        {'audio': 40}
    """
    return usage_from_payload(chat_usage(usage))


def chat_usage(usage: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A realtime ``usage`` object in the chat-completions shape the package's parsers read."""
    if not usage:
        return None
    inp = usage.get("input_token_details") or {}
    out = usage.get("output_token_details") or {}
    return {
        "prompt_tokens": usage.get("input_tokens") or 0,
        "completion_tokens": usage.get("output_tokens") or 0,
        "total_tokens": usage.get("total_tokens"),
        "prompt_tokens_details": {
            "audio_tokens": inp.get("audio_tokens"),
            "cached_tokens": inp.get("cached_tokens"),
        },
        "completion_tokens_details": {"audio_tokens": out.get("audio_tokens")},
    }


@dataclass
class SessionOptions:
    """How a :class:`RealtimeSession` behaves (built by the agent and the chat model)."""

    session_config: dict[str, Any]
    """The ``session`` object of ``session.update`` (GA shape, ``type: "realtime"``)."""
    tools: Mapping[str, BaseTool] = field(default_factory=dict)
    execute_tools: bool = True
    """Run the model's function calls with ``tools`` (the agent); ``False`` only reports them."""
    callbacks: Callbacks = None
    model_name: str = "gpt-realtime"
    clock: Callable[[], float] = time.time
    """Unix time now; injected in tests so that expiry never depends on the wall clock."""
    max_session_seconds: float = 30 * 60
    """Assumed lifetime when the service sends no ``expires_at``."""
    renew_before_seconds: float = 60.0
    """Renew this long before ``expires_at`` (at most a quarter of the session's lifetime)."""
    max_reconnect_attempts: int = 3
    reconnect_delay: float = 0.25
    """First back-off delay between reconnect attempts (doubles each attempt)."""
    tool_timeout: float | None = 60.0
    run_name: str = "AzureRealtimeVoiceAgent"
    """Name of each response's run in LangChain callbacks and traces."""
    renew_poll_seconds: float = 1.0
    """Longest pause between two looks at the clock while waiting to renew."""
    url: str | None = None
    """The realtime URL (no query, no credentials), named in connection errors."""


@dataclass
class _Call:
    call_id: str
    name: str
    arguments: str
    response_id: str | None
    task: asyncio.Task[str] | None = None
    output: str | None = None


@dataclass
class _UserAudioSlot:
    """A user audio turn in the history; its text arrives with the input transcription."""

    item_id: str
    text: str | None = None


@dataclass
class _AudioItem:
    item_id: str
    content_index: int = 0
    received: int = 0  # bytes handed to the caller
    played_ms: float | None = None  # reported by the caller
    done: bool = False  # the response that carried it finished
    cut: bool = False  # truncated or interrupted already


_HistoryEntry = dict[str, Any] | _UserAudioSlot


class _SessionCore:
    """State shared by the parts of :class:`~.session.RealtimeSession`."""

    def __init__(self, connect: TransportFactory, options: SessionOptions) -> None:
        self._connect = connect
        self._opts = options
        self._transport: Transport | None = None
        self._queue: asyncio.Queue[RealtimeEvent | None] = asyncio.Queue()
        self._failure: BaseException | None = None
        self._closing = False
        self._closed = asyncio.Event()
        self._reader_task: asyncio.Task[None] | None = None
        self._watchdog_task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._swap_lock = asyncio.Lock()
        self._send_lock = asyncio.Lock()
        self._sends_open = asyncio.Event()
        self._sends_open.set()
        # conversation state
        self._history: list[_HistoryEntry] = []
        self._calls: dict[str, _Call] = {}
        self._response_calls: dict[str, list[str]] = {}
        self._response_text: dict[str, list[str]] = {}
        self._response_final: dict[str, list[str]] = {}
        self._response_done_events: dict[str, asyncio.Event] = {}
        self._active_response: str | None = None
        self._create_in_flight = False
        self._want_response = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._audio: dict[str, _AudioItem] = {}
        self._current_audio: str | None = None
        self._uncommitted = bytearray()
        self._user_speaking = False
        self._last_user_text = ""
        self._runs: dict[str, AsyncCallbackManagerForLLMRun] = {}
        # expiry
        self._expires_at: float | None = None
        self._connected_at: float = 0.0
        self._renew_requested = asyncio.Event()
        self.reconnects = 0
        """How many times the session moved to a new connection."""

    async def request_response(self, **response: Any) -> None:
        raise NotImplementedError

    async def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no response is active or requested and no tool is running."""
        if self._idle.is_set():
            return True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    def _finish_run(self, response_id: str, usage: Any, status: str, transcript: str = "") -> None:
        raise NotImplementedError

    async def _send(
        self, event: Mapping[str, Any], *, remember: dict[str, Any] | None = None
    ) -> None:
        """Send one event; ``remember`` joins the history (for replays) once it is on its way.

        While the session moves to a new connection, sends wait and then go to the new one; an
        item sent into a connection that then drops is in the history, so the replay delivers it.
        """
        while True:
            await self._sends_open.wait()
            if self._closing or self._transport is None:
                if remember is not None:
                    self._history.append(remember)
                return
            async with self._send_lock:
                if not self._sends_open.is_set():
                    continue  # a reconnect began while this send waited for the lock
                try:
                    await self._transport.send(event)
                except ConnectionLost:
                    logger.debug("send of %s lost to a dropped connection", event.get("type"))
                if remember is not None:
                    self._history.append(remember)
                return

    def _replay_items(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for entry in self._history:
            if isinstance(entry, _UserAudioSlot):
                if entry.text:
                    items.append(
                        {
                            "type": "message",
                            "role": "user",
                            "content": [{"type": "input_text", "text": entry.text}],
                        }
                    )
            else:
                items.append(entry)
        return items

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def _pending_tools(self) -> bool:
        return any(c.output is None for c in self._calls.values())

    def _update_idle(self) -> None:
        busy = (
            self._active_response is not None
            or self._create_in_flight
            or self._want_response
            or self._pending_tools()
            or any(self._response_calls.values())
        )
        if busy:
            self._idle.clear()
        else:
            self._idle.set()
