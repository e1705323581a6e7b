"""``AzureRealtimeVoiceAgent``: a LangChain voice agent on Azure OpenAI's GA realtime API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from langchain_core.callbacks import Callbacks
from langchain_core.messages.ai import UsageMetadata, add_usage
from langchain_core.tools import BaseTool
from langchain_core.tools import tool as as_tool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, Field, model_validator

from langchain_azure_audio.audio import PCM16_SAMPLE_RATE, pcm16_to_wav
from langchain_azure_audio.capabilities import REALTIME_TURN_DETECTION_FIELDS, ModelKind
from langchain_azure_audio.errors import (
    ConfigurationError,
    UnsupportedOptionError,
    service_errors,
)
from langchain_azure_audio.realtime._audio import ms_to_bytes
from langchain_azure_audio.realtime._transport import (
    Transport,
    TransportFactory,
    open_sdk_transport,
    realtime_url,
)
from langchain_azure_audio.realtime.events import (
    InputTranscript,
    OutputAudio,
    OutputTranscriptDone,
    RealtimeEvent,
    Reconnected,
    ResponseDone,
    SpeechStopped,
    ToolFinished,
)
from langchain_azure_audio.realtime.session import RealtimeSession, SessionOptions
from langchain_azure_audio.settings import AzureAudioSettings

__all__ = ["AzureRealtimeVoiceAgent", "ClientSecret", "RealtimeConversation", "RealtimeSettings"]

logger = logging.getLogger(__name__)

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


@dataclass
class RealtimeConversation:
    """What :meth:`AzureRealtimeVoiceAgent.arun` heard, said, called and spent.

    Attributes:
        events: Every event of the session, in order.
        user_transcripts: What the service heard the user say, turn by turn.
        assistant_transcripts: What the assistant said, message by message.
        audio: The assistant's speech, pcm16 24 kHz mono (every message, in order).
        tool_calls: The tool runs (name, output, error, duration).
        usage: Summed usage of every response (audio/text/cached token details).
        first_audio_latency_s: From the end of the user's last frame to the first audio after it.
        reconnects: How many times the session moved to a new connection.
    """

    events: list[RealtimeEvent] = field(default_factory=list)
    user_transcripts: list[str] = field(default_factory=list)
    assistant_transcripts: list[str] = field(default_factory=list)
    audio: bytes = b""
    tool_calls: list[ToolFinished] = field(default_factory=list)
    usage: UsageMetadata | None = None
    first_audio_latency_s: float | None = None
    reconnects: int = 0

    @property
    def transcript(self) -> str:
        """Everything the assistant said, joined."""
        return " ".join(t for t in self.assistant_transcripts if t)

    def wav(self) -> bytes:
        """The assistant's speech as a wav file."""
        return pcm16_to_wav(self.audio)


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


