"""The conversation: ``conversation.item.create`` / ``retrieve`` / ``delete`` / ``truncate``.

Items are checked as the service checks them (``message`` with ``input_text`` / ``input_audio`` /
``output_text`` / ``output_audio`` parts, ``function_call``, ``function_call_output``) and put
after ``previous_item_id``. Truncating an assistant message cuts the audio it produced at
``audio_end_ms`` (cancelling its response if it is still speaking) and shortens its transcript in
proportion; past the audio's end it is refused with ``Audio content of Xms is already shorter
than Yms``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from langchain_azure_audio.emulator.realtime._core import Item, SessionCore
from langchain_azure_audio.emulator.realtime._protocol import (
    BYTES_PER_MS,
    RealtimeError,
    as_object,
    b64_audio,
    choice,
    new_id,
    pcm_ms,
)


class ConversationMixin(SessionCore):
    """The client's edits of the conversation."""

    def _find(self, event: Mapping[str, Any], message: str, action: str) -> int:
        """The index of the event's ``item_id`` (else the error of ``item_{action}``)."""
        index = self._index(event.get("item_id"))
        if index < 0:
            raise RealtimeError(
                message.format(event.get("item_id")),
                code=f"item_{action}_invalid_item_id",
                param="item_id",
            )
        return index

    async def _item_create(self, event: Mapping[str, Any]) -> None:
        data = dict(as_object(event.get("item"), "item"))
        previous = event.get("previous_item_id")
        if previous is not None and previous != "root" and self._index(previous) < 0:
            raise RealtimeError(
                f"Invalid 'previous_item_id': no item with id '{previous}' in the conversation.",
                param="previous_item_id",
            )
        data.setdefault("id", new_id("item"))
        if self._index(data["id"]) >= 0:
            raise RealtimeError(
                f"Item with id '{data['id']}' already exists.",
                code="item_already_exists",
                param="item.id",
            )
        data["object"] = "realtime.item"
        data.setdefault("status", "completed")
        kind = choice(
            data.get("type"), ["message", "function_call", "function_call_output"], "item.type"
        )
        pcm = b""
        if kind == "message":
            choice(data.get("role"), ["user", "assistant", "system"], "item.role")
            content = data.get("content")
            if not isinstance(content, list):
                raise RealtimeError(
                    "Missing required parameter: 'item.content'.", param="item.content"
                )
            parts = []
            for j, part in enumerate(content):
                part = dict(as_object(part, f"item.content[{j}]"))
                ptype = part.get("type")
                if ptype == "input_audio":
                    pcm += b64_audio(str(part.pop("audio", "")), f"item.content[{j}].audio")
                    part.setdefault("transcript", None)
                elif ptype not in ("input_text", "output_text", "text", "output_audio"):
                    raise RealtimeError(
                        f"Invalid value: '{ptype}'. Supported values are: 'input_text', "
                        "'input_audio', 'output_text' and 'output_audio'.",
                        param=f"item.content[{j}].type",
                    )
                parts.append(part)
            data["content"] = parts
        elif kind == "function_call_output":
            if not isinstance(data.get("call_id"), str) or not isinstance(data.get("output"), str):
                raise RealtimeError(
                    "A function_call_output item needs 'call_id' and 'output' (strings).",
                    code="missing_required_parameter",
                    param="item.call_id",
                )
        else:
            if not isinstance(data.get("name"), str):
                raise RealtimeError(
                    "Missing required parameter: 'item.name'.",
                    code="missing_required_parameter",
                    param="item.name",
                )
            data.setdefault("call_id", new_id("call"))
            data.setdefault("arguments", "")
        await self._add_item(Item(data, pcm=pcm), previous)

    async def _item_retrieve(self, event: Mapping[str, Any]) -> None:
        index = self._find(event, "Item with item_id '{}' not found.", "retrieve")
        await self.send({"type": "conversation.item.retrieved", "item": self.items[index].data})

    async def _item_delete(self, event: Mapping[str, Any]) -> None:
        item_id = event.get("item_id")
        index = self._find(
            event, "Error deleting item: the item with id '{}' does not exist.", "delete"
        )
        del self.items[index]
        await self.send({"type": "conversation.item.deleted", "item_id": item_id})

    async def _item_truncate(self, event: Mapping[str, Any]) -> None:
        item_id = event.get("item_id")
        index = self._find(event, "Item with item_id '{}' not found.", "truncate")
        item = self.items[index]
        if item.data.get("role") != "assistant" or item.data.get("type") != "message":
            raise RealtimeError("Only assistant message items can be truncated.", param="item_id")
        if event.get("content_index", 0) != 0:
            raise RealtimeError(
                "Invalid 'content_index': only content index 0 holds audio.",
                param="content_index",
            )
        end = event.get("audio_end_ms")
        if isinstance(end, bool) or not isinstance(end, int) or end < 0:
            raise RealtimeError(
                "Invalid 'audio_end_ms': expected a non-negative integer.", param="audio_end_ms"
            )
        if self.active is not None and item in self.active.output:
            await self._cancel(self.active, "client_cancelled")
        have = pcm_ms(len(item.audio))
        if end > have:
            raise RealtimeError(
                f"Audio content of {have}ms is already shorter than {end}ms",
                param="audio_end_ms",
            )
        del item.audio[end * BYTES_PER_MS :]
        for part in item.data.get("content") or []:
            if part.get("type") == "output_audio" and have:
                words = str(part.get("transcript") or "").split()
                keep = math.ceil(len(words) * end / have) if have else 0
                part["transcript"] = " ".join(words[:keep])
        await self.send(
            {
                "type": "conversation.item.truncated",
                "item_id": item_id,
                "content_index": 0,
                "audio_end_ms": end,
            }
        )
