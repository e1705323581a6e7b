"""The optional WebRTC mode: media goes browser <-> service, the server only runs the tools.

1. The page asks this server for an ephemeral key (``POST /api/client-secret``); the server mints
   it with ``POST {endpoint}/openai/v1/realtime/client_secrets``, with the agent's whole session
   (instructions, voice, tools' schemas, turn detection) baked in, so the browser never sees the
   Azure key nor picks its own instructions.
2. The page sends its SDP offer to ``{endpoint}/openai/v1/realtime/calls`` with that key, plays
   the remote audio track and reads events on the ``oai-events`` data channel.
3. The page gives the call id (the ``Location`` of the answer) to this server
   (``POST /api/calls/{call_id}``), which joins the call over
   ``wss://.../openai/v1/realtime?call_id=...`` (a "sideband" connection) and runs the tools
   there with a :class:`~langchain_azure_audio.realtime.RealtimeSession`.

Not tested against the local emulator, which serves no ``/realtime/calls``: only the key minting
is. The sideband join goes through private helpers of the realtime package until
``AzureRealtimeVoiceAgent`` can join a call itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from langchain_azure_audio.realtime import AzureRealtimeVoiceAgent, RealtimeSession

__all__ = ["browser_session_config", "client_secret_endpoint", "join_call_endpoint"]

logger = logging.getLogger(__name__)

_CALL_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_MAX_CALLS = 16
_Endpoint = Callable[["Request"], Awaitable["Response"]]


def browser_session_config(agent: AzureRealtimeVoiceAgent) -> dict[str, Any]:
    """The agent's session for a WebRTC call: its config without the pcm formats (WebRTC
    carries Opus) and without ``type``/``model`` (the key minting adds them)."""
    config = dict(agent._session_options().session_config)
    audio = dict(config.get("audio") or {})
    for side in ("input", "output"):
        part = dict(audio.get(side) or {})
        part.pop("format", None)
        audio[side] = part
    config["audio"] = audio
    config.pop("type", None)
    config.pop("model", None)
    return config


def _disabled() -> Response:
    from starlette.responses import JSONResponse

    return JSONResponse(
        {"error": "The WebRTC mode is off: start the server with webrtc=True (--webrtc)."},
        status_code=404,
    )


def client_secret_endpoint(
    get_agent: Callable[[], AzureRealtimeVoiceAgent], *, enabled: bool
) -> _Endpoint:
    """``POST /api/client-secret``: an ephemeral key and where to send the WebRTC offer."""

    async def endpoint(request: Request) -> Response:
        from starlette.responses import JSONResponse

        if not enabled:
            return _disabled()
        agent = get_agent()
        try:
            secret = await agent.acreate_client_secret(
                expires_after_seconds=600, session=browser_session_config(agent)
            )
        except Exception as exc:
            logger.warning("minting an ephemeral key failed: %r", exc)
            return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=502)
        endpoint_url = str(agent.azure_endpoint or "").rstrip("/")
        return JSONResponse(
            {
                "value": secret.value,
                "expires_at": secret.expires_at,
                "calls_url": f"{endpoint_url}/openai/v1/realtime/calls",
            },
            headers={"cache-control": "no-store"},
        )

    return endpoint


async def join_call(agent: AzureRealtimeVoiceAgent, call_id: str) -> RealtimeSession:
    """Join a WebRTC call by id and run the agent's tools in it (the session is started)."""
    from langchain_azure_audio.realtime import RealtimeSession
    from langchain_azure_audio.realtime._transport import SdkTransport

    client, headers = agent._v1_async_client()

    async def connect() -> SdkTransport:
        manager = client.realtime.connect(
            call_id=call_id,
            extra_headers=dict(headers),
            websocket_connection_options=cast(
                Any, {"open_timeout": agent.open_timeout, "max_size": None}
            ),
        )
        return SdkTransport(manager, await manager.enter())

    options = dataclasses.replace(
        agent._session_options(),
        session_config={"type": "realtime", **browser_session_config(agent)},
        # A call cannot be replayed into a new connection: when it ends, the session ends.
        max_reconnect_attempts=0,
    )
    session = RealtimeSession(connect, options)
    await session.start()
    return session


def join_call_endpoint(
    get_agent: Callable[[], AzureRealtimeVoiceAgent], *, enabled: bool
) -> _Endpoint:
    """``POST /api/calls/{call_id}``: join the page's call to run the tools (202 once joined)."""
    running: dict[str, asyncio.Task[None]] = {}

    async def watch(session: RealtimeSession, call_id: str) -> None:
        try:
            async for event in session.events():
                logger.debug("call %s: %s", call_id, event.type)
        except Exception as exc:
            logger.info("call %s ended: %r", call_id, exc)
        finally:
            await session.close()
            running.pop(call_id, None)

    async def endpoint(request: Request) -> Response:
        from starlette.responses import JSONResponse

        if not enabled:
            return _disabled()
        call_id = str(request.path_params["call_id"])
        if not _CALL_ID.match(call_id):
            return JSONResponse({"error": "Not a call id."}, status_code=400)
        if call_id in running:
            return JSONResponse({"call_id": call_id, "joined": True}, status_code=200)
        if len(running) >= _MAX_CALLS:
            return JSONResponse({"error": "Too many calls on this server."}, status_code=429)
        try:
            session = await join_call(get_agent(), call_id)
        except Exception as exc:
            logger.warning("joining call %s failed: %r", call_id, exc)
            return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=502)
        task = asyncio.create_task(watch(session, call_id), name=f"call-{call_id}")
        running[call_id] = task
        with contextlib.suppress(Exception):
            request.app.state.voice_page_calls = running
        return JSONResponse({"call_id": call_id, "joined": True}, status_code=202)

    return endpoint
