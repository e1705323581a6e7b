"""What a ``/chat/completions`` request asks for, checked the way the service checks it.

The messages (text, user ``input_audio`` decoded to 16 kHz pcm16, assistant audio references,
the trailing tool results), the tools and ``tool_choice``, the audio options and
``max_tokens``: each refusal is the service's 400 with its ``param``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from langchain_azure_audio.audio_codecs import decode_to_pcm16
from langchain_azure_audio.capabilities import STREAMING_OUTPUT_FORMAT
from langchain_azure_audio.emulator._http import ApiError, RequestContext, invalid, option_error
from langchain_azure_audio.emulator.responder import ToolResult
from langchain_azure_audio.emulator.text import text_tokens
from langchain_azure_audio.errors import AudioValidationError, UnsupportedOptionError

__all__ = [
    "PROMPT_SAMPLE_RATE",
    "Prompt",
    "check_audio_options",
    "check_tools",
    "max_tokens",
    "read_messages",
]

PROMPT_SAMPLE_RATE = 16000
"""Input audio is decoded to pcm16 at this rate (what the recognizer hears)."""
_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


@dataclass
class Prompt:
    """What the request's messages amount to."""

    heard_parts: list[str | bytes] = field(default_factory=list)  # text, or pcm16 @16 kHz
    text_tokens: int = 0
    audio_seconds: float = 0.0
    tool_results: list[ToolResult] = field(default_factory=list)


def _decode_input_audio(part: Mapping[str, Any], param: str, ctx: RequestContext) -> bytes:
    audio = part.get("input_audio")
    if not isinstance(audio, Mapping):
        raise invalid("Missing required parameter: 'input_audio'.", param + ".input_audio")
    fmt = audio.get("format")
    if fmt not in ctx.caps.input_formats:
        raise invalid(
            f"Invalid value: {fmt!r}. Supported values are: "
            f"{', '.join(repr(f) for f in sorted(ctx.caps.input_formats))}.",
            param + ".input_audio.format",
        )
    data = audio.get("data")
    if not isinstance(data, str) or not data:
        raise invalid("The audio data is empty.", param + ".input_audio.data")
    limit = ctx.caps.max_input_bytes
    if len(data) * 3 // 4 - 2 > limit:
        raise _too_large(limit, param)
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise invalid("The audio data is not valid base64.", param + ".input_audio.data") from None
    if len(raw) > limit:
        raise _too_large(limit, param)
    return raw


def _too_large(limit: int, param: str) -> ApiError:
    return invalid(
        f"Audio file size exceeds the maximum of {limit // (1024 * 1024)} MB.",
        param + ".input_audio.data",
    )


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        return " ".join(
            str(p.get("text", ""))
            for p in content
            if isinstance(p, Mapping) and p.get("type") in ("text", "input_text")
        )
    return ""


async def read_messages(ctx: RequestContext, messages: Any) -> Prompt:
    if not isinstance(messages, list) or not messages:
        raise invalid("'messages' must be a non-empty array.", "messages")
    prompt = Prompt()
    last_user = max(
        (i for i, m in enumerate(messages) if isinstance(m, Mapping) and m.get("role") == "user"),
        default=-1,
    )
    tool_names: dict[str, str] = {}
    trailing_tools: list[ToolResult] = []
    for i, msg in enumerate(messages):
        if not isinstance(msg, Mapping) or msg.get("role") not in _ROLES:
            raise invalid(
                f"Invalid message at index {i}: 'role' must be one of {', '.join(sorted(_ROLES))}.",
                f"messages[{i}].role",
            )
        role = msg["role"]
        content = msg.get("content")
        if role != "tool":
            trailing_tools = []
        if role == "assistant":
            for call in msg.get("tool_calls") or []:
                if isinstance(call, Mapping):
                    fn = call.get("function") or {}
                    tool_names[str(call.get("id", ""))] = str(fn.get("name", "unknown"))
            audio_ref = msg.get("audio")
            if isinstance(audio_ref, Mapping):
                audio_id = str(audio_ref.get("id", ""))
                transcript = ctx.state.audio.get(audio_id)
                if transcript is None:
                    raise invalid(
                        f"Audio with id '{audio_id}' has expired or was not found.",
                        f"messages[{i}].audio.id",
                    )
                prompt.text_tokens += text_tokens(transcript)
        if role == "tool":
            text = _text_of(content)
            call_id = str(msg.get("tool_call_id", ""))
            trailing_tools.append(
                ToolResult(
                    name=tool_names.get(call_id, "unknown"), content=text, tool_call_id=call_id
                )
            )
            prompt.text_tokens += text_tokens(text)
            continue
        if content is None or isinstance(content, str):
            prompt.text_tokens += text_tokens(content or "")
            if i == last_user and content:
                prompt.heard_parts.append(content)
            continue
        if not isinstance(content, list):
            raise invalid(
                "'content' must be a string or an array of parts.", f"messages[{i}].content"
            )
        for j, part in enumerate(content):
            param = f"messages[{i}].content[{j}]"
            if not isinstance(part, Mapping):
                raise invalid("Each content part must be an object.", param)
            kind = part.get("type")
            if kind in ("text", "input_text"):
                text = str(part.get("text", ""))
                prompt.text_tokens += text_tokens(text)
                if i == last_user and text:
                    prompt.heard_parts.append(text)
            elif kind == "input_audio" and role == "user":
                raw = _decode_input_audio(part, param, ctx)
                try:
                    pcm, _ = await run_in_threadpool(
                        decode_to_pcm16, raw, sample_rate=PROMPT_SAMPLE_RATE
                    )
                except AudioValidationError as exc:
                    raise invalid(
                        f"The audio could not be decoded: {exc}", param + ".input_audio.data"
                    ) from None
                prompt.audio_seconds += len(pcm) / 2 / PROMPT_SAMPLE_RATE
                if i == last_user:
                    prompt.heard_parts.append(pcm)
            else:
                raise invalid(
                    f"Invalid content part type {kind!r} for a {role} message; this model "
                    "accepts 'text' and (in user messages) 'input_audio' parts.",
                    param + ".type",
                )
    prompt.tool_results = trailing_tools
    return prompt


