"""The voice page's ASGI app: one page, one WebSocket per conversation, the agent on the server.

Routes:

* ``GET /`` - the page (talk button, live transcript of both sides, tool calls, usage).
* ``GET /static/...`` - its script, style sheet and audio worklets (package data).
* ``GET /api/config`` - what the page needs to know (backend, voice, whether WebRTC is on).
* WebSocket ``/ws`` - one conversation (the protocol is below).
* ``POST /api/client-secret`` and ``POST /api/calls/{call_id}`` - the optional WebRTC mode
  (``webrtc=True``): the server mints an ephemeral key for the browser, and joins the browser's
  call by its id to run the tools.

The browser never sees the tools, the instructions or the Azure key: the server holds the
:class:`~langchain_azure_audio.realtime.AzureRealtimeVoiceAgent` and opens one
:class:`~langchain_azure_audio.realtime.RealtimeSession` per page connection.

Page <-> server protocol on ``/ws``:

* page -> server, binary: microphone audio, raw pcm16 24 kHz mono little-endian (the page
  resamples whatever its device rate is).
* page -> server, text: ``{"type": "playback", "item_id": ..., "played_ms": ...}`` (sent while
  the answer plays, so that a barge-in truncates at what was heard),
  ``{"type": "interrupt", "played_ms": ...}`` (the user stopped the answer),
  ``{"type": "text", "text": ...}`` (a typed message).
* server -> page, binary: the answer's audio (pcm16 24 kHz mono), of the item most recently
  announced by ``{"type": "audio_item", "item_id": ...}``.
* server -> page, text: ``ready``, ``speech_started``, ``speech_stopped``, ``input_transcript``,
  ``transcript_delta``, ``transcript_done``, ``tool_started``, ``tool_finished``,
  ``interrupted``, ``response_done`` (with this response's usage and the conversation's total),
  ``reconnected``, ``error``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any

from langchain_core.messages.ai import UsageMetadata, add_usage

from langchain_azure_audio.realtime.events import (
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
    SpeechStarted,
    SpeechStopped,
    ToolFinished,
    ToolStarted,
)

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.websockets import WebSocket

    from langchain_azure_audio.realtime import AzureRealtimeVoiceAgent, RealtimeSession

__all__ = ["create_app", "event_message"]

logger = logging.getLogger(__name__)

_MAX_TEXT_MESSAGE = 64 * 1024
_MAX_AUDIO_MESSAGE = 24_000 * 2 * 5  # 5 s of pcm16 in one message is more than any page sends

AgentFactory = Callable[[], "AzureRealtimeVoiceAgent"]


def event_message(event: RealtimeEvent) -> dict[str, Any] | None:
    """The page's JSON message for a session event (``None``: nothing to show).

    Example:
        >>> from langchain_azure_audio.realtime import InputTranscript
        >>> event_message(InputTranscript("What is the weather in Paris?", "item_1"))
        {'type': 'input_transcript', 'text': 'What is the weather in Paris?', 'item_id': 'item_1'}
    """
    if isinstance(event, InputTranscript):
        return {"type": "input_transcript", "text": event.text.strip(), "item_id": event.item_id}
    if isinstance(event, OutputTranscriptDelta):
        return {
            "type": "transcript_delta",
            "text": event.text,
            "item_id": event.item_id,
            "response_id": event.response_id,
        }
    if isinstance(event, OutputTranscriptDone):
        return {
            "type": "transcript_done",
            "text": event.text,
            "item_id": event.item_id,
            "response_id": event.response_id,
        }
    if isinstance(event, SpeechStarted):
        return {
            "type": "speech_started",
            "audio_start_ms": event.audio_start_ms,
            "item_id": event.item_id,
        }
    if isinstance(event, SpeechStopped):
        return {
            "type": "speech_stopped",
            "audio_end_ms": event.audio_end_ms,
            "item_id": event.item_id,
        }
    if isinstance(event, Interrupted):
        return {
            "type": "interrupted",
            "item_id": event.item_id,
            "audio_end_ms": event.audio_end_ms,
        }
    if isinstance(event, ToolStarted):
        return {
            "type": "tool_started",
            "call_id": event.call_id,
            "name": event.name,
            "args": event.args,
        }
    if isinstance(event, ToolFinished):
        return {
            "type": "tool_finished",
            "call_id": event.call_id,
            "name": event.name,
            "output": event.output,
            "error": event.error,
            "duration_ms": round(event.duration_s * 1000.0, 1),
        }
    if isinstance(event, ResponseStarted):
        return {"type": "response_started", "response_id": event.response_id}
    if isinstance(event, Reconnected):
        return {"type": "reconnected", "reason": event.reason}
    if isinstance(event, ServiceError):
        return {"type": "error", "message": event.message, "code": event.code}
    return None


def _usage_json(usage: UsageMetadata | None) -> dict[str, Any] | None:
    if usage is None:
        return None
    inp = usage.get("input_token_details") or {}
    out = usage.get("output_token_details") or {}
    return {
        "input_tokens": usage.get("input_tokens", 0),
        "output_tokens": usage.get("output_tokens", 0),
        "total_tokens": usage.get("total_tokens", 0),
        "input_audio_tokens": inp.get("audio", 0) or 0,
        "output_audio_tokens": out.get("audio", 0) or 0,
        "cached_tokens": inp.get("cache_read", 0) or 0,
    }


class _Conversation:
    """One page connection bridged to one realtime session."""

    def __init__(self, ws: WebSocket, session: RealtimeSession) -> None:
        self.ws = ws
        self.session = session
        self.total: UsageMetadata | None = None
        self.responses = 0
        self.audio_item: str | None = None
        self.send_lock = asyncio.Lock()

    async def send_json(self, message: Mapping[str, Any]) -> None:
        async with self.send_lock:
            await self.ws.send_text(json.dumps(message, default=str))

    async def send_audio(self, item_id: str, audio: bytes) -> None:
        async with self.send_lock:
            if item_id != self.audio_item:
                self.audio_item = item_id
                await self.ws.send_text(json.dumps({"type": "audio_item", "item_id": item_id}))
            await self.ws.send_bytes(audio)

    async def pump_events(self) -> None:
        """Session events -> page messages (audio as binary frames)."""
        async for event in self.session.events():
            if isinstance(event, OutputAudio):
                await self.send_audio(event.item_id, event.audio)
                continue
            if isinstance(event, ResponseDone):
                self.responses += 1
                if event.usage is not None:
                    self.total = add_usage(self.total, event.usage)
                await self.send_json(
                    {
                        "type": "response_done",
                        "response_id": event.response_id,
                        "status": event.status,
                        "transcript": event.transcript,
                        "tool_calls": [name for _id, name, _args in event.function_calls],
                        "usage": _usage_json(event.usage),
                        "total_usage": _usage_json(self.total),
                        "responses": self.responses,
                    }
                )
                continue
            message = event_message(event)
            if message is not None:
                await self.send_json(message)

    async def pump_page(self) -> None:
        """Page messages -> the session (microphone audio, playback reports, typed text)."""
        from starlette.websockets import WebSocketDisconnect

        while True:
            try:
                message = await self.ws.receive()
            except WebSocketDisconnect:
                return
            if message.get("type") == "websocket.disconnect":
                return
            data = message.get("bytes")
            if data is not None:
                if len(data) % 2 or len(data) > _MAX_AUDIO_MESSAGE:
                    await self.send_json(
                        {"type": "error", "message": "Audio must be whole pcm16 samples."}
                    )
                    continue
                await self.session.send_audio(data)
                continue
            text = message.get("text")
            if text is None or len(text) > _MAX_TEXT_MESSAGE:
                continue
            await self.on_control(text)

    async def on_control(self, text: str) -> None:
        try:
            msg = json.loads(text)
        except ValueError:
            return
        if not isinstance(msg, dict):
            return
        kind = msg.get("type")
        played = msg.get("played_ms")
        played_ms = float(played) if isinstance(played, int | float) else None
        if kind == "playback" and played_ms is not None and isinstance(msg.get("item_id"), str):
            self.session.report_playback(msg["item_id"], played_ms)
        elif kind == "interrupt":
            item_id = msg.get("item_id")
            if isinstance(item_id, str) and played_ms is not None:
                self.session.report_playback(item_id, played_ms)
            await self.session.interrupt(played_ms)
        elif kind == "text" and isinstance(msg.get("text"), str) and msg["text"].strip():
            await self.session.send_text(msg["text"].strip())


def _static_text(name: str) -> str:
    return (
        resources.files("langchain_azure_audio.voice_page")
        .joinpath("static")
        .joinpath(name)
        .read_text(encoding="utf-8")
    )


_CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


def create_app(
    agent: AzureRealtimeVoiceAgent | AgentFactory,
    *,
    title: str = "Voice agent",
    backend: str = "azure",
    webrtc: bool = False,
) -> Starlette:
    """The voice page's ASGI app around a realtime voice agent.

    Args:
        agent: The agent (its tools run on this server), or a function that builds one per
            conversation.
        title: The page's heading.
        backend: Shown on the page: ``"azure"`` or ``"emulator"``.
        webrtc: Also offer the WebRTC mode (the browser sends its media to the service itself,
            with an ephemeral key this server mints; the server joins the call to run the
            tools). Needs a service that serves ``/openai/v1/realtime/calls`` (Azure; the
            local emulator does not).

    Example:
        >>> from langchain_azure_audio.realtime import AzureRealtimeVoiceAgent
        >>> agent = AzureRealtimeVoiceAgent(azure_endpoint="http://127.0.0.1:8000",
        ...                                 api_key="emulator-key")
        >>> app = create_app(agent)   # serve it with uvicorn, or use serve()
        >>> sorted(r.path for r in app.routes)[:3]
        ['/', '/api/calls/{call_id}', '/api/client-secret']
    """
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route, WebSocketRoute

    from langchain_azure_audio.realtime import AzureRealtimeVoiceAgent, realtime_tool_spec

    def get_agent() -> AzureRealtimeVoiceAgent:
        return agent if isinstance(agent, AzureRealtimeVoiceAgent) else agent()

    probe = get_agent()
    info: dict[str, Any] = {
        "title": title,
        "backend": backend,
        "deployment": probe.azure_deployment,
        "voice": probe.voice,
        "tools": [realtime_tool_spec(t)["name"] for t in probe.tools],
        "webrtc": webrtc,
    }

    async def index(request: Request) -> Response:
        html = _static_text("index.html").replace("{{title}}", _escape(title))
        return HTMLResponse(html, headers={"cache-control": "no-store"})

    async def static(request: Request) -> Response:
        name = str(request.path_params["name"])
        suffix = name[name.rfind(".") :] if "." in name else ""
        if "/" in name or name.startswith(".") or suffix not in _CONTENT_TYPES:
            return PlainTextResponse("Not found", status_code=404)
        try:
            body = _static_text(name)
        except (FileNotFoundError, OSError):
            return PlainTextResponse("Not found", status_code=404)
        return Response(body, media_type=_CONTENT_TYPES[suffix])

    async def config(request: Request) -> Response:
        return JSONResponse(info)

    async def socket(ws: WebSocket) -> None:
        await ws.accept()
        try:
            current = get_agent()
            async with current.connect() as session:
                conversation = _Conversation(ws, session)
                await conversation.send_json({"type": "ready", **info})
                tasks = [
                    asyncio.create_task(conversation.pump_events(), name="voice-page-events"),
                    asyncio.create_task(conversation.pump_page(), name="voice-page-input"),
                ]
                try:
                    done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        exc = task.exception()
                        if exc is not None:
                            raise exc
                finally:
                    for task in tasks:
                        task.cancel()
                    for task in tasks:
                        with contextlib.suppress(asyncio.CancelledError, Exception):
                            await task
        except Exception as exc:  # shown on the page; the server goes on
            logger.warning("voice page conversation ended: %r", exc)
            with contextlib.suppress(Exception):
                await ws.send_text(
                    json.dumps({"type": "error", "message": f"{type(exc).__name__}: {exc}"})
                )
        with contextlib.suppress(Exception):
            await ws.close()

    from langchain_azure_audio.voice_page import webrtc as webrtc_mode

    routes = [
        Route("/", index),
        Route("/static/{name}", static),
        Route("/api/config", config),
        WebSocketRoute("/ws", socket),
        Route(
            "/api/client-secret",
            webrtc_mode.client_secret_endpoint(get_agent, enabled=webrtc),
            methods=["POST"],
        ),
        Route(
            "/api/calls/{call_id}",
            webrtc_mode.join_call_endpoint(get_agent, enabled=webrtc),
            methods=["POST"],
        ),
    ]
    app = Starlette(routes=routes)
    app.state.voice_page = info
    return app


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
