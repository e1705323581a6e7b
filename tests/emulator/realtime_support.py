"""A small raw WebSocket client for the realtime tests (exact control over every event)."""

from __future__ import annotations

import asyncio
import base64
import json
import wave
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from openai.types.realtime import RealtimeFunctionToolParam
from websockets.asyncio.client import ClientConnection, connect

from langchain_azure_audio.audio_codecs import resample_pcm16
from langchain_azure_audio.emulator import Emulator

DATA = Path(__file__).resolve().parent.parent / "data"
RATE = 24000
FRAME_BYTES = RATE * 2 // 50  # 20 ms of 24 kHz pcm16

WEATHER_TOOL: RealtimeFunctionToolParam = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather of a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def wav_pcm24k(name: str) -> bytes:
    """A test clip as 24 kHz mono pcm16."""
    with wave.open(str(DATA / name)) as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2
        rate = w.getframerate()
        pcm = w.readframes(w.getnframes())
    return pcm if rate == RATE else resample_pcm16(pcm, rate, RATE)


def silence(ms: int) -> bytes:
    return b"\x00\x00" * (RATE * ms // 1000)


def frames(pcm: bytes, size: int = FRAME_BYTES) -> list[bytes]:
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


class Client:
    """Send client events, read server events (kept in ``seen``)."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.seen: list[dict[str, Any]] = []

    async def send(self, type: str, **fields: Any) -> None:
        await self.ws.send(json.dumps({"type": type, **fields}))

    async def append(self, pcm: bytes) -> None:
        await self.send("input_audio_buffer.append", audio=base64.b64encode(pcm).decode())

    async def recv(self, timeout: float = 60) -> dict[str, Any]:
        event: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        self.seen.append(event)
        return event

    async def until(self, type: str, timeout: float = 60) -> list[dict[str, Any]]:
        """Events up to and including the first of ``type``."""
        got: list[dict[str, Any]] = []
        while True:
            event = await self.recv(timeout)
            got.append(event)
            if event["type"] == type:
                return got

    async def update(self, **session: Any) -> dict[str, Any]:
        await self.send("session.update", session={"type": "realtime", **session})
        events = await self.until("session.updated")
        updated: dict[str, Any] = events[-1]["session"]
        return updated


@asynccontextmanager
async def realtime(
    emu: Emulator,
    model: str = "gpt-realtime",
    headers: Mapping[str, str] | None = None,
    query: str = "",
) -> AsyncIterator[Client]:
    url = f"{emu.realtime_url}?model={model}{query}"
    hdrs = {"api-key": emu.api_key} if headers is None else dict(headers)
    async with connect(url, additional_headers=hdrs, max_size=None) as ws:
        client = Client(ws)
        created = await client.recv()
        assert created["type"] == "session.created"
        yield client


def audio_of(events: list[dict[str, Any]]) -> bytes:
    return b"".join(
        base64.b64decode(e["delta"]) for e in events if e["type"] == "response.output_audio.delta"
    )


def of_type(events: list[dict[str, Any]], type: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == type]
