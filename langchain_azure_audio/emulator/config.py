"""Settings of the local emulator.

Deployments carry names of the user's choosing, as on Azure: ``EmulatorConfig(deployments=
{"my-audio": "gpt-4o-audio-preview"})`` serves exactly that deployment. Without ``deployments``
every known model is deployed under its own name (:data:`DEFAULT_DEPLOYMENTS`). The command line
takes ``--deployment NAME=MODEL`` (repeatable) or the environment variable
``LC_AZURE_AUDIO_EMULATOR_DEPLOYMENTS="name=model,name=model"`` (:func:`deployments_from_env`).

Example:
    >>> from langchain_azure_audio.emulator import EmulatorConfig
    >>> cfg = EmulatorConfig(audio_expiry_seconds=1.0)
    >>> cfg.deployments["whisper"], cfg.api_key
    ('whisper', 'emulator-key')
    >>> parse_deployments(["my-audio=gpt-4o-audio-preview", "stt=whisper"])
    {'my-audio': 'gpt-4o-audio-preview', 'stt': 'whisper'}
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from langchain_azure_audio.capabilities import resolve_model
from langchain_azure_audio.emulator.engines import Engines
from langchain_azure_audio.emulator.responder import Responder
from langchain_azure_audio.errors import UnsupportedOptionError

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_API_VERSION",
    "DEFAULT_DEPLOYMENTS",
    "DEFAULT_REALTIME_SESSION_SECONDS",
    "DEPLOYMENTS_ENV",
    "EmulatorConfig",
    "deployments_from_env",
    "parse_deployments",
]

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
    "gpt-realtime",
    "gpt-realtime-mini",
)
DEFAULT_DEPLOYMENTS: Mapping[str, str] = {m: m for m in DEFAULT_MODELS}
"""Each known model deployed under its own name."""

DEPLOYMENTS_ENV = "LC_AZURE_AUDIO_EMULATOR_DEPLOYMENTS"
"""Environment variable the command line reads deployments from: ``name=model,name=model``."""

DEFAULT_REALTIME_SESSION_SECONDS = 1800.0
"""Azure caps a realtime session at 30 minutes."""


def parse_deployments(specs: Iterable[str]) -> dict[str, str]:
    """Parse ``NAME=MODEL`` specs (each may also hold several, comma-separated).

    Raises:
        ValueError: a spec without ``=``, an empty name or model, or a name given twice.

    Example:
        >>> parse_deployments(["a=gpt-4o-mini-tts,b=whisper"])
        {'a': 'gpt-4o-mini-tts', 'b': 'whisper'}
    """
    out: dict[str, str] = {}
    for spec in specs:
        for item in spec.split(","):
            item = item.strip()
            if not item:
                continue
            name, sep, model = item.partition("=")
            name, model = name.strip(), model.strip()
            if not sep or not name or not model:
                raise ValueError(
                    "A deployment is NAME=MODEL, e.g. my-audio=gpt-4o-audio-preview "
                    f"(got {item!r})."
                )
            if name in out:
                raise ValueError(f"Deployment {name!r} is given twice.")
            out[name] = model
    return out


def deployments_from_env(environ: Mapping[str, str] | None = None) -> dict[str, str] | None:
    """Deployments from :data:`DEPLOYMENTS_ENV`, or ``None`` when it is unset or blank.

    Example:
        >>> deployments_from_env({DEPLOYMENTS_ENV: "voice=gpt-audio"})
        {'voice': 'gpt-audio'}
    """
    value = (os.environ if environ is None else environ).get(DEPLOYMENTS_ENV, "")
    if not value.strip():
        return None
    return parse_deployments([value])


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
        realtime_session_seconds: How long a realtime session may last (Azure: 30 minutes);
            at the cap the server sends a ``session_expired`` error and closes the socket.
        realtime_pace: Send realtime output audio no faster than it plays (real-time pacing);
            off by default so tests run fast.
        client_secret_seconds: Default lifetime of ephemeral realtime keys (``ek_...``).
        clock: Unix time in seconds, for realtime ``expires_at`` values and ephemeral-key
            expiry (inject one in tests; the session cap itself runs on a monotonic timer).
    """

    api_key: str = DEFAULT_API_KEY
    api_version: str = DEFAULT_API_VERSION
    deployments: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_DEPLOYMENTS))
    audio_expiry_seconds: float = 3600.0
    responder: Responder = field(default_factory=Responder)
    bearer_token_validator: Callable[[str], bool] = _any_token
    preload_engines: bool = False
    engines: Engines | None = None
    realtime_session_seconds: float = DEFAULT_REALTIME_SESSION_SECONDS
    realtime_pace: bool = False
    client_secret_seconds: int = 600
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        if not self.deployments:
            raise ValueError("At least one deployment is needed.")
        for deployment, model in self.deployments.items():
            if not deployment:
                raise ValueError("Deployment names must not be empty.")
            try:
                resolve_model(model)
            except UnsupportedOptionError:
                raise UnsupportedOptionError(
                    f"Deployment {deployment!r} names an unknown model {model!r}; the emulator "
                    f"serves: {', '.join(DEFAULT_MODELS)} (and dated versions of them).",
                    option="model",
                    value=model,
                ) from None
        if self.audio_expiry_seconds <= 0:
            raise ValueError("audio_expiry_seconds must be positive.")
        if self.realtime_session_seconds <= 0:
            raise ValueError("realtime_session_seconds must be positive.")
        if not 10 <= self.client_secret_seconds <= 7200:
            raise ValueError("client_secret_seconds must be between 10 and 7200.")

    def __repr__(self) -> str:  # never show the key
        return (
            f"EmulatorConfig(api_key='***', api_version={self.api_version!r}, "
            f"deployments={dict(self.deployments)!r}, "
            f"audio_expiry_seconds={self.audio_expiry_seconds!r}, "
            f"preload_engines={self.preload_engines!r}, "
            f"realtime_session_seconds={self.realtime_session_seconds!r})"
        )
