"""The emulator's ASGI application (Starlette): Azure OpenAI's audio surface on a local port.

Routes (both URL styles of Azure OpenAI):

* ``POST /openai/deployments/{deployment}/chat/completions?api-version=...``
* ``POST /openai/deployments/{deployment}/audio/speech?api-version=...``
* ``POST /openai/deployments/{deployment}/audio/transcriptions?api-version=...``
* ``POST /openai/deployments/{deployment}/audio/translations?api-version=...``
* the same under ``/openai/v1/...`` with the deployment in the body's ``model``
  (the multipart field ``model`` for uploads) and no api-version
* ``GET /emulator/health`` (no auth): ``{"status": "ok"}``
* WebSocket ``/openai/v1/realtime?model=DEPLOYMENT`` (GA realtime) and
  ``POST /openai/v1/realtime/client_secrets`` (ephemeral keys), see
  :mod:`langchain_azure_audio.emulator.realtime`

Every response carries ``x-request-id`` and ``apim-request-id``.

Example:
    >>> from langchain_azure_audio.emulator import create_app, EmulatorConfig
    >>> app = create_app(EmulatorConfig(api_key="secret"))
    >>> app.state.emulator.config.deployments["tts-1"]
    'tts-1'
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.datastructures import FormData, MutableHeaders
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from langchain_azure_audio.capabilities import check_api_version
from langchain_azure_audio.emulator._http import (
    ApiError,
    AudioStore,
    EmulatorState,
    RequestContext,
    authenticate,
    invalid,
    operation_not_supported,
    parse_json_object,
    resolve_deployment,
)
from langchain_azure_audio.emulator.chat import chat_completions
from langchain_azure_audio.emulator.config import EmulatorConfig
from langchain_azure_audio.emulator.engines import default_engines
from langchain_azure_audio.emulator.faults import (
    FAULT_HEADER,
    Fault,
    FaultQueue,
    content_filter_body,
    parse_fault,
    status_fault_body,
)
from langchain_azure_audio.emulator.realtime import (
    client_secrets,
    deprecated_realtime_socket,
    realtime_socket,
)
from langchain_azure_audio.emulator.speech import audio_speech
from langchain_azure_audio.emulator.transcription import transcribe_upload
from langchain_azure_audio.errors import UnsupportedOptionError

__all__ = ["create_app"]

logger = logging.getLogger("langchain_azure_audio.emulator")

# route name -> (model kind, operation name in Azure's messages, label in 429 messages)
_ROUTES: dict[str, tuple[str, str, str]] = {
    "chat": ("chat", "chatCompletion", "ChatCompletions_Create"),
    "speech": ("speech", "audioSpeech", "Audio_Speech_Create"),
    "transcriptions": ("transcription", "audioTranscription", "Audio_Transcriptions_Create"),
    "translations": ("transcription", "audioTranslation", "Audio_Translations_Create"),
}
_PATHS = {
    "chat": "chat/completions",
    "speech": "audio/speech",
    "transcriptions": "audio/transcriptions",
    "translations": "audio/translations",
}
_MAX_FORM_BYTES = 26 * 1024 * 1024


class _RequestIdMiddleware:
    """Add ``x-request-id`` and ``apim-request-id`` (one uuid) to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["x-request-id"] = request_id
                headers["apim-request-id"] = request_id
            await send(message)

        await self.app(scope, receive, send_with_ids)


def _pick_fault(request: Request, state: EmulatorState, route: str) -> Fault | None:
    header = request.headers.get(FAULT_HEADER)
    if header:
        try:
            return parse_fault(header)
        except ValueError as exc:
            raise invalid(str(exc), FAULT_HEADER, code="BadRequest") from None
    return state.faults.take(route)


def _fault_error(fault: Fault, route: str) -> ApiError | None:
    if fault.kind == "content_filter":
        return ApiError(400, content_filter_body())
    if fault.status is not None:
        headers = {"retry-after-ms": "50", "retry-after": "1"} if fault.status == 429 else {}
        return ApiError(fault.status, status_fault_body(fault.status, _ROUTES[route][2]), headers)
    return None


