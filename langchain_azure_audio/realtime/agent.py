"""``AzureRealtimeVoiceAgent``: a LangChain voice agent on Azure OpenAI's GA realtime API.

Its settings live in :mod:`~langchain_azure_audio.realtime.settings` and the one-call
conversation in :mod:`~langchain_azure_audio.realtime.conversation`; their names are importable
from here too.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from typing import Any, Literal

from langchain_core.callbacks import Callbacks
from langchain_core.tools import BaseTool
from langchain_core.tools import tool as as_tool
from pydantic import ConfigDict, Field, model_validator

from langchain_azure_audio.errors import ConfigurationError, UnsupportedOptionError
from langchain_azure_audio.realtime.conversation import RealtimeConversation, run_conversation
from langchain_azure_audio.realtime.events import RealtimeEvent
from langchain_azure_audio.realtime.session import RealtimeSession, SessionOptions
from langchain_azure_audio.realtime.settings import (
    ClientSecret,
    RealtimeSettings,
    TurnDetection,
    normalize_turn_detection,
    realtime_tool_spec,
)

__all__ = [
    "AzureRealtimeVoiceAgent",
    "ClientSecret",
    "RealtimeConversation",
    "RealtimeSettings",
    "TurnDetection",
    "normalize_turn_detection",
    "realtime_tool_spec",
]


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
        return await run_conversation(
            self.connect,
            frames,
            turn_detection=self._turn_detection,
            trailing_silence_ms=trailing_silence_ms,
            response_timeout=response_timeout,
            on_event=on_event,
        )

    def run(self, frames: Iterable[bytes], **kwargs: Any) -> RealtimeConversation:
        """Sync twin of :meth:`arun` (not from inside a running event loop)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.arun(frames, **kwargs))
        raise RuntimeError("run() was called inside an event loop; use `await agent.arun(...)`.")
