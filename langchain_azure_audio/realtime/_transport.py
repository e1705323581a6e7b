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

from langchain_azure_audio import _json
from langchain_azure_audio.errors import (
    AuthenticationError,
    AzureAudioServiceError,
    BadRequestError,
    DeploymentNotFoundError,
    RateLimitError,
    ServiceUnavailableError,
)

__all__ = ["ConnectionLost", "SdkTransport", "Transport", "TransportFactory", "open_sdk_transport"]

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
            await self._conn.send_raw(_json.dumps(event).decode())
        except ConnectionClosed as exc:
            raise ConnectionLost(str(exc)) from exc

    async def recv(self) -> dict[str, Any]:
        from websockets.exceptions import ConnectionClosed

        try:
            raw = await self._conn.recv_bytes()
        except ConnectionClosed as exc:
            raise ConnectionLost(str(exc)) from exc
        data = _json.loads(raw)
        if not isinstance(data, dict):
            raise ConnectionLost(f"Unexpected realtime message {raw[:80]!r}.")
        return data

    async def close(self) -> None:
        try:
            await self._conn.close()
        except Exception:  # closing a dead socket
            logger.debug("closing the realtime socket failed", exc_info=True)


def _typed_handshake_error(exc: Exception, url: str) -> Exception:
    """Map a refused WebSocket upgrade to the package's typed service errors."""
    from websockets.exceptions import InvalidStatus

    if not isinstance(exc, InvalidStatus):
        return exc
    status = exc.response.status_code
    headers = dict(exc.response.headers.raw_items())
    body_bytes = bytes(exc.response.body or b"")
    try:
        body: Any = _json.loads(body_bytes) if body_bytes else None
    except ValueError:
        body = None
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        err = body if isinstance(body, dict) else {}
    message = str(err.get("message") or body_bytes.decode(errors="replace") or f"HTTP {status}")
    cls: type[AzureAudioServiceError]
    if status in (401, 403):
        cls = AuthenticationError
    elif status == 404:
        cls = DeploymentNotFoundError
    elif status == 429:
        cls = RateLimitError
    elif status == 400:
        cls = BadRequestError
    elif status >= 500:
        cls = ServiceUnavailableError
    else:
        cls = AzureAudioServiceError
    # The URL carries no secret (auth is in headers); keep only scheme, host and path.
    safe_url = url.split("?", 1)[0]
    response = httpx2.Response(
        status,
        headers=headers,
        content=body_bytes,
        request=httpx2.Request(
            "GET", safe_url.replace("wss://", "https://", 1).replace("ws://", "http://", 1)
        ),
    )
    new = cls(message, response=response, body=body)
    new.__cause__ = exc
    return new


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
    except openai.APIStatusError as exc:  # pragma: no cover - the SDK raises websockets' errors
        from langchain_azure_audio.errors import from_openai_error

        raise from_openai_error(exc) from exc
    except Exception as exc:
        typed = _typed_handshake_error(exc, str(getattr(client, "websocket_base_url", "")))
        if typed is exc:
            raise
        raise typed from exc
    return SdkTransport(manager, connection)
