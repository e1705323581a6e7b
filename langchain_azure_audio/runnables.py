"""LCEL building blocks: hear (speech → text) and speak (text → speech) inside chains.

``speech_to_text()`` and ``text_to_speech()`` wrap the tools as runnables so that

.. code-block:: python

    chain = speech_to_text(stt) | prompt | model | StrOutputParser() | text_to_speech(tts)

works with ``invoke``/``ainvoke`` (audio file bytes out) and with ``stream``/``astream``: the
speaking step starts a request as soon as the model has produced a whole sentence, so the first
audio arrives long before the model has finished. ``transcribe_with_chat_model`` and
``chat_model_speech_to_text()`` (from :mod:`langchain_azure_audio.chat_transcription`, re-exported
here) transcribe with an audio *chat* deployment, for users who have no whisper/gpt-4o-transcribe
deployment.

Example (runnable, against the local emulator):
    >>> from langchain_azure_audio.emulator import Emulator  # doctest: +SKIP
    >>> from langchain_core.prompts import ChatPromptTemplate  # doctest: +SKIP
    >>> with Emulator() as emu:  # doctest: +SKIP
    ...     speak = text_to_speech(emu.speech_tool(audio_format="wav"))
    ...     hear = speech_to_text(emu.transcription_tool())
    ...     prompt = ChatPromptTemplate.from_template("{question}")
    ...     model = emu.chat_model(modalities=["text"])
    ...     answer_audio = (hear | prompt | model | speak).invoke(speak.invoke("Hello there."))
    ...     hear.invoke(answer_audio)
    'You said: Hello there.'
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.prompt_values import PromptValue
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from langchain_azure_audio.chat_transcription import (
    VERBATIM_INSTRUCTIONS,
    atranscribe_with_chat_model,
    audio_of_input,
    chat_model_speech_to_text,
    transcribe_with_chat_model,
)
from langchain_azure_audio.tools import (
    AzureSpeechToTextTool,
    AzureTextToSpeechTool,
    SentenceBuffer,
    TranscriptionArtifact,
)

__all__ = [
    "VERBATIM_INSTRUCTIONS",
    "TextToSpeechRunnable",
    "atranscribe_with_chat_model",
    "chat_model_speech_to_text",
    "speech_to_text",
    "text_to_speech",
    "transcribe_with_chat_model",
]
"""The chat-model transcription functions live in :mod:`langchain_azure_audio.chat_transcription`
and stay importable from here."""


# -- inputs ------------------------------------------------------------------------------------


def _text_of(value: Any) -> str:
    """Text of a chain value: str, message (chunk), prompt value or ``{"text"|"output": ...}``."""
    if isinstance(value, str):
        return value
    if isinstance(value, BaseMessage):
        return value.text
    if isinstance(value, PromptValue):
        return value.to_string()
    if isinstance(value, Mapping):
        for key in ("text", "output", "content"):
            inner = value.get(key)
            if isinstance(inner, str):
                return inner
    raise TypeError(
        f"text_to_speech needs text, a message or a stream of message chunks, not "
        f"{type(value).__name__}."
    )


# -- speech to text --------------------------------------------------------------------------


def speech_to_text(
    tool: AzureSpeechToTextTool | None = None,
    *,
    return_artifact: bool = False,
    **tool_kwargs: Any,
) -> Runnable[Any, Any]:
    """A runnable that transcribes its input (bytes, path, audio block or a message with audio).

    Args:
        tool: The transcription tool to use; when omitted, one is built from ``tool_kwargs``
            (``azure_deployment=...``, env settings).
        return_artifact: Output the whole :class:`TranscriptionArtifact` instead of the text.

    Returns:
        ``Runnable[audio, str]`` (or ``Runnable[audio, TranscriptionArtifact]``).

    Example:
        .. code-block:: python

            hear = speech_to_text(azure_deployment="whisper")
            hear.invoke("question.wav")      # 'What is the weather in Paris?'
    """
    stt = tool if tool is not None else AzureSpeechToTextTool(**tool_kwargs)

    def _finish(artifact: TranscriptionArtifact) -> Any:
        return artifact if return_artifact else artifact["text"]

    def _hear(value: Any) -> Any:
        return _finish(stt.transcribe(audio_of_input(value)))

    async def _ahear(value: Any) -> Any:
        return _finish(await stt.atranscribe(audio_of_input(value)))

    return RunnableLambda(_hear, afunc=_ahear, name="speech_to_text")


# -- text to speech ----------------------------------------------------------------------------


class TextToSpeechRunnable(Runnable[Any, bytes]):
    """Speak the text flowing through a chain; output audio bytes.

    Input: a string, a message (its text), a prompt value, or — when streaming — a stream of
    any of these (e.g. ``AIMessageChunk`` s from a model). ``invoke`` returns one complete audio
    file; ``stream`` yields audio chunks, starting a speech request for each complete sentence as
    soon as it arrives, so playback can begin while the model is still writing. Streamed chunks
    concatenate to a playable stream (pcm, mp3, aac; wav as one header of unknown length followed
    by 24 kHz pcm16); opus and flac cannot be streamed sentence by sentence.

    Example:
        .. code-block:: python

            speak = text_to_speech(azure_deployment="gpt-4o-mini-tts", audio_format="mp3")
            audio = (prompt | model | speak).invoke({"topic": "otters"})   # one mp3 file
            for chunk in (prompt | model | speak).stream({"topic": "otters"}):
                player.feed(chunk)
    """

    def __init__(
        self,
        tool: AzureTextToSpeechTool,
        *,
        audio_format: str | None = None,
        min_sentence_chars: int = 40,
    ) -> None:
        self.tool = tool
        self.audio_format = audio_format
        self.min_sentence_chars = min_sentence_chars
        self.name = "text_to_speech"

    @property
    def InputType(self) -> Any:
        return str | BaseMessage

    @property
    def OutputType(self) -> type[bytes]:
        return bytes

    def _speak(self, value: Any) -> bytes:
        return self.tool.synthesize(_text_of(value), audio_format=self.audio_format)

    async def _aspeak(self, value: Any) -> bytes:
        return await self.tool.asynthesize(_text_of(value), audio_format=self.audio_format)

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> bytes:
        return self._call_with_config(self._speak, input, config)

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> bytes:
        return await self._acall_with_config(self._aspeak, input, config)

    def _sentences(self, inputs: Iterator[Any]) -> Iterator[str]:
        buffer = SentenceBuffer(min_chars=self.min_sentence_chars, max_chars=self.tool.max_chars)
        for value in inputs:
            yield from buffer.feed(_text_of(value))
        yield from buffer.flush()

    async def _asentences(self, inputs: AsyncIterator[Any]) -> AsyncIterator[str]:
        buffer = SentenceBuffer(min_chars=self.min_sentence_chars, max_chars=self.tool.max_chars)
        async for value in inputs:
            for sentence in buffer.feed(_text_of(value)):
                yield sentence
        for sentence in buffer.flush():
            yield sentence

    def _transform_audio(self, inputs: Iterator[Any]) -> Iterator[bytes]:
        yield from self.tool.stream_audio(self._sentences(inputs), audio_format=self.audio_format)

    async def _atransform_audio(self, inputs: AsyncIterator[Any]) -> AsyncIterator[bytes]:
        sentences = self._asentences(inputs)
        async for chunk in self.tool.astream_audio(sentences, audio_format=self.audio_format):
            yield chunk

    def transform(
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[bytes]:
        yield from self._transform_stream_with_config(input, self._transform_audio, config)

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[bytes]:
        return self.transform(iter([input]), config, **kwargs)

    async def atransform(
        self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[bytes]:
        async for chunk in self._atransform_stream_with_config(
            input, self._atransform_audio, config
        ):
            yield chunk

    def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[bytes]:
        async def _one() -> AsyncIterator[Any]:
            yield input

        return self.atransform(_one(), config, **kwargs)


def text_to_speech(
    tool: AzureTextToSpeechTool | None = None,
    *,
    audio_format: str | None = None,
    min_sentence_chars: int = 40,
    **tool_kwargs: Any,
) -> TextToSpeechRunnable:
    """A runnable that speaks its input (str, message, or a stream of message chunks).

    Args:
        tool: The speech tool to use; when omitted, one is built from ``tool_kwargs``.
        audio_format: Override the tool's format (use ``pcm``, ``mp3``, ``aac`` or ``wav`` for
            streaming).
        min_sentence_chars: When streaming, sentences are grouped to at least this many
            characters per speech request (fewer, more natural-sounding requests).

    Example:
        .. code-block:: python

            speak = text_to_speech(azure_deployment="gpt-4o-mini-tts", audio_format="wav")
            wav = speak.invoke("Hello!")
    """
    tts = tool if tool is not None else AzureTextToSpeechTool(**tool_kwargs)
    if audio_format is not None:
        tts.check_options(audio_format=audio_format)
    return TextToSpeechRunnable(
        tts, audio_format=audio_format, min_sentence_chars=min_sentence_chars
    )
