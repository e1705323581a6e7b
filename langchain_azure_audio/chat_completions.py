"""One ``/chat/completions`` exchange of :class:`~langchain_azure_audio.AzureAudioChatModel`.

The request is validated and serialised once (:func:`encode_request`), sent through the openai
SDK's low-level ``post()`` (its retries, auth and errors kept; :func:`post` and its async twin
:func:`apost`), and the reply becomes LangChain results: a :class:`ChatResult` for ``invoke``
(:func:`chat_result`), generation chunks for ``stream`` (:func:`generation_chunks`). A reply the
content filter cut raises :class:`~langchain_azure_audio.errors.ContentFilterError` in both.
"""

from __future__ import annotations

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
    "post",
]

_PATH = "/chat/completions"


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
