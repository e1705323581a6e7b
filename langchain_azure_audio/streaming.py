"""Streamed chat completions → ``AIMessageChunk`` objects (:class:`StreamAssembler`).

Audio arrives as separately base64-encoded pcm16 pieces. The assembler re-groups them into whole
6-byte groups (whole 16-bit samples *and* whole base64 quanta), so every chunk's base64 decodes on
its own and the summed chunks' base64 is one valid string, byte-identical to the service's audio.
Pieces that arrive ahead of real-time playback are merged into fewer chunks
(:meth:`StreamAssembler.feed_batch`), which keeps summing a stream linear.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessageChunk
from langchain_core.messages.tool import tool_call_chunk

from langchain_azure_audio.audio import PCM16_MIME_TYPE, PCM16_SAMPLE_RATE
from langchain_azure_audio.errors import AudioValidationError
from langchain_azure_audio.messages import response_metadata, usage_from_payload

__all__ = ["StreamAssembler"]

_PCM16_BYTES_PER_SECOND = PCM16_SAMPLE_RATE * 2


class StreamAssembler:
    """Turns streamed chat-completion chunks (raw JSON) into ``AIMessageChunk`` objects.

    Audio arrives as separately base64-encoded pcm16 pieces. Each piece is decoded and re-encoded
    in runs of whole 6-byte groups (whole 16-bit samples *and* whole base64 quanta), so every
    chunk's base64 is unpadded and the summed chunks' base64 is one valid string that decodes to
    exactly the audio the service sent.
    """

    _TEXT_INDEX = 0
    _AUDIO_INDEX = 1

    def __init__(self, *, audio: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self.audio = audio
        self._remainder = b""
        self._audio_started = False
        self._audio_id: str | None = None
        self._clock = clock
        self._held_texts: list[str] = []
        self._held_datas: list[str] = []
        self._held_last: Mapping[str, Any] | None = None
        self._held_bytes = 0
        self._first_audio_at: float | None = None
        self._emitted_s = 0.0

    def _empty_content(self) -> str | list[str | dict[Any, Any]]:
        return [] if self.audio else ""

    def feed(self, payload: Mapping[str, Any]) -> AIMessageChunk | None:
        """One parsed SSE ``data`` object → a chunk (or ``None`` when it carries nothing)."""
        choices = payload.get("choices") or []
        usage = usage_from_payload(payload.get("usage"))
        if not choices:
            if usage is None and not payload.get("prompt_filter_results"):
                return None
            filters: dict[str, Any] = {}
            if payload.get("prompt_filter_results"):
                filters["prompt_filter_results"] = payload["prompt_filter_results"]
            return AIMessageChunk(
                content=self._empty_content(), usage_metadata=usage, response_metadata=filters
            )
        choice = choices[0]
        delta = choice.get("delta") or {}
        blocks: list[str | dict[Any, Any]] = []
        text_piece = delta.get("content")
        additional: dict[str, Any] = {}
        audio = delta.get("audio")
        if audio:
            transcript = audio.get("transcript")
            if not self._audio_started:
                # Open the text block first so summed chunks read text, then audio.
                blocks.append({"type": "text", "text": transcript or "", "index": self._TEXT_INDEX})
            elif transcript:
                blocks.append({"type": "text", "text": transcript, "index": self._TEXT_INDEX})
            audio_block = self._audio_piece(audio)
            if audio_block is not None:
                blocks.append(audio_block)
            legacy = {k: v for k, v in audio.items() if k in ("id", "transcript", "expires_at")}
            if audio_block is not None and audio_block.get("base64"):
                legacy["data"] = audio_block["base64"]
            if legacy:
                additional["audio"] = legacy
        if text_piece and self.audio:
            blocks.append({"type": "text", "text": text_piece, "index": self._TEXT_INDEX})
        finish = choice.get("finish_reason")
        if finish:
            tail = self._flush()
            if tail is not None:
                blocks.append(tail)
                additional.setdefault("audio", {})["data"] = tail["base64"]
        content: str | list[str | dict[Any, Any]] = blocks if self.audio else (text_piece or "")
        chunks = [
            tool_call_chunk(
                name=(tc.get("function") or {}).get("name"),
                args=(tc.get("function") or {}).get("arguments"),
                id=tc.get("id"),
                index=tc.get("index"),
            )
            for tc in delta.get("tool_calls") or []
        ]
        meta: dict[str, Any] = {}
        if finish:
            meta = response_metadata(payload, choice)
        return AIMessageChunk(
            content=content,
            additional_kwargs=additional,
            tool_call_chunks=chunks,
            response_metadata=meta,
            usage_metadata=usage,
            id=payload.get("id") or None,
        )

    def _audio_piece(self, audio: Mapping[str, Any]) -> dict[str, Any] | None:
        block: dict[str, Any] = {"type": "audio", "index": self._AUDIO_INDEX}
        if audio.get("id"):
            self._audio_id = audio["id"]
        if not self._audio_started and (audio.get("id") or audio.get("data")):
            self._audio_started = True
            block["mime_type"] = PCM16_MIME_TYPE
            if self._audio_id:
                block["id"] = self._audio_id
        if audio.get("expires_at") is not None:
            block["extras"] = {"expires_at": audio["expires_at"], "format": "pcm16"}
        data = audio.get("data")
        if data:
            encoded = self._regroup([data])
            if encoded:
                block["base64"] = encoded
        return block if len(block) > 2 else None

    def _regroup(self, pieces: Sequence[str]) -> str:
        """Decode base64 pieces (each padded on its own) and re-encode whole 6-byte groups."""
        # binascii directly: no ascii copy of each str piece, no slice copy of the joined bytes.
        try:
            raw = b"".join([self._remainder, *(binascii.a2b_base64(p) for p in pieces)])
        except (binascii.Error, ValueError) as exc:
            raise AudioValidationError(f"Corrupt base64 audio piece in stream: {exc}") from exc
        cut = len(raw) - len(raw) % 6
        self._remainder = raw[cut:]
        if not cut:
            return ""
        return binascii.b2a_base64(memoryview(raw)[:cut], newline=False).decode("ascii")

    def feed_batch(self, payloads: Sequence[Mapping[str, Any]]) -> list[AIMessageChunk]:
        """Events read together → as few chunks as carry them, without starving playback.

        Every consumer of a LangChain stream sums its chunks (``stream()`` itself does, for the
        callbacks), and each sum copies the growing base64 string: one chunk per service piece
        makes that quadratic. So pieces that only continue the audio (transcript and/or
        ``data``) are held and merged **only while the reply is ahead of real-time playback**
        by more than what is held plus :attr:`playback_margin_s` (time counted from the first
        audio chunk, as a player starting then would). A reply that arrives at speaking pace is
        passed through piece by piece; a fast one arrives in a few large chunks. Anything else
        (a finish, usage, tool calls) first releases what is held, so order is kept.
        """
        out: list[AIMessageChunk] = []
        for payload in payloads:
            piece = _continuation(payload) if self._audio_started else None
            if piece is None:
                held = self._release()
                if held is not None:
                    out.append(held)
                chunk = self.feed(payload)
                if chunk is not None:
                    out.append(chunk)
                    self._note_emitted(chunk)
                continue
            text, data = piece
            if text:
                self._held_texts.append(text)
            if data:
                self._held_datas.append(data)
                self._held_bytes += len(data) * 3 // 4
            self._held_last = payload
            if not self._may_hold():
                held = self._release()
                if held is not None:
                    out.append(held)
        return out

    playback_margin_s = 0.25
    """Audio is held back only while the reply leads real-time playback by more than this."""

    max_hold_s = 2.0
    """Never hold more than this much audio."""

    def _may_hold(self) -> bool:
        if self._first_audio_at is None:
            return False
        held_s = self._held_bytes / _PCM16_BYTES_PER_SECOND
        if held_s >= self.max_hold_s:
            return False
        lead = self._emitted_s - (self._clock() - self._first_audio_at)
        return lead > held_s + self.playback_margin_s

    def _note_emitted(self, chunk: AIMessageChunk) -> None:
        for block in chunk.content:
            if isinstance(block, dict) and block.get("type") == "audio" and block.get("base64"):
                if self._first_audio_at is None:
                    self._first_audio_at = self._clock()
                self._emitted_s += len(block["base64"]) * 3 / 4 / _PCM16_BYTES_PER_SECOND

    def _release(self) -> AIMessageChunk | None:
        if self._held_last is None:
            return None
        chunk = self._merged(self._held_texts, self._held_datas, self._held_last)
        self._held_texts, self._held_datas, self._held_last = [], [], None
        self._held_bytes = 0
        self._note_emitted(chunk)
        return chunk

    def _merged(
        self, texts: list[str], datas: list[str], last: Mapping[str, Any]
    ) -> AIMessageChunk:
        blocks: list[str | dict[Any, Any]] = []
        legacy: dict[str, Any] = {}
        if texts:
            transcript = "".join(texts)
            blocks.append({"type": "text", "text": transcript, "index": self._TEXT_INDEX})
            legacy["transcript"] = transcript
        encoded = self._regroup(datas) if datas else ""
        if encoded:
            blocks.append({"type": "audio", "index": self._AUDIO_INDEX, "base64": encoded})
            legacy["data"] = encoded
        return AIMessageChunk(
            content=blocks,
            additional_kwargs={"audio": legacy} if legacy else {},
            id=last.get("id") or None,
        )

    def _flush(self) -> dict[str, Any] | None:
        if not self._remainder:
            return None
        tail = self._remainder
        self._remainder = b""
        return {
            "type": "audio",
            "index": self._AUDIO_INDEX,
            "base64": base64.b64encode(tail).decode("ascii"),
        }


def _continuation(payload: Mapping[str, Any]) -> tuple[str | None, str | None] | None:
    """``(transcript, data)`` when an event only continues the audio reply, else ``None``."""
    choices = payload.get("choices")
    if not choices or len(choices) != 1 or payload.get("usage"):
        return None
    choice = choices[0]
    if choice.get("finish_reason"):
        return None
    delta = choice.get("delta") or {}
    audio = delta.get("audio")
    if not audio or not audio.keys() <= {"transcript", "data"}:
        return None
    if any(value is not None for key, value in delta.items() if key != "audio"):
        return None
    return audio.get("transcript"), audio.get("data")
