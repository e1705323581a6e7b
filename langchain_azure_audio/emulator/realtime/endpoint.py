"""The realtime WebSocket route: the handshake, the connection loop, the session cap.

``realtime_socket`` serves ``ws://HOST:PORT/openai/v1/realtime?model=DEPLOYMENT``:

* Auth: ``api-key`` header, or ``Authorization: Bearer`` with the api key, an Entra-style token
  (the emulator's ``bearer_token_validator``) or an ephemeral key ``ek_...`` from
  ``POST /openai/v1/realtime/client_secrets`` (:mod:`._secrets`; the session then starts from the
  configuration the key was minted for). Browsers may send the key as the subprotocol
  ``openai-insecure-api-key.KEY`` (answered with the subprotocol ``realtime``).
* Refused before the upgrade, with an HTTP status and an Azure-shaped JSON body: a bad key (401),
  an ``api-version`` query parameter (401, the GA path takes none), a WebRTC ``call_id`` (400), a
  missing ``model`` (400), an unknown deployment (404 ``DeploymentNotFound``), a deployment that
  is not a realtime model (400 ``OperationNotSupported``), a malformed ``x-emulator-fault`` header
  (400; a valid one applies to the session's first response).

:class:`RealtimeSession` assembles the session's parts (the mixins of :mod:`._turns`,
:mod:`._conversation`, :mod:`._responses`, :mod:`._output` on :class:`~._core.SessionCore`) and
runs the connection: ``session.created``, then one client event at a time, dispatched by its
``type`` (an unknown type, bad JSON or a refused event answers an ``error`` event and the session
goes on). ``session.update`` is handled here (checked and merged by :mod:`._session`; a changed
turn detection gets a fresh VAD). When the session cap is reached
(``EmulatorConfig.realtime_session_seconds``, Azure: 30 minutes) the active response is
cancelled, ``session_expired`` is sent and the socket closes. The retired preview path
``/openai/realtime`` answers 404 (``deprecated_realtime_socket``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from langchain_azure_audio.emulator._http import (
    EPHEMERAL_KEY_PREFIX,
    ApiError,
    ClientSecret,
    EmulatorState,
    authenticate,
    bearer_token,
    invalid,
)
from langchain_azure_audio.emulator.faults import FAULT_HEADER, parse_fault
from langchain_azure_audio.emulator.realtime._conversation import ConversationMixin
from langchain_azure_audio.emulator.realtime._output import OutputMixin
from langchain_azure_audio.emulator.realtime._protocol import (
    API_VERSION_401,
    Closed,
    RealtimeError,
    as_object,
    choice,
    resolve_realtime,
)
from langchain_azure_audio.emulator.realtime._responses import ResponsesMixin
from langchain_azure_audio.emulator.realtime._session import default_session, merge_session
from langchain_azure_audio.emulator.realtime._turns import TurnsMixin

__all__ = ["RealtimeSession", "deprecated_realtime_socket", "realtime_socket"]

logger = logging.getLogger("langchain_azure_audio.emulator")


class RealtimeSession(TurnsMixin, ConversationMixin, ResponsesMixin, OutputMixin):
    """One realtime WebSocket session."""

    _handlers: ClassVar[dict[str, Any]] = {}

    async def run(self) -> None:
        """Serve the session until the client leaves or the cap is reached."""
        expiry = self._spawn(self._expire())
        try:
            await self.send({"type": "session.created", "session": self.session_object()})
            while True:
                try:
                    message = await self.ws.receive()
                except (WebSocketDisconnect, RuntimeError):
                    break
                if message["type"] == "websocket.disconnect":
                    break
                raw = message.get("text")
                if raw is None:
                    raw = (message.get("bytes") or b"").decode("utf-8", "replace")
                await self._dispatch(raw)
        except Closed:
            pass
        finally:
            self.closed = True
            expiry.cancel()
            for task in list(self._tasks):
                task.cancel()
            if self.active is not None and self.active.task is not None:
                self.active.task.cancel()
            logger.debug("Realtime session %s ended", self.id)

    async def _expire(self) -> None:
        await asyncio.sleep(self.state.config.realtime_session_seconds)
        seconds = self.state.config.realtime_session_seconds
        span = (
            f"{round(seconds / 60)} minutes"
            if seconds >= 60 and seconds % 60 == 0
            else f"{seconds:g} seconds"
        )
        logger.info("Realtime session %s reached its cap of %s", self.id, span)
        if self.active is not None and self.active.task is not None:
            self.active.task.cancel()
        with contextlib.suppress(Closed):
            await self.send_error(
                RealtimeError(
                    f"Your session hit the maximum duration of {span}.",
                    code="session_expired",
                ),
                None,
            )
        self.closed = True
        with contextlib.suppress(Exception):
            await self.ws.close(code=1000, reason="session_expired")

    async def _dispatch(self, raw: str) -> None:
        event_id: str | None = None
        try:
            try:
                event = json.loads(raw)
            except json.JSONDecodeError:
                raise RealtimeError(
                    "The server could not parse the event: it is not valid JSON.",
                    code="invalid_json",
                ) from None
            if not isinstance(event, dict):
                raise RealtimeError("An event must be a JSON object.", code="invalid_json")
            event_id = event.get("event_id") if isinstance(event.get("event_id"), str) else None
            kind = event.get("type")
            handler = self._handlers.get(kind) if isinstance(kind, str) else None
            if handler is None:
                choice(kind, sorted(self._handlers), "type")
                return
            await handler(self, event)
        except RealtimeError as exc:
            await self.send_error(exc, event_id)

    async def _session_update(self, event: Mapping[str, Any]) -> None:
        patch = as_object(event.get("session"), "session")
        old_td = self.session["audio"]["input"]["turn_detection"]
        self.session = merge_session(self.session, patch, self.caps, voice_locked=self.voice_locked)
        if self.session["audio"]["input"]["turn_detection"] != old_td:
            self.detector = self._make_detector()
            if self.detector is not None:
                self.detector.reset(self.stream_ms)
        await self.send({"type": "session.updated", "session": self.session_object()})


RealtimeSession._handlers = {
    "session.update": RealtimeSession._session_update,
    "input_audio_buffer.append": RealtimeSession._append,
    "input_audio_buffer.commit": RealtimeSession._commit,
    "input_audio_buffer.clear": RealtimeSession._clear,
    "conversation.item.create": RealtimeSession._item_create,
    "conversation.item.retrieve": RealtimeSession._item_retrieve,
    "conversation.item.truncate": RealtimeSession._item_truncate,
    "conversation.item.delete": RealtimeSession._item_delete,
    "response.create": RealtimeSession._response_create,
    "response.cancel": RealtimeSession._response_cancel,
}


def _subprotocol_key(ws: WebSocket) -> str | None:
    for proto in ws.scope.get("subprotocols") or []:
        if proto.startswith("openai-insecure-api-key."):
            return str(proto.split(".", 1)[1])
    return None


async def realtime_socket(ws: WebSocket) -> None:
    """``/openai/v1/realtime?model=DEPLOYMENT``: one GA realtime session."""
    state: EmulatorState = ws.app.state.emulator
    config = state.config
    now = config.clock()
    secret: ClientSecret | None = None
    try:
        if "api-version" in ws.query_params:
            raise ApiError(401, API_VERSION_401)
        key = _subprotocol_key(ws)
        if key is not None and "api-key" not in ws.headers and "authorization" not in ws.headers:
            if key != config.api_key:
                secret = state.secrets.get(key, now)
                if secret is None:
                    raise ApiError(401, {"error": {"code": "401", "message": "Invalid key."}})
        else:
            authenticate(ws, state, accept=lambda t: state.secrets.get(t, now) is not None)
            token = bearer_token(ws) if "api-key" not in ws.headers else None
            if token is not None and token.startswith(EPHEMERAL_KEY_PREFIX):
                secret = state.secrets.get(token, now)
        if "call_id" in ws.query_params:
            raise invalid("The emulator does not serve WebRTC calls.", "call_id")
        deployment = ws.query_params.get("model") or (
            str(secret.session.get("model")) if secret is not None else None
        )
        deployment, model, caps = resolve_realtime(state, deployment)
        fault_spec = ws.headers.get(FAULT_HEADER)
        try:
            fault = parse_fault(fault_spec) if fault_spec else None
        except ValueError as exc:
            raise invalid(str(exc), FAULT_HEADER, code="BadRequest") from None
        session = default_session(deployment)
        if secret is not None:
            session = json.loads(json.dumps(secret.session))
            session["model"] = deployment
    except ApiError as exc:
        logger.debug("realtime handshake refused: %s %s", exc.status, exc.body)
        await ws.send_denial_response(exc.response())
        return
    subprotocol = "realtime" if "realtime" in (ws.scope.get("subprotocols") or []) else None
    await ws.accept(subprotocol=subprotocol)
    logger.info("Realtime session on deployment %s (%s)", deployment, model)
    rt = RealtimeSession(ws, state, deployment, model, caps, session, fault)
    await rt.run()
    if ws.application_state != WebSocketState.DISCONNECTED:
        with contextlib.suppress(Exception):
            await ws.close(code=1000)


async def deprecated_realtime_socket(ws: WebSocket) -> None:
    """The retired preview path ``/openai/realtime?api-version=...&deployment=...``."""
    await ws.send_denial_response(
        JSONResponse({"error": {"code": "404", "message": "Resource not found"}}, status_code=404)
    )
