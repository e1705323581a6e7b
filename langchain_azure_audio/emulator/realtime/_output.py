"""What a response outputs: function calls, and the message as text or as Piper's paced audio.

Each output item is announced (``response.output_item.added``, ``conversation.item.added``),
streamed and closed (``conversation.item.done``, ``response.output_item.done``). A function call
streams its arguments in 16-character ``response.function_call_arguments.delta`` pieces. A text
message streams word pieces as ``response.output_text.delta``; an audio message is spoken by
Piper in the session's voice and speed and sent as ~100 ms ``response.output_audio.delta``
pieces, paced in real time when ``EmulatorConfig.realtime_pace`` is on, with the transcript's
words spread over them (``response.output_audio_transcript.delta``). Once audio was produced the
voice is locked (``cannot_update_voice``). ``max_output_tokens`` cuts the text and ends the
response ``incomplete``; the ``cut_stream`` fault drops the socket half-way.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from langchain_azure_audio.emulator.realtime._core import Item, ResponseState, SessionCore
from langchain_azure_audio.emulator.realtime._protocol import (
    BYTES_PER_MS,
    DELTA_BYTES,
    CutStream,
    new_id,
)
from langchain_azure_audio.emulator.text import truncate_to_tokens, word_pieces


class OutputMixin(SessionCore):
    """The output items of a response, streamed as the service streams them."""

    async def _new_output(self, response: ResponseState, data: dict[str, Any]) -> Item:
        item = Item(data)
        response.output.append(item)
        previous = self.items[-1].id if self.items else None
        if response.params.get("conversation", "auto") == "auto":
            self.items.append(item)
        index = len(response.output) - 1
        await self.send(
            {
                "type": "response.output_item.added",
                "response_id": response.id,
                "output_index": index,
                "item": data,
            }
        )
        await self.send(
            {"type": "conversation.item.added", "previous_item_id": previous, "item": data}
        )
        return item

    async def _finish_output(self, response: ResponseState, item: Item) -> None:
        item.data["status"] = "completed"
        index = response.output.index(item)
        previous = self.items[self._index(item.id) - 1].id if self._index(item.id) > 0 else None
        await self.send(
            {"type": "conversation.item.done", "previous_item_id": previous, "item": item.data}
        )
        await self.send(
            {
                "type": "response.output_item.done",
                "response_id": response.id,
                "output_index": index,
                "item": item.data,
            }
        )

    def _maybe_cut(self, response: ResponseState) -> None:
        if response.fault is not None and response.fault.kind == "cut_stream":
            raise CutStream

    async def _function_call(self, response: ResponseState, name: str, arguments: str) -> None:
        call_id = new_id("call")
        item = await self._new_output(
            response,
            {
                "id": new_id("item"),
                "object": "realtime.item",
                "type": "function_call",
                "status": "in_progress",
                "name": name,
                "call_id": call_id,
                "arguments": "",
            },
        )
        where = {
            "response_id": response.id,
            "item_id": item.id,
            "output_index": len(response.output) - 1,
        }
        for start in range(0, len(arguments), 16):
            await self.send(
                {
                    "type": "response.function_call_arguments.delta",
                    **where,
                    "call_id": call_id,
                    "delta": arguments[start : start + 16],
                }
            )
            self._maybe_cut(response)
        item.data["arguments"] = arguments
        await self.send(
            {
                "type": "response.function_call_arguments.done",
                **where,
                "call_id": call_id,
                "name": name,
                "arguments": arguments,
            }
        )
        await self._finish_output(response, item)

    async def _message(
        self, response: ResponseState, text: str
    ) -> tuple[str, dict[str, Any] | None]:
        p = response.params
        limit = p.get("max_output_tokens", self.session["max_output_tokens"])
        text, truncated = truncate_to_tokens(text, None if limit == "inf" else int(limit))
        audio_out = p.get("output_modalities", self.session["output_modalities"]) == ["audio"]
        item = await self._new_output(
            response,
            {
                "id": new_id("item"),
                "object": "realtime.item",
                "type": "message",
                "role": "assistant",
                "status": "in_progress",
                "content": [],
            },
        )
        where = {
            "response_id": response.id,
            "item_id": item.id,
            "output_index": len(response.output) - 1,
            "content_index": 0,
        }
        part: dict[str, Any] = (
            {"type": "output_audio", "transcript": ""}
            if audio_out
            else {"type": "output_text", "text": ""}
        )
        item.data["content"].append(part)
        wire_part = (
            {"type": "audio", "transcript": ""} if audio_out else {"type": "text", "text": ""}
        )
        await self.send({"type": "response.content_part.added", **where, "part": wire_part})
        words = word_pieces(text)
        if audio_out:
            output = self.session["audio"]["output"]
            voice = (p.get("audio") or {}).get("output", {}).get("voice") or output["voice"]
            pcm = await run_in_threadpool(
                self.state.engines.synthesizer.synthesize,
                text,
                voice=voice,
                speed=float(output.get("speed") or 1.0),
            )
            self.voice_locked = True
            await self._stream_audio(response, item, part, where, pcm, words)
            part["transcript"] = text
            await self.send({"type": "response.output_audio.done", **where})
            await self.send(
                {"type": "response.output_audio_transcript.done", **where, "transcript": text}
            )
            wire_part = {"type": "audio", "transcript": text}
        else:
            for i, piece in enumerate(words):
                part["text"] += piece
                await self.send({"type": "response.output_text.delta", **where, "delta": piece})
                if i == len(words) // 2:
                    self._maybe_cut(response)
                await asyncio.sleep(0)
            part["text"] = text
            await self.send({"type": "response.output_text.done", **where, "text": text})
            wire_part = {"type": "text", "text": text}
        await self.send({"type": "response.content_part.done", **where, "part": wire_part})
        await self._finish_output(response, item)
        if truncated:
            return "incomplete", {"type": "incomplete", "reason": "max_output_tokens"}
        return "completed", None

    async def _stream_audio(
        self,
        response: ResponseState,
        item: Item,
        part: dict[str, Any],
        where: Mapping[str, Any],
        pcm: bytes,
        words: list[str],
    ) -> None:
        chunks = [pcm[i : i + DELTA_BYTES] for i in range(0, len(pcm), DELTA_BYTES)]
        # Spread the transcript over the audio: word k goes with chunk k * n_chunks / n_words.
        per_chunk: list[list[str]] = [[] for _ in chunks] or [[]]
        for k, word in enumerate(words):
            per_chunk[min(len(per_chunk) - 1, k * len(per_chunk) // max(1, len(words)))].append(
                word
            )
        pace = self.state.config.realtime_pace
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        half = len(chunks) // 2
        for k, chunk in enumerate(chunks or [b""]):
            for word in per_chunk[k]:
                part["transcript"] += word
                await self.send(
                    {"type": "response.output_audio_transcript.delta", **where, "delta": word}
                )
            if chunk:
                if pace:
                    delay = t0 + k * (DELTA_BYTES / BYTES_PER_MS / 1000) - loop.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                item.audio.extend(chunk)
                await self.send(
                    {
                        "type": "response.output_audio.delta",
                        **where,
                        "delta": base64.b64encode(chunk).decode("ascii"),
                    }
                )
            if k == half:
                self._maybe_cut(response)
            await asyncio.sleep(0)