def check_tools(body: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], Any]:
    tools = body.get("tools") or []
    if not isinstance(tools, list):
        raise invalid("'tools' must be an array.", "tools")
    names = []
    for k, tool in enumerate(tools):
        fn = tool.get("function") if isinstance(tool, Mapping) else None
        if (
            not isinstance(tool, Mapping)
            or tool.get("type") != "function"
            or not isinstance(fn, Mapping)
            or not fn.get("name")
        ):
            raise invalid(
                "Each tool must be {'type': 'function', 'function': {'name': ...}}.", f"tools[{k}]"
            )
        names.append(fn["name"])
    choice = body.get("tool_choice")
    if isinstance(choice, Mapping):
        name = (choice.get("function") or {}).get("name")
        if name not in names:
            raise invalid(
                f"tool_choice names a function that is not in 'tools': {name!r}.", "tool_choice"
            )
    elif choice not in (None, "auto", "none", "required"):
        raise invalid(
            f"Invalid value: {choice!r}. Supported values are: 'none', 'auto' and 'required'.",
            "tool_choice",
        )
    elif choice == "required" and not tools:
        raise invalid("tool_choice 'required' needs at least one tool.", "tool_choice")
    return tools, choice


def check_audio_options(
    ctx: RequestContext, body: Mapping[str, Any], stream: bool
) -> tuple[str, str] | None:
    modalities = body.get("modalities") or ["text"]
    if (
        not isinstance(modalities, list)
        or not set(modalities) <= {"text", "audio"}
        or ("text" not in modalities)
    ):
        raise invalid(
            f"Invalid value for 'modalities': {modalities!r}. Use ['text'] or ['text', 'audio'].",
            "modalities",
        )
    if "audio" not in modalities:
        return None
    audio = body.get("audio")
    if not isinstance(audio, Mapping):
        raise invalid(
            "Missing required parameter: 'audio' (needed when 'audio' is in 'modalities').",
            "audio",
        )
    voice, fmt = audio.get("voice"), audio.get("format")
    if not isinstance(voice, str):
        raise invalid("Missing required parameter: 'audio.voice'.", "audio.voice")
    if not isinstance(fmt, str):
        raise invalid("Missing required parameter: 'audio.format'.", "audio.format")
    try:
        ctx.caps.check_voice(voice)
    except UnsupportedOptionError as exc:
        raise option_error(exc, "audio.voice", ctx.caps.voices) from None
    try:
        ctx.caps.check_output_format(fmt)
    except UnsupportedOptionError as exc:
        raise option_error(exc, "audio.format", ctx.caps.output_formats) from None
    if stream and fmt != STREAMING_OUTPUT_FORMAT:
        raise invalid(
            f"Audio output format '{fmt}' is not supported when stream is true. "
            f"Supported values are: '{STREAMING_OUTPUT_FORMAT}'.",
            "audio.format",
        )
    return voice, fmt


def max_tokens(body: Mapping[str, Any]) -> int | None:
    value = body.get("max_completion_tokens", body.get("max_tokens"))
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise invalid("max_tokens must be a positive integer.", "max_completion_tokens")
    return value
