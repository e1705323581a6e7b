"""Session configuration: the defaults, and ``session.update`` checked and merged like Azure.

:func:`merge_session` serves both ``session.update`` on the socket and the ``session`` of
``POST /openai/v1/realtime/client_secrets``; the ``check_*`` helpers also check the per-response
overrides of ``response.create`` (see :mod:`._responses`). Refusals are
:class:`~._protocol.RealtimeError` with the service's wording.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from langchain_azure_audio.capabilities import REALTIME_TURN_DETECTION_FIELDS, ModelCapabilities
from langchain_azure_audio.emulator.engines import OUTPUT_SAMPLE_RATE
from langchain_azure_audio.emulator.realtime._protocol import (
    PCM_FORMAT,
    SESSION_FIELDS,
    RealtimeError,
    as_object,
    check_keys,
    choice,
    number,
)

DEFAULT_INSTRUCTIONS = (
    "You are the emulator's scripted stand-in for a realtime model. You echo what you hear, call "
    "the tools the user mentions and report their results."
)
DEFAULT_VOICE = "alloy"
SERVER_VAD_FIELDS = REALTIME_TURN_DETECTION_FIELDS["server_vad"]
SEMANTIC_VAD_FIELDS = REALTIME_TURN_DETECTION_FIELDS["semantic_vad"]


def default_turn_detection() -> dict[str, Any]:
    """The service's default ``server_vad`` turn detection."""
    return {
        "type": "server_vad",
        "threshold": 0.5,
        "prefix_padding_ms": 300,
        "silence_duration_ms": 500,
        "create_response": True,
        "interrupt_response": True,
        "idle_timeout_ms": None,
    }


def default_session(model: str) -> dict[str, Any]:
    """A new session's configuration on deployment ``model`` (audio out, server VAD, no tools)."""
    return {
        "type": "realtime",
        "object": "realtime.session",
        "model": model,
        "output_modalities": ["audio"],
        "instructions": DEFAULT_INSTRUCTIONS,
        "audio": {
            "input": {
                "format": dict(PCM_FORMAT),
                "transcription": None,
                "noise_reduction": None,
                "turn_detection": default_turn_detection(),
            },
            "output": {"format": dict(PCM_FORMAT), "voice": DEFAULT_VOICE, "speed": 1.0},
        },
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": None,
        "truncation": "auto",
        "prompt": None,
        "include": None,
    }


def _audio_format(value: Any, param: str) -> dict[str, Any]:
    """Only 24 kHz ``audio/pcm`` is emulated; G.711 is refused by name."""
    fmt = as_object(value, param)
    kind = fmt.get("type")
    if kind in ("audio/pcmu", "audio/pcma"):
        raise RealtimeError(
            f"The emulator speaks only 'audio/pcm' (24 kHz); '{kind}' is not emulated.",
            param=f"{param}.type",
        )
    choice(kind, ["audio/pcm", "audio/pcmu", "audio/pcma"], f"{param}.type")
    rate = fmt.get("rate", OUTPUT_SAMPLE_RATE)
    if rate != OUTPUT_SAMPLE_RATE:
        raise RealtimeError(
            f"Invalid value: {rate!r}. Supported values are: {OUTPUT_SAMPLE_RATE}.",
            param=f"{param}.rate",
        )
    return dict(PCM_FORMAT)


def _turn_detection(value: Any, current: Any) -> dict[str, Any] | None:
    """``server_vad`` patches merge into the current one; ``semantic_vad`` starts afresh."""
    if value is None:
        return None
    td = as_object(value, "session.audio.input.turn_detection")
    kind = choice(
        td.get("type", "server_vad"),
        ["server_vad", "semantic_vad"],
        "session.audio.input.turn_detection.type",
    )
    param = "session.audio.input.turn_detection"
    if kind == "server_vad":
        check_keys(td, SERVER_VAD_FIELDS, param)
        base = (
            dict(current)
            if isinstance(current, Mapping) and current.get("type") == "server_vad"
            else default_turn_detection()
        )
        out: dict[str, Any] = {**base, **td, "type": "server_vad"}
        number(out["threshold"], 0.0, 1.0, f"{param}.threshold")
        number(out["prefix_padding_ms"], 0, 10000, f"{param}.prefix_padding_ms")
        number(out["silence_duration_ms"], 0, 10000, f"{param}.silence_duration_ms")
        return out
    check_keys(td, SEMANTIC_VAD_FIELDS, param)
    out = {
        "type": "semantic_vad",
        "eagerness": "auto",
        "create_response": True,
        "interrupt_response": True,
        **td,
    }
    choice(out["eagerness"], ["low", "medium", "high", "auto"], f"{param}.eagerness")
    return out


