"""Re-record the realtime event transcripts the replay tests play (skipped unless recording).

``LC_AZURE_AUDIO_RECORD=emulator`` records against a fresh local emulator (real VAD, Whisper and
Piper); ``LC_AZURE_AUDIO_RECORD=azure`` against Azure (``AZURE_OPENAI_ENDPOINT``,
``AZURE_OPENAI_API_KEY``, ``AZURE_OPENAI_REALTIME_DEPLOYMENT``). Each scenario runs the agent
through :class:`~tests.realtime.recorder.TranscriptRecorder` and writes
``transcripts/rec_<scenario>.jsonl``, scrubbed. Without the variable these tests are skipped and
the replays use the transcripts in the repository.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from langchain_core.tools import tool

from langchain_azure_audio.realtime import (
    AzureRealtimeVoiceAgent,
    Interrupted,
    OutputAudio,
    RealtimeEvent,
    RealtimeSession,
    Reconnected,
    ResponseDone,
    pcm16_frames,
    read_pcm16,
)

from ..cassette_support import record_mode
from .recorder import TranscriptRecorder
from .replay import TRANSCRIPTS

QUESTION = Path(__file__).parent.parent / "data" / "weather_question.wav"
MODE = record_mode()

pytestmark = pytest.mark.skipif(MODE is None, reason="set LC_AZURE_AUDIO_RECORD to re-record")


@tool
def get_weather(city: str) -> str:
    """Weather of a city."""
    return f"It is sunny and 21 degrees in {city}."


class WallClock:
    """Real time, plus a jump the test can add (to reach the renewal margin without waiting)."""

    def __init__(self) -> None:
        self.jump = 0.0

    def __call__(self) -> float:
        import time

        return time.time() + self.jump


@dataclass
class Target:
    ws_base: str
    endpoint_key: str
    deployment: str


@pytest.fixture
async def target(request: pytest.FixtureRequest) -> AsyncIterator[Target]:
    overrides: dict[str, Any] = getattr(request, "param", {})
    if MODE == "azure":
        endpoint = os.environ["AZURE_OPENAI_ENDPOINT"].rstrip("/")
        yield Target(
            "wss://" + endpoint.split("://", 1)[1] + "/openai/v1",
            os.environ["AZURE_OPENAI_API_KEY"],
            os.environ.get("AZURE_OPENAI_REALTIME_DEPLOYMENT", "gpt-realtime"),
        )
        return
    from langchain_azure_audio.emulator import Emulator

    async with Emulator(**overrides) as emu:
        yield Target(emu.ws_url, emu.api_key, "gpt-realtime")


def agent_for(rec: TranscriptRecorder, target: Target, **kw: Any) -> AzureRealtimeVoiceAgent:
    params: dict[str, Any] = {
        "azure_endpoint": rec.endpoint,
        "api_key": target.endpoint_key,
        "azure_deployment": "gpt-realtime",
        "tools": [get_weather],
    }
    params.update(kw)
    return AzureRealtimeVoiceAgent(**params)


def recorder(target: Target) -> TranscriptRecorder:
    return TranscriptRecorder(
        target.ws_base,
        deployment=target.deployment,
        secrets=[target.endpoint_key],
        source=MODE or "emulator",
    )


async def until(
    session: RealtimeSession,
    stop: Callable[[RealtimeEvent], bool],
    seen: list[RealtimeEvent],
    timeout: float = 60,
) -> RealtimeEvent:
    async def run() -> RealtimeEvent:
        async for event in session.events():
            seen.append(event)
            if stop(event):
                return event
        raise AssertionError("the session ended")

    return await asyncio.wait_for(run(), timeout)


def final(event: RealtimeEvent) -> bool:
    return isinstance(event, ResponseDone) and not event.function_calls


async def test_record_text_turn(target: Target) -> None:
    async with recorder(target) as rec, agent_for(rec, target).connect() as session:
        await session.send_text("Hello there")
        await until(session, final, [])
    rec.write(TRANSCRIPTS / "rec_text_turn.jsonl")


async def test_record_spoken_tool_turn(target: Target) -> None:
    frames = list(pcm16_frames(read_pcm16(QUESTION), frame_ms=20))
    async with recorder(target) as rec:
        agent = agent_for(
            rec, target, turn_detection={"type": "server_vad", "silence_duration_ms": 200}
        )
        result = await agent.arun(frames)
    assert [t.name for t in result.tool_calls] == ["get_weather"]
    rec.write(TRANSCRIPTS / "rec_spoken_tool_turn.jsonl")


@pytest.mark.parametrize("target", [{"realtime_pace": True}], indirect=True)
async def test_record_barge_in(target: Target) -> None:
    frames = list(pcm16_frames(read_pcm16(QUESTION), frame_ms=20))
    seen: list[RealtimeEvent] = []
    async with recorder(target) as rec, agent_for(rec, target).connect() as session:
        for frame in frames:
            await session.send_audio(frame)
        await session.send_audio(b"\x00" * 48 * 800)
        received = 0

        def enough_audio(event: RealtimeEvent) -> bool:
            nonlocal received
            received += len(event.audio) if isinstance(event, OutputAudio) else 0
            return received >= 48 * 600  # 0.6 s of the answer arrived: talk over it

        event = await until(session, enough_audio, seen)
        assert isinstance(event, OutputAudio)
        session.report_playback(event.item_id, 250)
        for frame in frames:
            await session.send_audio(frame)
        await session.send_audio(b"\x00" * 48 * 800)
        await until(session, lambda e: isinstance(e, Interrupted), seen)
        await until(session, final, seen)  # the answer to the repeated question
    rec.write(TRANSCRIPTS / "rec_barge_in.jsonl")


async def test_record_renewal(target: Target) -> None:
    clock = WallClock()
    seen: list[RealtimeEvent] = []
    async with recorder(target) as rec:
        agent = agent_for(rec, target, clock=clock, output_modalities=["text"], tools=[])
        async with agent.connect() as session:
            await session.send_text("Remember the word tangerine.")
            await until(session, final, seen)
            assert session.expires_at is not None
            clock.jump = session.expires_at - clock() - 30  # inside the 60 s renewal margin
            await until(session, lambda e: isinstance(e, Reconnected), seen)
            clock.jump = 0.0  # back to now: the new session is far from its expiry
            await session.send_text("Which word?")
            await until(session, final, seen)
    rec.write(TRANSCRIPTS / "rec_renewal.jsonl")
