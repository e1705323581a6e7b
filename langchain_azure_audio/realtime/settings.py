"""What configures a realtime session: connection, turn detection, tools in the session's shape.

:class:`RealtimeSettings` is shared by the voice agent and the realtime chat model: the GA
WebSocket URL and credentials, the voice, and the ``session.update`` body both send.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field

from langchain_azure_audio.audio import PCM16_SAMPLE_RATE
from langchain_azure_audio.capabilities import REALTIME_TURN_DETECTION_FIELDS, ModelKind
from langchain_azure_audio.errors import (
    ConfigurationError,
    UnsupportedOptionError,
    service_errors,
)
from langchain_azure_audio.realtime._transport import (
    Transport,
    TransportFactory,
    open_sdk_transport,
    realtime_url,
)
from langchain_azure_audio.realtime.session import RealtimeSession, SessionOptions
from langchain_azure_audio.settings import AzureAudioSettings

__all__ = [
    "ClientSecret",
    "RealtimeSettings",
    "TurnDetection",
    "normalize_turn_detection",
    "realtime_tool_spec",
]

TurnDetection = dict[str, Any] | Literal["server_vad", "semantic_vad"] | None

_TURN_DETECTION_KEYS = REALTIME_TURN_DETECTION_FIELDS
_EAGERNESS = frozenset({"low", "medium", "high", "auto"})
_PCM_FORMAT = {"type": "audio/pcm", "rate": PCM16_SAMPLE_RATE}


def normalize_turn_detection(value: TurnDetection) -> dict[str, Any] | None:
    """Check a ``turn_detection`` setting against the GA shapes and return its dict form.

    Example:
        >>> normalize_turn_detection("server_vad")
        {'type': 'server_vad'}
        >>> normalize_turn_detection(None) is None
        True
    """
    if value is None:
        return None
    config = {"type": value} if isinstance(value, str) else dict(value)
    kind = config.get("type")
    allowed = _TURN_DETECTION_KEYS.get(str(kind))
    if allowed is None:
        raise UnsupportedOptionError(
            f"turn_detection type {kind!r} is not supported: use 'server_vad', 'semantic_vad' "
            "or None (the caller commits each turn with session.commit_audio()).",
            option="turn_detection",
            value=value,
        )
    unknown = sorted(set(config) - allowed)
    if unknown:
        raise UnsupportedOptionError(
            f"turn_detection {kind} does not take {unknown}; "
            f"it takes {sorted(allowed - {'type'})}.",
            option="turn_detection",
            value=value,
        )
    threshold = config.get("threshold")
    if threshold is not None and not 0.0 <= float(threshold) <= 1.0:
        raise UnsupportedOptionError(
            f"turn_detection threshold must be between 0 and 1 (got {threshold}).",
            option="turn_detection",
            value=value,
        )
    eagerness = config.get("eagerness")
    if eagerness is not None and eagerness not in _EAGERNESS:
        raise UnsupportedOptionError(
            f"semantic_vad eagerness must be one of {sorted(_EAGERNESS)} (got {eagerness!r}).",
            option="turn_detection",
            value=value,
        )
    return config


@dataclass(frozen=True)
class ClientSecret:
    """An ephemeral key for a browser (``ek_...``) and when it expires (unix time)."""

    value: str
    expires_at: int


class RealtimeSettings(AzureAudioSettings):
    """Connection settings of a realtime deployment (shared by the agent and the chat model).

    The GA endpoint ``{endpoint}/openai/v1/realtime?model={deployment}`` takes no api-version,
    so ``api_version`` is not used.
    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    voice: str = "marin"
    """Voice of the assistant (alloy, ash, ballad, coral, echo, sage, shimmer, verse, marin,
    cedar); fixed once the assistant has spoken."""

    extra_voices: list[str] = Field(default_factory=list)
    """Voices to accept beyond the registry's (voices newer than this release)."""

    instructions: str | None = None
    """The system instructions of the session."""

    input_transcription: str | None = "whisper-1"
    """Transcription model for what the user says (``None``: no input transcripts, and the
    user's spoken turns cannot be replayed after a reconnect)."""

    session_config: dict[str, Any] = Field(default_factory=dict)
    """Extra ``session.update`` fields, merged over the generated ones."""

    open_timeout: float | None = 20.0
    """Seconds to wait for the WebSocket handshake."""

    _default_deployment: ClassVar[str | None] = "gpt-realtime"
    _model_kind: ClassVar[ModelKind | None] = "realtime"
    _model_examples: ClassVar[str] = "gpt-realtime, gpt-realtime-mini"

    def _check_realtime_options(self) -> None:
        caps = self._resolve_model()
        if caps is not None:
            caps.check_voice(self.voice, extra_voices=self.extra_voices)
        self._require_endpoint()
        self._require_deployment()
        providers = self._token_providers()
        if self.api_key is None and providers == (None, None):
            raise ConfigurationError(
                "No credentials for Azure OpenAI: pass api_key=... or set AZURE_OPENAI_API_KEY, "
                "or pass azure_ad_token_provider=... / azure_credential=... for Microsoft Entra ID."
            )

    def _transport_factory(self) -> tuple[TransportFactory, str]:
        """A connect function (fresh credentials each call) and the URL it goes to (no secrets)."""
        client, headers = self._v1_async_client()
        deployment = self._require_deployment()

        async def connect() -> Transport:
            return await open_sdk_transport(
                client, deployment, extra_headers=headers, open_timeout=self.open_timeout
            )

        return connect, realtime_url(client, deployment)

    def _session(self, options: SessionOptions) -> RealtimeSession:
        connect, url = self._transport_factory()
        options.url = url
        return RealtimeSession(connect, options)

    def _base_session_config(
        self,
        *,
        output_modalities: Sequence[str],
        turn_detection: dict[str, Any] | None,
        tools: Sequence[Mapping[str, Any]],
        tool_choice: Any = None,
    ) -> dict[str, Any]:
        audio_in: dict[str, Any] = {"format": dict(_PCM_FORMAT), "turn_detection": turn_detection}
        if self.input_transcription:
            audio_in["transcription"] = {"model": self.input_transcription}
        config: dict[str, Any] = {
            "type": "realtime",
            "output_modalities": list(output_modalities),
            "audio": {
                "input": audio_in,
                "output": {"format": dict(_PCM_FORMAT), "voice": self.voice},
            },
        }
        if self.instructions:
            config["instructions"] = self.instructions
        if tools:
            config["tools"] = [dict(t) for t in tools]
            config["tool_choice"] = tool_choice or "auto"
        return _deep_merge(config, self.session_config)

    async def acreate_client_secret(
        self, *, expires_after_seconds: int = 600, session: Mapping[str, Any] | None = None
    ) -> ClientSecret:
        """An ephemeral key for a browser (``POST /openai/v1/realtime/client_secrets``).

        Args:
            expires_after_seconds: 10 to 7200.
            session: Extra session fields (the deployment and ``type`` are filled in).
        """
        if not 10 <= expires_after_seconds <= 7200:
            raise UnsupportedOptionError(
                "expires_after_seconds must be between 10 and 7200.",
                option="expires_after_seconds",
                value=expires_after_seconds,
            )
        client, headers = self._v1_async_client()
        body = {"type": "realtime", "model": self._require_deployment(), **dict(session or {})}
        with service_errors():
            secret = await client.realtime.client_secrets.create(
                session=body,  # type: ignore[arg-type]
                expires_after={"anchor": "created_at", "seconds": expires_after_seconds},
                extra_headers=headers,
            )
        return ClientSecret(value=secret.value, expires_at=secret.expires_at)


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def realtime_tool_spec(tool: Any) -> dict[str, Any]:
    """A tool (LangChain tool, function, pydantic model, OpenAI dict) in the realtime shape.

    Example:
        >>> def get_weather(city: str) -> str:
        ...     '''Weather of a city.'''
        ...     return "sunny"
        >>> realtime_tool_spec(get_weather)["name"]
        'get_weather'
    """
    spec = convert_to_openai_tool(tool)
    fn = spec.get("function", spec)
    out: dict[str, Any] = {"type": "function", "name": fn["name"]}
    if fn.get("description"):
        out["description"] = fn["description"]
    out["parameters"] = fn.get("parameters") or {"type": "object", "properties": {}}
    return out
