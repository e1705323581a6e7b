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

The parts live beside this module: :mod:`._connection` (renewal, reconnects), :mod:`._tools`
(tools, callbacks) and :mod:`._state` (shared state, options, usage).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from langchain_azure_audio.realtime._audio import BYTES_PER_MS, to_session_pcm16
from langchain_azure_audio.realtime._connection import _ConnectionMixin
from langchain_azure_audio.realtime._state import (
    SessionOptions,
    _AudioItem,
    _UserAudioSlot,
    chat_usage,
    logger,
    realtime_usage,
)
from langchain_azure_audio.realtime._tools import _ToolsMixin
from langchain_azure_audio.realtime.events import (
    InputTranscript,
    Interrupted,
    OutputAudio,
    OutputTranscriptDelta,
    OutputTranscriptDone,
    RealtimeEvent,
    ResponseDone,
    ResponseStarted,
    ServiceError,
    SessionStarted,
    SpeechStarted,
    SpeechStopped,
)

__all__ = ["RealtimeSession", "SessionOptions", "chat_usage", "realtime_usage"]


_QUIET_ERROR_CODES = frozenset({"response_cancel_not_active"})
_ACTIVE_RESPONSE = "conversation_already_has_active_response"
_MAX_UNCOMMITTED_BYTES = 30_000 * BYTES_PER_MS  # 30 s of speech kept for a reconnect
_CONVERT_INLINE_BYTES = 8_192  # raw pcm16 this small is checked on the loop, the rest in a thread


class RealtimeSession(_ConnectionMixin, _ToolsMixin):
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

    # -- responses ---------------------------------------------------------------------------

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


def _encode_audio(audio: bytes) -> tuple[bytes, str]:
    pcm = to_session_pcm16(audio, raw_unless_wav=True)
    return pcm, base64.b64encode(pcm).decode("ascii")
