"""LangChain chat models and tools that hear and speak through Azure OpenAI audio models."""

from langchain_azure_audio.errors import (
    AudioValidationError,
    AuthenticationError,
    AzureAudioError,
    AzureAudioServiceError,
    ConfigurationError,
    ContentFilterError,
    DeploymentNotFoundError,
    RateLimitError,
    ServiceUnavailableError,
    UnsupportedOptionError,
)

__version__ = "0.1.0"

__all__ = [
    "AudioValidationError",
    "AuthenticationError",
    "AzureAudioError",
    "AzureAudioServiceError",
    "ConfigurationError",
    "ContentFilterError",
    "DeploymentNotFoundError",
    "RateLimitError",
    "ServiceUnavailableError",
    "UnsupportedOptionError",
    "__version__",
]
