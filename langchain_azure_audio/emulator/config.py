"""Settings of the local emulator.

Example:
    >>> from langchain_azure_audio.emulator import EmulatorConfig
    >>> cfg = EmulatorConfig(audio_expiry_seconds=1.0)
    >>> cfg.deployments["whisper"], cfg.api_key
    ('whisper', 'emulator-key')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from langchain_azure_audio.capabilities import resolve_model
from langchain_azure_audio.emulator.engines import Engines
from langchain_azure_audio.emulator.responder import Responder

__all__ = ["DEFAULT_API_KEY", "DEFAULT_API_VERSION", "DEFAULT_DEPLOYMENTS", "EmulatorConfig"]

DEFAULT_API_KEY = "emulator-key"
"""A fixed, public key so that recorded cassettes stay stable. It protects nothing."""

DEFAULT_API_VERSION = "2025-04-01-preview"

DEFAULT_MODELS = (
    "gpt-4o-mini-audio-preview",
    "gpt-4o-audio-preview",
    "gpt-audio",
    "gpt-audio-mini",
    "gpt-4o-mini-tts",
    "tts-1",
    "tts-1-hd",
    "whisper",
    "gpt-4o-transcribe",
    "gpt-4o-mini-transcribe",
)
DEFAULT_DEPLOYMENTS: Mapping[str, str] = {m: m for m in DEFAULT_MODELS}
"""Each known model deployed under its own name."""


def _any_token(token: str) -> bool:
    return bool(token)


@dataclass
class EmulatorConfig:
    """Everything an emulator can be told.

    Attributes:
        api_key: The key the ``api-key`` header must carry.
        api_version: The api-version clients should use (advertised, not enforced; any version
            from ``2025-01-01-preview`` on is accepted).
        deployments: Deployment name -> model name (each model must be a known audio family).
        audio_expiry_seconds: Lifetime of chat audio ids (``expires_at``).
        responder: The scripted model (default script when not given).
        bearer_token_validator: Accepts or refuses ``Authorization: Bearer`` tokens; default:
            any non-empty token. The api key is always accepted as a bearer token (the ``/v1``
            style of the ``openai`` client).
        preload_engines: Load the speech models when the server starts, not on first use.
        engines: Speech engines; default: the process-wide shared ones.
    """

    api_key: str = DEFAULT_API_KEY
    api_version: str = DEFAULT_API_VERSION
    deployments: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_DEPLOYMENTS))
    audio_expiry_seconds: float = 3600.0
    responder: Responder = field(default_factory=Responder)
    bearer_token_validator: Callable[[str], bool] = _any_token
    preload_engines: bool = False
    engines: Engines | None = None

    def __post_init__(self) -> None:
        for deployment, model in self.deployments.items():
            resolve_model(model)  # raises UnsupportedOptionError for unknown models
            if not deployment:
                raise ValueError("Deployment names must not be empty.")
        if self.audio_expiry_seconds <= 0:
            raise ValueError("audio_expiry_seconds must be positive.")

    def __repr__(self) -> str:  # never show the key
        return (
            f"EmulatorConfig(api_key='***', api_version={self.api_version!r}, "
            f"deployments={dict(self.deployments)!r}, "
            f"audio_expiry_seconds={self.audio_expiry_seconds!r}, "
            f"preload_engines={self.preload_engines!r})"
        )
