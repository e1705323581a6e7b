"""Transcription with an audio *chat* deployment, for users without a transcription deployment.

:func:`transcribe_with_chat_model` asks an audio chat model (gpt-4o-mini-audio-preview, gpt-audio),
text-only, for a verbatim transcript; :func:`chat_model_speech_to_text` wraps it as a runnable.
A dedicated transcription deployment (:class:`~langchain_azure_audio.AzureSpeechToTextTool`) is
more faithful and returns timestamps.

:func:`audio_of_input` — the audio of a chain input (bytes, path, block, ``{"audio": ...}`` or a
message) — is shared with :func:`langchain_azure_audio.runnables.speech_to_text`.

Example:
    >>> audio_of_input({"audio": b"RIFF..."})
    b'RIFF...'
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from langchain_azure_audio.audio import audio_block, mime_for_format, sniff_format
from langchain_azure_audio.chat_models import AzureAudioChatModel
from langchain_azure_audio.errors import AudioValidationError
from langchain_azure_audio.sources import AudioSource, SourcePolicy, load_audio

__all__ = [
    "VERBATIM_INSTRUCTIONS",
    "atranscribe_with_chat_model",
    "audio_of_input",
    "chat_model_speech_to_text",
    "transcribe_with_chat_model",
]

VERBATIM_INSTRUCTIONS = (
    "You are a transcription engine. Write down exactly the words spoken in the audio, verbatim, "
    "in the language they are spoken in. Output only the transcript: no quotes, labels, "
    "commentary, answers or translation. If nothing is said, output nothing."
)


def audio_of_input(value: Any) -> AudioSource:
    """The audio of a chain input: bytes, path, block, ``{"audio": ...}`` or a message."""
    if isinstance(value, BaseMessage):
        content = value.content
        for block in [] if isinstance(content, str) else content:
            if isinstance(block, Mapping) and block.get("type") in ("audio", "input_audio"):
                return block
        raise AudioValidationError(
            f"The {type(value).__name__} has no audio content block to transcribe."
        )
    if isinstance(value, Mapping) and "type" not in value and "audio" in value:
        return audio_of_input(value["audio"])
    if isinstance(value, bytes | bytearray | memoryview | str | Mapping):
        return value if not isinstance(value, bytearray | memoryview) else bytes(value)
    if isinstance(value, os.PathLike):
        return value
    raise AudioValidationError(f"Cannot transcribe a {type(value).__name__}.")


def _chat_messages(
    audio: AudioSource, prompt: str | None, allow_remote_urls: bool
) -> list[BaseMessage]:
    if isinstance(audio, Mapping) and audio.get("type") in ("audio", "input_audio"):
        block: dict[str, Any] = dict(audio)
        url = block.get("url")
        if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
            data = load_audio(block, SourcePolicy(allow_remote_urls=allow_remote_urls))
            block = audio_block(data)
    else:
        data = load_audio(audio, SourcePolicy(allow_remote_urls=allow_remote_urls))
        fmt = sniff_format(data)
        block = audio_block(data, mime_type=mime_for_format(fmt) if fmt else None)
    request = "Transcribe this recording verbatim."
    if prompt:
        request += f" Context (names and spellings that may occur): {prompt}"
    return [
        SystemMessage(content=VERBATIM_INSTRUCTIONS),
        HumanMessage(content=[{"type": "text", "text": request}, block]),
    ]


def _text_only_kwargs(model: BaseChatModel) -> dict[str, Any]:
    return {"modalities": ["text"]} if isinstance(model, AzureAudioChatModel) else {}


def transcribe_with_chat_model(
    model: BaseChatModel,
    audio: AudioSource,
    *,
    prompt: str | None = None,
    allow_remote_urls: bool = False,
    config: RunnableConfig | None = None,
) -> str:
    """Transcribe ``audio`` with an audio chat model (e.g. gpt-4o-mini-audio-preview).

    For users whose only audio deployment is a chat model: the model is asked, text-only
    (``modalities=["text"]``), for a verbatim transcript. A dedicated transcription deployment is
    more faithful (and returns timestamps); this is the seed's "audio → text" modality.

    Audio is validated (and converted to wav if needed) before the request, with the chat
    endpoint's 20 MB limit.

    Example:
        .. code-block:: python

            model = AzureAudioChatModel(azure_deployment="gpt-4o-mini-audio-preview")
            transcribe_with_chat_model(model, "question.wav")
    """
    messages = _chat_messages(audio, prompt, allow_remote_urls)
    reply = model.invoke(messages, config, **_text_only_kwargs(model))
    return reply.text.strip()


async def atranscribe_with_chat_model(
    model: BaseChatModel,
    audio: AudioSource,
    *,
    prompt: str | None = None,
    allow_remote_urls: bool = False,
    config: RunnableConfig | None = None,
) -> str:
    """Async :func:`transcribe_with_chat_model`."""
    messages = await asyncio.to_thread(_chat_messages, audio, prompt, allow_remote_urls)
    reply = await model.ainvoke(messages, config, **_text_only_kwargs(model))
    return reply.text.strip()


def chat_model_speech_to_text(
    model: BaseChatModel, *, prompt: str | None = None, allow_remote_urls: bool = False
) -> Runnable[Any, str]:
    """A runnable that transcribes its input with an audio chat model.

    The chat-model twin of :func:`langchain_azure_audio.runnables.speech_to_text` (see
    :func:`transcribe_with_chat_model`).
    """

    def _hear(value: Any, config: RunnableConfig) -> str:
        return transcribe_with_chat_model(
            model,
            audio_of_input(value),
            prompt=prompt,
            allow_remote_urls=allow_remote_urls,
            config=config,
        )

    async def _ahear(value: Any, config: RunnableConfig) -> str:
        return await atranscribe_with_chat_model(
            model,
            audio_of_input(value),
            prompt=prompt,
            allow_remote_urls=allow_remote_urls,
            config=config,
        )

    return RunnableLambda(_hear, afunc=_ahear, name="chat_model_speech_to_text")
