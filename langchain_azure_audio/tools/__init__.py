"""LangChain tools on Azure OpenAI's speech, transcription and translation endpoints.

Example:
    >>> from langchain_azure_audio.tools import AzureSpeechToTextTool, AzureTextToSpeechTool
"""

from langchain_azure_audio.errors import ChunkTranscriptionError
from langchain_azure_audio.sources import AudioSource
from langchain_azure_audio.tools.speech import AzureTextToSpeechTool, SpeechArtifact, SpeechInput
from langchain_azure_audio.tools.transcription import (
    AzureAudioTranslationTool,
    AzureSpeechToTextTool,
    TranscriptionArtifact,
    TranscriptionInput,
    TranslationInput,
)

__all__ = [
    "AudioSource",
    "AzureAudioTranslationTool",
    "AzureSpeechToTextTool",
    "AzureTextToSpeechTool",
    "ChunkTranscriptionError",
    "SpeechArtifact",
    "SpeechInput",
    "TranscriptionArtifact",
    "TranscriptionInput",
    "TranslationInput",
]
