"""The user's turns: the input audio buffer, server VAD, commits, and Whisper's transcripts.

Handles ``input_audio_buffer.append`` / ``commit`` / ``clear``. With turn detection on, every
appended piece goes through the session's :class:`~langchain_azure_audio.emulator.vad.TurnDetector`
(``server_vad`` with the session's threshold / padding / silence, ``semantic_vad`` as a silence
length per ``eagerness``): speech start sends ``input_audio_buffer.speech_started`` and interrupts
an active response (``interrupt_response``), speech end sends ``speech_stopped``, commits the turn
as a user audio item and starts a response (``create_response``). Every audio item is transcribed
once by Whisper in the background; the transcript becomes the item's ``transcript``, feeds the
responder, and is announced with ``conversation.item.input_audio_transcription.completed`` when
``audio.input.transcription`` is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from langchain_azure_audio.emulator.engines import OUTPUT_SAMPLE_RATE
from langchain_azure_audio.emulator.realtime._core import Item, SessionCore
from langchain_azure_audio.emulator.realtime._protocol import (
    BYTES_PER_MS,
    INPUT_AUDIO_TOKENS_PER_SECOND,
    MIN_COMMIT_MS,
    Closed,
    RealtimeError,
    b64_audio,
    new_id,
    pcm_ms,
)
from langchain_azure_audio.emulator.text import text_tokens
from langchain_azure_audio.emulator.vad import TurnDetector

EAGERNESS_SILENCE_MS = {"low": 1200, "medium": 700, "auto": 700, "high": 350}
"""``semantic_vad`` is emulated as server VAD with this silence length per ``eagerness``."""


class TurnsMixin(SessionCore):
    """The input audio buffer and the turns cut from it."""

    def _make_detector(self) -> TurnDetector | None:
        td = self.session["audio"]["input"]["turn_detection"]
        if td is None:
            return None
        if td["type"] == "semantic_vad":
            silence = EAGERNESS_SILENCE_MS[td.get("eagerness") or "auto"]
            return TurnDetector(threshold=0.5, prefix_padding_ms=300, silence_duration_ms=silence)
        return TurnDetector(
            threshold=float(td["threshold"]),
            prefix_padding_ms=int(td["prefix_padding_ms"]),
            silence_duration_ms=int(td["silence_duration_ms"]),
        )

    async def _append(self, event: Mapping[str, Any]) -> None:
        audio = event.get("audio")
        if not isinstance(audio, str):
            raise RealtimeError("Missing required parameter: 'audio'.", param="audio")
        pcm = b64_audio(audio, "audio")
        if len(pcm) % 2:
            pcm = pcm[:-1]
        self.buffer.extend(pcm)
        if self.detector is None:
            return
        for vad in await asyncio.to_thread(self.detector.feed, pcm):
            if vad.kind == "speech_started":
                await self.send(
                    {
                        "type": "input_audio_buffer.speech_started",
                        "audio_start_ms": vad.ms,
                        "item_id": self.pending_item_id,
                    }
                )
                td = self.session["audio"]["input"]["turn_detection"]
                if td and td.get("interrupt_response", True) and self.active is not None:
                    await self._cancel(self.active, "turn_detected")
            else:
                await self.send(
                    {
                        "type": "input_audio_buffer.speech_stopped",
                        "audio_end_ms": vad.ms,
                        "item_id": self.pending_item_id,
                    }
                )
                start = max(0, (self.detector.speech_start_ms - self.buffer_start_ms))
                end = max(start, vad.ms - self.buffer_start_ms)
                turn_audio = bytes(self.buffer[start * BYTES_PER_MS : end * BYTES_PER_MS])
                rest = bytes(self.buffer[end * BYTES_PER_MS :])
                self.buffer = bytearray(rest)
                self.buffer_start_ms = vad.ms
                await self._commit_audio(turn_audio)
                td = self.session["audio"]["input"]["turn_detection"]
                if td and td.get("create_response", True) and self.active is None:
                    await self._start_response({})

    async def _commit(self, event: Mapping[str, Any]) -> None:
        ms = pcm_ms(len(self.buffer))
        if ms < MIN_COMMIT_MS:
            raise RealtimeError(
                "Error committing input audio buffer: buffer too small. Expected at least "
                f"{MIN_COMMIT_MS}ms of audio, but buffer only has {ms:.2f}ms of audio.",
                code="input_audio_buffer_commit_empty",
            )
        audio = bytes(self.buffer)
        self._empty_buffer()
        await self._commit_audio(audio)

    def _empty_buffer(self) -> None:
        """Drop the buffered audio; the stream position (and the VAD's) moves past it."""
        self.buffer_start_ms = self.stream_ms
        self.buffer = bytearray()
        if self.detector is not None:
            self.detector.reset(self.buffer_start_ms)

    async def _clear(self, event: Mapping[str, Any]) -> None:
        self._empty_buffer()
        await self.send({"type": "input_audio_buffer.cleared"})

    async def _commit_audio(self, pcm: bytes) -> None:
        item_id, self.pending_item_id = self.pending_item_id, new_id("item")
        previous = self.items[-1].id if self.items else None
        await self.send(
            {
                "type": "input_audio_buffer.committed",
                "item_id": item_id,
                "previous_item_id": previous,
            }
        )
        item = Item(
            {
                "id": item_id,
                "object": "realtime.item",
                "type": "message",
                "role": "user",
                "status": "completed",
                "content": [{"type": "input_audio", "transcript": None}],
            },
            pcm=pcm,
        )
        await self._add_item(item, previous)

    def _transcribe(self, item: Item) -> asyncio.Future[str]:
        if item.transcript is None:
            item.transcript = self._spawn(self._run_transcription(item))
        return item.transcript

    async def _run_transcription(self, item: Item) -> str:
        result = await run_in_threadpool(
            self.state.engines.recognizer.transcribe, item.pcm, sample_rate=OUTPUT_SAMPLE_RATE
        )
        text = result.text
        for part in item.data.get("content") or []:
            if part.get("type") == "input_audio":
                part["transcript"] = text
        if self.session["audio"]["input"]["transcription"] is not None:
            audio_tokens = math.ceil(result.duration * INPUT_AUDIO_TOKENS_PER_SECOND)
            with contextlib.suppress(Closed):
                await self.send(
                    {
                        "type": "conversation.item.input_audio_transcription.completed",
                        "item_id": item.id,
                        "content_index": 0,
                        "transcript": text,
                        "usage": {
                            "type": "tokens",
                            "input_tokens": audio_tokens,
                            "input_token_details": {"text_tokens": 0, "audio_tokens": audio_tokens},
                            "output_tokens": text_tokens(text),
                            "total_tokens": audio_tokens + text_tokens(text),
                        },
                    }
                )
        return text
