"""``/chat/completions`` of the emulator: validation, the scripted reply, audio, streaming."""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from langchain_azure_audio.audio_codecs import decode_to_pcm16, encode_pcm16
from langchain_azure_audio.capabilities import STREAMING_OUTPUT_FORMAT
from langchain_azure_audio.emulator._http import (
    CHAT_ARGUMENTS,
    ApiError,
    EventStreamResponse,
    RequestContext,
    check_arguments,
    cut_json_response,
    invalid,
    option_error,
    split_sizes,
    sse_event,
    text_tokens,
    word_pieces,
)
from langchain_azure_audio.emulator.engines import OUTPUT_SAMPLE_RATE
from langchain_azure_audio.emulator.responder import Reply, ToolResult, Turn
from langchain_azure_audio.errors import AudioValidationError, UnsupportedOptionError

__all__ = ["chat_completions", "content_filter_results", "prompt_filter_results"]

_STT_RATE = 16000
_INPUT_AUDIO_TOKENS_PER_SECOND = 10
_OUTPUT_AUDIO_TOKENS_PER_SECOND = 20
_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
_STREAM_PIECE_BYTES = 4800  # ~0.1 s of 24 kHz pcm16 per data delta


def content_filter_results() -> dict[str, Any]:
    safe = {"filtered": False, "severity": "safe"}
    return {k: dict(safe) for k in ("hate", "self_harm", "sexual", "violence")}


def prompt_filter_results() -> list[dict[str, Any]]:
    results: dict[str, Any] = content_filter_results()
    results["jailbreak"] = {"filtered": False, "detected": False}
    return [{"prompt_index": 0, "content_filter_results": results}]


@dataclass
class _Prompt:
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


async def _read_messages(ctx: RequestContext, messages: Any) -> _Prompt:
    if not isinstance(messages, list) or not messages:
        raise invalid("'messages' must be a non-empty array.", "messages")
    prompt = _Prompt()
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
                    pcm, _ = await run_in_threadpool(decode_to_pcm16, raw, sample_rate=_STT_RATE)
                except AudioValidationError as exc:
                    raise invalid(
                        f"The audio could not be decoded: {exc}", param + ".input_audio.data"
                    ) from None
                prompt.audio_seconds += len(pcm) / 2 / _STT_RATE
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


def _check_tools(body: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], Any]:
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


def _check_audio_options(
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


def _max_tokens(body: Mapping[str, Any]) -> int | None:
    value = body.get("max_completion_tokens", body.get("max_tokens"))
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise invalid("max_tokens must be a positive integer.", "max_completion_tokens")
    return value


def _truncate(text: str, limit: int | None) -> tuple[str, bool]:
    if limit is None or text_tokens(text) <= limit:
        return text, False
    words = text.split()
    keep = max(0, math.floor(limit / 1.3))
    while keep > 0 and text_tokens(" ".join(words[:keep])) > limit:
        keep -= 1
    return " ".join(words[:keep]), True


def _tool_call_id(seed: str, index: int) -> str:
    digest = hashlib.sha256(f"{seed}\x00{index}".encode()).hexdigest()[:24]
    return f"call_{digest}"


@dataclass
class _Answer:
    reply: Reply
    text: str | None
    finish_reason: str
    pcm: bytes = b""
    audio_bytes: bytes = b""
    audio_id: str | None = None
    expires_at: int | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


async def chat_completions(ctx: RequestContext, body: Mapping[str, Any]) -> Response:
    """Handle one ``/chat/completions`` request."""
    check_arguments(body, CHAT_ARGUMENTS)
    stream = bool(body.get("stream", False))
    audio_opts = _check_audio_options(ctx, body, stream)
    tools, choice = _check_tools(body)
    limit = _max_tokens(body)
    prompt = await _read_messages(ctx, body.get("messages"))

    heard: list[str] = []
    for piece in prompt.heard_parts:
        if isinstance(piece, bytes):
            result = await run_in_threadpool(
                ctx.state.engines.recognizer.transcribe, piece, sample_rate=_STT_RATE
            )
            if result.text:
                heard.append(result.text)
        elif piece.strip():
            heard.append(piece.strip())
    turn = Turn(
        heard=" ".join(heard),
        tools=tools,
        tool_choice=choice,
        parallel_tool_calls=body.get("parallel_tool_calls") is not False,
        tool_results=prompt.tool_results,
        messages=body.get("messages") or [],
    )
    reply = await run_in_threadpool(ctx.state.config.responder.respond, turn)
    answer = await _answer(ctx, reply, audio_opts, limit, turn.heard)

    prompt_details = {
        "audio_tokens": math.ceil(prompt.audio_seconds * _INPUT_AUDIO_TOKENS_PER_SECOND),
        "cached_tokens": 0,
        "text_tokens": prompt.text_tokens,
    }
    completion_details = {
        "audio_tokens": math.ceil(
            len(answer.pcm) / 2 / OUTPUT_SAMPLE_RATE * _OUTPUT_AUDIO_TOKENS_PER_SECOND
        ),
        "reasoning_tokens": 0,
        "text_tokens": text_tokens(answer.text or "")
        + sum(text_tokens(c["function"]["arguments"]) + 1 for c in answer.tool_calls),
    }
    prompt_tokens = prompt_details["audio_tokens"] + prompt_details["text_tokens"]
    completion_tokens = completion_details["audio_tokens"] + completion_details["text_tokens"]
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": prompt_details,
        "completion_tokens_details": completion_details,
    }

    completion_id = f"chatcmpl-{uuid.uuid4().hex[:29]}"
    created = int(time.time())
    if stream:
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        chunks = _stream_chunks(
            ctx, answer, completion_id, created, usage if include_usage else None
        )
        return EventStreamResponse(
            chunks, cut=ctx.fault is not None and ctx.fault.kind == "cut_stream"
        )

    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
    if answer.audio_id is not None:
        message["audio"] = {
            "id": answer.audio_id,
            "data": base64.b64encode(answer.audio_bytes).decode("ascii"),
            "expires_at": answer.expires_at,
            "transcript": answer.text or "",
        }
    else:
        message["content"] = answer.text
    if answer.tool_calls:
        message["tool_calls"] = answer.tool_calls
    payload = {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": ctx.model,
        "system_fingerprint": "fp_emulator",
        "prompt_filter_results": prompt_filter_results(),
        "choices": [
            {
                "index": 0,
                "finish_reason": answer.finish_reason,
                "logprobs": None,
                "message": message,
                "content_filter_results": content_filter_results(),
            }
        ],
        "usage": usage,
    }
    if ctx.fault is not None and ctx.fault.kind == "cut_stream":
        return cut_json_response(payload)
    return JSONResponse(payload)


