"""``/audio/transcriptions`` and ``/audio/translations`` of the emulator (multipart uploads).

The bundled Whisper model is English-only: ``language`` is accepted and ignored, and a
"translation" is a transcription of English speech. ``temperature`` is accepted and ignored
(decoding is always greedy, so results are repeatable); ``prompt`` is Whisper's initial prompt.
"""

from __future__ import annotations

import math
import os
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import JSONResponse, PlainTextResponse, Response

from langchain_azure_audio.audio_codecs import decode_to_pcm16
from langchain_azure_audio.emulator._http import (
    TRANSCRIPTION_ARGUMENTS,
    TRANSLATION_ARGUMENTS,
    ApiError,
    EventStreamResponse,
    RequestContext,
    check_arguments,
    cut_json_response,
    invalid,
    invalid_choice,
    sse_event,
)
from langchain_azure_audio.emulator.engines import Transcription
from langchain_azure_audio.emulator.text import text_tokens, word_pieces
from langchain_azure_audio.errors import AudioValidationError, UnsupportedOptionError
from langchain_azure_audio.subtitles import render_srt, render_vtt

__all__ = ["transcribe_upload"]

_STT_RATE = 16000
_GRANULARITIES = frozenset({"word", "segment"})
_ALL_RESPONSE_FORMATS = frozenset({"json", "text", "srt", "verbose_json", "vtt", "diarized_json"})
_AUDIO_TOKENS_PER_SECOND = 10