def _resolve(state: EmulatorState, route: str, named: object) -> RequestContext:
    """The request's context; ``named`` is the deployment from the path or the ``model`` field."""
    deployment, model, caps = resolve_deployment(state, named if isinstance(named, str) else None)
    kind, operation, _ = _ROUTES[route]
    if caps.kind != kind or (route == "translations" and not caps.supports_translation):
        raise operation_not_supported(operation, model)
    return RequestContext(state, route, deployment, model, caps, None)


def _endpoint(route: str, *, v1: bool) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        state: EmulatorState = request.app.state.emulator
        try:
            authenticate(request, state)
            if not v1:
                version = request.query_params.get("api-version")
                if not version:
                    raise invalid(
                        "Missing required query parameter 'api-version'.",
                        "api-version",
                        code="BadRequest",
                    )
                try:
                    check_api_version(version)
                except UnsupportedOptionError as exc:
                    raise invalid(str(exc), "api-version", code="BadRequest") from None
            fault = _pick_fault(request, state, route)
            if fault is not None:
                logger.info("Injecting fault %s on %s", fault.kind, route)
                if fault.kind == "slow_first_byte":
                    await asyncio.sleep(fault.delay_ms / 1000)
                error = _fault_error(fault, route)
                if error is not None:
                    return error.response()
            deployment = request.path_params.get("deployment")
            if route in ("transcriptions", "translations"):
                form = await _form(request)
                ctx = _resolve(state, route, form.get("model") if v1 else deployment)
                ctx.fault = fault
                try:
                    return await transcribe_upload(ctx, form, translate=route == "translations")
                finally:
                    await form.close()
            body = parse_json_object(await request.body())
            ctx = _resolve(state, route, body.get("model") if v1 else deployment)
            ctx.fault = fault
            if route == "chat":
                return await chat_completions(ctx, body)
            return await audio_speech(ctx, body)
        except ApiError as exc:
            if exc.status >= 400:
                logger.debug("%s -> %s %s", route, exc.status, exc.body)
            return exc.response()
        except ClientDisconnect:
            # The client went away before its request was read: nobody to answer.
            logger.debug("%s: client disconnected before the request was read", route)
            return Response(status_code=499)

    handle.__name__ = f"{route}_{'v1' if v1 else 'deployments'}"
    return handle


async def _form(request: Request) -> FormData:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise invalid(
            "The request must be multipart/form-data with a 'file' field.",
            "file",
            code="BadRequest",
        )
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > _MAX_FORM_BYTES:
        raise invalid("Maximum content size limit exceeded.", "file")
    try:
        return await request.form(max_files=4, max_fields=64)
    except ClientDisconnect:
        raise
    except Exception as exc:  # malformed multipart bodies
        raise invalid(
            f"Could not parse the multipart body: {exc}", "file", code="BadRequest"
        ) from None


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse(
        {"error": {"code": "404", "message": "Resource not found"}}, status_code=404
    )


def create_app(
    config: EmulatorConfig | None = None, *, faults: FaultQueue | None = None
) -> Starlette:
    """Build the emulator's ASGI app.

    Args:
        config: Settings (defaults: :class:`EmulatorConfig`).
        faults: Queue of injected faults (a fresh one by default); see
            :class:`~langchain_azure_audio.emulator.faults.FaultQueue`.

    Example:
        >>> app = create_app()
        >>> sorted(r.path for r in app.routes)[:2]
        ['/emulator/health', '/openai/deployments/{deployment}/audio/speech']
    """
    config = config or EmulatorConfig()
    state = EmulatorState(
        config=config,
        engines=config.engines or default_engines(),
        faults=faults or FaultQueue(),
        audio=AudioStore(),
    )
    routes: list[BaseRoute] = [
        Route("/emulator/health", _health, methods=["GET"]),
        WebSocketRoute("/openai/v1/realtime", realtime_socket),
        WebSocketRoute("/openai/realtime", deprecated_realtime_socket),
        Route("/openai/v1/realtime/client_secrets", client_secrets, methods=["POST"]),
    ]
    for route, path in _PATHS.items():
        routes.append(
            Route(
                f"/openai/deployments/{{deployment}}/{path}",
                _endpoint(route, v1=False),
                methods=["POST"],
            )
        )
        routes.append(Route(f"/openai/v1/{path}", _endpoint(route, v1=True), methods=["POST"]))
    app = Starlette(routes=routes, exception_handlers={404: _not_found})
    app.state.emulator = state
    app.add_middleware(_RequestIdMiddleware)
    return app