async def _answer(
    ctx: RequestContext,
    reply: Reply,
    audio_opts: tuple[str, str] | None,
    limit: int | None,
    heard: str,
) -> _Answer:
    if reply.tool_calls:
        calls = [
            {
                "id": _tool_call_id(heard + call.name, i),
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments_json()},
            }
            for i, call in enumerate(reply.tool_calls)
        ]
        return _Answer(reply, reply.text, "tool_calls", tool_calls=calls)
    text, truncated = _truncate(reply.text or "", limit)
    answer = _Answer(reply, text, "length" if truncated else "stop")
    if audio_opts is not None:
        voice, fmt = audio_opts
        pcm = await run_in_threadpool(ctx.state.engines.synthesizer.synthesize, text, voice=voice)
        answer.pcm = pcm
        answer.audio_bytes = (
            pcm
            if fmt == STREAMING_OUTPUT_FORMAT
            else await run_in_threadpool(encode_pcm16, pcm, OUTPUT_SAMPLE_RATE, fmt)
        )
        answer.audio_id, answer.expires_at = ctx.state.audio.add(
            text, ctx.state.config.audio_expiry_seconds
        )
    return answer


def _stream_chunks(
    ctx: RequestContext,
    answer: _Answer,
    completion_id: str,
    created: int,
    usage: Mapping[str, Any] | None,
) -> list[bytes]:
    def chunk(delta: Mapping[str, Any], finish: str | None = None) -> bytes:
        payload: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": ctx.model,
            "system_fingerprint": "fp_emulator",
            "choices": [
                {
                    "index": 0,
                    "delta": dict(delta),
                    "finish_reason": finish,
                    "logprobs": None,
                    "content_filter_results": {} if finish else content_filter_results(),
                }
            ],
        }
        if usage is not None:
            payload["usage"] = None
        return sse_event(payload)

    out = [
        sse_event(
            {
                "choices": [],
                "prompt_filter_results": prompt_filter_results(),
                "id": "",
                "object": "",
                "created": 0,
                "model": "",
            }
        )
    ]
    if answer.audio_id is not None:
        out.append(chunk({"role": "assistant", "content": None, "refusal": None}))
        out.append(chunk({"audio": {"id": answer.audio_id, "transcript": ""}}))
        words = word_pieces(answer.text or "")
        view = memoryview(answer.audio_bytes)
        pieces: list[bytes] = []
        offset = 0
        for size in split_sizes(len(view), _STREAM_PIECE_BYTES):
            data = base64.b64encode(view[offset : offset + size]).decode("ascii")
            offset += size
            pieces.append(chunk({"audio": {"data": data}}))
        for word, data_chunk in zip_longest(words, pieces):
            if word is not None:
                out.append(chunk({"audio": {"transcript": word}}))
            if data_chunk is not None:
                out.append(data_chunk)
        out.append(chunk({"audio": {"expires_at": answer.expires_at}}))
    elif answer.tool_calls:
        out.append(chunk({"role": "assistant", "content": None, "refusal": None}))
        for index, call in enumerate(answer.tool_calls):
            fn = call["function"]
            out.append(
                chunk(
                    {
                        "tool_calls": [
                            {
                                "index": index,
                                "id": call["id"],
                                "type": "function",
                                "function": {"name": fn["name"], "arguments": ""},
                            }
                        ]
                    }
                )
            )
            args: str = fn["arguments"]
            for start in range(0, len(args), 7):
                out.append(
                    chunk(
                        {
                            "tool_calls": [
                                {"index": index, "function": {"arguments": args[start : start + 7]}}
                            ]
                        }
                    )
                )
    else:
        out.append(chunk({"role": "assistant", "content": "", "refusal": None}))
        for word in word_pieces(answer.text or ""):
            out.append(chunk({"content": word}))
    out.append(chunk({}, finish=answer.finish_reason))
    if usage is not None:
        out.append(
            sse_event(
                {
                    "id": completion_id,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": ctx.model,
                    "system_fingerprint": "fp_emulator",
                    "choices": [],
                    "usage": dict(usage),
                }
            )
        )
    out.append(sse_event("[DONE]"))
    return out
