"""HTTP plumbing shared by the emulator's routes: errors, SSE, truncated responses."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, Response

from langchain_azure_audio.capabilities import ModelCapabilities, resolve_model
from langchain_azure_audio.emulator.faults import Fault
from langchain_azure_audio.errors import UnsupportedOptionError

if TYPE_CHECKING:
    from starlette.requests import HTTPConnection
    from starlette.types import Receive, Scope, Send

    from langchain_azure_audio.emulator.config import EmulatorConfig
    from langchain_azure_audio.emulator.engines import Engines
    from langchain_azure_audio.emulator.faults import FaultQueue

logger = logging.getLogger("langchain_azure_audio.emulator")

SSE_MEDIA_TYPE = "text/event-stream; charset=utf-8"


class ApiError(Exception):
    """An error response (status, JSON body, extra headers)."""

    def __init__(
        self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(str(body))
        self.status = status
        self.body = dict(body)
        self.headers = dict(headers or {})

    def response(self) -> Response:
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


def invalid(message: str, param: str | None, *, code: str = "invalid_value") -> ApiError:
    """A 400 ``invalid_request_error``."""
    return ApiError(
        400,
        {
            "error": {
                "code": code,
                "message": message,
                "param": param,
                "type": "invalid_request_error",
            }
        },
    )


def _quoted(values: Iterable[str]) -> str:
    items = [f"'{v}'" for v in sorted(values)]
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + f", and {items[-1]}"


def invalid_choice(value: object, allowed: Iterable[str], param: str) -> ApiError:
    """A 400 for a value outside a fixed set, worded like the service.

    Example:
        >>> invalid_choice("bob", {"alloy", "echo"}, "voice").body["error"]["message"]
        "Invalid value: 'bob'. Supported values are: 'alloy' and 'echo'."
    """
    return invalid(f"Invalid value: '{value}'. Supported values are: {_quoted(allowed)}.", param)


def option_error(exc: UnsupportedOptionError, param: str, allowed: Iterable[str]) -> ApiError:
    """A 400 for an option that the capability registry refused (the service's wording, not the
    library's advice)."""
    return invalid_choice(exc.value, allowed, param)


def unrecognized_arguments(names: Iterable[str]) -> ApiError:
    """Azure's 400 for request arguments it does not know.

    Example:
        >>> unrecognized_arguments(["foo"]).body["error"]["message"]
        'Unrecognized request argument supplied: foo'
    """
    found = sorted(names)
    plural = "s" if len(found) > 1 else ""
    return ApiError(
        400,
        {
            "error": {
                "message": f"Unrecognized request argument{plural} supplied: {', '.join(found)}",
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
        },
    )


def check_arguments(names: Iterable[str], allowed: frozenset[str]) -> None:
    """Raise :func:`unrecognized_arguments` for any name outside ``allowed``."""
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise unrecognized_arguments(unknown)


CHAT_ARGUMENTS = frozenset(
    {
        # the OpenAI chat completions surface (openai-python's create() parameters)
        "messages",
        "model",
        "audio",
        "frequency_penalty",
        "function_call",
        "functions",
        "logit_bias",
        "logprobs",
        "max_completion_tokens",
        "max_tokens",
        "metadata",
        "modalities",
        "moderation",
        "n",
        "parallel_tool_calls",
        "prediction",
        "presence_penalty",
        "prompt_cache_key",
        "prompt_cache_options",
        "prompt_cache_retention",
        "reasoning_effort",
        "response_format",
        "safety_identifier",
        "seed",
        "service_tier",
        "stop",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "user",
        "verbosity",
        "web_search_options",
        # Azure's own additions
        "data_sources",
        "user_security_context",
    }
)
"""Top-level fields ``/chat/completions`` accepts."""

SPEECH_ARGUMENTS = frozenset(
    {"model", "input", "voice", "instructions", "response_format", "speed", "stream_format"}
)
"""Fields ``/audio/speech`` accepts."""

TRANSCRIPTION_ARGUMENTS = frozenset(
    {
        "file",
        "model",
        "chunking_strategy",
        "include",
        "keywords",
        "known_speaker_names",
        "known_speaker_references",
        "language",
        "languages",
        "prompt",
        "response_format",
        "stream",
        "temperature",
        "timestamp_granularities",
    }
)
"""Multipart fields ``/audio/transcriptions`` accepts (``name[]`` arrays by their name)."""

TRANSLATION_ARGUMENTS = frozenset({"file", "model", "prompt", "response_format", "temperature"})
"""Multipart fields ``/audio/translations`` accepts."""


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """A request body that must be a JSON object (else Azure's 400 ``BadRequest``)."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise invalid(
            "We could not parse the JSON body of your request.", None, code="BadRequest"
        ) from None
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.", None, code="BadRequest")
    return body


def resolve_deployment(
    state: EmulatorState, deployment: str | None
) -> tuple[str, str, ModelCapabilities]:
    """Deployment, model and capabilities of a configured deployment.

    Raises:
        ApiError: 400 when no deployment is named, 404 ``DeploymentNotFound`` when it is unknown.
    """
    if not deployment:
        raise invalid("Missing required parameter: 'model' (the deployment name).", "model")
    model = state.config.deployments.get(deployment)
    if model is None:
        raise ApiError(
            404,
            {
                "error": {
                    "code": "DeploymentNotFound",
                    "message": "The API deployment for this resource does not exist. If you "
                    "created the deployment within the last 5 minutes, please wait a moment "
                    "and try again.",
                }
            },
        )
    return deployment, model, resolve_model(model)


def operation_not_supported(operation: str, model: str) -> ApiError:
    return ApiError(
        400,
        {
            "error": {
                "code": "OperationNotSupported",
                "message": f"The {operation} operation does not work with the specified model, "
                f"{model}. Please choose different model and try again.",
            }
        },
    )


@dataclass
class AudioStore:
    """The chat audio ids the emulator issued, with transcript and expiry."""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, tuple[str, float]] = {}

    def add(self, transcript: str, lifetime: float) -> tuple[str, int]:
        """Remember a new audio reply; return its id and ``expires_at`` (unix seconds)."""
        now = time.time()
        audio_id = f"audio_{uuid.uuid4().hex}"
        with self._lock:
            for key in [k for k, (_, exp) in self._items.items() if exp + 86400 < now]:
                del self._items[key]
            self._items[audio_id] = (transcript, now + lifetime)
        return audio_id, math.ceil(now + lifetime)

    def get(self, audio_id: str) -> str | None:
        """The transcript of a live audio id, or ``None`` when unknown or expired."""
        with self._lock:
            item = self._items.get(audio_id)
        if item is None or time.time() >= item[1]:
            return None
        return item[0]


@dataclass
class ClientSecret:
    """An ephemeral realtime key (``ek_...``) with the session it was minted for."""

    value: str
    expires_at: float
    session: dict[str, Any]


class ClientSecretStore:
    """The ephemeral realtime keys the emulator issued (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, ClientSecret] = {}

    def add(self, secret: ClientSecret, now: float) -> None:
        """Remember ``secret``, dropping keys that expired more than a day before ``now``."""
        with self._lock:
            for key in [k for k, v in self._items.items() if v.expires_at + 86400 < now]:
                del self._items[key]
            self._items[secret.value] = secret

    def get(self, value: str, now: float) -> ClientSecret | None:
        """The live secret ``value``, or ``None`` when unknown or expired at ``now``."""
        with self._lock:
            secret = self._items.get(value)
        if secret is None or now >= secret.expires_at:
            return None
        return secret


@dataclass
class EmulatorState:
    """What every request handler may use."""

    config: EmulatorConfig
    engines: Engines
    faults: FaultQueue
    audio: AudioStore
    secrets: ClientSecretStore = field(default_factory=ClientSecretStore)


EPHEMERAL_KEY_PREFIX = "ek_"
"""Ephemeral realtime keys start with this; they open a realtime session and nothing else."""

KEY_401 = {
    "error": {
        "code": "401",
        "message": "Access denied due to invalid subscription key or wrong API endpoint. Make "
        "sure to provide a valid key for an active subscription and use a correct regional API "
        "endpoint for your resource.",
    }
}
TOKEN_401 = {
    "statusCode": 401,
    "message": "Unauthorized. Access token is missing, invalid, audience is incorrect, or have "
    "expired.",
}


def bearer_token(conn: HTTPConnection) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    auth = conn.headers.get("authorization")
    if auth is None:
        return None
    scheme, _, token = auth.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def authenticate(
    conn: HTTPConnection, state: EmulatorState, *, accept: Callable[[str], bool] | None = None
) -> None:
    """Check the ``api-key`` header or ``Authorization: Bearer`` token; raise a 401 otherwise.

    Args:
        conn: The request or WebSocket.
        state: The emulator's state (key, token validator).
        accept: Extra bearer tokens to accept (the realtime route's ephemeral keys).
    """
    config = state.config
    key = conn.headers.get("api-key")
    if key is not None:
        if not hmac.compare_digest(key.encode(), config.api_key.encode()):
            raise ApiError(401, KEY_401)
        return
    auth = conn.headers.get("authorization")
    if auth is None:
        raise ApiError(401, KEY_401)
    token = bearer_token(conn)
    if token is None:
        raise ApiError(401, TOKEN_401)
    if hmac.compare_digest(token.encode(), config.api_key.encode()):
        return
    if accept is not None and accept(token):
        return
    if token.startswith(EPHEMERAL_KEY_PREFIX):  # ephemeral realtime keys are nothing else
        raise ApiError(401, TOKEN_401)
    try:
        accepted = bool(config.bearer_token_validator(token))
    except Exception:  # a failing validator refuses the token
        logger.exception("The bearer token validator raised; refusing the token")
        accepted = False
    if not accepted:
        raise ApiError(401, TOKEN_401)


@dataclass
class RequestContext:
    """One request after authentication and deployment resolution."""

    state: EmulatorState
    route: str
    deployment: str
    model: str
    caps: ModelCapabilities
    fault: Fault | None


def sse_event(payload: Mapping[str, Any] | str) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    return f"data: {data}\n\n".encode()


class EventStreamResponse(Response):
    """Send pre-built byte chunks; with ``cut=True`` stop half-way and drop the connection."""

    def __init__(
        self,
        chunks: Iterable[bytes],
        *,
        media_type: str = SSE_MEDIA_TYPE,
        cut: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(content=None, media_type=media_type, headers=dict(headers or {}))
        self.chunks = list(chunks)
        self.cut = cut

    async def _iterate(self) -> AsyncIterator[bytes]:
        chunks = self.chunks
        if self.cut:
            chunks = chunks[: max(1, len(chunks) // 2)]
        for chunk in chunks:
            yield chunk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        gone = asyncio.Event()

        async def watch() -> None:
            # The request body has been read already: the next message is the disconnect
            # (sent when the client goes away, or once the response is complete).
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    gone.set()
                    return

        watcher = asyncio.create_task(watch())
        try:
            await self._send_all(send, gone)
        except OSError:  # the transport failed under us: the client is gone
            logger.debug("Client went away during the response")
        finally:
            watcher.cancel()

    async def _send_all(self, send: Send, gone: asyncio.Event) -> None:
        headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        await send({"type": "http.response.start", "status": self.status_code, "headers": headers})
        async for chunk in self._iterate():
            if gone.is_set():
                logger.debug("Client disconnected mid-response; stopping")
                return
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            # Let the server notice a closed connection before the next write.
            await asyncio.sleep(0)
        if self.cut:
            # Returning without finishing the response makes the server close the connection
            # mid-body: the client sees a stream that ends without [DONE].
            logger.info("cut_stream fault: dropping the connection mid-response")
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def cut_json_response(payload: Mapping[str, Any]) -> Response:
    """A JSON body that stops half-way (the ``cut_stream`` fault on a non-streamed call)."""
    raw = json.dumps(payload).encode()
    half = max(1, len(raw) // 2)
    return EventStreamResponse([raw[:half], raw[half:]], media_type="application/json", cut=True)


def split_sizes(total: int, base: int) -> list[int]:
    """Even piece sizes around ``base`` whose remainders mod 3 vary (so base64 pads differ)."""
    sizes: list[int] = []
    offsets = (0, 2, 4, -2)
    i = 0
    remaining = total
    while remaining > 0:
        size = min(remaining, max(2, base + offsets[i % len(offsets)]))
        sizes.append(size)
        remaining -= size
        i += 1
    return sizes