def check_tools(value: Any, param: str) -> list[dict[str, Any]]:
    """A list of ``{"type": "function", "name": ...}`` tools."""
    if not isinstance(value, list):
        raise RealtimeError(f"Invalid type for '{param}': expected an array.", param=param)
    tools: list[dict[str, Any]] = []
    for i, tool in enumerate(value):
        tool = as_object(tool, f"{param}[{i}]")
        if tool.get("type") != "function" or not isinstance(tool.get("name"), str):
            raise RealtimeError(
                "Each tool must be {'type': 'function', 'name': ..., 'parameters': {...}}.",
                param=f"{param}[{i}]",
            )
        tools.append(dict(tool))
    return tools


def check_tool_choice(value: Any, param: str) -> Any:
    """``auto`` / ``none`` / ``required`` or ``{"type": "function", "name": ...}``."""
    if isinstance(value, Mapping):
        if value.get("type") != "function" or not isinstance(value.get("name"), str):
            raise RealtimeError(
                "tool_choice must be 'auto', 'none', 'required' or "
                "{'type': 'function', 'name': ...}.",
                param=param,
            )
        return dict(value)
    return choice(value, ["auto", "none", "required"], param)


def check_modalities(value: Any, param: str) -> list[str]:
    """``["audio"]`` or ``["text"]`` (the service allows no mix)."""
    if value not in (["audio"], ["text"]):
        raise RealtimeError(
            f"Invalid value: {value!r}. Supported values are: ['audio'] and ['text'].",
            param=param,
        )
    return list(value)


def check_max_tokens(value: Any, param: str) -> Any:
    """An integer in 1..4096 or ``"inf"``."""
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

    Example:
        >>> from langchain_azure_audio.capabilities import resolve_model
        >>> caps, base = resolve_model("gpt-realtime"), default_session("gpt-realtime")
        >>> text = {"type": "realtime", "output_modalities": ["text"]}
        >>> merge_session(base, text, caps, voice_locked=False)["output_modalities"]
        ['text']
        >>> try:
        ...     merge_session(base, {"type": "realtime", "voice": "x"}, caps, voice_locked=False)
        ... except RealtimeError as exc:
        ...     print(exc.code, exc.param)
        unknown_parameter session.voice
    """
    if "type" not in patch:
        raise RealtimeError(
            "Missing required parameter: 'session.type'.",
            code="missing_required_parameter",
            param="session.type",
        )
    choice(patch["type"], ["realtime"], "session.type")
    check_keys(patch, SESSION_FIELDS, "session")
    new: dict[str, Any] = json.loads(json.dumps(current))
    if "output_modalities" in patch:
        new["output_modalities"] = check_modalities(
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
        audio = as_object(patch["audio"], "session.audio")
        check_keys(audio, frozenset({"input", "output"}), "session.audio")
        if "input" in audio:
            inp = as_object(audio["input"], "session.audio.input")
            check_keys(
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
                    None if tr is None else dict(as_object(tr, "session.audio.input.transcription"))
                )
            if "noise_reduction" in inp:
                nr = inp["noise_reduction"]
                target["noise_reduction"] = (
                    None
                    if nr is None
                    else dict(as_object(nr, "session.audio.input.noise_reduction"))
                )
            if "turn_detection" in inp:
                target["turn_detection"] = _turn_detection(
                    inp["turn_detection"], target["turn_detection"]
                )
        if "output" in audio:
            out = as_object(audio["output"], "session.audio.output")
            check_keys(out, frozenset({"format", "voice", "speed"}), "session.audio.output")
            target = new["audio"]["output"]
            if "format" in out:
                target["format"] = _audio_format(out["format"], "session.audio.output.format")
            if "voice" in out:
                voice = out["voice"]
                if isinstance(voice, Mapping):
                    voice = voice.get("id")
                choice(voice, sorted(caps.voices), "session.audio.output.voice")
                if voice_locked and voice != target["voice"]:
                    raise RealtimeError(
                        "Cannot update a conversation's voice if assistant audio is present.",
                        code="cannot_update_voice",
                        param="session.audio.output.voice",
                    )
                target["voice"] = voice
            if "speed" in out:
                target["speed"] = number(out["speed"], 0.25, 1.5, "session.audio.output.speed")
    if "tools" in patch:
        new["tools"] = check_tools(patch["tools"], "session.tools")
    if "tool_choice" in patch:
        new["tool_choice"] = check_tool_choice(patch["tool_choice"], "session.tool_choice")
    if "max_output_tokens" in patch:
        new["max_output_tokens"] = check_max_tokens(
            patch["max_output_tokens"], "session.max_output_tokens"
        )
    for key in ("include", "tracing", "truncation", "prompt", "reasoning", "parallel_tool_calls"):
        if key in patch:
            new[key] = patch[key]
    return new
