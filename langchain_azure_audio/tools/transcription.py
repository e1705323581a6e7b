"""``AzureSpeechToTextTool``: speech -> text through Azure OpenAI ``/audio/transcriptions``."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.tools.base import ArgsSchema

from langchain_azure_audio.sources import AudioSource
from langchain_azure_audio.tools._audio_to_text import AudioToTextTool
from langchain_azure_audio.tools._common import model_errors
from langchain_azure_audio.tools._transcript_options import TranscriptOptions
from langchain_azure_audio.tools._types import (
    TranscriptFormat,
    TranscriptionArtifact,
    TranscriptionInput,
    TranslationInput,
)
from langchain_azure_audio.tools.translation import AzureAudioTranslationTool

__all__ = [
    "AudioSource",
    "AzureAudioTranslationTool",
    "AzureSpeechToTextTool",
    "TranscriptionArtifact",
    "TranscriptionInput",
    "TranslationInput",
]
"""``AzureAudioTranslationTool``, ``TranslationInput`` and ``AudioSource`` stay importable from
here, where they lived before the tools were split by concept."""


class AzureSpeechToTextTool(AudioToTextTool):
    """Transcribe speech with Azure OpenAI ``/audio/transcriptions``.

    Works with whisper, gpt-4o-transcribe and gpt-4o-mini-transcribe deployments. A LangChain
    tool with ``response_format="content_and_artifact"``: the model reads the transcript, the
    :class:`TranscriptionArtifact` carries the response document, segments, word timestamps,
    language and duration.

    Audio can be a path, bytes, a ``data:`` URL or an audio content block; http(s) URLs only
    with ``allow_remote_urls=True``. Everything is validated before a request: empty, corrupt
    or non-audio input, ``transcript_format`` per model (srt/vtt/verbose_json are whisper only),
    ``timestamp_granularities`` (whisper + verbose_json), temperature, language. Audio over 25 MB
    or longer than ``max_chunk_seconds`` is split at pauses (with overlap where no pause is
    found), each chunk gets the previous chunk's text as ``prompt``, and the results are
    stitched with continuous, monotonic timestamps. A chunk that keeps failing raises
    :class:`ChunkTranscriptionError` naming it.

    Setup:
        .. code-block:: bash

            pip install "langchain-azure-audio[codecs]"   # codecs: split/convert mp3, m4a...
            export AZURE_OPENAI_ENDPOINT="https://<resource>.openai.azure.com"
            export AZURE_OPENAI_API_KEY="..."

    Key init args:
        azure_deployment: The transcription deployment (default: ``model`` or ``"whisper"``).
        transcript_format: json (default), text, srt, vtt, verbose_json.
        timestamp_granularities: ``["segment"]``, ``["word"]`` or both (verbose_json).
        language / prompt / temperature: defaults for every call.
        max_chunk_seconds / chunk_overlap_seconds / chunk_retries: long audio.
        allow_remote_urls / input_dir: what the tool may read.

    Invoke:
        .. code-block:: python

            from langchain_azure_audio import AzureSpeechToTextTool

            stt = AzureSpeechToTextTool(azure_deployment="whisper",
                                        transcript_format="verbose_json",
                                        timestamp_granularities=["segment", "word"])
            result = stt.transcribe("meeting.mp3")      # a TranscriptionArtifact dict
            result["text"], result["segments"][0]["start"]
            stt.invoke({"audio": "meeting.mp3"})      # the transcript text

    Example (runnable, against the local emulator):
        >>> from langchain_azure_audio.emulator import Emulator  # doctest: +SKIP
        >>> with Emulator() as emu:  # doctest: +SKIP
        ...     wav = emu.speech_tool(audio_format="wav").synthesize("Testing one two three.")
        ...     emu.transcription_tool().transcribe(wav)["text"]
        'Testing one, two, three.'
    """

    name: str = "speech_to_text"
    description: str = (
        "Transcribe speech in an audio recording to text. Input: the path of a local audio "
        "file. Returns the transcript."
    )
    args_schema: ArgsSchema | None = TranscriptionInput

    language: str | None = None
    """Default language (ISO-639-1) of the audio; ``None`` lets the service detect it."""

    timestamp_granularities: list[Literal["word", "segment"]] | None = None
    """``verbose_json`` timestamps to ask for (whisper only)."""

    def _defaults(self) -> TranscriptOptions:
        return replace(
            super()._defaults(),
            language=self.language,
            timestamp_granularities=tuple(self.timestamp_granularities or ()),
        )

    def transcribe(
        self,
        audio: AudioSource,
        *,
        language: str | None = None,
        prompt: str | None = None,
        transcript_format: TranscriptFormat | None = None,
        temperature: float | None = None,
        timestamp_granularities: list[str] | None = None,
    ) -> TranscriptionArtifact:
        """Transcribe ``audio`` (splitting and stitching long audio); options override defaults."""
        options = self._options(
            language, prompt, transcript_format, temperature, timestamp_granularities
        )
        return self._run_audio(audio, options)

    async def atranscribe(
        self,
        audio: AudioSource,
        *,
        language: str | None = None,
        prompt: str | None = None,
        transcript_format: TranscriptFormat | None = None,
        temperature: float | None = None,
        timestamp_granularities: list[str] | None = None,
    ) -> TranscriptionArtifact:
        """Async :meth:`transcribe`."""
        options = self._options(
            language, prompt, transcript_format, temperature, timestamp_granularities
        )
        return await self._arun_audio(audio, options)

    def _run(
        self,
        audio: AudioSource,
        language: str | None = None,
        prompt: str | None = None,
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> tuple[str, TranscriptionArtifact]:
        with model_errors():
            artifact = self.transcribe(audio, language=language, prompt=prompt)
        return self._summary(artifact), artifact

    async def _arun(
        self,
        audio: AudioSource,
        language: str | None = None,
        prompt: str | None = None,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> tuple[str, TranscriptionArtifact]:
        with model_errors():
            artifact = await self.atranscribe(audio, language=language, prompt=prompt)
        return self._summary(artifact), artifact
