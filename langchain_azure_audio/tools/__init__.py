"""LangChain tools on Azure OpenAI's speech, transcription and translation endpoints.

Where things live (one concept a module):

* ``speech`` — :class:`AzureTextToSpeechTool`; ``_speech_plan`` (options, pieces, requests,
  joining: sans-I/O) and ``_speech_stream`` (SSE events, mp3 pieces in a row).
* ``transcription`` / ``translation`` — :class:`AzureSpeechToTextTool` /
  :class:`AzureAudioTranslationTool` on ``_audio_to_text`` (their shared settings and thin
  sync/async shells) and ``_transcript_core`` (the sans-I/O core: requests, retries, stitching),
  ``_transcript_options`` (option checks), ``_transcript_audio`` (validate, convert, plan
  chunks), ``_transcripts`` (reading responses, rendering artifacts).
* ``_types`` — argument schemas and artifacts; ``_text_split`` — text into sentences and
  pieces; ``_chunking`` / ``_stitching`` — long audio into chunks and back; ``_pcm`` — pcm16 of
  wav files; ``_subtitles`` — srt/vtt (pure; the emulator may use it); ``_common`` — output
  files, typed argument errors, transient-error rules.

Example:
    >>> from langchain_azure_audio.tools import AzureSpeechToTextTool, AzureTextToSpeechTool
"""

from langchain_azure_audio.errors import ChunkTranscriptionError
from langchain_azure_audio.sources import AudioSource
from langchain_azure_audio.tools._text_split import SentenceBuffer
from langchain_azure_audio.tools.speech import AzureTextToSpeechTool, SpeechArtifact, SpeechInput
from langchain_azure_audio.tools.transcription import (
    AzureSpeechToTextTool,
    TranscriptionArtifact,
    TranscriptionInput,
)
from langchain_azure_audio.tools.translation import AzureAudioTranslationTool, TranslationInput

__all__ = [
    "AudioSource",
    "AzureAudioTranslationTool",
    "AzureSpeechToTextTool",
    "AzureTextToSpeechTool",
    "ChunkTranscriptionError",
    "SentenceBuffer",
    "SpeechArtifact",
    "SpeechInput",
    "TranscriptionArtifact",
    "TranscriptionInput",
    "TranslationInput",
]
