"""The wire: one GA realtime WebSocket, opened through the openai SDK's realtime client.

The SDK's ``AsyncOpenAI(base_url=".../openai/v1").realtime.connect(model=DEPLOYMENT)`` builds
exactly Azure's GA URL (``wss://RESOURCE.openai.azure.com/openai/v1/realtime?model=DEPLOYMENT``,
no ``api-version``, no ``OpenAI-Beta`` header), calls a token provider again for every connect,
and lets ``extra_headers`` replace ``Authorization`` by Azure's ``api-key``. Its own reconnection is
left off: the session reconnects itself, because it must replay the conversation into the new
connection.

Events are sent and read as raw JSON (``send_raw`` / ``recv_bytes``): the SDK's pydantic event
models would cost more per audio delta than everything else the session does with it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, cast

import httpx2
import openai

from langchain_azure_audio import fastjson
from langchain_azure_audio.errors import translate_error

__all__ = [
    "ConnectionLost",
    "SdkTransport",
    "Transport",
    "TransportFactory",
    "open_sdk_transport",
    "realtime_url",
    "typed_connect_error",
]

logger = logging.getLogger(__name__)


class ConnectionLost(Exception):
    """The socket closed (by the peer, the network, or us)."""


class Transport(Protocol):
    """What a realtime session needs from a connection."""

    async def send(self, event: Mapping[str, Any]) -> None: ...

    async def recv(self) -> dict[str, Any]: ...

    async def close(self) -> None: ...


TransportFactory = Callable[[], Awaitable[Transport]]


class SdkTransport:
    """A :class:`Transport` over the openai SDK's ``AsyncRealtimeConnection``."""

    def __init__(self, manager: Any, connection: Any) -> None:
        self._manager = manager
        self._conn = connection

    async def send(self, event: Mapping[str, Any]) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            # Text frames: the service ignores binary ones.
            await self._conn.send_raw(fastjson.dumps(event).decode())
        except ConnectionClosed as exc:
            raise ConnectionLost(str(exc)) from exc

    async def recv(self) -> dict[str, Any]:
        from websockets.exceptions import ConnectionClosed

        try:
            raw = await self._conn.recv_bytes()
        except ConnectionClosed as exc:
            raise ConnectionLost(str(exc)) from exc
        data = fastjson.loads(raw)
        if not isinstance(data, dict):
            raise ConnectionLost(f"Unexpected realtime message {raw[:80]!r}.")
        return data

    async def close(self) -> None:
        try:
            await self._conn.close()
        except Exception:  # closing a dead socket
            logger.debug("closing the realtime socket failed", exc_info=True)


def realtime_url(client: openai.AsyncOpenAI, deployment: str) -> str:
    """The GA realtime URL a connect goes to, for messages: no query, no credentials.

    Example:
        >>> c = openai.AsyncOpenAI(api_key="k", base_url="https://res.openai.azure.com/openai/v1")
        >>> realtime_url(c, "gpt-realtime")
        'wss://res.openai.azure.com/openai/v1/realtime'
    """
    base = str(getattr(client, "websocket_base_url", None) or client.base_url)
    base = base.split("?", 1)[0].rstrip("/")
    if base.startswith("http"):
        base = "ws" + base[4:]
    if "@" in base.split("://", 1)[-1].split("/", 1)[0]:  # user:password@host: drop the userinfo
        scheme, rest = base.split("://", 1)
        base = f"{scheme}://{rest.split('@', 1)[1]}"
    return f"{base}/realtime"


def typed_connect_error(exc: BaseException, url: str) -> BaseException:
    """A failed WebSocket connect as the package's typed error (one translator: errors.py).

    A refused upgrade (HTTP status) becomes the matching :class:`AzureAudioServiceError`
    (401 :class:`AuthenticationError`, 404 :class:`DeploymentNotFoundError`, 429, 5xx...); an
    unreachable host or a handshake that times out becomes :class:`ServiceConnectionError` /
    :class:`ServiceTimeoutError` naming ``url``. Anything else is returned unchanged.
    """
    from websockets.exceptions import InvalidHandshake, InvalidStatus

    request = httpx2.Request("GET", url)
    new: BaseException
    if isinstance(exc, InvalidStatus):
        body_bytes = bytes(exc.response.body or b"")
        try:
            body: Any = fastjson.loads(body_bytes) if body_bytes else None
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
            text = body_bytes.decode(errors="replace").strip()
            body = {"error": {"message": text or f"HTTP {exc.response.status_code}"}}
        response = httpx2.Response(
            exc.response.status_code,
            headers=list(exc.response.headers.raw_items()),
            content=body_bytes,
            request=request,
        )
        message = str(body["error"].get("message"))
        new = openai.APIStatusError(message, response=response, body=body)
    elif isinstance(exc, TimeoutError):
        new = openai.APITimeoutError(request)
    elif isinstance(exc, OSError | InvalidHandshake):
        new = openai.APIConnectionError(request=request)
    else:
        return exc
    new.__cause__ = exc
    typed = translate_error(new)
    typed.__cause__ = exc
    return typed


async def open_sdk_transport(
    client: openai.AsyncOpenAI,
    deployment: str,
    *,
    extra_headers: Mapping[str, Any],
    open_timeout: float | None,
) -> SdkTransport:
    """Open one connection (fresh credentials) and return it as a :class:`Transport`."""
    manager = client.realtime.connect(
        model=deployment,
        extra_headers=dict(extra_headers),
        websocket_connection_options=cast(
            Any, {"open_timeout": open_timeout, "max_size": None, "compression": None}
        ),
    )
    try:
        connection = await manager.enter()
    except Exception as exc:
        typed = typed_connect_error(exc, realtime_url(client, deployment))
        if typed is exc:
            raise
        raise typed from exc
    return SdkTransport(manager, connection)
