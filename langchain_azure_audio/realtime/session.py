"""``RealtimeSession``: one live conversation with a gpt-realtime deployment.

The session owns the socket and does the bookkeeping every peer gets wrong:

* **Tools** run as soon as their arguments are complete, concurrently (sync tools in a worker
  thread), inside LangChain callbacks. Their outputs go back with their ``call_id`` and exactly one
  ``response.create`` follows, only after the previous ``response.done``; a tool that raises is
  reported to the model as text and the session goes on.
* **Barge-in**: when the user speaks over the answer, the response is cancelled and the assistant
  item truncated at the audio the user actually heard (the caller reports playback with
  :meth:`RealtimeSession.report_playback`; by default, what was handed over), clamped to
  ``[1 ms, audio received]``.
* **The session cap** (Azure: 30 minutes): before ``expires_at`` the session reconnects (with a
  fresh Entra token) and replays the conversation as items; a dropped socket is handled the same
  way. The caller only sees a :class:`~.events.Reconnected` event.
* **Usage** of every response reaches :class:`~.events.ResponseDone` and LangChain callbacks.
* Nothing blocks the event loop: tools and audio conversion run beside the event reader.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManager, AsyncCallbackManagerForLLMRun, Callbacks
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.tools import BaseTool

from langchain_azure_audio.errors import StreamInterruptedError
from langchain_azure_audio.messages import usage_from_payload
from langchain_azure_audio.realtime._audio import BYTES_PER_MS, to_session_pcm16
from langchain_azure_audio.realtime._transport import ConnectionLost, Transport, TransportFactory
from langchain_azure_audio.realtime.events import (
    FunctionCallRequested,
    InputTranscript,
    Interrupted,
    OutputAudio,
    OutputTranscriptDelta,
    OutputTranscriptDone,
    RealtimeEvent,
    Reconnected,
    ResponseDone,
    ResponseStarted,
    ServiceError,
    SessionStarted,
    SpeechStarted,
    SpeechStopped,
    ToolFinished,
    ToolStarted,
)

__all__ = ["RealtimeSession", "SessionOptions", "realtime_usage"]

logger = logging.getLogger(__name__)

_QUIET_ERROR_CODES = frozenset({"response_cancel_not_active"})
_ACTIVE_RESPONSE = "conversation_already_has_active_response"
_MAX_UNCOMMITTED_BYTES = 30_000 * BYTES_PER_MS  # 30 s of speech kept for a reconnect
_CONVERT_INLINE_BYTES = 8_192  # raw pcm16 this small is checked on the loop, the rest in a thread


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


class RealtimeSession:
    """A live realtime conversation; get one from ``AzureRealtimeVoiceAgent.connect()``.

    Usage:
        .. code-block:: python

            async with agent.connect() as session:
                await session.send_text("What's the weather in Paris?")
                async for event in session.events():
                    if event.type == "output_audio":
                        speaker.play(event.audio)           # pcm16, 24 kHz mono
                        session.report_playback(event.item_id, speaker.played_ms)
                    elif event.type == "response_done":
                        print(event.transcript, event.usage)
                        break
    """

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

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> RealtimeSession:
        """Connect, configure the session and start reading events."""
        transport, created = await self._open()
        self._transport = transport
        self._queue.put_nowait(
            SessionStarted(
                session_id=(created.get("session") or {}).get("id"), expires_at=self._expires_at
            )
        )
        self._reader_task = asyncio.create_task(self._read_loop(), name="realtime-reader")
        self._watchdog_task = asyncio.create_task(self._watchdog(), name="realtime-renewal")
        return self

    async def close(self) -> None:
        """Close the socket, cancel running tools and end :meth:`events`."""
        if self._closing:
            await self._closed.wait()
            return
        self._closing = True
        tasks = [t for t in (self._watchdog_task, *self._background) if t is not None]
        for task in tasks:
            task.cancel()
        for call in self._calls.values():
            if call.task is not None:
                call.task.cancel()
        if self._transport is not None:
            await self._transport.close()
        if self._reader_task is not None and self._reader_task is not asyncio.current_task():
            self._reader_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader_task
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._queue.put_nowait(None)
        self._closed.set()

    async def __aenter__(self) -> RealtimeSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def expires_at(self) -> float | None:
        """When the current connection's session expires (unix time)."""
        return self._expires_at

    @property
    def history(self) -> list[dict[str, Any]]:
        """The conversation as the items a new connection would be given."""
        return self._replay_items()

    # -- the caller's side -------------------------------------------------------------------

    async def events(self) -> AsyncIterator[RealtimeEvent]:
        """Typed events until the session closes; raises if the connection could not be kept."""
        while True:
            event = await self._queue.get()
            if event is None:
                self._queue.put_nowait(None)  # later iterators end too
                if self._failure is not None:
                    raise self._failure
                return
            yield event

    async def send_audio(self, audio: bytes) -> None:
        """Append user audio: raw 24 kHz mono pcm16, or a wav file (any rate, converted).

        Raises:
            AudioValidationError: odd-length pcm16 or undecodable audio.
        """
        if len(audio) <= _CONVERT_INLINE_BYTES and audio[:4] != b"RIFF":
            pcm, b64 = _encode_audio(audio)
        else:
            # Decoding, resampling and base64 of long clips happen in a worker thread.
            pcm, b64 = await asyncio.to_thread(_encode_audio, audio)
        if not pcm:
            return
        self._uncommitted += pcm
        if len(self._uncommitted) > _MAX_UNCOMMITTED_BYTES:
            del self._uncommitted[: len(self._uncommitted) - _MAX_UNCOMMITTED_BYTES]
        await self._send({"type": "input_audio_buffer.append", "audio": b64})

    async def commit_audio(self, *, respond: bool = True) -> None:
        """End the user's turn by hand (when turn detection is off) and ask for an answer."""
        self._uncommitted.clear()
        await self._send({"type": "input_audio_buffer.commit"})
        if respond:
            await self.request_response()

    async def send_text(self, text: str, *, respond: bool = True) -> None:
        """Add a user text message and (by default) ask for an answer."""
        item = {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": text}],
        }
        self._last_user_text = text
        await self._send({"type": "conversation.item.create", "item": item}, remember=item)
        if respond:
            await self.request_response()

    async def add_item(self, item: Mapping[str, Any]) -> None:
        """Add any conversation item (it is replayed on reconnects too)."""
        entry = dict(item)
        await self._send({"type": "conversation.item.create", "item": entry}, remember=entry)

    async def request_response(self, **response: Any) -> None:
        """Send ``response.create`` now, or right after the active response is done."""
        if self._active_response is not None or self._create_in_flight or self._pending_tools():
            self._want_response = True
            return
        self._want_response = False
        self._create_in_flight = True
        self._idle.clear()
        event: dict[str, Any] = {"type": "response.create"}
        if response:
            event["response"] = response
        await self._send(event)

    def report_playback(self, item_id: str, played_ms: float) -> None:
        """Tell the session how much of an assistant item the user has heard (cumulative ms)."""
        item = self._audio.get(item_id)
        if item is not None:
            item.played_ms = played_ms

    async def interrupt(self, played_ms: float | None = None) -> Interrupted | None:
        """Stop the assistant now (push-to-talk barge-in): cancel and truncate what was unheard."""
        if self._current_audio is not None and played_ms is not None:
            self.report_playback(self._current_audio, played_ms)
        return await self._barge_in()

    async def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no response is active or requested and no tool is running."""
        if self._idle.is_set():
            return True
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    # -- connecting --------------------------------------------------------------------------

    async def _open(self) -> tuple[Transport, dict[str, Any]]:
        transport = await self._connect()
        try:
            created = await transport.recv()
            while created.get("type") not in ("session.created", "error"):
                created = await transport.recv()
            if created.get("type") == "error":
                err = created.get("error") or {}
                raise StreamInterruptedError(
                    f"The realtime session was refused: {err.get('message')} ({err.get('code')})"
                )
            self._set_expiry(created.get("session") or {})
            await transport.send({"type": "session.update", "session": self._opts.session_config})
        except BaseException:
            await transport.close()
            raise
        return transport, created

    def _set_expiry(self, session: Mapping[str, Any]) -> None:
        now = self._opts.clock()
        self._connected_at = now
        expires = session.get("expires_at")
        self._expires_at = (
            float(expires) if expires else now + float(self._opts.max_session_seconds)
        )

    def _renew_at(self) -> float | None:
        if self._expires_at is None:
            return None
        lifetime = max(self._expires_at - self._connected_at, 0.0)
        margin = min(self._opts.renew_before_seconds, lifetime / 4)
        return self._expires_at - margin

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

    async def _reconnect(
        self, reason: Literal["renewal", "dropped"], dead: Transport | None = None
    ) -> None:
        """Open a new connection, replay the conversation, swap it in (sends wait meanwhile)."""
        async with self._swap_lock:
            if reason == "dropped" and dead is not self._transport:
                return  # a renewal already replaced the dead connection
            self._sends_open.clear()
            async with self._send_lock:
                pass  # let a send already on its way finish (and join the history)
            old = self._transport
            was_active = self._active_response is not None or self._create_in_flight
            try:
                if reason == "dropped":
                    self._abandon_response()
                last: BaseException | None = None
                for attempt in range(1, self._opts.max_reconnect_attempts + 1):
                    if self._closing:
                        return
                    try:
                        transport, _created = await self._open()
                    except (ConnectionLost, OSError, StreamInterruptedError) as exc:
                        last = exc
                        logger.warning("realtime reconnect attempt %d failed: %r", attempt, exc)
                        await asyncio.sleep(self._opts.reconnect_delay * 2 ** (attempt - 1))
                        continue
                    items = self._replay_items()
                    try:
                        for item in items:
                            await transport.send({"type": "conversation.item.create", "item": item})
                        if self._uncommitted:
                            await transport.send(
                                {
                                    "type": "input_audio_buffer.append",
                                    "audio": base64.b64encode(bytes(self._uncommitted)).decode(),
                                }
                            )
                    except ConnectionLost as exc:
                        last = exc
                        await transport.close()
                        continue
                    self._transport = transport
                    self.reconnects += 1
                    if old is not None and reason == "renewal":
                        await old.close()
                    self._queue.put_nowait(
                        Reconnected(
                            reason=reason,
                            replayed_items=len(items),
                            attempt=attempt,
                            expires_at=self._expires_at,
                        )
                    )
                    break
                else:
                    raise StreamInterruptedError(
                        f"The realtime connection could not be re-established after "
                        f"{self._opts.max_reconnect_attempts} attempts: {last!r}"
                    ) from last
            finally:
                self._sends_open.set()
        resume = reason == "dropped" and was_active and not self._pending_tools()
        if resume or self._want_response:
            await self.request_response()

    def _abandon_response(self) -> None:
        """A dropped socket ends the active response: its calls still get answered."""
        rid = self._active_response
        self._active_response = None
        self._create_in_flight = False
        if rid is not None:
            self._response_text.pop(rid, None)
            self._response_final.pop(rid, None)
            done = self._response_done_events.get(rid)
            if done is not None:
                done.set()
            self._finish_run(rid, None, "dropped")
        for item in self._audio.values():
            item.done = True
        self._update_idle()

    # -- background tasks --------------------------------------------------------------------

    async def _read_loop(self) -> None:
        try:
            while not self._closing:
                transport = self._transport
                if transport is None:
                    raise StreamInterruptedError("The realtime session has no connection.")
                try:
                    data = await transport.recv()
                except ConnectionLost:
                    if self._closing:
                        break
                    if transport is not self._transport:
                        continue  # renewal swapped the connection under us
                    logger.info("realtime connection dropped; reconnecting")
                    await self._reconnect("dropped", transport)
                    continue
                if transport is not self._transport:
                    continue  # a late event of a replaced connection
                await self._dispatch(data)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            logger.error("realtime session failed: %r", exc)
            self._failure = exc
            if not self._closing:
                self._closing = True
                if self._transport is not None:
                    await self._transport.close()
                self._queue.put_nowait(None)
                self._closed.set()

    async def _watchdog(self) -> None:
        """Renew the session before it expires, at a quiet moment when there is one."""
        while not self._closing:
            due = self._renew_at()
            if due is None:
                await asyncio.sleep(1.0)
                continue
            wait = due - self._opts.clock()
            if wait > 0:
                # Poll the (injectable) clock instead of trusting one long sleep.
                lifetime = max((self._expires_at or due) - self._connected_at, 0.0)
                step = min(wait, max(lifetime / 20, 0.01), self._opts.renew_poll_seconds)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._renew_requested.wait(), step)
                if not self._renew_requested.is_set():
                    continue
            self._renew_requested.clear()
            # Prefer a quiet moment; never later than the expiry itself.
            hard = (self._expires_at or due) - self._opts.clock()
            quiet_wait = max(min(hard - 0.5, hard * 0.5), 0.0)
            if not self._user_speaking:
                await self.wait_idle(quiet_wait)
            if self._closing:
                return
            logger.info("renewing the realtime session before it expires")
            try:
                await self._reconnect("renewal")
            except StreamInterruptedError as exc:
                self._failure = exc
                self._queue.put_nowait(ServiceError(message=str(exc), code="renewal_failed"))

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    # -- dispatch ----------------------------------------------------------------------------

    async def _dispatch(self, data: dict[str, Any]) -> None:
        kind = data.get("type", "")
        put = self._queue.put_nowait
        if kind == "response.output_audio.delta":
            item_id = data.get("item_id", "")
            piece = OutputAudio(
                base64=data.get("delta", ""),
                item_id=item_id,
                response_id=data.get("response_id", ""),
                content_index=data.get("content_index", 0),
            )
            audio = self._audio.get(item_id)
            if audio is None:
                audio = self._audio[item_id] = _AudioItem(item_id, piece.content_index)
            # base64 length gives the byte count without decoding on the reading path.
            b64 = piece.base64
            audio.received += len(b64) * 3 // 4 - b64[-2:].count("=")
            self._current_audio = item_id
            put(piece)
        elif kind in ("response.output_audio_transcript.delta", "response.output_text.delta"):
            rid = data.get("response_id", "")
            self._response_text.setdefault(rid, []).append(data.get("delta", ""))
            put(OutputTranscriptDelta(data.get("delta", ""), data.get("item_id", ""), rid))
        elif kind in ("response.output_audio_transcript.done", "response.output_text.done"):
            text = data.get("transcript", data.get("text", "")) or ""
            rid = data.get("response_id", "")
            self._response_final.setdefault(rid, []).append(text)
            self._history.append(
                {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": text}],
                }
            )
            put(OutputTranscriptDone(text, data.get("item_id", ""), data.get("response_id", "")))
        elif kind == "input_audio_buffer.speech_started":
            self._user_speaking = True
            put(SpeechStarted(int(data.get("audio_start_ms", 0)), data.get("item_id")))
            await self._barge_in()
        elif kind == "input_audio_buffer.speech_stopped":
            self._user_speaking = False
            put(SpeechStopped(int(data.get("audio_end_ms", 0)), data.get("item_id")))
        elif kind == "input_audio_buffer.committed":
            self._uncommitted.clear()
            item_id = data.get("item_id") or ""
            if not any(
                isinstance(e, _UserAudioSlot) and e.item_id == item_id for e in self._history
            ):
                self._history.append(_UserAudioSlot(item_id))
        elif kind == "conversation.item.input_audio_transcription.completed":
            item_id = data.get("item_id", "")
            text = data.get("transcript", "") or ""
            for entry in self._history:
                if isinstance(entry, _UserAudioSlot) and entry.item_id == item_id:
                    entry.text = text.strip()
                    break
            self._last_user_text = text.strip()
            put(InputTranscript(text, item_id))
        elif kind == "response.created":
            rid = (data.get("response") or {}).get("id", "")
            self._create_in_flight = False
            self._active_response = rid
            self._response_done_events[rid] = asyncio.Event()
            self._idle.clear()
            await self._start_run(rid)
            put(ResponseStarted(rid))
        elif kind == "response.function_call_arguments.done":
            self._on_function_call(data)
        elif kind == "response.done":
            await self._on_response_done(data.get("response") or {})
        elif kind == "session.created":
            self._set_expiry(data.get("session") or {})
        elif kind == "error":
            await self._on_error(data.get("error") or {})
        elif kind == "conversation.item.truncated":
            logger.debug("truncated %s at %s ms", data.get("item_id"), data.get("audio_end_ms"))
        if self._renew_at() is not None and self._opts.clock() >= (self._renew_at() or 0):
            self._renew_requested.set()

    async def _on_error(self, err: Mapping[str, Any]) -> None:
        code = err.get("code")
        if code == _ACTIVE_RESPONSE:
            # Our response.create raced one the server started (server VAD): ask again after it.
            self._create_in_flight = False
            self._want_response = True
        if code in _QUIET_ERROR_CODES:
            logger.debug("ignored realtime error: %s", err.get("message"))
            return
        logger.warning("realtime service error %s: %s", code, err.get("message"))
        self._queue.put_nowait(
            ServiceError(
                message=str(err.get("message") or ""),
                code=code,
                error_type=err.get("type"),
                param=err.get("param"),
                event_id=err.get("event_id"),
            )
        )
        self._update_idle()

    # -- barge-in ----------------------------------------------------------------------------

    async def _barge_in(self) -> Interrupted | None:
        item = self._audio.get(self._current_audio or "")
        response_active = self._active_response is not None
        if item is None or item.cut:
            # No speech of the assistant to stop; server VAD's interrupt_response handles the rest.
            return None
        received_ms = item.received / BYTES_PER_MS
        played = item.played_ms if item.played_ms is not None else received_ms
        if item.done and played >= received_ms:
            return None  # the user heard all of it: nothing to interrupt
        item.cut = True
        if response_active:
            await self._send({"type": "response.cancel"})
        end_ms: int | None = None
        whole_ms = int(received_ms)  # never beyond the audio that exists
        if whole_ms >= 1:
            end_ms = min(max(int(played), 1), whole_ms)
            await self._send(
                {
                    "type": "conversation.item.truncate",
                    "item_id": item.item_id,
                    "content_index": item.content_index,
                    "audio_end_ms": end_ms,
                }
            )
        event = Interrupted(item_id=item.item_id, audio_end_ms=end_ms)
        self._queue.put_nowait(event)
        return event

    # -- tools -------------------------------------------------------------------------------

    def _pending_tools(self) -> bool:
        return any(c.output is None for c in self._calls.values())

    def _on_function_call(self, data: Mapping[str, Any]) -> None:
        call = _Call(
            call_id=data.get("call_id", ""),
            name=data.get("name", ""),
            arguments=data.get("arguments", "") or "{}",
            response_id=data.get("response_id"),
        )
        if call.call_id in self._calls:
            return
        self._history.append(
            {
                "type": "function_call",
                "call_id": call.call_id,
                "name": call.name,
                "arguments": call.arguments,
            }
        )
        if call.response_id:
            self._response_calls.setdefault(call.response_id, []).append(call.call_id)
        if not self._opts.execute_tools:
            self._queue.put_nowait(
                FunctionCallRequested(call.call_id, call.name, call.arguments, call.response_id)
            )
            return
        self._calls[call.call_id] = call
        call.task = self._spawn(self._run_tool(call))
        self._idle.clear()
        if call.response_id:
            self._spawn(self._answer_calls_after(call.response_id))

    async def _run_tool(self, call: _Call) -> str:
        started = time.perf_counter()
        tool = self._opts.tools.get(call.name)
        error: str | None = None
        artifact: Any = None
        try:
            args = json.loads(call.arguments or "{}")
            if not isinstance(args, dict):
                raise ValueError("the arguments are not a JSON object")
        except ValueError as exc:
            args = {}
            error = f"Invalid arguments for {call.name}: {exc}"
        self._queue.put_nowait(ToolStarted(call.call_id, call.name, args))
        if error is None and tool is None:
            error = f"Unknown tool {call.name!r}; available: {sorted(self._opts.tools)}."
        output = ""
        if error is None and tool is not None:
            try:
                # Sync tools run in a worker thread (BaseTool.ainvoke), async ones on the loop.
                result = await asyncio.wait_for(
                    tool.ainvoke(
                        {"type": "tool_call", "name": call.name, "args": args, "id": call.call_id},
                        config={"callbacks": self._opts.callbacks},
                    ),
                    self._opts.tool_timeout,
                )
                if isinstance(result, ToolMessage):
                    artifact = result.artifact
                    content = result.content
                    output = content if isinstance(content, str) else json.dumps(content)
                    if result.status == "error":
                        error = output
                else:
                    output = result if isinstance(result, str) else json.dumps(result, default=str)
            except asyncio.CancelledError:
                raise
            except asyncio.TimeoutError:
                error = f"Tool {call.name} timed out after {self._opts.tool_timeout} s."
            except Exception as exc:  # reported to the model; the session goes on
                logger.warning("tool %s raised %r", call.name, exc)
                error = f"Tool {call.name} failed: {type(exc).__name__}: {exc}"
        if error is not None and not output:
            output = f"Error: {error}"
        call.output = output
        self._queue.put_nowait(
            ToolFinished(
                call.call_id,
                call.name,
                output,
                error=error,
                duration_s=time.perf_counter() - started,
                artifact=artifact,
            )
        )
        return output

    async def _answer_calls_after(self, response_id: str) -> None:
        """Once the response is done and all its tools are: outputs, then one response.create."""
        done = self._response_done_events.setdefault(response_id, asyncio.Event())
        await done.wait()
        ids = self._response_calls.pop(response_id, None)
        if ids is None:
            return  # another task of the same response already answered
        calls = [self._calls[i] for i in ids if i in self._calls]
        await asyncio.gather(*(c.task for c in calls if c.task is not None), return_exceptions=True)
        for call in calls:
            item = {
                "type": "function_call_output",
                "call_id": call.call_id,
                "output": call.output or "",
            }
            await self._send({"type": "conversation.item.create", "item": item}, remember=item)
            del self._calls[call.call_id]
        await self.request_response()
        self._update_idle()

    async def _on_response_done(self, response: Mapping[str, Any]) -> None:
        rid = str(response.get("id") or self._active_response or "")
        status = str(response.get("status") or "completed")
        if self._active_response == rid or self._active_response is None:
            self._active_response = None
        self._create_in_flight = False
        for item in self._audio.values():
            item.done = True
        calls = tuple(
            (str(o.get("call_id")), str(o.get("name")), str(o.get("arguments") or ""))
            for o in response.get("output") or []
            if isinstance(o, Mapping) and o.get("type") == "function_call"
        )
        # A call that only response.done carried (no arguments.done event) still gets run.
        for call_id, name, arguments in calls:
            if call_id not in self._calls and not any(
                isinstance(e, dict) and e.get("call_id") == call_id for e in self._history
            ):
                self._on_function_call(
                    {"call_id": call_id, "name": name, "arguments": arguments, "response_id": rid}
                )
        raw_usage = response.get("usage")
        usage = realtime_usage(raw_usage)
        deltas = "".join(self._response_text.pop(rid, []))
        finals = self._response_final.pop(rid, None)
        transcript = " ".join(finals) if finals else deltas
        self._finish_run(rid, usage, status, transcript)
        self._queue.put_nowait(
            ResponseDone(
                response_id=rid,
                status=status,
                usage=usage,
                transcript=transcript,
                function_calls=calls,
                status_details=response.get("status_details"),
                raw_usage=dict(raw_usage) if isinstance(raw_usage, Mapping) else None,
            )
        )
        done = self._response_done_events.setdefault(rid, asyncio.Event())
        done.set()
        if self._want_response and not self._pending_tools():
            await self.request_response()
        self._update_idle()

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

    # -- callbacks ---------------------------------------------------------------------------

    async def _start_run(self, response_id: str) -> None:
        if not self._opts.callbacks:
            return
        name = self._opts.run_name
        try:
            manager = AsyncCallbackManager.configure(
                inheritable_callbacks=self._opts.callbacks,
                inheritable_metadata={
                    "ls_provider": "azure",
                    "ls_model_name": self._opts.model_name,
                    "ls_model_type": "chat",
                },
            )
            runs = await manager.on_chat_model_start(
                {"name": name, "id": ["langchain_azure_audio", "realtime", name]},
                [[HumanMessage(content=self._last_user_text)]],
                invocation_params={"model": self._opts.model_name, "response_id": response_id},
                name=name,
            )
        except Exception:  # a broken callback must not end the conversation
            logger.exception("a callback failed on response start")
            return
        if runs:
            self._runs[response_id] = runs[0]

    def _finish_run(self, response_id: str, usage: Any, status: str, transcript: str = "") -> None:
        run = self._runs.pop(response_id, None)
        if run is None:
            return
        message = AIMessage(
            content=transcript,
            usage_metadata=usage,
            response_metadata={
                "model_name": self._opts.model_name,
                "model_provider": "azure_openai",
                "status": status,
                "id": response_id,
            },
        )
        result = LLMResult(generations=[[ChatGeneration(message=message)]])
        self._spawn(run.on_llm_end(result))


def _encode_audio(audio: bytes) -> tuple[bytes, str]:
    pcm = to_session_pcm16(audio, raw_unless_wav=True)
    return pcm, base64.b64encode(pcm).decode("ascii")
