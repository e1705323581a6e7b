"""Realtime benchmark: this package's voice session vs the raw openai SDK's GA realtime client.

Run ``python bench/bench_realtime.py`` (about a minute) or ``--quick``. Every claim is a ratio
measured in this run (same machine, same moment, same server); absolute times are context.

a. **Latency**, on the local emulator (real server VAD, Whisper and Piper): a spoken question
   (tests/data/weather_question.wav, 20 ms frames of 24 kHz pcm16, then 800 ms of silence) and
   the time from the end of the speech frames to the first ``response.output_audio.delta``,
   for ``AzureRealtimeVoiceAgent.connect()`` sessions and for
   ``AsyncOpenAI(...).realtime.connect()`` on the same emulator. Both connect with the same
   ``api-key`` header and the same ``session.update``.
b. **Per-event client overhead**: a stand-in WebSocket server in its own process (so it never
   shares the client's GIL) sends N pre-serialised ``response.output_audio.delta`` events of
   100 ms each, then ``response.done``; the client reads them all and decodes every audio piece
   (what a player must do). Wall time per event, ours vs the SDK's ``async for event in conn``.

Rounds alternate the contenders; the tables report medians and the ratio ours/SDK (< 1 is
faster than the raw SDK).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import openai

from langchain_azure_audio.realtime import (
    AzureRealtimeVoiceAgent,
    OutputAudio,
    ResponseDone,
    pcm16_frames,
    read_pcm16,
)

ROOT = Path(__file__).resolve().parent.parent
QUESTION = ROOT / "tests" / "data" / "weather_question.wav"
SILENCE = b"\x00" * 48 * 800

STANDIN = textwrap.dedent(
    """
    import asyncio, base64, json, sys
    from websockets.asyncio.server import serve

    N = int(sys.argv[1])
    DELTA = json.dumps({"type": "response.output_audio.delta", "event_id": "e", "response_id": "r",
        "item_id": "i", "output_index": 0, "content_index": 0,
        "delta": base64.b64encode(bytes(4800)).decode()})
    CREATED = json.dumps({"type": "session.created", "event_id": "e0",
        "session": {"id": "s", "type": "realtime", "object": "realtime.session",
                    "expires_at": 4102444800}})
    RESP = json.dumps({"type": "response.created", "event_id": "e1",
        "response": {"id": "r", "object": "realtime.response", "status": "in_progress"}})
    DONE = json.dumps({"type": "response.done", "event_id": "e2",
        "response": {"id": "r", "object": "realtime.response", "status": "completed",
                     "output": []}})

    async def handler(ws):
        await ws.send(CREATED)
        async for raw in ws:
            if json.loads(raw).get("type") == "response.create":
                await ws.send(RESP)
                for _ in range(N):
                    await ws.send(DELTA)
                await ws.send(DONE)

    async def main():
        async with serve(handler, "127.0.0.1", 0, max_size=None, compression=None) as server:
            print(server.sockets[0].getsockname()[1], flush=True)
            await asyncio.Future()

    asyncio.run(main())
    """
)


def session_config() -> dict[str, Any]:
    return {
        "type": "realtime",
        "output_modalities": ["audio"],
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "turn_detection": {"type": "server_vad"},
            },
            "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"},
        },
    }


def sdk_client(endpoint: str, key: str) -> tuple[openai.AsyncOpenAI, dict[str, Any]]:
    base = f"{endpoint}/openai/v1"
    client = openai.AsyncOpenAI(api_key="unused", base_url=base, websocket_base_url="ws" + base[4:])
    return client, {"api-key": key, "Authorization": openai.Omit()}


# -- a. latency ---------------------------------------------------------------------------------


async def latency_ours(agent: AzureRealtimeVoiceAgent, frames: list[bytes]) -> float:
    async with agent.connect() as session:
        for frame in frames:
            await session.send_audio(frame)
        end = time.perf_counter()
        await session.send_audio(SILENCE)
        async for event in session.events():
            if isinstance(event, OutputAudio):
                return time.perf_counter() - end
    raise RuntimeError("no audio")


async def latency_sdk(endpoint: str, key: str, frames: list[bytes]) -> float:
    client, headers = sdk_client(endpoint, key)
    async with client.realtime.connect(model="gpt-realtime", extra_headers=headers) as conn:
        await conn.session.update(session=session_config())  # type: ignore[arg-type]
        for frame in frames:
            await conn.input_audio_buffer.append(audio=base64.b64encode(frame).decode())
        end = time.perf_counter()
        await conn.input_audio_buffer.append(audio=base64.b64encode(SILENCE).decode())
        async for event in conn:
            if event.type == "response.output_audio.delta":
                return time.perf_counter() - end
    raise RuntimeError("no audio")


# -- b. per-event overhead ----------------------------------------------------------------------


async def events_ours(endpoint: str, n: int) -> float:
    agent = AzureRealtimeVoiceAgent(
        azure_endpoint=endpoint,
        api_key="bench-key",
        azure_deployment="gpt-realtime",
        input_transcription=None,
    )
    async with agent.connect() as session:
        await session.request_response()
        start = time.perf_counter()
        got = 0
        async for event in session.events():
            if isinstance(event, OutputAudio):
                got += len(event.audio)
            elif isinstance(event, ResponseDone):
                break
        elapsed = time.perf_counter() - start
    assert got == n * 4800, got
    return elapsed / n


async def events_sdk(endpoint: str, n: int) -> float:
    client, headers = sdk_client(endpoint, "bench-key")
    async with client.realtime.connect(model="gpt-realtime", extra_headers=headers) as conn:
        await conn.session.update(session=session_config())  # type: ignore[arg-type]
        await conn.response.create()
        start = time.perf_counter()
        got = 0
        async for event in conn:
            if event.type == "response.output_audio.delta":
                got += len(base64.b64decode(event.delta))
            elif event.type == "response.done":
                break
        elapsed = time.perf_counter() - start
    assert got == n * 4800, got
    return elapsed / n


def table(title: str, unit: str, ours: list[float], sdk: list[float], scale: float) -> str:
    mo, ms = statistics.median(ours), statistics.median(sdk)
    return (
        f"\n{title}\n"
        f"  {'contender':<34}{'median ' + unit:>16}{'rounds':>8}\n"
        f"  {'AzureRealtimeVoiceAgent session':<34}{mo * scale:>16.3f}{len(ours):>8}\n"
        f"  {'openai SDK realtime.connect()':<34}{ms * scale:>16.3f}{len(sdk):>8}\n"
        f"  ratio ours / SDK: {mo / ms:.2f}x"
    )


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--events", type=int, default=3000)
    args = parser.parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 6)
    n_events = 500 if args.quick else args.events

    # b. per-event overhead against the stand-in in its own process
    proc = subprocess.Popen(
        [sys.executable, "-c", STANDIN, str(n_events)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        endpoint = f"http://127.0.0.1:{port}"
        await events_ours(endpoint, n_events)  # warm-up
        await events_sdk(endpoint, n_events)
        ours_ev: list[float] = []
        sdk_ev: list[float] = []
        for r in range(rounds * 2):
            pair = [("ours", events_ours), ("sdk", events_sdk)]
            for name, fn in pair if r % 2 == 0 else reversed(pair):
                (ours_ev if name == "ours" else sdk_ev).append(await fn(endpoint, n_events))
    finally:
        proc.terminate()
        proc.wait()
    print(
        table(
            f"b. per-event client time ({n_events} audio deltas of 100 ms, decoded)",
            "us/event",
            ours_ev,
            sdk_ev,
            1e6,
        )
    )

    # a. latency on the emulator
    from langchain_azure_audio.emulator import Emulator

    frames = list(pcm16_frames(read_pcm16(QUESTION), frame_ms=20))
    async with Emulator() as emu:
        agent = AzureRealtimeVoiceAgent(
            azure_endpoint=emu.endpoint,
            api_key=emu.api_key,
            azure_deployment="gpt-realtime",
            input_transcription=None,
            session_config={"audio": {"input": {"turn_detection": {"type": "server_vad"}}}},
        )
        await latency_ours(agent, frames)  # warm the engines (model loads)
        await latency_sdk(emu.endpoint, emu.api_key, frames)
        ours_lat: list[float] = []
        sdk_lat: list[float] = []
        for r in range(rounds):
            if r % 2 == 0:
                ours_lat.append(await latency_ours(agent, frames))
                sdk_lat.append(await latency_sdk(emu.endpoint, emu.api_key, frames))
            else:
                sdk_lat.append(await latency_sdk(emu.endpoint, emu.api_key, frames))
                ours_lat.append(await latency_ours(agent, frames))
    print(
        table(
            "a. end of speech -> first audio delta (emulator: VAD, Whisper-free, Piper)",
            "ms",
            ours_lat,
            sdk_lat,
            1e3,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
