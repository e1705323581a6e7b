"""The voice agent against replayed realtime sessions (no engines, no wall clock).

``rec_*.jsonl`` transcripts were recorded from the emulator (``test_record.py``, scrubbed); the
others are hand-written for what a recording cannot show deterministically (three tools at once, a
raising tool, a dropped socket, an error event). Expectations that come from the recording (its
transcripts, audio lengths, expiry) are read from the transcript, so a re-recording stays green.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import AsyncCallbackHandler, UsageMetadataCallbackHandler
from langchain_core.tools import tool

from langchain_azure_audio.errors import AuthenticationError
from langchain_azure_audio.realtime import (
    AzureRealtimeVoiceAgent,
    InputTranscript,
    Interrupted,
    OutputAudio,
    RealtimeEvent,
    RealtimeSession,
    Reconnected,
    ResponseDone,
    ServiceError,
    SessionStarted,
    ToolFinished,
    ToolStarted,
    pcm16_frames,
    read_pcm16,
)

from .replay import (
    ReplayServer,
    expect_client,
    load,
    load_meta,
    output_audio_bytes,
    server_events,
)

T0 = 1_800_000_000.0


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_agent(server: ReplayServer, **kw: Any) -> AzureRealtimeVoiceAgent:
    params: dict[str, Any] = {
        "azure_endpoint": server.endpoint,
        "api_key": "test-key",
        "azure_deployment": "gpt-realtime",
        "clock": FakeClock(),
        "reconnect_delay": 0.01,
    }
    params.update(kw)
    return AzureRealtimeVoiceAgent(**params)


async def collect_until(
    session: RealtimeSession, stop: Any, timeout: float = 10.0
) -> list[RealtimeEvent]:
    events: list[RealtimeEvent] = []

    async def run() -> None:
        async for event in session.events():
            events.append(event)
            if stop(event, events):
                return

    await asyncio.wait_for(run(), timeout)
    return events


def final_done(event: RealtimeEvent, _events: list[RealtimeEvent]) -> bool:
    return isinstance(event, ResponseDone) and not event.function_calls


# -- tools --------------------------------------------------------------------------------------

TOOL_SLEEP = 0.3
tool_threads: list[str] = []


@tool
def get_weather(city: str) -> str:
    """Weather of a city."""
    tool_threads.append(threading.current_thread().name)
    time.sleep(TOOL_SLEEP)  # a blocking tool: must run in a worker thread
    return f"It is sunny and 21 degrees in {city}."


@tool
async def get_time(city: str) -> str:
    """Local time of a city."""
    await asyncio.sleep(TOOL_SLEEP)
    return f"It is 14:05 in {city}."


@tool
def broken_tool() -> str:
    """Always fails."""
    raise RuntimeError("the backend is down")


class ToolSpy(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.started: list[str] = []
        self.ended: list[str] = []
        self.errors: list[str] = []
        self.llm_ends = 0

    async def on_tool_start(self, serialized: dict[str, Any], input_str: str, **kw: Any) -> None:
        self.started.append(serialized.get("name", ""))

    async def on_tool_end(self, output: Any, **kw: Any) -> None:
        self.ended.append(str(getattr(output, "content", output)))

    async def on_tool_error(self, error: BaseException, **kw: Any) -> None:
        self.errors.append(repr(error))

    async def on_llm_end(self, response: Any, **kw: Any) -> None:
        self.llm_ends += 1


async def test_tools_run_concurrently_answer_once_and_survive_a_raising_tool() -> None:
    tool_threads.clear()
    spy, usage = ToolSpy(), UsageMetadataCallbackHandler()
    async with ReplayServer(load("tools.jsonl")) as server:
        agent = make_agent(
            server, tools=[get_weather, get_time, broken_tool], callbacks=[spy, usage]
        )
        async with agent.connect() as session:
            await session.send_text("What is the weather and the time in Paris?")
            t0 = time.perf_counter()
            events = await collect_until(session, final_done)
            elapsed = time.perf_counter() - t0
            await asyncio.sleep(0.05)  # callbacks of the last response
        server.assert_ok()  # outputs with call ids, one response.create after response.done

    assert isinstance(events[0], SessionStarted) and events[0].expires_at == T0 + 1800
    started = [e for e in events if isinstance(e, ToolStarted)]
    finished = {e.call_id: e for e in events if isinstance(e, ToolFinished)}
    assert [e.name for e in started] == ["get_weather", "get_time", "broken_tool"]
    assert started[0].args == {"city": "Paris"}
    assert finished["call_broken"].error is not None
    assert "the backend is down" in finished["call_broken"].output
    assert finished["call_weather"].error is None
    # Two 0.3 s tools ran side by side, and the sync one in a worker thread.
    assert elapsed < 2 * TOOL_SLEEP + 0.25
    assert tool_threads and tool_threads[0] != threading.main_thread().name
    # The event reader went on while the blocking tool slept: the transcript the server sent
    # after response.done arrives before the tools finish.
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("InputTranscript") < kinds.index("ToolFinished")
    # LangChain callbacks saw every tool run (the failure as an error) and both responses.
    assert sorted(spy.started) == ["broken_tool", "get_time", "get_weather"]
    assert len(spy.ended) == 2 and len(spy.errors) == 1
    assert spy.llm_ends == 2
    # Usage per response, to the caller and to callbacks.
    done = [e for e in events if isinstance(e, ResponseDone)]
    assert done[0].usage is not None and done[0].usage["input_token_details"] == {
        "audio": 40,
        "cache_read": 32,
    }
    assert done[1].usage is not None and done[1].usage["output_token_details"] == {"audio": 100}
    assert done[1].transcript == "It is sunny and 21 degrees in Paris, at 14:05."
    totals = usage.usage_metadata["gpt-realtime"]
    assert totals["input_tokens"] == 280 and totals["output_tokens"] == 140
    assert totals["output_token_details"]["audio"] == 100
    audio = [e for e in events if isinstance(e, OutputAudio)]
    assert sum(len(e.audio) for e in audio) == 160 * 48


async def test_history_holds_the_turn_for_a_replay() -> None:
    async with ReplayServer(load("tools.jsonl")) as server:
        agent = make_agent(server, tools=[get_weather, get_time, broken_tool])
        async with agent.connect() as session:
            await session.send_text("What is the weather and the time in Paris?")
            await collect_until(session, final_done)
            history = session.history
    kinds = [(h["type"], h.get("role")) for h in history]
    assert kinds == [
        ("message", "user"),
        ("function_call", None),
        ("function_call", None),
        ("function_call", None),
        ("function_call_output", None),
        ("function_call_output", None),
        ("function_call_output", None),
        ("message", "assistant"),
    ]


# -- barge-in -----------------------------------------------------------------------------------


BARGE_IN = load("rec_barge_in.jsonl")
BARGE_ITEM = server_events(BARGE_IN, "response.output_audio.delta")[0]["item_id"]
BARGE_RECEIVED_MS = output_audio_bytes(BARGE_IN) // 48  # all of it arrived before the barge-in


@pytest.mark.parametrize(
    ("played_ms", "expected_end"),
    [
        (None, BARGE_RECEIVED_MS),  # nothing reported: what was handed over
        (120.7, 120),  # what the user heard
        (BARGE_RECEIVED_MS + 300, BARGE_RECEIVED_MS),  # over-reported: clamped to what exists
        (0, 1),  # never 0
    ],
)
async def test_barge_in_cancels_and_truncates_at_played_audio(
    played_ms: float | None, expected_end: int
) -> None:
    steps = expect_client(BARGE_IN, "conversation.item.truncate", audio_end_ms=expected_end)
    frames = list(pcm16_frames(read_pcm16(QUESTION), frame_ms=20))
    async with ReplayServer(steps) as server:
        agent = make_agent(server, tools=[WEATHER])
        async with agent.connect() as session:
            for frame in frames:
                await session.send_audio(frame)
            audio_seen = 0

            def some_audio(event: RealtimeEvent, _e: list[RealtimeEvent]) -> bool:
                nonlocal audio_seen
                audio_seen += isinstance(event, OutputAudio)
                return audio_seen == 3

            events = await collect_until(session, some_audio)
            if played_ms is not None:
                session.report_playback(BARGE_ITEM, played_ms)
            for frame in frames:  # the user talks over the answer
                await session.send_audio(frame)
            events += await collect_until(
                session, lambda e, _: isinstance(e, ResponseDone) and e.status == "cancelled"
            )
        server.assert_ok()  # cancel, then truncate at expected_end (server checks the bounds)
    cut = [e for e in events if isinstance(e, Interrupted)]
    assert cut == [Interrupted(item_id=BARGE_ITEM, audio_end_ms=expected_end)]
    heard = server_events(BARGE_IN, "conversation.item.input_audio_transcription.completed")
    assert [e.text for e in events if isinstance(e, InputTranscript)] == [heard[0]["transcript"]]
    assert [e.name for e in events if isinstance(e, ToolFinished)] == ["get_weather"]
    assert not [e for e in events if isinstance(e, ServiceError)]


async def test_vad_cancel_race_stays_quiet_and_other_errors_surface() -> None:
    async with ReplayServer(load("barge_in.jsonl"), variables={"END_MS": 300}) as server:
        agent = make_agent(server)
        async with agent.connect() as session:
            await session.send_audio(b"\x01\x00" * 480)
            audio_seen = 0

            def third_audio(event: RealtimeEvent, _e: list[RealtimeEvent]) -> bool:
                nonlocal audio_seen
                audio_seen += isinstance(event, OutputAudio)
                return audio_seen == 3

            events = await collect_until(session, third_audio)
            await session.send_audio(b"\x01\x00" * 480)  # the user talks over the answer
            events += await collect_until(session, lambda e, _: isinstance(e, ServiceError))
            await asyncio.sleep(0.05)
        server.assert_ok()
    assert [e.status for e in events if isinstance(e, ResponseDone)] == ["cancelled"]
    # response_cancel_not_active is expected after a VAD cancel and stays quiet; others surface.
    errors = [e for e in events if isinstance(e, ServiceError)]
    assert [e.code for e in errors] == ["rate_limit_exceeded"]


async def test_interrupt_by_hand_after_the_answer_was_fully_heard_does_nothing() -> None:
    steps = load("tools.jsonl")
    async with ReplayServer(steps) as server:
        agent = make_agent(server, tools=[get_weather, get_time, broken_tool])
        async with agent.connect() as session:
            await session.send_text("What is the weather and the time in Paris?")
            await collect_until(session, final_done)
            assert await session.interrupt() is None  # all of it was played: no truncate
        server.assert_ok()


# -- renewal and dropped connections -----------------------------------------------------------


async def test_session_renews_before_expiry_and_replays_the_conversation() -> None:
    steps = load("rec_renewal.jsonl")
    clock = FakeClock(load_meta("rec_renewal.jsonl")["clock"])
    first, second = (e["session"]["expires_at"] for e in server_events(steps, "session.created"))
    async with ReplayServer(steps) as server:
        agent = make_agent(server, clock=clock, output_modalities=["text"], tools=[])
        async with agent.connect() as session:
            await session.send_text("Remember the word tangerine.")
            events = await collect_until(session, final_done)
            clock.now = first - 30  # inside the renewal margin: renew now
            events += await collect_until(session, lambda e, _: isinstance(e, Reconnected))
            assert session.expires_at == second
            clock.now = T0 + 5  # the new session is far from its expiry
            await session.send_text("Which word?")
            events += await collect_until(session, final_done)
        server.assert_ok()  # the replayed items, on a second connection, then the old one closed
    renewals = [e for e in events if isinstance(e, Reconnected)]
    assert renewals == [
        Reconnected(reason="renewal", replayed_items=2, attempt=1, expires_at=second)
    ]
    assert sum(isinstance(e, SessionStarted) for e in events) == 1
    said = [e["text"] for e in server_events(steps, "response.output_text.done")]
    assert [e.transcript for e in events if isinstance(e, ResponseDone)] == said


async def test_a_text_turn_speaks_with_usage() -> None:
    steps = load("rec_text_turn.jsonl")
    async with ReplayServer(steps) as server:
        agent = make_agent(server, tools=[WEATHER])
        async with agent.connect() as session:
            await session.send_text("Hello there")
            events = await collect_until(session, final_done)
        server.assert_ok()
    assert isinstance(events[0], SessionStarted)
    assert (
        events[0].expires_at == server_events(steps, "session.created")[0]["session"]["expires_at"]
    )
    done = [e for e in events if isinstance(e, ResponseDone)]
    said = server_events(steps, "response.output_audio_transcript.done")[0]["transcript"]
    assert done[-1].transcript == said
    assert sum(len(e.audio) for e in events if isinstance(e, OutputAudio)) == output_audio_bytes(
        steps
    )
    recorded = server_events(steps, "response.done")[-1]["response"]["usage"]
    assert done[-1].usage is not None
    assert done[-1].usage["total_tokens"] == recorded["total_tokens"]
    assert (
        done[-1].usage["output_token_details"]["audio"]
        == (recorded["output_token_details"]["audio_tokens"])
    )


async def test_no_renewal_while_the_clock_is_far_from_expiry() -> None:
    clock = FakeClock()
    async with ReplayServer(load("tools.jsonl")) as server:
        agent = make_agent(server, clock=clock, tools=[get_weather, get_time, broken_tool])
        async with agent.connect() as session:
            await session.send_text("What is the weather and the time in Paris?")
            events = await collect_until(session, final_done)
            clock.now = T0 + 1800 - 61  # just outside the 60 s margin
            await asyncio.sleep(0.1)
        server.assert_ok()
    assert len(server.connections) == 1
    assert not any(isinstance(e, Reconnected) for e in events)


async def test_dropped_connection_reconnects_with_a_fresh_token_and_finishes_the_answer() -> None:
    tokens = iter(["token-1", "token-2", "token-3"])
    calls: list[str] = []

    def provider() -> str:
        token = next(tokens)
        calls.append(token)
        return token

    async with ReplayServer(
        load("dropped.jsonl"), api_key=None, bearer_tokens=["token-1", "token-2"]
    ) as server:
        agent = make_agent(
            server, api_key=None, azure_ad_token_provider=provider, tools=[get_weather]
        )
        async with agent.connect() as session:
            await session.send_text("What is the weather in Oslo?")
            events = await collect_until(session, final_done)
        server.assert_ok()
    assert calls == ["token-1", "token-2"]  # one fresh token per connect
    assert [c.headers["authorization"] for c in server.connections] == [
        "Bearer token-1",
        "Bearer token-2",
    ]
    assert "api-key" not in server.connections[0].headers
    dropped = [e for e in events if isinstance(e, Reconnected)]
    assert [(e.reason, e.replayed_items) for e in dropped] == [("dropped", 3)]
    assert [e.transcript for e in events if isinstance(e, ResponseDone)][-1] == (
        "It is sunny and 21 degrees in Oslo."
    )


# -- connection errors ----------------------------------------------------------------------------


async def test_a_refused_key_is_a_typed_authentication_error() -> None:
    async with ReplayServer(load("tools.jsonl"), api_key="the-right-key") as server:
        agent = make_agent(server, api_key="a-wrong-key")
        with pytest.raises(AuthenticationError) as info:
            async with agent.connect():
                pass
    assert info.value.status_code == 401
    assert "invalid subscription key" in str(info.value)
    assert "127.0.0.1" not in str(info.value.request.url.query)


# -- the one-call helper --------------------------------------------------------------------------


@tool
def quick_weather(city: str) -> str:
    """Weather of a city."""
    return f"It is sunny and 21 degrees in {city}."


WEATHER = quick_weather.model_copy(update={"name": "get_weather"})
QUESTION = Path(__file__).parent.parent / "data" / "weather_question.wav"


async def test_arun_runs_a_spoken_turn_from_frames() -> None:
    steps = load("rec_spoken_tool_turn.jsonl")
    pcm = read_pcm16(QUESTION)
    frames = list(pcm16_frames(pcm, frame_ms=20))
    seen: list[str] = []
    async with ReplayServer(steps) as server:
        agent = make_agent(
            server,
            tools=[WEATHER],
            turn_detection={"type": "server_vad", "silence_duration_ms": 200},
        )
        result = await agent.arun(frames, on_event=lambda e: seen.append(e.type))
        server.assert_ok()
    # Every frame and then 500 ms of silence (VAD's 200 ms + 300 ms) went out as audio.
    assert server.connections[0].appended_bytes == len(pcm) + 500 * 48
    heard = server_events(steps, "conversation.item.input_audio_transcription.completed")
    assert result.user_transcripts == [heard[0]["transcript"].strip()]
    assert "weather" in result.user_transcripts[0].lower()
    assert [t.output for t in result.tool_calls] == ["It is sunny and 21 degrees in Paris."]
    assert "21 degrees" in result.transcript
    assert len(result.audio) == output_audio_bytes(steps) and result.wav()[:4] == b"RIFF"
    usages = [e["response"]["usage"] for e in server_events(steps, "response.done")]
    assert result.usage is not None
    assert result.usage["total_tokens"] == sum(u["total_tokens"] for u in usages)
    assert result.first_audio_latency_s is not None and result.first_audio_latency_s >= 0
    assert seen[0] == "session_started" and seen[-1] == "response_done"


async def test_a_refused_tool_argument_is_told_to_the_model() -> None:
    """This package's tools answer a bad argument from the model with an error the model can
    fix (voice 'jenny' → the allowed voices); the session goes on and asks again."""
    import httpx2
    from pydantic import SecretStr

    from langchain_azure_audio import AzureTextToSpeechTool

    sent: list[httpx2.Request] = []

    def service(request: httpx2.Request) -> httpx2.Response:
        sent.append(request)
        return httpx2.Response(500)

    tts = AzureTextToSpeechTool(
        azure_endpoint="https://test-resource.openai.azure.com",
        api_key=SecretStr("test-key"),
        http_client=httpx2.Client(transport=httpx2.MockTransport(service)),
    )
    async with ReplayServer(load("tool_bad_argument.jsonl")) as server:
        agent = make_agent(server, tools=[tts])
        async with agent.connect() as session:
            await session.send_text("Say hello in the voice jenny.")
            events = await collect_until(
                session, lambda e, _: isinstance(e, ResponseDone) and e.response_id == "resp_2"
            )
        server.assert_ok()  # the error went back with its call id, then one response.create
    finished = next(e for e in events if isinstance(e, ToolFinished))
    assert finished.error is not None and "jenny" in finished.output
    assert "coral" in finished.output  # the allowed voices, for the model to choose from
    # The tool's own error message (handle_tool_error), not a crash reported by the session.
    assert (
        "Fix the arguments" in finished.output and "UnsupportedOptionError" not in finished.output
    )
    assert sent == []  # refused before any request


async def test_an_expiry_the_local_clock_calls_past_does_not_renew_in_a_loop() -> None:
    """The service's expires_at is its own clock. A local clock that disagrees (skew, or a
    recording replayed a year later) must not make a fresh session look expired: the cap then
    counts from now, so no renewal happens and nothing spins."""
    steps = load("rec_text_turn.jsonl")
    created = server_events(steps, "session.created")[0]
    created["session"]["expires_at"] = int(T0) - 86_400  # a day before "now" on the local clock
    async with ReplayServer(steps) as server:
        agent = make_agent(server, tools=[WEATHER])
        async with agent.connect() as session:
            await session.send_text("Hello there")
            events = await collect_until(session, final_done)
            assert session.expires_at is not None and session.expires_at > T0 + 1000
        server.assert_ok()  # one connection: no renewal was attempted
    assert not [e for e in events if isinstance(e, ServiceError | Reconnected)]
