"""LangChain messages <-> Azure OpenAI chat-completions payloads.

Inbound (to the wire), every audio form a user has becomes a validated ``input_audio`` part:

* LangChain v1 blocks ``{"type": "audio", "base64": ..., "mime_type": ...}`` and
  ``{"type": "audio", "url": "file:///..." | "data:audio/wav;base64,..."}``;
* legacy v0 blocks ``{"type": "audio", "source_type": "base64" | "url", "data"/"url": ...}``;
* OpenAI parts ``{"type": "input_audio", "input_audio": {"data": ..., "format": ...}}``.

``file_id`` blocks and remote ``http(s)`` URLs are refused with a message naming the fix (the chat
endpoint takes neither, and this package never fetches a URL behind the user's back).

An earlier assistant audio reply is sent back as ``{"role": "assistant", "audio": {"id": ...}}``
while its id is valid, and as its transcript once expired.

Outbound (from the wire), a response becomes an ``AIMessage`` whose content holds a text block (the
transcript) **and** a standard audio block, with ``additional_kwargs["audio"]`` kept for users of
langchain-openai, and ``usage_metadata`` carrying audio token details.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata
from langchain_core.messages.tool import invalid_tool_call, tool_call

from langchain_azure_audio import audio_codecs
from langchain_azure_audio.audio import (
    PCM16_SAMPLE_RATE,
    atomic_write,
    block_bytes,
    format_for_mime,
    mime_for_format,
    pcm16_to_wav,
    prepare_input_audio,
    sniff_format,
)
from langchain_azure_audio.capabilities import MAX_CHAT_AUDIO_BYTES
from langchain_azure_audio.errors import AudioValidationError
from langchain_azure_audio.sources import SourcePolicy, load_audio_payload

__all__ = [
    "AUDIO_EXPIRY_MARGIN_SECONDS",
    "MessageAudio",
    "audio_part",
    "convert_messages",
    "get_audio",
    "message_from_completion",
    "response_metadata",
    "save_audio",
    "usage_from_payload",
]

AUDIO_EXPIRY_MARGIN_SECONDS = 30
"""An audio id that expires within this many seconds is replaced by its transcript."""

PROVIDER = "azure_openai"


# -- inbound ------------------------------------------------------------------------------------


def convert_messages(
    messages: Sequence[BaseMessage], *, now: float | None = None
) -> list[dict[str, Any]]:
    """Convert LangChain messages to chat-completions ``messages``, validating all audio."""
    clock = time.time() if now is None else now
    return [_convert_message(m, clock) for m in messages]


def _convert_message(message: BaseMessage, now: float) -> dict[str, Any]:
    if isinstance(message, HumanMessage):
        return {"role": "user", "content": _convert_content(message.content)}
    if isinstance(message, SystemMessage):
        return {"role": "system", "content": _text_only(message.content, "system")}
    if isinstance(message, AIMessage):
        return _convert_ai(message, now)
    if isinstance(message, ToolMessage):
        content = message.content
        text = content if isinstance(content, str) else _text_only(content, "tool")
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": text}
    if isinstance(message, FunctionMessage):
        return {"role": "function", "name": message.name, "content": message.text}
    if isinstance(message, ChatMessage):
        return {"role": message.role, "content": _convert_content(message.content)}
    raise TypeError(f"Unsupported message type {type(message).__name__}.")


def _text_only(content: str | list[Any], role: str) -> str:
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, Mapping) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
        elif isinstance(block, Mapping) and block.get("type") in ("audio", "input_audio"):
            raise AudioValidationError(
                f"Audio is not allowed in {role} messages; put it in a HumanMessage."
            )
    return "".join(parts)


def _convert_content(content: str | list[Any]) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for block in content:
        if isinstance(block, str):
            parts.append({"type": "text", "text": block})
            continue
        if not isinstance(block, Mapping):
            raise TypeError(f"Unsupported content block {block!r}.")
        kind = block.get("type")
        if kind == "text":
            parts.append({"type": "text", "text": block.get("text", "")})
        elif kind in ("audio", "input_audio"):
            parts.append(audio_part(block))
        elif kind in ("image_url", "image", "file"):
            parts.append(dict(block))
        else:
            # Unknown provider-specific blocks pass through for forward compatibility.
            parts.append(dict(block))
    return parts


def audio_part(block: Mapping[str, Any]) -> dict[str, Any]:
    """Turn any audio content block into a validated ``input_audio`` part."""
    if block.get("type") == "input_audio":
        inner = block.get("input_audio")
        declared = inner.get("format") if isinstance(inner, Mapping) else None
    else:
        declared = block.get("mime_type")
    if declared is not None and not isinstance(declared, str):
        raise AudioValidationError(
            f"The audio block's mime_type/format must be a string, not {declared!r}."
        )
    payload = load_audio_payload(block, _CHAT_SOURCES)
    url = block.get("url") or (block.get("data") if block.get("source_type") == "url" else None)
    if declared is None and isinstance(url, str):
        declared = _data_url_mime(url)
    return prepare_input_audio(payload, declared_format=declared).to_part()


_CHAT_SOURCES = SourcePolicy(
    max_bytes=MAX_CHAT_AUDIO_BYTES,
    limit_hint="Azure OpenAI chat accepts at most 20 MB per audio input: split it (e.g. "
    "AzureSpeechToTextTool chunks long audio), trim it, or compress it to mp3.",
)


def _data_url_mime(url: str) -> str | None:
    if url[:5].lower() != "data:":
        return None
    return url[5:].split(",", 1)[0].split(";", 1)[0] or None


def _convert_ai(message: AIMessage, now: float) -> dict[str, Any]:
    out: dict[str, Any] = {"role": "assistant"}
    texts: list[str] = []
    audio_ref: dict[str, Any] | None = None
    legacy = message.additional_kwargs.get("audio")
    content = message.content
    blocks = [content] if isinstance(content, str) else content
    for block in blocks:
        if isinstance(block, str):
            texts.append(block)
        elif isinstance(block, Mapping) and block.get("type") == "text":
            texts.append(str(block.get("text", "")))
        elif isinstance(block, Mapping) and block.get("type") == "audio":
            audio_ref = {
                "id": block.get("id"),
                "expires_at": (block.get("extras") or {}).get("expires_at"),
            }
    if audio_ref is None and isinstance(legacy, Mapping):
        audio_ref = {"id": legacy.get("id"), "expires_at": legacy.get("expires_at")}
        if not "".join(texts) and legacy.get("transcript"):
            texts.append(str(legacy["transcript"]))
    text = "".join(texts)
    if audio_ref and audio_ref.get("id"):
        expires = audio_ref.get("expires_at")
        valid = expires is None or float(expires) - AUDIO_EXPIRY_MARGIN_SECONDS > now
        if valid:
            out["audio"] = {"id": audio_ref["id"]}
        else:
            out["content"] = text
    else:
        out["content"] = text or (None if message.tool_calls else "")
    if message.tool_calls:
        out["tool_calls"] = [
            {
                "id": tc["id"],
                "type": "function",
                "function": {"name": tc["name"], "arguments": json.dumps(tc["args"])},
            }
            for tc in message.tool_calls
        ]
    return out


# -- outbound -----------------------------------------------------------------------------------


def usage_from_payload(usage: Mapping[str, Any] | None) -> UsageMetadata | None:
    """``usage_metadata`` with audio token details from a chat-completions ``usage`` object."""
    if not usage:
        return None
    prompt = usage.get("prompt_tokens_details") or {}
    completion = usage.get("completion_tokens_details") or {}
    input_details: InputTokenDetails = {}
    if prompt.get("audio_tokens") is not None:
        input_details["audio"] = int(prompt["audio_tokens"])
    if prompt.get("cached_tokens") is not None:
        input_details["cache_read"] = int(prompt["cached_tokens"])
    output_details: OutputTokenDetails = {}
    if completion.get("audio_tokens") is not None:
        output_details["audio"] = int(completion["audio_tokens"])
    if completion.get("reasoning_tokens") is not None:
        output_details["reasoning"] = int(completion["reasoning_tokens"])
    input_tokens = int(usage.get("prompt_tokens") or 0)
    output_tokens = int(usage.get("completion_tokens") or 0)
    result: dict[str, Any] = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": int(usage.get("total_tokens") or input_tokens + output_tokens),
    }
    if input_details:
        result["input_token_details"] = input_details
    if output_details:
        result["output_token_details"] = output_details
    # A plain dict: langchain-core's TypedDict reads differently per Python version.
    return cast("UsageMetadata", result)


def _parse_tool_calls(raw_calls: Sequence[Mapping[str, Any]]) -> tuple[list[Any], list[Any]]:
    calls, invalid = [], []
    for raw in raw_calls:
        fn = raw.get("function") or {}
        name, args = fn.get("name"), fn.get("arguments") or "{}"
        try:
            parsed = json.loads(args)
            if not isinstance(parsed, dict):
                raise ValueError("arguments are not a JSON object")
            calls.append(tool_call(name=str(name or ""), args=parsed, id=raw.get("id")))
        except ValueError as exc:
            invalid.append(
                invalid_tool_call(name=name, args=args, id=raw.get("id"), error=str(exc))
            )
    return calls, invalid


def response_metadata(payload: Mapping[str, Any], choice: Mapping[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "model_name": payload.get("model"),
        "model_provider": PROVIDER,
        "finish_reason": choice.get("finish_reason"),
        "id": payload.get("id"),
        "system_fingerprint": payload.get("system_fingerprint"),
    }
    if payload.get("prompt_filter_results") is not None:
        meta["prompt_filter_results"] = payload["prompt_filter_results"]
    if choice.get("content_filter_results") is not None:
        meta["content_filter_results"] = choice["content_filter_results"]
    return {k: v for k, v in meta.items() if v is not None}


def message_from_completion(payload: Mapping[str, Any], *, audio_format: str) -> AIMessage:
    """Build the ``AIMessage`` of a non-streamed chat completion (the raw JSON payload)."""
    choices = payload.get("choices") or []
    if not choices:
        raise AudioValidationError("The service returned no choices.")
    choice = choices[0]
    msg = choice.get("message") or {}
    text = msg.get("content")
    audio = msg.get("audio")
    additional: dict[str, Any] = {}
    content: str | list[str | dict[Any, Any]]
    if audio:
        blocks: list[str | dict[Any, Any]] = []
        transcript = audio.get("transcript") or text or ""
        blocks.append({"type": "text", "text": transcript})
        block: dict[str, Any] = {
            "type": "audio",
            "base64": audio.get("data") or "",
            "mime_type": mime_for_format(audio_format),
            "id": audio.get("id"),
            "extras": {"expires_at": audio.get("expires_at"), "format": audio_format},
        }
        blocks.append(block)
        content = blocks
        additional["audio"] = dict(audio)
    else:
        content = text or ""
    if msg.get("refusal"):
        additional["refusal"] = msg["refusal"]
    calls, invalid = _parse_tool_calls(msg.get("tool_calls") or [])
    return AIMessage(
        content=content,
        additional_kwargs=additional,
        tool_calls=calls,
        invalid_tool_calls=invalid,
        response_metadata=response_metadata(payload, choice),
        usage_metadata=usage_from_payload(payload.get("usage")),
        id=payload.get("id"),
    )


# -- getting the audio out ----------------------------------------------------------------------


@dataclass(frozen=True)
class MessageAudio:
    """The audio of a reply, decoded once.

    Attributes:
        data: The audio bytes as the service sent them.
        format: ``wav``, ``mp3``, ``flac``, ``opus``, ``aac`` or ``pcm16`` (24 kHz mono s16le).
        transcript: What the audio says.
        id: The service's audio id (for multi-turn), if any.
        expires_at: Unix time after which the id is no longer valid.
    """

    data: bytes
    format: str
    transcript: str = ""
    id: str | None = None
    expires_at: int | None = None

    @property
    def mime_type(self) -> str:
        return mime_for_format(self.format)

    def to_wav(self) -> bytes:
        """The audio as a wav file (pcm16 is wrapped; other formats need the codecs extra)."""
        if self.format == "wav":
            return self.data
        if self.format in ("pcm16", "pcm"):
            return pcm16_to_wav(self.data)
        return self.convert("wav")

    def convert(self, fmt: str) -> bytes:
        """Re-encode into ``fmt`` (wav, mp3, flac, opus, aac, pcm16)."""
        if fmt == self.format or {fmt, self.format} == {"pcm", "pcm16"}:
            return self.data
        if fmt == "wav" and self.format in ("pcm16", "pcm"):
            return pcm16_to_wav(self.data)
        if self.format in ("pcm16", "pcm"):
            pcm, rate = self.data, PCM16_SAMPLE_RATE
        else:
            pcm, rate = audio_codecs.decode_to_pcm16(self.data)
        return audio_codecs.encode_pcm16(pcm, rate, fmt)


def _format_from_mime(mime: str | None, fallback: bytes) -> str:
    if mime and mime.startswith("audio/pcm"):
        return "pcm16"
    fmt = format_for_mime(mime) if mime else None
    return fmt or sniff_format(fallback) or "pcm16"


def get_audio(message: BaseMessage) -> MessageAudio | None:
    """Return the audio of a (possibly summed, streamed) reply, or ``None`` when it has none.

    Example:
        >>> from langchain_core.messages import AIMessage
        >>> get_audio(AIMessage(content="no audio here")) is None
        True
    """
    content = message.content
    text_parts: list[str] = []
    for block in [] if isinstance(content, str) else content:
        if isinstance(block, Mapping) and block.get("type") == "text":
            text_parts.append(str(block.get("text", "")))
    for block in [] if isinstance(content, str) else content:
        if (
            isinstance(block, Mapping)
            and block.get("type") == "audio"
            and (block.get("base64") or block.get("data"))
        ):
            data = block_bytes(block)
            extras = block.get("extras") or {}
            fmt = extras.get("format") or _format_from_mime(block.get("mime_type"), data)
            return MessageAudio(
                data=data,
                format=fmt,
                transcript="".join(text_parts),
                id=block.get("id"),
                expires_at=extras.get("expires_at"),
            )
    legacy = message.additional_kwargs.get("audio")
    if isinstance(legacy, Mapping) and legacy.get("data"):
        data = base64.b64decode(legacy["data"])
        return MessageAudio(
            data=data,
            format=sniff_format(data) or "pcm16",
            transcript=str(legacy.get("transcript") or ""),
            id=legacy.get("id"),
            expires_at=legacy.get("expires_at"),
        )
    return None


def save_audio(
    source: BaseMessage | MessageAudio,
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
) -> Path:
    """Write the audio of a reply to ``path`` atomically and return the path.

    The format comes from ``format`` or the file suffix (``.wav``, ``.mp3``...); raw pcm16 from
    streams is wrapped in wav for ``.wav`` and converted for other suffixes (codecs extra).

    Raises:
        AudioValidationError: the message carries no audio.
    """
    audio = get_audio(source) if isinstance(source, BaseMessage) else source
    if audio is None:
        raise AudioValidationError(
            "This message has no audio: ask for modalities=['text', 'audio'] when calling "
            "the model."
        )
    target = Path(os.fspath(path))
    fmt = format or (target.suffix.lstrip(".").lower() or audio.format)
    if fmt == "pcm":
        fmt = "pcm16"
    return atomic_write(target, audio.convert(fmt))
