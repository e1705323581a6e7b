"""Ephemeral keys: ``POST /openai/v1/realtime/client_secrets``.

Mints an ``ek_...`` key (``expires_after.seconds`` in 10..7200, default
``EmulatorConfig.client_secret_seconds``) for one session configuration, checked by the same
:func:`~._session.merge_session` as ``session.update`` (its refusals come back as HTTP 400). The
key is kept in the emulator's :class:`~langchain_azure_audio.emulator._http.ClientSecretStore`;
:mod:`.endpoint` accepts it as a bearer token or a browser subprotocol and starts the session
from the configuration it was minted for.
"""

from __future__ import annotations

import math
import secrets

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from langchain_azure_audio.emulator._http import (
    EPHEMERAL_KEY_PREFIX,
    ApiError,
    ClientSecret,
    EmulatorState,
    authenticate,
    check_arguments,
    invalid,
    parse_json_object,
)
from langchain_azure_audio.emulator.realtime._protocol import (
    RealtimeError,
    new_id,
    resolve_realtime,
)
from langchain_azure_audio.emulator.realtime._session import default_session, merge_session


async def client_secrets(request: Request) -> Response:
    """``POST /openai/v1/realtime/client_secrets``: mint an ephemeral key for one session."""
    state: EmulatorState = request.app.state.emulator
    config = state.config
    try:
        authenticate(request, state)
        body = parse_json_object(await request.body() or b"{}")
        check_arguments(body, frozenset({"session", "expires_after"}))
        seconds = config.client_secret_seconds
        expires_after = body.get("expires_after")
        if expires_after is not None:
            if not isinstance(expires_after, dict) or expires_after.get("anchor", "created_at") != (
                "created_at"
            ):
                raise invalid(
                    "Invalid 'expires_after': expected {'anchor': 'created_at', 'seconds': N}.",
                    "expires_after",
                )
            seconds = expires_after.get("seconds", seconds)
            if (
                isinstance(seconds, bool)
                or not isinstance(seconds, int)
                or not 10 <= seconds <= 7200
            ):
                raise invalid(
                    "Invalid 'expires_after.seconds': expected an integer between 10 and 7200.",
                    "expires_after.seconds",
                )
        patch = body.get("session") or {"type": "realtime"}
        if not isinstance(patch, dict):
            raise invalid("Invalid 'session': expected an object.", "session")
        deployment = patch.get("model") if isinstance(patch.get("model"), str) else None
        deployment, _, caps = resolve_realtime(state, deployment)
        try:
            session = merge_session(
                default_session(deployment),
                {k: v for k, v in patch.items() if k != "model"},
                caps,
                voice_locked=False,
            )
        except RealtimeError as exc:
            raise invalid(exc.message, exc.param) from None
        now = config.clock()
        value = EPHEMERAL_KEY_PREFIX + secrets.token_hex(24)
        expires_at = math.floor(now + seconds)
        state.secrets.add(ClientSecret(value, expires_at, session), now)
        public = {**session, "id": new_id("sess"), "expires_at": 0}
        return JSONResponse({"value": value, "expires_at": expires_at, "session": public})
    except ApiError as exc:
        return exc.response()
