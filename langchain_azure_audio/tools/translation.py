"""``AzureAudioTranslationTool``: speech in any language -> English (``/audio/translations``)."""

from __future__ import annotations

from typing import ClassVar

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.tools.base import ArgsSchema

from langchain_azure_audio.capabilities import ModelCapabilities
from langchain_azure_audio.errors import UnsupportedOptionError
from langchain_azure_audio.sources import AudioSource
from langchain_azure_audio.tools._audio_to_text import AudioToTextTool
from langchain_azure_audio.tools._common import model_errors
from langchain_azure_audio.tools._transcript_core import Endpoint
from langchain_azure_audio.tools._types import (
    TranscriptFormat,
    TranscriptionArtifact,
    TranslationInput,
)

__all__ = ["AzureAudioTranslationTool", "TranslationInput"]


class AzureAudioTranslationTool(AudioToTextTool):
    """Translate speech in any language into English text (``/audio/translations``, whisper).

    Same input handling, validation, long-audio splitting and artifact as
    :class:`AzureSpeechToTextTool`; only whisper deployments translate, other families are
    refused when the tool is created.

    Example:
        .. code-block:: python

            from langchain_azure_audio import AzureAudioTranslationTool

            translate = AzureAudioTranslationTool(azure_deployment="whisper")
            translate.translate("interview_de.mp3")["text"]   # English text
            translate.invoke({"audio": "interview_de.mp3"})
    """

    name: str = "translate_speech_to_english"
    description: str = (
        "Translate speech in an audio recording (any language) into English text. Input: the "
        "path of a local audio file. Returns the English translation."
    )
    args_schema: ArgsSchema | None = TranslationInput

    _endpoint: ClassVar[Endpoint] = "translations"

    def _check_family(self, caps: ModelCapabilities) -> None:
        if not caps.supports_translation:
            raise UnsupportedOptionError(
                f"Audio translation (/audio/translations) needs a whisper deployment; "
                f"{self.model_name!r} is {caps.family}. Use AzureSpeechToTextTool with it, or "
                "create this tool with a whisper deployment.",
                option="model",
                value=self.model_name,
            )

    def translate(
        self,
        audio: AudioSource,
        *,
        prompt: str | None = None,
        transcript_format: TranscriptFormat | None = None,
        temperature: float | None = None,
    ) -> TranscriptionArtifact:
        """Translate ``audio`` into English."""
        options = self._options(None, prompt, transcript_format, temperature)
        return self._run_audio(audio, options)

    async def atranslate(
        self,
        audio: AudioSource,
        *,
        prompt: str | None = None,
        transcript_format: TranscriptFormat | None = None,
        temperature: float | None = None,
    ) -> TranscriptionArtifact:
        """Async :meth:`translate`."""
        options = self._options(None, prompt, transcript_format, temperature)
        return await self._arun_audio(audio, options)

    def _run(
        self,
        audio: AudioSource,
        prompt: str | None = None,
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> tuple[str, TranscriptionArtifact]:
        with model_errors():
            artifact = self.translate(audio, prompt=prompt)
        return self._summary(artifact), artifact

    async def _arun(
        self,
        audio: AudioSource,
        prompt: str | None = None,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> tuple[str, TranscriptionArtifact]:
        with model_errors():
            artifact = await self.atranslate(audio, prompt=prompt)
        return self._summary(artifact), artifact
