"""A whole realtime conversation in one call: frames in, :class:`RealtimeConversation` out.

:meth:`AzureRealtimeVoiceAgent.arun` and ``run`` are thin shells over :func:`run_conversation`:
send the frames, end the turn (trailing silence for server VAD, a commit without it), wait until
every answer is complete, and gather what was heard, said, called and spent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterable, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages.ai import UsageMetadata, add_usage

from langchain_azure_audio.audio import pcm16_to_wav
from langchain_azure_audio.realtime._audio import ms_to_bytes
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
from langchain_azure_audio.realtime.session import RealtimeSession

__all__ = ["RealtimeConversation", "run_conversation"]

logger = logging.getLogger(__name__)


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


async def run_conversation(
    connect: Callable[[], AbstractAsyncContextManager[RealtimeSession]],
    frames: AsyncIterable[bytes] | Iterable[bytes],
    *,
    turn_detection: dict[str, Any] | None,
    trailing_silence_ms: int | None = None,
    response_timeout: float = 60.0,
    on_event: Callable[[RealtimeEvent], Any] | None = None,
) -> RealtimeConversation:
    """Open a session with ``connect()``, talk ``frames`` into it and return what happened.

    Args:
        connect: Opens a started session (``agent.connect``); closed when the answers are in.
        frames: Audio frames (24 kHz mono pcm16), sync or async.
        turn_detection: The session's turn detection in dict form (``None``: commit the turn).
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

    async with connect() as session:
        collector = asyncio.create_task(collect(session))
        try:
            if isinstance(frames, AsyncIterable):
                async for frame in frames:
                    await session.send_audio(frame)
            else:
                for frame in frames:
                    await session.send_audio(frame)
            end_of_speech = time.perf_counter()
            if turn_detection is None:
                await session.commit_audio()
            else:
                silence = trailing_silence_ms
                if silence is None:
                    silence = int(turn_detection.get("silence_duration_ms") or 500) + 300
                chunk = ms_to_bytes(100)
                remaining = ms_to_bytes(silence)
                while remaining > 0:
                    await session.send_audio(b"\x00" * min(chunk, remaining))
                    remaining -= chunk
            await _wait_answered(session, counters, final_seen, response_timeout)
        finally:
            await session.close()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await collector
    result.audio = b"".join(audio)
    if first_audio is not None and end_of_speech is not None:
        result.first_audio_latency_s = first_audio - end_of_speech
    return result


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
                if counters["finals"] >= max(counters["stops"], 1) and await session.wait_idle(0):
                    return
            continue
        final_seen.clear()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(final_seen.wait(), min(left, 0.25))
