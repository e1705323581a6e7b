"""The realtime wire vocabulary: audio units, ids, field sets, errors as Azure words them.

Everything here is pure (no session state): the other modules build their events and ``error``
events from these pieces, and check client payloads with the small validators at the bottom
(each raises :class:`RealtimeError` with the service's message, ``code`` and ``param``).
"""

from __future__ import annotations

import base64
import binascii
import math
import uuid
from collections.abc import Mapping
from typing import Any

from langchain_azure_audio.capabilities import ModelCapabilities
from langchain_azure_audio.emulator._http import (
    EmulatorState,
    operation_not_supported,
    resolve_deployment,
)
from langchain_azure_audio.emulator.engines import OUTPUT_SAMPLE_RATE

BYTES_PER_MS = OUTPUT_SAMPLE_RATE * 2 // 1000  # 48
"""Bytes of 24 kHz pcm16 per millisecond (input and output audio share the rate)."""
DELTA_BYTES = 4800  # 100 ms of 24 kHz pcm16
"""Size of one ``response.output_audio.delta``."""
MIN_COMMIT_MS = 100
"""The smallest input buffer ``input_audio_buffer.commit`` accepts."""
INPUT_AUDIO_TOKENS_PER_SECOND = 10
OUTPUT_AUDIO_TOKENS_PER_SECOND = 20
PCM_FORMAT = {"type": "audio/pcm", "rate": OUTPUT_SAMPLE_RATE}
"""The one audio format the emulator speaks (both directions)."""

SESSION_FIELDS = frozenset(
    {
        "type",
        "model",
        "output_modalities",
        "instructions",
        "audio",
        "include",
        "tracing",
        "tools",
        "tool_choice",
        "max_output_tokens",
        "truncation",
        "prompt",
        "reasoning",
        "parallel_tool_calls",
        "object",
        "id",
        "expires_at",
    }
)
"""Fields a ``session.update`` (or a client secret's ``session``) may carry."""
RESPONSE_FIELDS = frozenset(
    {
        "audio",
        "conversation",
        "input",
        "instructions",
        "max_output_tokens",
        "metadata",
        "output_modalities",
        "parallel_tool_calls",
        "prompt",
        "reasoning",
        "tool_choice",
        "tools",
    }
)
"""Fields a ``response.create``'s ``response`` may carry."""

ACTIVE_RESPONSE = (
    "Conversation already has an active response in progress: {id}. Wait until the response is "
    "finished before creating a new one."
)
API_VERSION_401 = {
    "error": {
        "code": "401",
        "message": "The 'api-version' query parameter is not allowed when using the /openai/v1 "
        "path.",
    }
}


class RealtimeError(Exception):
    """An ``error`` event to send back (the session goes on)."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = "invalid_value",
        param: str | None = None,
        type: str = "invalid_request_error",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.param = param
        self.type = type


def server_error() -> RealtimeError:
    """The service's wording of an internal error (also the ``500``/``503`` faults)."""
    return RealtimeError(
        "The server had an error while processing your request. Sorry about that!",
        code=None,
        type="server_error",
    )


def rate_limit_error() -> RealtimeError:
    """The service's wording of a throttled response (the ``429`` fault)."""
    return RealtimeError(
        "Requests to the realtime operation have exceeded the rate limit of your current "
        "pricing tier. Please retry after 1 second.",
        code="rate_limit_exceeded",
        type="rate_limit_error",
    )


class Closed(Exception):
    """The socket is gone."""


class CutStream(Closed):
    """The ``cut_stream`` fault: drop the socket now."""


def new_id(prefix: str) -> str:
    """A fresh id in the service's style (``sess_...``, ``item_...``, ``event_...``)."""
    return f"{prefix}_{uuid.uuid4().hex[:22]}"


def pcm_ms(n_bytes: int) -> int:
    """Whole milliseconds in ``n_bytes`` of 24 kHz pcm16."""
    return n_bytes // BYTES_PER_MS


def audio_tokens(n_bytes: int, per_second: int) -> int:
    """Tokens billed for ``n_bytes`` of 24 kHz pcm16 at ``per_second`` tokens a second."""
    return math.ceil(n_bytes / 2 / OUTPUT_SAMPLE_RATE * per_second)


def resolve_realtime(
    state: EmulatorState, deployment: str | None
) -> tuple[str, str, ModelCapabilities]:
    """Deployment, model and capabilities of a realtime deployment (else an Azure error)."""
    deployment, model, caps = resolve_deployment(state, deployment)
    if caps.kind != "realtime":
        raise operation_not_supported("realtime", model)
    return deployment, model, caps


# -- payload checks ----------------------------------------------------------------------------


def check_keys(value: Mapping[str, Any], allowed: frozenset[str], prefix: str) -> None:
    """Refuse a field outside ``allowed`` (``unknown_parameter``)."""
    for key in value:
        if key not in allowed:
            raise RealtimeError(
                f"Unknown parameter: '{prefix}.{key}'.",
                code="unknown_parameter",
                param=f"{prefix}.{key}",
            )


def as_object(value: Any, param: str) -> Mapping[str, Any]:
    """``value`` if it is a JSON object (else ``invalid_type``)."""
    if not isinstance(value, Mapping):
        raise RealtimeError(
            f"Invalid type for '{param}': expected an object, but got {type(value).__name__}.",
            code="invalid_type",
            param=param,
        )
    return value


def choice(value: Any, allowed: list[str], param: str) -> str:
    """``value`` if it is one of ``allowed`` (else ``invalid_value`` listing them)."""
    if value not in allowed:
        listed = ", ".join(f"'{a}'" for a in allowed)
        raise RealtimeError(
            f"Invalid value: '{value}'. Supported values are: {listed}.", param=param
        )
    return str(value)


def number(value: Any, low: float, high: float, param: str) -> float:
    """``value`` as a float if it is a number in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise RealtimeError(
            f"Invalid '{param}': expected a number between {low} and {high}, got {value!r}.",
            param=param,
        )
    return float(value)


def b64_audio(value: str, param: str) -> bytes:
    """Base64 audio from a client event (else the service's ``Invalid 'audio'`` error)."""
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise RealtimeError(
            "Invalid 'audio'. Expected base64-encoded audio bytes.", param=param
        ) from None
