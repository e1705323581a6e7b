"""The GA realtime API of the emulator: ``ws://HOST:PORT/openai/v1/realtime?model=DEPLOYMENT``.

The same wire protocol as Azure OpenAI's gpt-realtime deployments (GA event names and shapes),
built on the emulator's real engines: server VAD (:mod:`~langchain_azure_audio.emulator.vad`,
Silero), Whisper transcription of the user's committed audio, the scripted
:class:`~langchain_azure_audio.emulator.responder.Responder` in place of the model (it calls
tools the user mentions and reports their results), and Piper speaking the reply as 24 kHz pcm16
in ~100 ms ``response.output_audio.delta`` pieces.

Connecting:

* Auth: ``api-key`` header, or ``Authorization: Bearer`` with the api key, an Entra-style token
  (the emulator's ``bearer_token_validator``) or an ephemeral key ``ek_...`` from
  ``POST /openai/v1/realtime/client_secrets``. Browsers may send the key as the subprotocol
  ``openai-insecure-api-key.KEY`` (answered with the subprotocol ``realtime``).
* Refused before the upgrade, with an HTTP status and an Azure-shaped JSON body: a bad key (401),
  an ``api-version`` query parameter (401, the GA path takes none), a missing ``model`` (400), an
  unknown deployment (404 ``DeploymentNotFound``), a deployment that is not a realtime model
  (400 ``OperationNotSupported``).

Client events: ``session.update`` (``session.type`` must be ``"realtime"``),
``input_audio_buffer.append`` / ``commit`` / ``clear``, ``conversation.item.create`` /
``retrieve`` / ``truncate`` / ``delete``, ``response.create``, ``response.cancel``.

Server events: ``session.created`` / ``session.updated``, ``input_audio_buffer.speech_started`` /
``speech_stopped`` / ``committed`` / ``cleared``, ``conversation.item.added`` / ``done`` /
``retrieved`` / ``truncated`` / ``deleted``,
``conversation.item.input_audio_transcription.completed`` (when ``audio.input.transcription`` is
set), ``response.created``, ``response.output_item.added`` / ``done``,
``response.content_part.added`` / ``done``, ``response.output_audio.delta`` / ``done``,
``response.output_audio_transcript.delta`` / ``done``, ``response.output_text.delta`` / ``done``,
``response.function_call_arguments.delta`` / ``done``, ``response.done`` (with usage) and
``error``.

Errors as the service words them: ``conversation_already_has_active_response`` for a
``response.create`` during a response, ``Audio content of Xms is already shorter than Yms`` for a
truncate past the audio, ``cannot_update_voice`` once audio was produced, ``session_expired`` when
the session cap (``EmulatorConfig.realtime_session_seconds``, Azure: 30 minutes) is reached, after
which the socket closes.

Faults (queued with ``emu.inject(fault, route="realtime")`` or the ``x-emulator-fault`` header of
the WebSocket handshake, which applies to the session's first response): ``cut_stream`` drops the
socket half-way through a response (close code 1011), ``500``/``503``/``429`` answer a response
with an ``error`` event and a failed ``response.done``, ``content_filter`` ends it ``incomplete``
with reason ``content_filter``, ``slow_first_byte:MS`` delays its first delta.

Example (the raw openai SDK's GA client)::

    client = openai.AsyncOpenAI(api_key=emu.api_key, base_url=f"{emu.endpoint}/openai/v1",
                                websocket_base_url=emu.ws_url)
    async with client.realtime.connect(model="gpt-realtime") as conn:
        await conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
        ...
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
import math
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from langchain_azure_audio.capabilities import (
    REALTIME_TURN_DETECTION_FIELDS,
    ModelCapabilities,
    resolve_model,
)
from langchain_azure_audio.emulator._http import (
    EPHEMERAL_KEY_PREFIX,
    ApiError,
    ClientSecret,
    EmulatorState,
    authenticate,
    bearer_token,
    check_arguments,
    invalid,
    operation_not_supported,
    text_tokens,
    word_pieces,
)
from langchain_azure_audio.emulator.chat import _truncate
from langchain_azure_audio.emulator.engines import OUTPUT_SAMPLE_RATE
from langchain_azure_audio.emulator.faults import FAULT_HEADER, Fault, parse_fault
from langchain_azure_audio.emulator.responder import Reply, ToolResult, Turn
from langchain_azure_audio.emulator.vad import TurnDetector

__all__ = ["client_secrets", "deprecated_realtime_socket", "realtime_socket"]

logger = logging.getLogger("langchain_azure_audio.emulator")

_BYTES_PER_MS = OUTPUT_SAMPLE_RATE * 2 // 1000  # 48
_DELTA_BYTES = 4800  # 100 ms of 24 kHz pcm16
_MIN_COMMIT_MS = 100
_INPUT_AUDIO_TOKENS_PER_SECOND = 10
_OUTPUT_AUDIO_TOKENS_PER_SECOND = 20
_DEFAULT_INSTRUCTIONS = (
    "You are the emulator's scripted stand-in for a realtime model. You echo what you hear, call "
    "the tools the user mentions and report their results."
)
_DEFAULT_VOICE = "alloy"
_PCM_FORMAT = {"type": "audio/pcm", "rate": OUTPUT_SAMPLE_RATE}
_SESSION_FIELDS = frozenset(
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
_RESPONSE_FIELDS = frozenset(
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
_SERVER_VAD_FIELDS = REALTIME_TURN_DETECTION_FIELDS["server_vad"]
_SEMANTIC_VAD_FIELDS = REALTIME_TURN_DETECTION_FIELDS["semantic_vad"]
_EAGERNESS_SILENCE_MS = {"low": 1200, "medium": 700, "auto": 700, "high": 350}
_ACTIVE_RESPONSE = (
    "Conversation already has an active response in progress: {id}. Wait until the response is "
    "finished before creating a new one."
)


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


class _Closed(Exception):
    """The socket is gone."""


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:22]}"


def _pcm_ms(n_bytes: int) -> int:
    return n_bytes // _BYTES_PER_MS


# -- session configuration ---------------------------------------------------------------------


def _default_turn_detection() -> dict[str, Any]:
    return {
        "type": "server_vad",
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 500,
        "create_response": True,
        "interrupt_response": True,
        "idle_timeout_ms": None,
    }


def _default_session(model: str) -> dict[str, Any]:
    return {
        "type": "realtime",
        "object": "realtime.session",
        "model": model,
        "output_modalities": ["audio"],
        "instructions": _DEFAULT_INSTRUCTIONS,
        "audio": {
            "input": {
                "format": dict(_PCM_FORMAT),
                "transcription": None,
                "noise_reduction": None,
                "turn_detection": _default_turn_detection(),
            },
            "output": {"format": dict(_PCM_FORMAT), "voice": _DEFAULT_VOICE, "speed": 1.0},
        },
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": None,
        "truncation": "auto",
        "prompt": None,
        "include": None,
    }


def _check_keys(value: Mapping[str, Any], allowed: frozenset[str], prefix: str) -> None:
    for key in value:
        if key not in allowed:
            raise RealtimeError(
                f"Unknown parameter: '{prefix}.{key}'.",
                code="unknown_parameter",
                param=f"{prefix}.{key}",
            )


def _object(value: Any, param: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RealtimeError(
            f"Invalid type for '{param}': expected an object, but got {type(value).__name__}.",
            code="invalid_type",
            param=param,
        )
    return value


def _choice(value: Any, allowed: list[str], param: str) -> str:
    if value not in allowed:
        listed = ", ".join(f"'{a}'" for a in allowed)
        raise RealtimeError(
            f"Invalid value: '{value}'. Supported values are: {listed}.", param=param
        )
    return str(value)


def _number(value: Any, low: float, high: float, param: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise RealtimeError(
            f"Invalid '{param}': expected a number between {low} and {high}, got {value!r}.",
            param=param,
        )
    return float(value)


def _audio_format(value: Any, param: str) -> dict[str, Any]:
    fmt = _object(value, param)
    kind = fmt.get("type")
    if kind in ("audio/pcmu", "audio/pcma"):
        raise RealtimeError(
            f"The emulator speaks only 'audio/pcm' (24 kHz); '{kind}' is not emulated.",
            param=f"{param}.type",
        )
    _choice(kind, ["audio/pcm", "audio/pcmu", "audio/pcma"], f"{param}.type")
    rate = fmt.get("rate", OUTPUT_SAMPLE_RATE)
    if rate != OUTPUT_SAMPLE_RATE:
        raise RealtimeError(
            f"Invalid value: {rate!r}. Supported values are: {OUTPUT_SAMPLE_RATE}.",
            param=f"{param}.rate",
        )
    return dict(_PCM_FORMAT)


def _turn_detection(value: Any, current: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    td = _object(value, "session.audio.input.turn_detection")
    kind = _choice(
        td.get("type", "server_vad"),
        ["server_vad", "semantic_vad"],
        "session.audio.input.turn_detection.type",
    )
    param = "session.audio.input.turn_detection"
    if kind == "server_vad":
        _check_keys(td, _SERVER_VAD_FIELDS, param)
        base = (
            dict(current)
            if isinstance(current, Mapping) and current.get("type") == "server_vad"
            else _default_turn_detection()
        )
        out: dict[str, Any] = {**base, **td, "type": "server_vad"}
        _number(out["threshold"], 0.0, 1.0, f"{param}.threshold")
        _number(out["prefix_padding_ms"], 0, 10000, f"{param}.prefix_padding_ms")
        _number(out["silence_duration_ms"], 0, 10000, f"{param}.silence_duration_ms")
        return out
    _check_keys(td, _SEMANTIC_VAD_FIELDS, param)
    out = {
        "type": "semantic_vad",
        "eagerness": "auto",
        "create_response": True,
        "interrupt_response": True,
        **td,
    }
    _choice(out["eagerness"], ["low", "medium", "high", "auto"], f"{param}.eagerness")
    return out


def _tools(value: Any, param: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise RealtimeError(f"Invalid type for '{param}': expected an array.", param=param)
    tools: list[dict[str, Any]] = []
    for i, tool in enumerate(value):
        tool = _object(tool, f"{param}[{i}]")
        if tool.get("type") != "function" or not isinstance(tool.get("name"), str):
            raise RealtimeError(
                "Each tool must be {'type': 'function', 'name': ..., 'parameters': {...}}.",
                param=f"{param}[{i}]",
            )
        tools.append(dict(tool))
    return tools


def _tool_choice(value: Any, param: str) -> Any:
    if isinstance(value, Mapping):
        if value.get("type") != "function" or not isinstance(value.get("name"), str):
            raise RealtimeError(
                "tool_choice must be 'auto', 'none', 'required' or "
                "{'type': 'function', 'name': ...}.",
                param=param,
            )
        return dict(value)
    return _choice(value, ["auto", "none", "required"], param)


def _modalities(value: Any, param: str) -> list[str]:
    if value not in (["audio"], ["text"]):
        raise RealtimeError(
            f"Invalid value: {value!r}. Supported values are: ['audio'] and ['text'].",
            param=param,
        )
    return list(value)


def _max_tokens(value: Any, param: str) -> Any:
    if value == "inf":
        return value
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4096:
        raise RealtimeError(
            f"Invalid '{param}': expected an integer between 1 and 4096 or 'inf'.", param=param
        )
    return value


def merge_session(
    current: Mapping[str, Any],
    patch: Mapping[str, Any],
    caps: ModelCapabilities,
    *,
    voice_locked: bool,
) -> dict[str, Any]:
    """Validate a ``session.update`` and return the new session configuration.

    Raises:
        RealtimeError: anything the service would refuse.
    """
    if "type" not in patch:
        raise RealtimeError(
            "Missing required parameter: 'session.type'.",
            code="missing_required_parameter",
            param="session.type",
        )
    _choice(patch["type"], ["realtime"], "session.type")
    _check_keys(patch, _SESSION_FIELDS, "session")
    new: dict[str, Any] = json.loads(json.dumps(current))
    if "output_modalities" in patch:
        new["output_modalities"] = _modalities(
            patch["output_modalities"], "session.output_modalities"
        )
    if "instructions" in patch:
        if not isinstance(patch["instructions"], str):
            raise RealtimeError(
                "Invalid type for 'session.instructions': expected a string.",
                code="invalid_type",
                param="session.instructions",
            )
        new["instructions"] = patch["instructions"]
    if "audio" in patch:
        audio = _object(patch["audio"], "session.audio")
        _check_keys(audio, frozenset({"input", "output"}), "session.audio")
        if "input" in audio:
            inp = _object(audio["input"], "session.audio.input")
            _check_keys(
                inp,
                frozenset({"format", "transcription", "noise_reduction", "turn_detection"}),
                "session.audio.input",
            )
            target = new["audio"]["input"]
            if "format" in inp:
                target["format"] = _audio_format(inp["format"], "session.audio.input.format")
            if "transcription" in inp:
                tr = inp["transcription"]
                target["transcription"] = (
                    None if tr is None else dict(_object(tr, "session.audio.input.transcription"))
                )
            if "noise_reduction" in inp:
                nr = inp["noise_reduction"]
                target["noise_reduction"] = (
                    None if nr is None else dict(_object(nr, "session.audio.input.noise_reduction"))
                )
            if "turn_detection" in inp:
                target["turn_detection"] = _turn_detection(
                    inp["turn_detection"], target["turn_detection"]
                )
        if "output" in audio:
            out = _object(audio["output"], "session.audio.output")
            _check_keys(out, frozenset({"format", "voice", "speed"}), "session.audio.output")
            target = new["audio"]["output"]
            if "format" in out:
                target["format"] = _audio_format(out["format"], "session.audio.output.format")
            if "voice" in out:
                voice = out["voice"]
                if isinstance(voice, Mapping):
                    voice = voice.get("id")
                _choice(voice, sorted(caps.voices), "session.audio.output.voice")
                if voice_locked and voice != target["voice"]:
                    raise RealtimeError(
                        "Cannot update a conversation's voice if assistant audio is present.",
                        code="cannot_update_voice",
                        param="session.audio.output.voice",
                    )
                target["voice"] = voice
            if "speed" in out:
                target["speed"] = _number(out["speed"], 0.25, 1.5, "session.audio.output.speed")
    if "tools" in patch:
        new["tools"] = _tools(patch["tools"], "session.tools")
    if "tool_choice" in patch:
        new["tool_choice"] = _tool_choice(patch["tool_choice"], "session.tool_choice")
    if "max_output_tokens" in patch:
        new["max_output_tokens"] = _max_tokens(
            patch["max_output_tokens"], "session.max_output_tokens"
        )
    for key in ("include", "tracing", "truncation", "prompt", "reasoning", "parallel_tool_calls"):
        if key in patch:
            new[key] = patch[key]
    return new


# -- conversation ------------------------------------------------------------------------------


@dataclass
class _Item:
    """One conversation item and what the emulator knows about it."""

    data: dict[str, Any]
    pcm: bytes = b""  # user input audio (24 kHz pcm16)
    audio: bytearray = field(default_factory=bytearray)  # assistant audio produced
    transcript: asyncio.Future[str] | None = None  # Whisper's reading of the user's audio

    @property
    def id(self) -> str:
        return str(self.data["id"])


@dataclass
class _Response:
    id: str
    params: dict[str, Any]
    task: asyncio.Task[None] | None = None
    cancel_reason: str = "client_cancelled"
    output: list[_Item] = field(default_factory=list)
    fault: Fault | None = None


def _user_text(item: _Item) -> list[str]:
    parts: list[str] = []
    for part in item.data.get("content") or []:
        if part.get("type") in ("input_text", "text", "output_text"):
            parts.append(str(part.get("text") or ""))
        elif part.get("type") in ("input_audio", "output_audio", "audio") and part.get(
            "transcript"
        ):
            parts.append(str(part["transcript"]))
    return parts


def _chat_tools(tools: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {
                "name": t.get("name"),
                "description": t.get("description", ""),
                "parameters": t.get("parameters") or {},
            },
        }
        for t in tools
        if t.get("type") == "function"
    ]


def _chat_tool_choice(choice: Any) -> Any:
    if isinstance(choice, Mapping):
        return {"type": "function", "function": {"name": choice.get("name")}}
    return choice


class RealtimeSession:
    """One realtime WebSocket session."""

    def __init__(
        self,
        ws: WebSocket,
        state: EmulatorState,
        deployment: str,
        model: str,
        caps: ModelCapabilities,
        session: dict[str, Any],
        first_fault: Fault | None,
    ) -> None:
        self.ws = ws
        self.state = state
        self.deployment = deployment
        self.model = model
        self.caps = caps
        self.id = _new_id("sess")
        now = state.config.clock()
        self.expires_at = math.floor(now + state.config.realtime_session_seconds)
        self.session = session
        self.items: list[_Item] = []
        self.buffer = bytearray()
        self.buffer_start_ms = 0  # stream position of buffer[0]
        self.pending_item_id = _new_id("item")
        self.detector = self._make_detector()
        self.active: _Response | None = None
        self.voice_locked = False
        self.closed = False
        self.first_fault = first_fault
        self._send_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._last_input = (0, 0)  # (text, audio) input tokens of the previous response

    # -- plumbing ------------------------------------------------------------------------------
    def _make_detector(self) -> TurnDetector | None:
        td = self.session["audio"]["input"]["turn_detection"]
        if td is None:
            return None
        if td["type"] == "semantic_vad":
            silence = _EAGERNESS_SILENCE_MS[td.get("eagerness") or "auto"]
            return TurnDetector(threshold=0.5, prefix_padding_ms=300, silence_duration_ms=silence)
        return TurnDetector(
            threshold=float(td["threshold"]),
            prefix_padding_ms=int(td["prefix_padding_ms"]),
            silence_duration_ms=int(td["silence_duration_ms"]),
        )

    @property
    def stream_ms(self) -> int:
        """Milliseconds of input audio appended during the session."""
        return self.buffer_start_ms + _pcm_ms(len(self.buffer))

    async def send(self, event: dict[str, Any]) -> None:
        """Send one server event (``event_id`` added)."""
        if self.closed:
            raise _Closed
        payload = {"type": event.pop("type"), "event_id": _new_id("event"), **event}
        async with self._send_lock:
            try:
                await self.ws.send_text(json.dumps(payload, separators=(",", ":")))
            except (WebSocketDisconnect, OSError, RuntimeError):
                self.closed = True
                raise _Closed from None

    async def send_error(self, exc: RealtimeError, event_id: str | None) -> None:
        """Send an ``error`` event."""
        await self.send(
            {
                "type": "error",
                "error": {
                    "type": exc.type,
                    "code": exc.code,
                    "message": exc.message,
                    "param": exc.param,
                    "event_id": event_id,
                },
            }
        )

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def session_object(self) -> dict[str, Any]:
        """The session as ``session.created`` / ``session.updated`` show it."""
        return {**self.session, "id": self.id, "expires_at": self.expires_at}

    # -- main loop -----------------------------------------------------------------------------
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
        except _Closed:
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
        with contextlib.suppress(_Closed):
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
                _choice(kind, sorted(self._handlers), "type")
                return
            await handler(self, event)
        except RealtimeError as exc:
            await self.send_error(exc, event_id)

    # -- session -------------------------------------------------------------------------------
    async def _session_update(self, event: Mapping[str, Any]) -> None:
        patch = _object(event.get("session"), "session")
        old_td = self.session["audio"]["input"]["turn_detection"]
        self.session = merge_session(self.session, patch, self.caps, voice_locked=self.voice_locked)
        if self.session["audio"]["input"]["turn_detection"] != old_td:
            self.detector = self._make_detector()
            if self.detector is not None:
                self.detector.reset(self.stream_ms)
        await self.send({"type": "session.updated", "session": self.session_object()})

    # -- input audio ---------------------------------------------------------------------------
    async def _append(self, event: Mapping[str, Any]) -> None:
        audio = event.get("audio")
        if not isinstance(audio, str):
            raise RealtimeError("Missing required parameter: 'audio'.", param="audio")
        try:
            pcm = base64.b64decode(audio, validate=True)
        except (binascii.Error, ValueError):
            raise RealtimeError(
                "Invalid 'audio'. Expected base64-encoded audio bytes.", param="audio"
            ) from None
        if len(pcm) % 2:
            pcm = pcm[:-1]
        self.buffer.extend(pcm)
        if self.detector is None:
            return
        for vad in await asyncio.to_thread(self.detector.feed, pcm):
            if vad.kind == "speech_started":
                await self.send(
                    {
                        "type": "input_audio_buffer.speech_started",
                        "audio_start_ms": vad.ms,
                        "item_id": self.pending_item_id,
                    }
                )
                td = self.session["audio"]["input"]["turn_detection"]
                if td and td.get("interrupt_response", True) and self.active is not None:
                    await self._cancel(self.active, "turn_detected")
            else:
                await self.send(
                    {
                        "type": "input_audio_buffer.speech_stopped",
                        "audio_end_ms": vad.ms,
                        "item_id": self.pending_item_id,
                    }
                )
                start = max(0, (self.detector.speech_start_ms - self.buffer_start_ms))
                end = max(start, vad.ms - self.buffer_start_ms)
                turn_audio = bytes(self.buffer[start * _BYTES_PER_MS : end * _BYTES_PER_MS])
                rest = bytes(self.buffer[end * _BYTES_PER_MS :])
                self.buffer = bytearray(rest)
                self.buffer_start_ms = vad.ms
                await self._commit_audio(turn_audio)
                td = self.session["audio"]["input"]["turn_detection"]
                if td and td.get("create_response", True) and self.active is None:
                    await self._start_response({})

    async def _commit(self, event: Mapping[str, Any]) -> None:
        ms = _pcm_ms(len(self.buffer))
        if ms < _MIN_COMMIT_MS:
            raise RealtimeError(
                "Error committing input audio buffer: buffer too small. Expected at least "
                f"{_MIN_COMMIT_MS}ms of audio, but buffer only has {ms:.2f}ms of audio.",
                code="input_audio_buffer_commit_empty",
            )
        audio = bytes(self.buffer)
        self.buffer_start_ms = self.stream_ms
        self.buffer = bytearray()
        if self.detector is not None:
            self.detector.reset(self.buffer_start_ms)
        await self._commit_audio(audio)

    async def _clear(self, event: Mapping[str, Any]) -> None:
        self.buffer_start_ms = self.stream_ms
        self.buffer = bytearray()
        if self.detector is not None:
            self.detector.reset(self.buffer_start_ms)
        await self.send({"type": "input_audio_buffer.cleared"})

    async def _commit_audio(self, pcm: bytes) -> None:
        item_id, self.pending_item_id = self.pending_item_id, _new_id("item")
        previous = self.items[-1].id if self.items else None
        await self.send(
            {
                "type": "input_audio_buffer.committed",
                "item_id": item_id,
                "previous_item_id": previous,
            }
        )
        item = _Item(
            {
                "id": item_id,
                "object": "realtime.item",
                "type": "message",
                "role": "user",
                "status": "completed",
                "content": [{"type": "input_audio", "transcript": None}],
            },
            pcm=pcm,
        )
        await self._add_item(item, previous)

    def _transcribe(self, item: _Item) -> asyncio.Future[str]:
        if item.transcript is None:
            item.transcript = self._spawn(self._run_transcription(item))
        return item.transcript

    async def _run_transcription(self, item: _Item) -> str:
        result = await run_in_threadpool(
            self.state.engines.recognizer.transcribe, item.pcm, sample_rate=OUTPUT_SAMPLE_RATE
        )
        text = result.text
        for part in item.data.get("content") or []:
            if part.get("type") == "input_audio":
                part["transcript"] = text
        if self.session["audio"]["input"]["transcription"] is not None:
            audio_tokens = math.ceil(result.duration * _INPUT_AUDIO_TOKENS_PER_SECOND)
            with contextlib.suppress(_Closed):
                await self.send(
                    {
                        "type": "conversation.item.input_audio_transcription.completed",
                        "item_id": item.id,
                        "content_index": 0,
                        "transcript": text,
                        "usage": {
                            "type": "tokens",
                            "input_tokens": audio_tokens,
                            "input_token_details": {"text_tokens": 0, "audio_tokens": audio_tokens},
                            "output_tokens": text_tokens(text),
                            "total_tokens": audio_tokens + text_tokens(text),
                        },
                    }
                )
        return text

    # -- conversation items --------------------------------------------------------------------
    def _index(self, item_id: Any) -> int:
        for i, item in enumerate(self.items):
            if item.id == item_id:
                return i
        return -1

    async def _add_item(self, item: _Item, previous: str | None, *, done: bool = True) -> None:
        if previous is None:
            index = len(self.items)
        elif previous == "root":
            index = 0
        else:
            index = self._index(previous) + 1
        self.items.insert(index, item)
        prev_id = self.items[index - 1].id if index > 0 else None
        await self.send(
            {"type": "conversation.item.added", "previous_item_id": prev_id, "item": item.data}
        )
        if item.pcm:
            self._transcribe(item)
        if done:
            await self.send(
                {"type": "conversation.item.done", "previous_item_id": prev_id, "item": item.data}
            )

    async def _item_create(self, event: Mapping[str, Any]) -> None:
        data = dict(_object(event.get("item"), "item"))
        previous = event.get("previous_item_id")
        if previous is not None and previous != "root" and self._index(previous) < 0:
            raise RealtimeError(
                f"Invalid 'previous_item_id': no item with id '{previous}' in the conversation.",
                param="previous_item_id",
            )
        data.setdefault("id", _new_id("item"))
        if self._index(data["id"]) >= 0:
            raise RealtimeError(
                f"Item with id '{data['id']}' already exists.",
                code="item_already_exists",
                param="item.id",
            )
        data["object"] = "realtime.item"
        data.setdefault("status", "completed")
        kind = _choice(
            data.get("type"), ["message", "function_call", "function_call_output"], "item.type"
        )
        pcm = b""
        if kind == "message":
            _choice(data.get("role"), ["user", "assistant", "system"], "item.role")
            content = data.get("content")
            if not isinstance(content, list):
                raise RealtimeError(
                    "Missing required parameter: 'item.content'.", param="item.content"
                )
            parts = []
            for j, part in enumerate(content):
                part = dict(_object(part, f"item.content[{j}]"))
                ptype = part.get("type")
                if ptype == "input_audio":
                    try:
                        pcm += base64.b64decode(str(part.pop("audio", "")), validate=True)
                    except (binascii.Error, ValueError):
                        raise RealtimeError(
                            "Invalid 'audio'. Expected base64-encoded audio bytes.",
                            param=f"item.content[{j}].audio",
                        ) from None
                    part.setdefault("transcript", None)
                elif ptype not in ("input_text", "output_text", "text", "output_audio"):
                    raise RealtimeError(
                        f"Invalid value: '{ptype}'. Supported values are: 'input_text', "
                        "'input_audio', 'output_text' and 'output_audio'.",
                        param=f"item.content[{j}].type",
                    )
                parts.append(part)
            data["content"] = parts
        elif kind == "function_call_output":
            if not isinstance(data.get("call_id"), str) or not isinstance(data.get("output"), str):
                raise RealtimeError(
                    "A function_call_output item needs 'call_id' and 'output' (strings).",
                    code="missing_required_parameter",
                    param="item.call_id",
                )
        else:
            if not isinstance(data.get("name"), str):
                raise RealtimeError(
                    "Missing required parameter: 'item.name'.",
                    code="missing_required_parameter",
                    param="item.name",
                )
            data.setdefault("call_id", _new_id("call"))
            data.setdefault("arguments", "")
        await self._add_item(_Item(data, pcm=pcm), previous)

    async def _item_retrieve(self, event: Mapping[str, Any]) -> None:
        index = self._index(event.get("item_id"))
        if index < 0:
            raise RealtimeError(
                f"Item with item_id '{event.get('item_id')}' not found.",
                code="item_retrieve_invalid_item_id",
                param="item_id",
            )
        await self.send({"type": "conversation.item.retrieved", "item": self.items[index].data})

    async def _item_delete(self, event: Mapping[str, Any]) -> None:
        item_id = event.get("item_id")
        index = self._index(item_id)
        if index < 0:
            raise RealtimeError(
                f"Error deleting item: the item with id '{item_id}' does not exist.",
                code="item_delete_invalid_item_id",
                param="item_id",
            )
        del self.items[index]
        await self.send({"type": "conversation.item.deleted", "item_id": item_id})

    async def _item_truncate(self, event: Mapping[str, Any]) -> None:
        item_id = event.get("item_id")
        index = self._index(item_id)
        if index < 0:
            raise RealtimeError(
                f"Item with item_id '{item_id}' not found.",
                code="item_truncate_invalid_item_id",
                param="item_id",
            )
        item = self.items[index]
        if item.data.get("role") != "assistant" or item.data.get("type") != "message":
            raise RealtimeError("Only assistant message items can be truncated.", param="item_id")
        if event.get("content_index", 0) != 0:
            raise RealtimeError(
                "Invalid 'content_index': only content index 0 holds audio.",
                param="content_index",
            )
        end = event.get("audio_end_ms")
        if isinstance(end, bool) or not isinstance(end, int) or end < 0:
            raise RealtimeError(
                "Invalid 'audio_end_ms': expected a non-negative integer.", param="audio_end_ms"
            )
        if self.active is not None and item in self.active.output:
            await self._cancel(self.active, "client_cancelled")
        have = _pcm_ms(len(item.audio))
        if end > have:
            raise RealtimeError(
                f"Audio content of {have}ms is already shorter than {end}ms",
                param="audio_end_ms",
            )
        del item.audio[end * _BYTES_PER_MS :]
        for part in item.data.get("content") or []:
            if part.get("type") == "output_audio" and have:
                words = str(part.get("transcript") or "").split()
                keep = math.ceil(len(words) * end / have) if have else 0
                part["transcript"] = " ".join(words[:keep])
        await self.send(
            {
                "type": "conversation.item.truncated",
                "item_id": item_id,
                "content_index": 0,
                "audio_end_ms": end,
            }
        )

    # -- responses -----------------------------------------------------------------------------
    async def _response_create(self, event: Mapping[str, Any]) -> None:
        params = dict(_object(event.get("response") or {}, "response"))
        _check_keys(params, _RESPONSE_FIELDS, "response")
        if self.active is not None:
            raise RealtimeError(
                _ACTIVE_RESPONSE.format(id=self.active.id),
                code="conversation_already_has_active_response",
            )
        if "output_modalities" in params:
            _modalities(params["output_modalities"], "response.output_modalities")
        if "tools" in params:
            params["tools"] = _tools(params["tools"], "response.tools")
        if "tool_choice" in params:
            params["tool_choice"] = _tool_choice(params["tool_choice"], "response.tool_choice")
        if "max_output_tokens" in params:
            _max_tokens(params["max_output_tokens"], "response.max_output_tokens")
        if "conversation" in params:
            _choice(params["conversation"], ["auto", "none"], "response.conversation")
        await self._start_response(params)

    async def _response_cancel(self, event: Mapping[str, Any]) -> None:
        wanted = event.get("response_id")
        if self.active is None or (wanted is not None and wanted != self.active.id):
            raise RealtimeError(
                "Cancellation failed: no active response found", code="response_cancel_not_active"
            )
        await self._cancel(self.active, "client_cancelled")

    async def _cancel(self, response: _Response, reason: str) -> None:
        response.cancel_reason = reason
        if response.task is not None and not response.task.done():
            response.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, _Closed):
                await response.task

    def _response_object(self, response: _Response, status: str) -> dict[str, Any]:
        p = response.params
        return {
            "object": "realtime.response",
            "id": response.id,
            "status": status,
            "status_details": None,
            "output": [item.data for item in response.output],
            "conversation_id": "auto" if p.get("conversation", "auto") == "auto" else None,
            "output_modalities": p.get("output_modalities", self.session["output_modalities"]),
            "max_output_tokens": p.get("max_output_tokens", self.session["max_output_tokens"]),
            "audio": {
                "output": {
                    "format": dict(_PCM_FORMAT),
                    "voice": self.session["audio"]["output"]["voice"],
                }
            },
            "metadata": p.get("metadata"),
            "usage": None,
        }

    def _take_fault(self) -> Fault | None:
        if self.first_fault is not None:
            fault, self.first_fault = self.first_fault, None
            return fault
        return self.state.faults.take("realtime")

    async def _start_response(self, params: dict[str, Any]) -> None:
        response = _Response(_new_id("resp"), params)
        response.fault = self._take_fault()
        self.active = response
        await self.send(
            {"type": "response.created", "response": self._response_object(response, "in_progress")}
        )
        response.task = self._spawn(self._run_response(response))

    async def _context(self, response: _Response) -> tuple[list[_Item], str, list[ToolResult]]:
        p = response.params
        items = list(self.items) if p.get("conversation", "auto") == "auto" else []
        for extra in p.get("input") or []:
            if isinstance(extra, Mapping) and extra.get("type") == "item_reference":
                index = self._index(extra.get("id"))
                if index >= 0:
                    items.append(self.items[index])
            elif isinstance(extra, Mapping):
                items.append(_Item(dict(extra)))
        for item in items:
            if item.pcm:
                await self._transcribe(item)
        names = {
            str(it.data.get("call_id")): str(it.data.get("name"))
            for it in items
            if it.data.get("type") == "function_call"
        }
        results: list[ToolResult] = []
        for item in reversed(items):
            kind = item.data.get("type")
            if kind == "function_call_output":
                call_id = str(item.data.get("call_id"))
                results.insert(
                    0,
                    ToolResult(
                        name=names.get(call_id, "unknown"),
                        content=str(item.data.get("output")),
                        tool_call_id=call_id,
                    ),
                )
            elif kind != "function_call":
                break
        heard = ""
        for item in reversed(items):
            if item.data.get("type") == "message" and item.data.get("role") == "user":
                heard = " ".join(t.strip() for t in _user_text(item) if t.strip())
                break
        return items, heard, results

    def _usage(self, items: list[_Item], response: _Response) -> dict[str, Any]:
        text_in = text_tokens(
            str(response.params.get("instructions") or self.session["instructions"])
        )
        audio_in = 0
        for item in items:
            if item in response.output:
                continue
            if item.pcm:
                audio_in += math.ceil(
                    len(item.pcm) / 2 / OUTPUT_SAMPLE_RATE * _INPUT_AUDIO_TOKENS_PER_SECOND
                )
            elif item.audio:
                audio_in += math.ceil(
                    len(item.audio) / 2 / OUTPUT_SAMPLE_RATE * _INPUT_AUDIO_TOKENS_PER_SECOND
                )
            else:
                text_in += sum(text_tokens(t) for t in _user_text(item))
            text_in += text_tokens(str(item.data.get("arguments") or ""))
            text_in += text_tokens(str(item.data.get("output") or ""))
        text_out = audio_out = 0
        for item in response.output:
            text_out += sum(text_tokens(t) for t in _user_text(item))
            text_out += text_tokens(str(item.data.get("arguments") or ""))
            audio_out += math.ceil(
                len(item.audio) / 2 / OUTPUT_SAMPLE_RATE * _OUTPUT_AUDIO_TOKENS_PER_SECOND
            )
        # The conversation so far is a cached prefix of this one.
        cached_text = min(self._last_input[0], text_in)
        cached_audio = min(self._last_input[1], audio_in)
        self._last_input = (text_in, audio_in)
        total_in, total_out = text_in + audio_in, text_out + audio_out
        return {
            "total_tokens": total_in + total_out,
            "input_tokens": total_in,
            "output_tokens": total_out,
            "input_token_details": {
                "text_tokens": text_in,
                "audio_tokens": audio_in,
                "image_tokens": 0,
                "cached_tokens": cached_text + cached_audio,
                "cached_tokens_details": {
                    "text_tokens": cached_text,
                    "audio_tokens": cached_audio,
                    "image_tokens": 0,
                },
            },
            "output_token_details": {"text_tokens": text_out, "audio_tokens": audio_out},
        }

    async def _run_response(self, response: _Response) -> None:
        status = "completed"
        details: dict[str, Any] | None = None
        items: list[_Item] = []
        try:
            items, heard, results = await self._context(response)
            p = response.params
            tools = p.get("tools", self.session["tools"])
            turn = Turn(
                heard=heard,
                tools=_chat_tools(tools),
                tool_choice=_chat_tool_choice(p.get("tool_choice", self.session["tool_choice"])),
                parallel_tool_calls=p.get(
                    "parallel_tool_calls", self.session.get("parallel_tool_calls", True)
                )
                is not False,
                tool_results=results,
            )
            reply: Reply = await run_in_threadpool(self.state.config.responder.respond, turn)
            fault = response.fault
            if fault is not None:
                logger.info("Injecting realtime fault %s", fault.kind)
                if fault.kind == "slow_first_byte":
                    await asyncio.sleep(fault.delay_ms / 1000)
                elif fault.kind == "content_filter":
                    status = "incomplete"
                    details = {"type": "incomplete", "reason": "content_filter"}
                    return
                elif fault.status is not None:
                    status, details = await self._fail(fault)
                    return
            if reply.tool_calls:
                for call in reply.tool_calls:
                    await self._function_call(response, call.name, call.arguments_json())
            else:
                status, details = await self._message(response, reply.text or "")
        except asyncio.CancelledError:
            status = "cancelled"
            details = {"type": "cancelled", "reason": response.cancel_reason}
            for item in response.output:
                if item.data.get("status") == "in_progress":
                    item.data["status"] = "incomplete"
        except _CutStream:
            logger.info("cut_stream fault: dropping the realtime socket mid-response")
            self.closed = True
            with contextlib.suppress(Exception):
                await self.ws.close(code=1011)
            return
        except _Closed:
            return
        except Exception:
            logger.exception("The emulator failed to produce a realtime response")
            status = "failed"
            details = {
                "type": "failed",
                "error": {"type": "server_error", "code": None, "message": "Internal error."},
            }
            with contextlib.suppress(_Closed):
                await self.send_error(
                    RealtimeError(
                        "The server had an error while processing your request. Sorry about that!",
                        code=None,
                        type="server_error",
                    ),
                    None,
                )
        finally:
            if self.active is response:
                self.active = None
            if not self.closed:
                resp = self._response_object(response, status)
                resp["status_details"] = details
                resp["usage"] = self._usage(items, response)
                with contextlib.suppress(_Closed):
                    await self.send({"type": "response.done", "response": resp})

    async def _fail(self, fault: Fault) -> tuple[str, dict[str, Any]]:
        if fault.status == 429:
            error = RealtimeError(
                "Requests to the realtime operation have exceeded the rate limit of your current "
                "pricing tier. Please retry after 1 second.",
                code="rate_limit_exceeded",
                type="rate_limit_error",
            )
        else:
            error = RealtimeError(
                "The server had an error while processing your request. Sorry about that!",
                code=None,
                type="server_error",
            )
        await self.send_error(error, None)
        return "failed", {
            "type": "failed",
            "error": {"type": error.type, "code": error.code, "message": error.message},
        }

    async def _new_output(self, response: _Response, data: dict[str, Any]) -> _Item:
        item = _Item(data)
        response.output.append(item)
        previous = self.items[-1].id if self.items else None
        if response.params.get("conversation", "auto") == "auto":
            self.items.append(item)
        index = len(response.output) - 1
        await self.send(
            {
                "type": "response.output_item.added",
                "response_id": response.id,
                "output_index": index,
                "item": data,
            }
        )
        await self.send(
            {"type": "conversation.item.added", "previous_item_id": previous, "item": data}
        )
        return item

    async def _finish_output(self, response: _Response, item: _Item) -> None:
        item.data["status"] = "completed"
        index = response.output.index(item)
        previous = self.items[self._index(item.id) - 1].id if self._index(item.id) > 0 else None
        await self.send(
            {"type": "conversation.item.done", "previous_item_id": previous, "item": item.data}
        )
        await self.send(
            {
                "type": "response.output_item.done",
                "response_id": response.id,
                "output_index": index,
                "item": item.data,
            }
        )

    def _maybe_cut(self, response: _Response) -> None:
        if response.fault is not None and response.fault.kind == "cut_stream":
            raise _CutStream

    async def _function_call(self, response: _Response, name: str, arguments: str) -> None:
        call_id = _new_id("call")
        item = await self._new_output(
            response,
            {
                "id": _new_id("item"),
                "object": "realtime.item",
                "type": "function_call",
                "status": "in_progress",
                "name": name,
                "call_id": call_id,
                "arguments": "",
            },
        )
        where = {
            "response_id": response.id,
            "item_id": item.id,
            "output_index": len(response.output) - 1,
        }
        for start in range(0, len(arguments), 16):
            await self.send(
                {
                    "type": "response.function_call_arguments.delta",
                    **where,
                    "call_id": call_id,
                    "delta": arguments[start : start + 16],
                }
            )
            self._maybe_cut(response)
        item.data["arguments"] = arguments
        await self.send(
            {
                "type": "response.function_call_arguments.done",
                **where,
                "call_id": call_id,
                "name": name,
                "arguments": arguments,
            }
        )
        await self._finish_output(response, item)

    async def _message(self, response: _Response, text: str) -> tuple[str, dict[str, Any] | None]:
        p = response.params
        limit = p.get("max_output_tokens", self.session["max_output_tokens"])
        text, truncated = _truncate(text, None if limit == "inf" else int(limit))
        audio_out = p.get("output_modalities", self.session["output_modalities"]) == ["audio"]
        item = await self._new_output(
            response,
            {
                "id": _new_id("item"),
                "object": "realtime.item",
                "type": "message",
                "role": "assistant",
                "status": "in_progress",
                "content": [],
            },
        )
        where = {
            "response_id": response.id,
            "item_id": item.id,
            "output_index": len(response.output) - 1,
            "content_index": 0,
        }
        part: dict[str, Any] = (
            {"type": "output_audio", "transcript": ""}
            if audio_out
            else {"type": "output_text", "text": ""}
        )
        item.data["content"].append(part)
        wire_part = (
            {"type": "audio", "transcript": ""} if audio_out else {"type": "text", "text": ""}
        )
        await self.send({"type": "response.content_part.added", **where, "part": wire_part})
        words = word_pieces(text)
        if audio_out:
            output = self.session["audio"]["output"]
            voice = (p.get("audio") or {}).get("output", {}).get("voice") or output["voice"]
            pcm = await run_in_threadpool(
                self.state.engines.synthesizer.synthesize,
                text,
                voice=voice,
                speed=float(output.get("speed") or 1.0),
            )
            self.voice_locked = True
            await self._stream_audio(response, item, part, where, pcm, words)
            part["transcript"] = text
            await self.send({"type": "response.output_audio.done", **where})
            await self.send(
                {"type": "response.output_audio_transcript.done", **where, "transcript": text}
            )
            wire_part = {"type": "audio", "transcript": text}
        else:
            for i, piece in enumerate(words):
                part["text"] += piece
                await self.send({"type": "response.output_text.delta", **where, "delta": piece})
                if i == len(words) // 2:
                    self._maybe_cut(response)
                await asyncio.sleep(0)
            part["text"] = text
            await self.send({"type": "response.output_text.done", **where, "text": text})
            wire_part = {"type": "text", "text": text}
        await self.send({"type": "response.content_part.done", **where, "part": wire_part})
        await self._finish_output(response, item)
        if truncated:
            return "incomplete", {"type": "incomplete", "reason": "max_output_tokens"}
        return "completed", None

    async def _stream_audio(
        self,
        response: _Response,
        item: _Item,
        part: dict[str, Any],
        where: Mapping[str, Any],
        pcm: bytes,
        words: list[str],
    ) -> None:
        chunks = [pcm[i : i + _DELTA_BYTES] for i in range(0, len(pcm), _DELTA_BYTES)]
        # Spread the transcript over the audio: word k goes with chunk k * n_chunks / n_words.
        per_chunk: list[list[str]] = [[] for _ in chunks] or [[]]
        for k, word in enumerate(words):
            per_chunk[min(len(per_chunk) - 1, k * len(per_chunk) // max(1, len(words)))].append(
                word
            )
        pace = self.state.config.realtime_pace
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        half = len(chunks) // 2
        for k, chunk in enumerate(chunks or [b""]):
            for word in per_chunk[k]:
                part["transcript"] += word
                await self.send(
                    {"type": "response.output_audio_transcript.delta", **where, "delta": word}
                )
            if chunk:
                if pace:
                    delay = t0 + k * (_DELTA_BYTES / _BYTES_PER_MS / 1000) - loop.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                item.audio.extend(chunk)
                await self.send(
                    {
                        "type": "response.output_audio.delta",
                        **where,
                        "delta": base64.b64encode(chunk).decode("ascii"),
                    }
                )
            if k == half:
                self._maybe_cut(response)
            await asyncio.sleep(0)

    _handlers: dict[str, Any] = {}


class _CutStream(_Closed):
    """The ``cut_stream`` fault: drop the socket now."""


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


# -- routes ------------------------------------------------------------------------------------

_API_VERSION_401 = {
    "error": {
        "code": "401",
        "message": "The 'api-version' query parameter is not allowed when using the /openai/v1 "
        "path.",
    }
}


def _resolve(state: EmulatorState, deployment: str | None) -> tuple[str, str, ModelCapabilities]:
    """Deployment, model and capabilities of a realtime deployment (else an Azure error)."""
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
    caps = resolve_model(model)
    if caps.kind != "realtime":
        raise operation_not_supported("realtime", model)
    return deployment, model, caps


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
            raise ApiError(401, _API_VERSION_401)
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
        deployment, model, caps = _resolve(state, deployment)
        fault_spec = ws.headers.get(FAULT_HEADER)
        try:
            fault = parse_fault(fault_spec) if fault_spec else None
        except ValueError as exc:
            raise invalid(str(exc), FAULT_HEADER, code="BadRequest") from None
        session = _default_session(deployment)
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


async def client_secrets(request: Request) -> Response:
    """``POST /openai/v1/realtime/client_secrets``: mint an ephemeral key for one session."""
    state: EmulatorState = request.app.state.emulator
    config = state.config
    try:
        authenticate(request, state)
        try:
            body = json.loads(await request.body() or b"{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise invalid(
                "We could not parse the JSON body of your request.", None, code="BadRequest"
            ) from None
        if not isinstance(body, dict):
            raise invalid("The request body must be a JSON object.", None, code="BadRequest")
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
        deployment, _, caps = _resolve(state, deployment)
        try:
            session = merge_session(
                _default_session(deployment),
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
        public = {**session, "id": _new_id("sess"), "expires_at": 0}
        return JSONResponse({"value": value, "expires_at": expires_at, "session": public})
    except ApiError as exc:
        return exc.response()