def _field(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if value is None or isinstance(value, UploadFile):
        return None
    return str(value)


def _flag(form: FormData, name: str) -> bool:
    value = (_field(form, name) or "false").strip().lower()
    return value in ("true", "1", "yes")


def _validate_options(
    ctx: RequestContext, form: FormData, translate: bool
) -> tuple[str, list[str], bool]:
    check_arguments(
        {key.removesuffix("[]") for key in form},
        TRANSLATION_ARGUMENTS if translate else TRANSCRIPTION_ARGUMENTS,
    )
    fmt = _field(form, "response_format") or "json"
    try:
        ctx.caps.check_response_format(fmt)
    except UnsupportedOptionError:
        raise _format_error(ctx, fmt) from None
    granularities = [
        str(v)
        for key in ("timestamp_granularities[]", "timestamp_granularities")
        for v in form.getlist(key)
        if not isinstance(v, UploadFile)
    ]
    if granularities:
        if translate or not ctx.caps.supports_timestamps:
            raise invalid(
                f"timestamp_granularities are not supported with this model ({ctx.model}).",
                "timestamp_granularities",
            )
        unknown = sorted(set(granularities) - _GRANULARITIES)
        if unknown:
            raise invalid(
                f"Invalid value for 'timestamp_granularities': {unknown[0]!r}. Use 'word' "
                "and/or 'segment'.",
                "timestamp_granularities",
            )
        if fmt != "verbose_json":
            raise invalid(
                "timestamp_granularities need response_format 'verbose_json'.",
                "timestamp_granularities",
            )
    stream = _flag(form, "stream")
    if stream and (translate or not ctx.caps.supports_stream):
        raise invalid(
            f"Streaming is not supported with this model ({ctx.model}).",
            "stream",
        )
    temperature = _field(form, "temperature")
    if temperature is not None:
        try:
            value = float(temperature)
        except ValueError:
            value = -1.0
        if not 0.0 <= value <= 1.0:
            raise invalid("'temperature' must be a number between 0 and 1.", "temperature")
    return fmt, granularities, stream


def _format_error(ctx: RequestContext, fmt: str) -> ApiError:
    allowed = sorted(ctx.caps.response_formats)
    if fmt in _ALL_RESPONSE_FORMATS:
        listed = " or ".join(f"'{f}'" for f in allowed)
        return invalid(
            f"response_format '{fmt}' is not compatible with model '{ctx.model}'. "
            f"Use {listed} instead.",
            "response_format",
        )
    return invalid_choice(fmt, allowed, "response_format")


async def _read_file(ctx: RequestContext, form: FormData) -> bytes:
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise invalid("Missing required parameter: 'file' (an audio file upload).", "file")
    name = upload.filename or ""
    ext = os.path.splitext(name)[1].lstrip(".").lower()
    allowed = ctx.caps.input_formats
    if ext and ext not in allowed:
        raise invalid(f"Invalid file format {ext!r}. Supported formats: {sorted(allowed)}", "file")
    limit = ctx.caps.max_input_bytes
    size = upload.size
    if size is not None and size > limit:
        raise _too_large(limit)
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    if not data:
        raise invalid("The audio file is empty.", "file")
    return data


def _too_large(limit: int) -> ApiError:
    return invalid(
        f"Maximum content size limit ({limit} bytes, {limit // (1024 * 1024)} MB) exceeded.",
        "file",
    )


async def transcribe_upload(ctx: RequestContext, form: FormData, *, translate: bool) -> Response:
    """Handle one ``/audio/transcriptions`` (or, with ``translate``, ``/audio/translations``)."""
    fmt, granularities, stream = _validate_options(ctx, form, translate)
    data = await _read_file(ctx, form)
    try:
        pcm, _ = await run_in_threadpool(decode_to_pcm16, data, sample_rate=_STT_RATE)
    except AudioValidationError as exc:
        raise invalid(f"The audio file could not be decoded: {exc}", "file") from None
    del data
    words = "word" in granularities
    result: Transcription = await run_in_threadpool(
        ctx.state.engines.recognizer.transcribe,
        pcm,
        sample_rate=_STT_RATE,
        words=words,
        prompt=_field(form, "prompt"),
    )
    cut = ctx.fault is not None and ctx.fault.kind == "cut_stream"
    usage = _usage(result, _field(form, "prompt"))
    if stream:
        events = [
            sse_event({"type": "transcript.text.delta", "delta": piece, "logprobs": []})
            for piece in word_pieces(result.text)
        ]
        events.append(
            sse_event(
                {
                    "type": "transcript.text.done",
                    "text": result.text,
                    "logprobs": [],
                    "usage": usage,
                }
            )
        )
        return EventStreamResponse(events, cut=cut)
    body: Any
    if fmt == "text":
        return PlainTextResponse(result.text + "\n")
    if fmt == "srt":
        return PlainTextResponse(_subtitles(result, srt=True))
    if fmt == "vtt":
        return PlainTextResponse(_subtitles(result, srt=False), media_type="text/vtt")
    if fmt == "verbose_json":
        body = _verbose(result, granularities, translate)
    elif fmt == "diarized_json":
        body = _diarized(result, usage)
    else:
        body = {"text": result.text}
        if ctx.caps.family == "gpt-4o-transcribe":
            body["usage"] = usage
    if cut:
        return cut_json_response(body)
    return JSONResponse(body)


def _usage(result: Transcription, prompt: str | None) -> dict[str, Any]:
    audio_tokens = math.ceil(result.duration * _AUDIO_TOKENS_PER_SECOND)
    prompt_tokens = text_tokens(prompt or "")
    output = text_tokens(result.text)
    return {
        "type": "tokens",
        "input_tokens": audio_tokens + prompt_tokens,
        "input_token_details": {"text_tokens": prompt_tokens, "audio_tokens": audio_tokens},
        "output_tokens": output,
        "total_tokens": audio_tokens + prompt_tokens + output,
    }


def _verbose(result: Transcription, granularities: list[str], translate: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "task": "translate" if translate else "transcribe",
        "language": result.language,
        "duration": result.duration,
        "text": result.text,
    }
    if not granularities or "segment" in granularities:
        body["segments"] = [
            {
                "id": s.id,
                "seek": s.seek,
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "tokens": s.tokens,
                "temperature": s.temperature,
                "avg_logprob": s.avg_logprob,
                "compression_ratio": s.compression_ratio,
                "no_speech_prob": s.no_speech_prob,
            }
            for s in result.segments
        ]
    if "word" in granularities:
        body["words"] = [
            {"word": w.word.strip(), "start": w.start, "end": w.end} for w in result.words
        ]
    return body


def _diarized(result: Transcription, usage: dict[str, Any]) -> dict[str, Any]:
    return {
        "task": "transcribe",
        "duration": result.duration,
        "text": result.text,
        "segments": [
            {
                "type": "transcript.text.segment",
                "id": f"seg_{s.id}",
                "start": s.start,
                "end": s.end,
                "text": s.text.strip(),
                "speaker": "A",
            }
            for s in result.segments
        ],
        "usage": usage,
    }


def _subtitles(result: Transcription, *, srt: bool) -> str:
    segments = [{"start": seg.start, "end": seg.end, "text": seg.text} for seg in result.segments]
    if srt:
        return render_srt(segments) + ("\n" if segments else "")
    return render_vtt(segments) + "\n"
