"""``/audio/speech`` of the emulator: text to speech in every response format, SSE or plain."""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from langchain_azure_audio.audio_codecs import encode_pcm16
from langchain_azure_audio.capabilities import MAX_SPEECH_INPUT_CHARS
from langchain_azure_audio.emulator._http import (
    SPEECH_ARGUMENTS,
    EventStreamResponse,
    RequestContext,
    check_arguments,
    invalid,
    option_error,
    split_sizes,
    sse_event,
)
from langchain_azure_audio.emulator.engines import OUTPUT_SAMPLE_RATE
from langchain_azure_audio.emulator.text import text_tokens
from langchain_azure_audio.errors import UnsupportedOptionError

__all__ = ["SPEECH_CONTENT_TYPES", "audio_speech"]

SPEECH_CONTENT_TYPES: dict[str, str] = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
"""``Content-Type`` of each ``response_format``."""

_MIN_SPEED, _MAX_SPEED = 0.25, 4.0
_BODY_CHUNK = 16 * 1024
_SSE_PIECE = 6000
_OUTPUT_AUDIO_TOKENS_PER_SECOND = 20


def _validate(ctx: RequestContext, body: Mapping[str, Any]) -> tuple[str, str, str, float, str]:
    text = body.get("input")
    if not isinstance(text, str) or not text.strip():
        raise invalid("Missing required parameter: 'input' (non-empty text).", "input")
    if len(text) > MAX_SPEECH_INPUT_CHARS:
        raise invalid(
            f"'input' is too long: {len(text)} characters; the maximum is "
            f"{MAX_SPEECH_INPUT_CHARS}.",
            "input",
        )
    voice = body.get("voice")
    if isinstance(voice, Mapping):  # custom voice objects are not emulated
        voice = voice.get("id")
    if not isinstance(voice, str):
        raise invalid("Missing required parameter: 'voice'.", "voice")
    try:
        ctx.caps.check_voice(voice)
    except UnsupportedOptionError as exc:
        raise option_error(exc, "voice", ctx.caps.voices) from None
    fmt = body.get("response_format") or "mp3"
    try:
        ctx.caps.check_output_format(str(fmt))
    except UnsupportedOptionError as exc:
        raise option_error(exc, "response_format", ctx.caps.output_formats) from None
    speed = body.get("speed", 1.0)
    if speed is None:
        speed = 1.0
    if (
        isinstance(speed, bool)
        or not isinstance(speed, (int, float))
        or not (_MIN_SPEED <= float(speed) <= _MAX_SPEED)
    ):
        raise invalid(
            f"Invalid value for 'speed': {speed!r}. It must be between {_MIN_SPEED} and "
            f"{_MAX_SPEED}.",
            "speed",
        )
    instructions = body.get("instructions")
    if instructions and not ctx.caps.supports_instructions:
        raise invalid(
            f"'instructions' is not supported with this model ({ctx.model}).",
            "instructions",
        )
    stream_format = body.get("stream_format") or "audio"
    if stream_format not in ("audio", "sse"):
        raise invalid(
            f"Invalid value for 'stream_format': {stream_format!r}. Use 'audio' or 'sse'.",
            "stream_format",
        )
    if stream_format == "sse" and not ctx.caps.supports_stream:
        raise invalid(
            f"stream_format 'sse' is not supported with this model ({ctx.model}).",
            "stream_format",
        )
    return text, voice, str(fmt), float(speed), str(stream_format)


async def audio_speech(ctx: RequestContext, body: Mapping[str, Any]) -> Response:
    """Handle one ``/audio/speech`` request."""
    check_arguments(body, SPEECH_ARGUMENTS)
    text, voice, fmt, speed, stream_format = _validate(ctx, body)
    pcm = await run_in_threadpool(
        ctx.state.engines.synthesizer.synthesize, text, voice=voice, speed=speed
    )
    audio = await run_in_threadpool(encode_pcm16, pcm, OUTPUT_SAMPLE_RATE, fmt)
    cut = ctx.fault is not None and ctx.fault.kind == "cut_stream"
    if stream_format == "sse":
        view = memoryview(audio)
        events: list[bytes] = []
        offset = 0
        for size in split_sizes(len(view), _SSE_PIECE):
            piece = base64.b64encode(view[offset : offset + size]).decode("ascii")
            offset += size
            events.append(sse_event({"type": "speech.audio.delta", "audio": piece}))
        input_tokens = text_tokens(text) + text_tokens(str(body.get("instructions") or ""))
        output_tokens = math.ceil(
            len(pcm) / 2 / OUTPUT_SAMPLE_RATE * _OUTPUT_AUDIO_TOKENS_PER_SECOND
        )
        events.append(
            sse_event(
                {
                    "type": "speech.audio.done",
                    "usage": {
                        "input_tokens": input_tokens,
                        "output_tokens": output_tokens,
                        "total_tokens": input_tokens + output_tokens,
                    },
                }
            )
        )
        return EventStreamResponse(events, cut=cut)
    chunks = [audio[i : i + _BODY_CHUNK] for i in range(0, len(audio), _BODY_CHUNK)] or [b""]
    return EventStreamResponse(chunks, media_type=SPEECH_CONTENT_TYPES[fmt], cut=cut)