class AzureRealtimeVoiceAgent(RealtimeSettings):
    """A voice agent on an Azure OpenAI realtime deployment (gpt-realtime, gpt-realtime-mini).

    Speech in, speech out, LangChain tools in between, over Azure's GA realtime WebSocket. The
    session runs the tools (concurrently, sync ones in a thread), handles barge-in and truncation,
    renews itself before Azure's 30-minute cap (replaying the conversation), survives dropped
    sockets, and reports usage per response.

    Setup:
        .. code-block:: bash

            pip install "langchain-azure-audio[realtime]"
            export AZURE_OPENAI_ENDPOINT="https://<resource>.openai.azure.com"
            export AZURE_OPENAI_API_KEY="..."

        Or locally: ``langchain-azure-audio emulator`` and use its endpoint and key.

    Key init args:
        azure_deployment: The realtime deployment (default ``"gpt-realtime"``).
        voice: ``"marin"`` (default) or another voice of the family.
        instructions: System instructions.
        tools: LangChain tools (or plain functions) the model may call.
        turn_detection: ``"server_vad"`` (default), ``"semantic_vad"``, a dict with their
            settings, or ``None`` to end turns by hand (``session.commit_audio()``).
        api_key / azure_ad_token_provider / azure_credential: credentials (a token is fetched
            again on every connect).

    Instantiate:
        .. code-block:: python

            from langchain_core.tools import tool
            from langchain_azure_audio import AzureRealtimeVoiceAgent

            @tool
            def get_weather(city: str) -> str:
                \"\"\"Weather of a city.\"\"\"
                return f"It is sunny in {city}."

            agent = AzureRealtimeVoiceAgent(
                azure_deployment="gpt-realtime",
                voice="marin",
                instructions="You are a helpful voice assistant. Be brief.",
                tools=[get_weather],
            )

    Talk (live session):
        .. code-block:: python

            async with agent.connect() as session:
                await session.send_audio(pcm16_chunk)       # 24 kHz mono pcm16 (or wav)
                async for event in session.events():
                    if event.type == "output_audio":
                        speaker.write(event.audio)
                        session.report_playback(event.item_id, speaker.played_ms)
                    elif event.type == "interrupted":
                        speaker.stop()                      # the user spoke over the answer
                    elif event.type == "response_done":
                        print(event.transcript, event.usage)

    Whole conversation in one call:
        .. code-block:: python

            from langchain_azure_audio.realtime import pcm16_frames, read_pcm16

            frames = pcm16_frames(read_pcm16("question.wav"), frame_ms=20)
            result = await agent.arun(frames)
            result.transcript, result.tool_calls, result.usage, result.first_audio_latency_s
            Path("answer.wav").write_bytes(result.wav())
    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    tools: list[Any] = Field(default_factory=list)
    """LangChain tools or plain (sync or async) functions."""

    turn_detection: TurnDetection = "server_vad"
    """``"server_vad"``, ``"semantic_vad"``, their dict settings, or ``None``."""

    output_modalities: list[Literal["audio", "text"]] = Field(
        default_factory=lambda: list[Literal["audio", "text"]](["audio"])
    )
    """``["audio"]`` (speech with its transcript) or ``["text"]``."""

    callbacks: Callbacks = Field(default=None, exclude=True)
    """LangChain callbacks: every response (with usage) and every tool run is reported."""

    clock: Callable[[], float] = Field(default=time.time, exclude=True, repr=False)
    """Unix time now; inject a fake clock to test expiry without waiting."""

    max_session_seconds: float = 30 * 60
    """Session lifetime assumed when the service does not say (Azure caps at 30 minutes)."""

    renew_before_seconds: float = 60.0
    """Renew this long before the session expires (at most a quarter of its lifetime)."""

    max_reconnect_attempts: int = 3
    reconnect_delay: float = 0.25
    tool_timeout: float | None = 60.0
    """Seconds a tool may run; a timeout is reported to the model like an error."""

    @model_validator(mode="after")
    def _validate_agent(self) -> AzureRealtimeVoiceAgent:
        self._check_realtime_options()
        self._turn_detection = normalize_turn_detection(self.turn_detection)
        bad = [m for m in self.output_modalities if m not in ("audio", "text")]
        if bad or len(self.output_modalities) != 1:
            raise UnsupportedOptionError(
                f"output_modalities={self.output_modalities!r}: use ['audio'] or ['text'].",
                option="output_modalities",
                value=self.output_modalities,
            )
        self._lc_tools = [t if isinstance(t, BaseTool) else as_tool(t) for t in self.tools]
        names = [t.name for t in self._lc_tools]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ConfigurationError(f"Two tools share the name(s) {dupes}.")
        return self

    _turn_detection: dict[str, Any] | None = None
    _lc_tools: list[BaseTool] = []

    def _session_options(self) -> SessionOptions:
        config = self._base_session_config(
            output_modalities=self.output_modalities,
            turn_detection=self._turn_detection,
            tools=[realtime_tool_spec(t) for t in self._lc_tools],
        )
        return SessionOptions(
            session_config=config,
            tools={t.name: t for t in self._lc_tools},
            execute_tools=True,
            callbacks=self.callbacks,
            model_name=self.model_name or self.azure_deployment or "gpt-realtime",
            clock=self.clock,
            max_session_seconds=self.max_session_seconds,
            renew_before_seconds=self.renew_before_seconds,
            max_reconnect_attempts=self.max_reconnect_attempts,
            reconnect_delay=self.reconnect_delay,
            tool_timeout=self.tool_timeout,
        )

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[RealtimeSession]:
        """Open a session: ``async with agent.connect() as session: ...``.

        Raises:
            AuthenticationError / DeploymentNotFoundError / ...: the service refused the
                connection (typed, with its message).
        """
        session = self._session(self._session_options())
        await session.start()
        try:
            yield session
        finally:
            await session.close()

    async def arun(
        self,
        frames: AsyncIterable[bytes] | Iterable[bytes],
        *,
        trailing_silence_ms: int | None = None,
        response_timeout: float = 60.0,
        on_event: Callable[[RealtimeEvent], Any] | None = None,
    ) -> RealtimeConversation:
        """Run a whole conversation from audio frames and return what happened.

        Frames (24 kHz mono pcm16, e.g. 20 ms each) are sent as they come; the agent hears,
        calls its tools and answers (barge-in included, when the frames go on while it speaks).
        After the last frame, ``trailing_silence_ms`` of silence lets server VAD end the turn
        (with ``turn_detection=None`` the turn is committed instead); the call returns once
        every answer is complete.

        Args:
            frames: Audio frames, sync or async.
            trailing_silence_ms: Silence after the frames (default: VAD's silence duration
                plus 300 ms).
            response_timeout: Seconds to wait for the answers after the last frame.
            on_event: Called with every event as it arrives (e.g. to play audio).
        """
        result = RealtimeConversation()
        end_of_speech: float | None = None
        first_audio: float | None = None
        counters = {"stops": 0, "finals": 0}
        final_seen = asyncio.Event()
        audio: list[bytes] = []

        async def collect(session: RealtimeSession) -> None:
            nonlocal first_audio
            async for event in session.events():
                result.events.append(event)
                if on_event is not None:
                    maybe = on_event(event)
                    if asyncio.iscoroutine(maybe):
                        await maybe
                if isinstance(event, OutputAudio):
                    audio.append(event.audio)
                    if end_of_speech is not None and first_audio is None:
                        first_audio = time.perf_counter()
                elif isinstance(event, InputTranscript):
                    result.user_transcripts.append(event.text.strip())
                elif isinstance(event, OutputTranscriptDone):
                    result.assistant_transcripts.append(event.text)
                elif isinstance(event, ToolFinished):
                    result.tool_calls.append(event)
                elif isinstance(event, SpeechStopped):
                    counters["stops"] += 1
                elif isinstance(event, Reconnected):
                    result.reconnects += 1
                elif isinstance(event, ResponseDone):
                    if event.usage is not None:
                        result.usage = add_usage(result.usage, event.usage)
                    if not event.function_calls:
                        counters["finals"] += 1
                        final_seen.set()

        async with self.connect() as session:
            collector = asyncio.create_task(collect(session))
            try:
                if isinstance(frames, AsyncIterable):
                    async for frame in frames:
                        await session.send_audio(frame)
                else:
                    for frame in frames:
                        await session.send_audio(frame)
                end_of_speech = time.perf_counter()
                td = self._turn_detection
                if td is None:
                    await session.commit_audio()
                else:
                    silence = trailing_silence_ms
                    if silence is None:
                        silence = int(td.get("silence_duration_ms") or 500) + 300
                    chunk = ms_to_bytes(100)
                    remaining = ms_to_bytes(silence)
                    while remaining > 0:
                        await session.send_audio(b"\x00" * min(chunk, remaining))
                        remaining -= chunk
                await self._wait_answered(session, counters, final_seen, response_timeout)
            finally:
                await session.close()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await collector
        result.audio = b"".join(audio)
        if first_audio is not None and end_of_speech is not None:
            result.first_audio_latency_s = first_audio - end_of_speech
        return result

    @staticmethod
    async def _wait_answered(
        session: RealtimeSession,
        counters: dict[str, int],
        final_seen: asyncio.Event,
        timeout: float,
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            left = deadline - loop.time()
            if left <= 0:
                logger.warning("no complete answer within %.1f s", timeout)
                return
            if counters["finals"] >= max(counters["stops"], 1):
                if await session.wait_idle(min(left, 0.25)):
                    # Give a late speech_stopped (or an auto-created response) a moment.
                    await asyncio.sleep(0.05)
                    if counters["finals"] >= max(counters["stops"], 1) and await session.wait_idle(
                        0
                    ):
                        return
                continue
            final_seen.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(final_seen.wait(), min(left, 0.25))

    def run(self, frames: Iterable[bytes], **kwargs: Any) -> RealtimeConversation:
        """Sync twin of :meth:`arun` (not from inside a running event loop)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.arun(frames, **kwargs))
        raise RuntimeError("run() was called inside an event loop; use `await agent.arun(...)`.")
