"""Server VAD building blocks, and realtime clients that hang up leave the server quiet."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect

from langchain_azure_audio.emulator import Emulator
from langchain_azure_audio.emulator.vad import (
    EnergyScorer,
    SileroScorer,
    TurnDetector,
    VadEvent,
    default_scorer_factory,
)

from .realtime_support import frames, silence, wav_pcm24k


def _run(detector: TurnDetector, pcm: bytes) -> list[VadEvent]:
    events: list[VadEvent] = []
    for frame in frames(pcm):
        events += detector.feed(frame)
    return events


@pytest.mark.parametrize("scorer", [SileroScorer, EnergyScorer])
def test_turn_detector_finds_the_question(scorer: type) -> None:
    question = wav_pcm24k("weather_question.wav")
    detector = TurnDetector(scorer=scorer(), prefix_padding_ms=300, silence_duration_ms=500)
    events = _run(detector, silence(500) + question + silence(1000))
    assert [e.kind for e in events] == ["speech_started", "speech_stopped"]
    start, stop = events[0].ms, events[1].ms
    assert 150 <= start <= 500  # first voiced window minus the 300 ms prefix padding
    speech_end = 500 + len(question) // 48
    assert speech_end - 300 <= stop <= speech_end + 700


def test_silence_and_reset() -> None:
    detector = TurnDetector(scorer=EnergyScorer())
    assert _run(detector, silence(2000)) == []
    detector.reset(5000)
    events = _run(detector, wav_pcm24k("weather_question.wav") + silence(800))
    assert events[0].kind == "speech_started" and events[0].ms >= 5000


def test_silero_is_the_default() -> None:
    assert default_scorer_factory() is SileroScorer


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def server_logs() -> Iterator[_Collect]:
    handler = _Collect()
    loggers = [logging.getLogger(n) for n in ("", "uvicorn", "uvicorn.error", "asyncio")]
    for log in loggers:
        log.addHandler(handler)
    yield handler
    for log in loggers:
        log.removeHandler(handler)


async def test_hanging_up_mid_response_is_quiet(
    server_logs: _Collect, capfd: pytest.CaptureFixture[str]
) -> None:
    ask = [
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "A long story about foxes."}],
            },
        },
        {"type": "response.create"},
    ]
    async with Emulator(realtime_pace=True) as emu:
        for how in ("close", "abort"):
            ws = await connect(
                f"{emu.realtime_url}?model=gpt-realtime",
                additional_headers={"api-key": emu.api_key},
            )
            await ws.recv()
            for event in ask:
                await ws.send(json.dumps(event))
            while json.loads(await ws.recv())["type"] != "response.output_audio.delta":
                pass
            if how == "close":
                await ws.close()
            else:
                ws.transport.abort()
        # the emulator still serves
        async with connect(
            f"{emu.realtime_url}?model=gpt-realtime", additional_headers={"api-key": emu.api_key}
        ) as ws:
            assert json.loads(await ws.recv())["type"] == "session.created"
    # Only the server side's loggers: other tests' clients may still log in this process.
    server = ("uvicorn", "websockets", "asyncio", "langchain_azure_audio.emulator")
    noisy = [
        r
        for r in server_logs.records
        if r.name.startswith(server)
        and (r.exc_info or r.levelno >= logging.WARNING or "Traceback" in r.getMessage())
    ]
    assert not noisy, [(r.name, r.getMessage()) for r in noisy]
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
