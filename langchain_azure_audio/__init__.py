"""LangChain chat models and tools that hear and speak through Azure OpenAI audio models.

Example:
    >>> from langchain_azure_audio import AzureAudioChatModel, audio_block, save_audio  # noqa
"""

from langchain_azure_audio.audio import audio_block, pcm16_to_wav
from langchain_azure_audio.chat_models import AzureAudioChatModel
from langchain_azure_audio.errors import (
    AudioValidationError,
    AuthenticationError,
    AzureAudioError,
    AzureAudioServiceError,
    BadRequestError,
    ChunkTranscriptionError,
    ConfigurationError,
    ContentFilterError,
    DeploymentNotFoundError,
    RateLimitError,
    ServiceConnectionError,
    ServiceTimeoutError,
    ServiceUnavailableError,
    StreamInterruptedError,
    UnsupportedOptionError,
)
from langchain_azure_audio.messages import MessageAudio, get_audio, save_audio
from langchain_azure_audio.realtime import (
    AzureRealtimeChatModel,
    AzureRealtimeVoiceAgent,
    RealtimeConversation,
    RealtimeSession,
    pcm16_frames,
    read_pcm16,
)
from langchain_azure_audio.runnables import (
    TextToSpeechRunnable,
    atranscribe_with_chat_model,
    chat_model_speech_to_text,
    speech_to_text,
    text_to_speech,
    transcribe_with_chat_model,
)
from langchain_azure_audio.tools import (
    AudioSource,
    AzureAudioTranslationTool,
    AzureSpeechToTextTool,
    AzureTextToSpeechTool,
    SpeechArtifact,
    TranscriptionArtifact,
)

__version__ = "0.1.0"

__all__ = [
    "AudioSource",
    "AudioValidationError",
    "AuthenticationError",
    "AzureAudioChatModel",
    "AzureAudioError",
    "AzureAudioServiceError",
    "AzureAudioTranslationTool",
    "AzureRealtimeChatModel",
    "AzureRealtimeVoiceAgent",
    "AzureSpeechToTextTool",
    "AzureTextToSpeechTool",
    "BadRequestError",
    "ChunkTranscriptionError",
    "ConfigurationError",
    "ContentFilterError",
    "DeploymentNotFoundError",
    "MessageAudio",
    "RateLimitError",
    "RealtimeConversation",
    "RealtimeSession",
    "ServiceConnectionError",
    "ServiceTimeoutError",
    "ServiceUnavailableError",
    "SpeechArtifact",
    "StreamInterruptedError",
    "TextToSpeechRunnable",
    "TranscriptionArtifact",
    "UnsupportedOptionError",
    "__version__",
    "atranscribe_with_chat_model",
    "audio_block",
    "chat_model_speech_to_text",
    "get_audio",
    "pcm16_frames",
    "pcm16_to_wav",
    "read_pcm16",
    "save_audio",
    "speech_to_text",
    "text_to_speech",
    "transcribe_with_chat_model",
]
