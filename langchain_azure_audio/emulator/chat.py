"""``/chat/completions`` of the emulator: the scripted reply, its audio, usage and streaming.

The request is read and checked in :mod:`~langchain_azure_audio.emulator.chat_request`.
"""

from __future__ import annotations

import base64
import hashlib
import math
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from langchain_azure_audio.audio_codecs import encode_pcm16
from langchain_azure_audio.capabilities import STREAMING_OUTPUT_FORMAT
from langchain_azure_audio.emulator._http import (
    CHAT_ARGUMENTS,
    EventStreamResponse,
    RequestContext,
    check_arguments,
    cut_json_response,
    split_sizes,
    sse_event,
)
from langchain_azure_audio.emulator.chat_request import (
    PROMPT_SAMPLE_RATE,
    check_audio_options,
    check_tools,
    max_tokens,
    read_messages,
)
from langchain_azure_audio.emulator.engines import OUTPUT_SAMPLE_RATE
from langchain_azure_audio.emulator.responder import Reply, Turn
from langchain_azure_audio.emulator.text import text_tokens, truncate_to_tokens, word_pieces

__all__ = ["chat_completions", "content_filter_results", "prompt_filter_results"]

_INPUT_AUDIO_TOKENS_PER_SECOND = 10
_OUTPUT_AUDIO_TOKENS_PER_SECOND = 20
_STREAM_PIECE_BYTES = 4800  # ~0.1 s of 24 kHz pcm16 per data delta


def content_filter_results() -> dict[str, Any]:
    safe = {"filtered": False, "severity": "safe"}
    return {k: dict(safe) for k in ("hate", "self_harm", "sexual", "violence")}


def prompt_filter_results() -> list[dict[str, Any]]:
    results: dict[str, Any] = content_filter_results()
    results["jailbreak"] = {"filtered": False, "detected": False}
    return [{"prompt_index": 0, "content_filter_results": results}]


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
    audio_opts = check_audio_options(ctx, body, stream)
    tools, choice = check_tools(body)
    limit = max_tokens(body)
    prompt = await read_messages(ctx, body.get("messages"))

    heard: list[str] = []
    for piece in prompt.heard_parts:
        if isinstance(piece, bytes):
            result = await run_in_threadpool(
                ctx.state.engines.recognizer.transcribe, piece, sample_rate=PROMPT_SAMPLE_RATE
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
    text, truncated = truncate_to_tokens(reply.text or "", limit)
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
