"""What one realtime session holds, and how it talks: the state shared by the session's parts.

:class:`SessionCore` is the base of
:class:`~langchain_azure_audio.emulator.realtime.endpoint.RealtimeSession`; the parts
(:mod:`._turns`, :mod:`._conversation`, :mod:`._responses`, :mod:`._output`) are mixins on it, and
the few methods one part calls in another are declared here as abstract methods. It holds the
configuration, the conversation (:class:`Item` list, with :meth:`SessionCore._add_item`), the
input buffer, the active :class:`ResponseState`, and sends events (one ``event_id`` each, one
sender at a time).
"""

from __future__ import annotations

import abc
import asyncio
import json
import math
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from langchain_azure_audio.capabilities import ModelCapabilities
from langchain_azure_audio.emulator._http import EmulatorState
from langchain_azure_audio.emulator.faults import Fault
from langchain_azure_audio.emulator.realtime._protocol import (
    Closed,
    RealtimeError,
    new_id,
    pcm_ms,
)
from langchain_azure_audio.emulator.vad import TurnDetector


@dataclass
class Item:
    """One conversation item and what the emulator knows about it."""

    data: dict[str, Any]
    pcm: bytes = b""  # user input audio (24 kHz pcm16)
    audio: bytearray = field(default_factory=bytearray)  # assistant audio produced
    transcript: asyncio.Future[str] | None = None  # Whisper's reading of the user's audio

    @property
    def id(self) -> str:
        return str(self.data["id"])


@dataclass
class ResponseState:
    """One response: its parameters, the task producing it, what it has output so far."""

    id: str
    params: dict[str, Any]
    task: asyncio.Task[None] | None = None
    cancel_reason: str = "client_cancelled"
    output: list[Item] = field(default_factory=list)
    fault: Fault | None = None


class SessionCore(abc.ABC):
    """One realtime WebSocket session: its state and its way of sending events."""

    def __init__(
        self,
        ws: WebSocket,
        state: EmulatorState,
        deployment: str,
        model: str,
        caps: ModelCapabilities,
        session: dict[str, Any],
        first_fault: Fault | None,
    ) -> None:
        self.ws = ws
        self.state = state
        self.deployment = deployment
        self.model = model
        self.caps = caps
        self.id = new_id("sess")
        now = state.config.clock()
        self.expires_at = math.floor(now + state.config.realtime_session_seconds)
        self.session = session
        self.items: list[Item] = []
        self.buffer = bytearray()
        self.buffer_start_ms = 0  # stream position of buffer[0]
        self.pending_item_id = new_id("item")
        self.detector = self._make_detector()
        self.active: ResponseState | None = None
        self.voice_locked = False
        self.closed = False
        self.first_fault = first_fault
        self._send_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._last_input = (0, 0)  # (text, audio) input tokens of the previous response

    @property
    def stream_ms(self) -> int:
        """Milliseconds of input audio appended during the session."""
        return self.buffer_start_ms + pcm_ms(len(self.buffer))

    async def send(self, event: dict[str, Any]) -> None:
        """Send one server event (``event_id`` added)."""
        if self.closed:
            raise Closed
        payload = {"type": event.pop("type"), "event_id": new_id("event"), **event}
        async with self._send_lock:
            try:
                await self.ws.send_text(json.dumps(payload, separators=(",", ":")))
            except (WebSocketDisconnect, OSError, RuntimeError):
                self.closed = True
                raise Closed from None

    async def send_error(self, exc: RealtimeError, event_id: str | None) -> None:
        """Send an ``error`` event."""
        await self.send(
            {
                "type": "error",
                "error": {
                    "type": exc.type,
                    "code": exc.code,
                    "message": exc.message,
                    "param": exc.param,
                    "event_id": event_id,
                },
            }
        )

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def session_object(self) -> dict[str, Any]:
        """The session as ``session.created`` / ``session.updated`` show it."""
        return {**self.session, "id": self.id, "expires_at": self.expires_at}

    # -- the conversation ----------------------------------------------------------------------
    def _index(self, item_id: Any) -> int:
        for i, item in enumerate(self.items):
            if item.id == item_id:
                return i
        return -1

    async def _add_item(self, item: Item, previous: str | None, *, done: bool = True) -> None:
        """Insert ``item`` after ``previous`` (``None``: at the end, ``"root"``: first)."""
        if previous is None:
            index = len(self.items)
        elif previous == "root":
            index = 0
        else:
            index = self._index(previous) + 1
        self.items.insert(index, item)
        prev_id = self.items[index - 1].id if index > 0 else None
        await self.send(
            {"type": "conversation.item.added", "previous_item_id": prev_id, "item": item.data}
        )
        if item.pcm:
            self._transcribe(item)
        if done:
            await self.send(
                {"type": "conversation.item.done", "previous_item_id": prev_id, "item": item.data}
            )

    # -- what one part asks of another ---------------------------------------------------------
    @abc.abstractmethod
    def _make_detector(self) -> TurnDetector | None:
        """The VAD for the session's turn detection (:mod:`._turns`)."""

    @abc.abstractmethod
    def _transcribe(self, item: Item) -> asyncio.Future[str]:
        """Whisper's reading of an audio item, started once (:mod:`._turns`)."""

    @abc.abstractmethod
    async def _cancel(self, response: ResponseState, reason: str) -> None:
        """Stop a response and wait for its ``response.done`` (:mod:`._responses`)."""

    @abc.abstractmethod
    async def _start_response(self, params: dict[str, Any]) -> None:
        """Announce a response and start producing it (:mod:`._responses`)."""

    @abc.abstractmethod
    async def _function_call(self, response: ResponseState, name: str, arguments: str) -> None:
        """Output one function call (:mod:`._output`)."""

    @abc.abstractmethod
    async def _message(
        self, response: ResponseState, text: str
    ) -> tuple[str, dict[str, Any] | None]:
        """Output the assistant's message; its status and details (:mod:`._output`)."""
