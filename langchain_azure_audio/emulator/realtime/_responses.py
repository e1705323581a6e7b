"""Responses: ``response.create`` / ``response.cancel``, what the responder is asked, how it ends.

:meth:`ResponsesMixin._start_response` announces ``response.created`` and runs the response as a
task: the conversation (or the response's own ``input``) becomes a responder
:class:`~langchain_azure_audio.emulator.responder.Turn` (the last user words, Whisper's transcript
for audio, the tool results since), the scripted responder answers, and :mod:`._output` streams
the function calls or the message. Every response ends with ``response.done``: ``completed``,
``incomplete`` (``max_output_tokens``, or the ``content_filter`` fault), ``cancelled``
(``response.cancel``, a truncation, or the user speaking: ``turn_detected``) or ``failed`` (the
``500``/``503``/``429`` faults, an internal error), with the usage the service reports (the
previous response's input counted as cached). Response faults are taken here: the handshake's
``x-emulator-fault`` first, then the queue's ``realtime`` faults; ``slow_first_byte`` delays the
first delta, ``cut_stream`` is carried out by :mod:`._output`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from langchain_azure_audio.emulator.faults import Fault
from langchain_azure_audio.emulator.realtime._core import Item, ResponseState, SessionCore
from langchain_azure_audio.emulator.realtime._protocol import (
    ACTIVE_RESPONSE,
    INPUT_AUDIO_TOKENS_PER_SECOND,
    OUTPUT_AUDIO_TOKENS_PER_SECOND,
    PCM_FORMAT,
    RESPONSE_FIELDS,
    Closed,
    CutStream,
    RealtimeError,
    as_object,
    audio_tokens,
    check_keys,
    choice,
    new_id,
    rate_limit_error,
    server_error,
)
from langchain_azure_audio.emulator.realtime._session import (
    check_max_tokens,
    check_modalities,
    check_tool_choice,
    check_tools,
)
from langchain_azure_audio.emulator.responder import Reply, ToolResult, Turn
from langchain_azure_audio.emulator.text import text_tokens

logger = logging.getLogger("langchain_azure_audio.emulator")


def _user_text(item: Item) -> list[str]:
    """The words of an item: its text parts and its audio parts' transcripts."""
    parts: list[str] = []
    for part in item.data.get("content") or []:
        if part.get("type") in ("input_text", "text", "output_text"):
            parts.append(str(part.get("text") or ""))
        elif part.get("type") in ("input_audio", "output_audio", "audio") and part.get(
            "transcript"
        ):
            parts.append(str(part["transcript"]))
    return parts


