"""Realtime benchmark: this package's voice session vs the raw openai SDK's GA realtime client.

Run ``python bench/bench_realtime.py`` (about a minute) or ``--quick``. Every claim is a ratio
measured in this run (same machine, same moment, same server); absolute times are context.

a. **Latency**, on the local emulator (real server VAD and Piper) in its own process: a spoken
   question (tests/data/weather_question.wav, 20 ms frames of 24 kHz pcm16 sent in real time, as
   a microphone gives them, then 800 ms of silence) and the time from the end of the speech
   frames to the first ``response.output_audio.delta``, for ``AzureRealtimeVoiceAgent.connect()``
   sessions and for ``AsyncOpenAI(...).realtime.connect()`` on the same emulator. Both connect
   with the same ``api-key`` header and the same ``session.update``.
b. **Per-event client overhead**: a stand-in WebSocket server in its own process (so it never
   shares the client's GIL) sends N pre-serialised ``response.output_audio.delta`` events of
   100 ms each, then ``response.done``; the client reads them all and decodes every audio piece
   (what a player must do). Wall time per event, ours vs the SDK's ``async for event in conn``.

Rounds alternate the contenders; the tables report medians and the ratio ours/SDK (< 1 is
faster than the raw SDK).

Why (a) once read 0.41x, and why it no longer does: the first version ran the emulator in the
bench's own process and sent the frames as fast as possible. Two things made that unfair to the
SDK, neither of them latency. (1) The SDK's ``conn.input_audio_buffer.append(...)`` runs its
``async_transform`` of the event TypedDict on every call: about 2 ms of CPU per 20 ms frame here
(profiled: ~200 ms for the clip's ~100 frames; our session serialises the dict straight to JSON,
a few microseconds). (2) The in-process emulator's VAD, Whisper-free responder and Piper need the
same GIL, so every millisecond the SDK spends transforming events is a millisecond the server
does not spend working through the burst of frames it was sent; the backlog it still had at
"end of speech" was part of the measured "latency", and it was larger and noisier on the SDK's
side (e.g. ``speech_stopped`` arrived 435 ms after the last frame vs 53-231 ms for ours). With
the server in its own process and frames paced in real time (what a microphone or a phone line
does), no backlog exists at the end of speech and the number measures what it says: VAD's
silence, the response start and the first synthesized audio, plus each client's own reading
path. Measured that way the two are level (one full run: 17.3 ms vs 17.4 ms, 0.99x), within
issue 13's 1.2x; ``--pace 0`` sends the frames in one burst again (the backlog returns). Per
event (b.) we stay well below the SDK (0.37x in the same run): it builds a pydantic model for
every server event before the caller sees it, we parse the raw JSON once and decode audio only
when read.
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
from pydantic import SecretStr

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


EMULATOR = textwrap.dedent(
    """
    import asyncio, sys
    from langchain_azure_audio.emulator import Emulator

    async def main():
        async with Emulator() as emu:
            print(emu.endpoint, emu.api_key, flush=True)
            await asyncio.Future()

    asyncio.run(main())
    """
)


async def send_frames(send: Any, frames: list[bytes], pace: float) -> None:
    """Send frames as a microphone would (``pace=1``: real time; 0: as fast as possible)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    for i, frame in enumerate(frames):
        await send(frame)
        if pace:
            delay = start + (i + 1) * 0.020 / pace - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)


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


async def latency_ours(
    agent: AzureRealtimeVoiceAgent, frames: list[bytes], pace: float = 1.0
) -> float:
    async with agent.connect() as session:
        await send_frames(session.send_audio, frames, pace)
        end = time.perf_counter()
        await session.send_audio(SILENCE)
        async for event in session.events():
            if isinstance(event, OutputAudio):
                return time.perf_counter() - end
    raise RuntimeError("no audio")


async def latency_sdk(endpoint: str, key: str, frames: list[bytes], pace: float = 1.0) -> float:
    client, headers = sdk_client(endpoint, key)
    async with client.realtime.connect(model="gpt-realtime", extra_headers=headers) as conn:
        await conn.session.update(session=session_config())  # type: ignore[arg-type]

        async def append(frame: bytes) -> None:
            await conn.input_audio_buffer.append(audio=base64.b64encode(frame).decode())

        await send_frames(append, frames, pace)
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
        api_key=SecretStr("bench-key"),
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
    parser.add_argument(
        "--pace",
        type=float,
        default=1.0,
        help="speed of the spoken frames in (a): 1 = real time (default), 0 = a burst",
    )
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

    # a. latency on the emulator, in its own process (it never shares the client's GIL)
    frames = list(pcm16_frames(read_pcm16(QUESTION), frame_ms=20))
    emu_proc = subprocess.Popen([sys.executable, "-c", EMULATOR], stdout=subprocess.PIPE, text=True)
    try:
        assert emu_proc.stdout is not None
        endpoint, key = emu_proc.stdout.readline().split()
        agent = AzureRealtimeVoiceAgent(
            azure_endpoint=endpoint,
            api_key=SecretStr(key),
            azure_deployment="gpt-realtime",
            input_transcription=None,
            session_config={"audio": {"input": {"turn_detection": {"type": "server_vad"}}}},
        )
        pace = args.pace
        await latency_ours(agent, frames, pace)  # warm the engines (model loads)
        await latency_sdk(endpoint, key, frames, pace)
        ours_lat: list[float] = []
        sdk_lat: list[float] = []
        for r in range(rounds):
            if r % 2 == 0:
                ours_lat.append(await latency_ours(agent, frames, pace))
                sdk_lat.append(await latency_sdk(endpoint, key, frames, pace))
            else:
                sdk_lat.append(await latency_sdk(endpoint, key, frames, pace))
                ours_lat.append(await latency_ours(agent, frames, pace))
    finally:
        emu_proc.terminate()
        emu_proc.wait()
    print(
        table(
            f"a. end of speech -> first audio delta (emulator process: VAD, Piper; "
            f"pace {args.pace:g})",
            "ms",
            ours_lat,
            sdk_lat,
            1e3,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
