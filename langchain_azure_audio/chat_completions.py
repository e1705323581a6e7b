"""One ``/chat/completions`` exchange of :class:`~langchain_azure_audio.AzureAudioChatModel`.

The request is validated and serialised once (:func:`encode_request`), sent through the openai
SDK's low-level ``post()`` (its retries, auth and errors kept; :func:`post` and its async twin
:func:`apost`), and the reply is read (:func:`parse_reply`: the audio's base64 is lifted out
rather than JSON-scanned) and becomes LangChain results: a :class:`ChatResult` for ``invoke``
(:func:`chat_result`), generation chunks for ``stream`` (:func:`generation_chunks`). A reply the
content filter cut raises :class:`~langchain_azure_audio.errors.ContentFilterError` in both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx2
import openai
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_azure_audio import fastjson
from langchain_azure_audio.errors import ContentFilterError, UnsupportedOptionError
from langchain_azure_audio.messages import message_from_completion
from langchain_azure_audio.streaming import StreamAssembler

__all__ = [
    "ChatRequest",
    "apost",
    "chat_result",
    "encode_request",
    "generation_chunks",
    "parse_reply",
    "post",
]

_PATH = "/chat/completions"
_DATA_KEY = b'"data"'
_COLON_QUOTE = re.compile(rb'[ \t\r\n]*:[ \t\r\n]*"')
_LIFT_MIN_BYTES = 16 * 1024
# The audio's stand-in while the rest is parsed: "\x00", which no base64 text equals. A reply
# that holds this escape anywhere is parsed whole, so the stand-in cannot be mistaken.
_PLACEHOLDER_TEXT = b"\\u0000"
_PLACEHOLDER = b'"' + _PLACEHOLDER_TEXT + b'"'


@dataclass(frozen=True)
class ChatRequest:
    """A validated, serialised chat-completions request (the same for invoke and stream)."""

    body: bytes
    format: str
    audio: bool


def encode_request(payload: Mapping[str, Any], fmt: str) -> ChatRequest:
    """Serialise ``payload`` once; a body that is not JSON is a typed refusal, nothing is sent.

    Example:
        >>> encode_request({"modalities": ["text"]}, "wav").body
        b'{"modalities":["text"]}'
    """
    try:
        body = fastjson.dumps(payload)
    except (TypeError, ValueError) as exc:
        raise UnsupportedOptionError(
            f"The request cannot be sent as JSON ({exc}). Message content, tool schemas and "
            "model_kwargs may hold only strings, numbers, booleans, None, lists and dicts.",
            option="messages",
            value=None,
        ) from None
    return ChatRequest(body, fmt, "audio" in payload["modalities"])


def post(
    client: openai.OpenAI, request: ChatRequest, headers: Mapping[str, Any], *, stream: bool
) -> httpx2.Response:
    """One POST through the SDK's low-level client (its retries, auth and errors)."""
    return client.post(
        _PATH,
        cast_to=httpx2.Response,
        content=request.body,
        options={"headers": _headers(headers)},
        stream=stream,
    )


async def apost(
    client: openai.AsyncOpenAI, request: ChatRequest, headers: Mapping[str, Any], *, stream: bool
) -> httpx2.Response:
    """Async twin of :func:`post`."""
    return await client.post(
        _PATH,
        cast_to=httpx2.Response,
        content=request.body,
        options={"headers": _headers(headers)},
        stream=stream,
    )


def _headers(extra: Mapping[str, Any]) -> dict[str, Any]:
    return {"Content-Type": "application/json", **extra}


def parse_reply(raw: bytes) -> Any:
    """The JSON of a whole (non-streamed) reply, exactly as :func:`fastjson.loads` would give it.

    A reply with audio is nearly all base64 (``choices[0].message.audio.data``), and base64 never
    needs a JSON escape. So the text between ``"data": "`` and the next quote is decoded as ASCII
    straight from the reply's buffer (memcpy speed; a JSON parser checks every character for
    escapes and UTF-8), and only the rest, a few hundred bytes, is parsed, with a placeholder in
    the audio's place. The lifted text is used only if the placeholder comes out exactly at
    ``choices[0].message.audio.data``, the span holds no backslash and only ASCII and is at least
    16 KiB, and the reply has no ``\\u0000`` escape of its own. Anything else (no audio, an
    escaped slash, a ``"data"`` key elsewhere) is parsed whole, and so is a reply that is not
    JSON, so its error is the parser's own. The one leniency: raw control characters inside the
    audio string, which no JSON writer emits, are kept rather than refused.

    Example:
        >>> reply = b'{"choices":[{"message":{"audio":{"data":"' + b"QUFB" * 5000 + b'"}}}]}'
        >>> parse_reply(reply)["choices"][0]["message"]["audio"]["data"][:8]
        'QUFBQUFB'
    """
    key = raw.find(_DATA_KEY)
    quote = _COLON_QUOTE.match(raw, key + len(_DATA_KEY)) if key >= 0 else None
    if quote is None:
        return fastjson.loads(raw)
    start = quote.end()
    end = raw.find(b'"', start)
    if end - start < _LIFT_MIN_BYTES or raw.find(b"\\", start, end) >= 0:
        return fastjson.loads(raw)
    head, tail = raw[: start - 1], raw[end + 1 :]  # all but the span (which has no backslash)
    if _PLACEHOLDER_TEXT in head or _PLACEHOLDER_TEXT in tail:  # the reply's own "\u0000"
        return fastjson.loads(raw)
    try:
        audio_text = str(memoryview(raw)[start:end], "ascii")
        data = fastjson.loads(b"".join((head, _PLACEHOLDER, tail)))
    except ValueError:  # not ASCII, or not JSON: the whole parse gives the error (and position)
        return fastjson.loads(raw)
    try:
        audio = data["choices"][0]["message"]["audio"]
        lifted = audio["data"] == "\x00"
    except (KeyError, IndexError, TypeError):
        lifted = False
    if not lifted:
        return fastjson.loads(raw)
    audio["data"] = audio_text
    return data


def chat_result(response: httpx2.Response, data: Mapping[str, Any], fmt: str) -> ChatResult:
    """A whole reply as a :class:`ChatResult` (audio in ``fmt``)."""
    message = message_from_completion(data, audio_format=fmt)
    if message.response_metadata.get("finish_reason") == "content_filter":
        raise ContentFilterError.from_reply(response, data)
    return ChatResult(
        generations=[
            ChatGeneration(
                message=message,
                generation_info={"finish_reason": message.response_metadata.get("finish_reason")},
            )
        ],
        llm_output={
            "model_name": data.get("model"),
            "system_fingerprint": data.get("system_fingerprint"),
            "token_usage": data.get("usage"),
        },
    )


def generation_chunks(
    assembler: StreamAssembler, response: httpx2.Response, events: list[Mapping[str, Any]]
) -> Iterator[ChatGenerationChunk]:
    """Events of one network read → generation chunks; a reply the filter cut raises."""
    for chunk in assembler.feed_batch(events):
        if chunk.response_metadata.get("finish_reason") == "content_filter":
            cut = next(e for e in events if _finish_reason(e) == "content_filter")
            raise ContentFilterError.from_reply(response, cut)
        yield ChatGenerationChunk(message=chunk)


def _finish_reason(event: Mapping[str, Any]) -> Any:
    choices = event.get("choices") or [{}]
    return choices[0].get("finish_reason")