def _chat_tools(tools: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Realtime tools (flat) in the Chat Completions shape the responder reads."""
    return [
        {
            "type": "function",
            "function": {
                "name": t.get("name"),
                "description": t.get("description", ""),
                "parameters": t.get("parameters") or {},
            },
        }
        for t in tools
        if t.get("type") == "function"
    ]


def _chat_tool_choice(value: Any) -> Any:
    """A realtime ``tool_choice`` in the Chat Completions shape."""
    if isinstance(value, Mapping):
        return {"type": "function", "function": {"name": value.get("name")}}
    return value


class ResponsesMixin(SessionCore):
    """The life of a response, from ``response.create`` to ``response.done``."""

    async def _response_create(self, event: Mapping[str, Any]) -> None:
        params = dict(as_object(event.get("response") or {}, "response"))
        check_keys(params, RESPONSE_FIELDS, "response")
        if self.active is not None:
            raise RealtimeError(
                ACTIVE_RESPONSE.format(id=self.active.id),
                code="conversation_already_has_active_response",
            )
        if "output_modalities" in params:
            check_modalities(params["output_modalities"], "response.output_modalities")
        if "tools" in params:
            params["tools"] = check_tools(params["tools"], "response.tools")
        if "tool_choice" in params:
            params["tool_choice"] = check_tool_choice(params["tool_choice"], "response.tool_choice")
        if "max_output_tokens" in params:
            check_max_tokens(params["max_output_tokens"], "response.max_output_tokens")
        if "conversation" in params:
            choice(params["conversation"], ["auto", "none"], "response.conversation")
        await self._start_response(params)

    async def _response_cancel(self, event: Mapping[str, Any]) -> None:
        wanted = event.get("response_id")
        if self.active is None or (wanted is not None and wanted != self.active.id):
            raise RealtimeError(
                "Cancellation failed: no active response found", code="response_cancel_not_active"
            )
        await self._cancel(self.active, "client_cancelled")

    async def _cancel(self, response: ResponseState, reason: str) -> None:
        response.cancel_reason = reason
        if response.task is not None and not response.task.done():
            response.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Closed):
                await response.task

    def _response_object(self, response: ResponseState, status: str) -> dict[str, Any]:
        p = response.params
        return {
            "object": "realtime.response",
            "id": response.id,
            "status": status,
            "status_details": None,
            "output": [item.data for item in response.output],
            "conversation_id": "auto" if p.get("conversation", "auto") == "auto" else None,
            "output_modalities": p.get("output_modalities", self.session["output_modalities"]),
            "max_output_tokens": p.get("max_output_tokens", self.session["max_output_tokens"]),
            "audio": {
                "output": {
                    "format": dict(PCM_FORMAT),
                    "voice": self.session["audio"]["output"]["voice"],
                }
            },
            "metadata": p.get("metadata"),
            "usage": None,
        }

    def _take_fault(self) -> Fault | None:
        if self.first_fault is not None:
            fault, self.first_fault = self.first_fault, None
            return fault
        return self.state.faults.take("realtime")

    async def _start_response(self, params: dict[str, Any]) -> None:
        response = ResponseState(new_id("resp"), params)
        response.fault = self._take_fault()
        self.active = response
        await self.send(
            {"type": "response.created", "response": self._response_object(response, "in_progress")}
        )
        response.task = self._spawn(self._run_response(response))

    async def _context(self, response: ResponseState) -> tuple[list[Item], str, list[ToolResult]]:
        p = response.params
        items = list(self.items) if p.get("conversation", "auto") == "auto" else []
        for extra in p.get("input") or []:
            if isinstance(extra, Mapping) and extra.get("type") == "item_reference":
                index = self._index(extra.get("id"))
                if index >= 0:
                    items.append(self.items[index])
            elif isinstance(extra, Mapping):
                items.append(Item(dict(extra)))
        for item in items:
            if item.pcm:
                await self._transcribe(item)
        names = {
            str(it.data.get("call_id")): str(it.data.get("name"))
            for it in items
            if it.data.get("type") == "function_call"
        }
        results: list[ToolResult] = []
        for item in reversed(items):
            kind = item.data.get("type")
            if kind == "function_call_output":
                call_id = str(item.data.get("call_id"))
                results.insert(
                    0,
                    ToolResult(
                        name=names.get(call_id, "unknown"),
                        content=str(item.data.get("output")),
                        tool_call_id=call_id,
                    ),
                )
            elif kind != "function_call":
                break
        heard = ""
        for item in reversed(items):
            if item.data.get("type") == "message" and item.data.get("role") == "user":
                heard = " ".join(t.strip() for t in _user_text(item) if t.strip())
                break
        return items, heard, results

    def _usage(self, items: list[Item], response: ResponseState) -> dict[str, Any]:
        text_in = text_tokens(
            str(response.params.get("instructions") or self.session["instructions"])
        )
        audio_in = 0
        for item in items:
            if item in response.output:
                continue
            if item.pcm:
                audio_in += audio_tokens(len(item.pcm), INPUT_AUDIO_TOKENS_PER_SECOND)
            elif item.audio:
                audio_in += audio_tokens(len(item.audio), INPUT_AUDIO_TOKENS_PER_SECOND)
            else:
                text_in += sum(text_tokens(t) for t in _user_text(item))
            text_in += text_tokens(str(item.data.get("arguments") or ""))
            text_in += text_tokens(str(item.data.get("output") or ""))
        text_out = audio_out = 0
        for item in response.output:
            text_out += sum(text_tokens(t) for t in _user_text(item))
            text_out += text_tokens(str(item.data.get("arguments") or ""))
            audio_out += audio_tokens(len(item.audio), OUTPUT_AUDIO_TOKENS_PER_SECOND)
        # The conversation so far is a cached prefix of this one.
        cached_text = min(self._last_input[0], text_in)
        cached_audio = min(self._last_input[1], audio_in)
        self._last_input = (text_in, audio_in)
        total_in, total_out = text_in + audio_in, text_out + audio_out
        return {
            "total_tokens": total_in + total_out,
            "input_tokens": total_in,
            "output_tokens": total_out,
            "input_token_details": {
                "text_tokens": text_in,
                "audio_tokens": audio_in,
                "image_tokens": 0,
                "cached_tokens": cached_text + cached_audio,
                "cached_tokens_details": {
                    "text_tokens": cached_text,
                    "audio_tokens": cached_audio,
                    "image_tokens": 0,
                },
            },
            "output_token_details": {"text_tokens": text_out, "audio_tokens": audio_out},
        }

    async def _run_response(self, response: ResponseState) -> None:
        status = "completed"
        details: dict[str, Any] | None = None
        items: list[Item] = []
        try:
            items, heard, results = await self._context(response)
            p = response.params
            tools = p.get("tools", self.session["tools"])
            turn = Turn(
                heard=heard,
                tools=_chat_tools(tools),
                tool_choice=_chat_tool_choice(p.get("tool_choice", self.session["tool_choice"])),
                parallel_tool_calls=p.get(
                    "parallel_tool_calls", self.session.get("parallel_tool_calls", True)
                )
                is not False,
                tool_results=results,
            )
            reply: Reply = await run_in_threadpool(self.state.config.responder.respond, turn)
            fault = response.fault
            if fault is not None:
                logger.info("Injecting realtime fault %s", fault.kind)
                if fault.kind == "slow_first_byte":
                    await asyncio.sleep(fault.delay_ms / 1000)
                elif fault.kind == "content_filter":
                    status = "incomplete"
                    details = {"type": "incomplete", "reason": "content_filter"}
                    return
                elif fault.status is not None:
                    status, details = await self._fail(fault)
                    return
            if reply.tool_calls:
                for call in reply.tool_calls:
                    await self._function_call(response, call.name, call.arguments_json())
            else:
                status, details = await self._message(response, reply.text or "")
        except asyncio.CancelledError:
            status = "cancelled"
            details = {"type": "cancelled", "reason": response.cancel_reason}
            for item in response.output:
                if item.data.get("status") == "in_progress":
                    item.data["status"] = "incomplete"
        except CutStream:
            logger.info("cut_stream fault: dropping the realtime socket mid-response")
            self.closed = True
            with contextlib.suppress(Exception):
                await self.ws.close(code=1011)
            return
        except Closed:
            return
        except Exception:
            logger.exception("The emulator failed to produce a realtime response")
            status = "failed"
            details = {
                "type": "failed",
                "error": {"type": "server_error", "code": None, "message": "Internal error."},
            }
            with contextlib.suppress(Closed):
                await self.send_error(server_error(), None)
        finally:
            if self.active is response:
                self.active = None
            if not self.closed:
                resp = self._response_object(response, status)
                resp["status_details"] = details
                resp["usage"] = self._usage(items, response)
                with contextlib.suppress(Closed):
                    await self.send({"type": "response.done", "response": resp})

    async def _fail(self, fault: Fault) -> tuple[str, dict[str, Any]]:
        error = rate_limit_error() if fault.status == 429 else server_error()
        await self.send_error(error, None)
        return "failed", {
            "type": "failed",
            "error": {"type": error.type, "code": error.code, "message": error.message},
        }
