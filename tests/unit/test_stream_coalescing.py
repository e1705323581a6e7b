"""Streamed audio pieces are merged only while the reply runs ahead of real-time playback.

Summing LangChain chunks copies the growing base64 string once per chunk (``stream()`` itself
sums them for its callbacks), so a fast reply is delivered in a few large chunks; a reply that
arrives at speaking pace is passed through piece by piece, so a player never waits on us.
"""

from __future__ import annotations

import base64
from typing import Any

from langchain_core.messages import AIMessageChunk

from langchain_azure_audio.messages import get_audio
from langchain_azure_audio.streaming import StreamAssembler
from tests.unit.conftest import audio_stream_events, make_pcm

PIECE = 4800  # 100 ms of 24 kHz pcm16


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _audio_chunks(chunks: list[AIMessageChunk]) -> list[bytes]:
    out = []
    for chunk in chunks:
        for block in chunk.content:
            if isinstance(block, dict) and block.get("type") == "audio" and block.get("base64"):
                out.append(base64.b64decode(block["base64"]))
    return out


def _run(events: list[dict[str, Any]], clock: _Clock, seconds_per_event: float) -> list[Any]:
    assembler = StreamAssembler(audio=True, clock=clock)
    chunks: list[AIMessageChunk] = []
    for event in events:
        chunks += assembler.feed_batch([event])
        clock.now += seconds_per_event
    return chunks


def _events(n: int) -> tuple[list[dict[str, Any]], bytes]:
    pieces = [make_pcm(PIECE + (i % 3), seed=i) for i in range(n)]
    return audio_stream_events(["Hello ", "there."], pieces), b"".join(pieces)


def test_fast_reply_is_merged_into_few_chunks() -> None:
    events, pcm = _events(100)  # 10 s of audio arriving in an instant
    chunks = _run(events, _Clock(), seconds_per_event=0.0)
    audio = _audio_chunks(chunks)
    assert 3 <= len(audio) <= 20  # ramps up from the first piece, then up to 2 s per chunk
    assert len(audio[0]) <= PIECE + 2  # the first audio is never held
    assert max(len(a) for a in audio) <= 2 * 48_000 + PIECE + 6
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    got = get_audio(full)
    assert got is not None and got.data == pcm
    assert full.text == "Hello there."


def test_reply_at_speaking_pace_is_not_held() -> None:
    events, pcm = _events(30)
    # 100 ms of audio per event, arriving every 100 ms: never ahead of playback.
    chunks = _run(events, _Clock(), seconds_per_event=0.1)
    audio = _audio_chunks(chunks)
    assert len(audio) >= 30  # one chunk per piece (plus the 6-byte-group tail)
    assert b"".join(audio) == pcm


def test_hold_is_released_before_finish_and_usage() -> None:
    events, pcm = _events(40)
    chunks = _run(events, _Clock(), seconds_per_event=0.0)
    finish_at = next(i for i, c in enumerate(chunks) if c.response_metadata.get("finish_reason"))
    assert b"".join(_audio_chunks(chunks[: finish_at + 1])) == pcm
    assert chunks[-1].usage_metadata is not None
