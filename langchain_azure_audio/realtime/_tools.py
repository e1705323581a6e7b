"""Tools and LangChain callbacks of a realtime session.

Tools run as soon as their arguments are complete, concurrently (sync tools in a worker thread),
inside LangChain callbacks. Their outputs go back with their ``call_id`` and exactly one
``response.create`` follows, only after the previous ``response.done``; a tool that raises is
reported to the model as text and the session goes on. Every response is a chat-model run in the
callbacks, with its usage.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from typing import Any

from langchain_core.callbacks import AsyncCallbackManager
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, LLMResult

from langchain_azure_audio.realtime._state import _Call, _SessionCore, logger
from langchain_azure_audio.realtime.events import FunctionCallRequested, ToolFinished, ToolStarted

__all__: list[str] = []


class _ToolsMixin(_SessionCore):
    """Running the model's function calls and reporting runs to LangChain callbacks."""

    def _on_function_call(self, data: Mapping[str, Any]) -> None:
        call = _Call(
            call_id=data.get("call_id", ""),
            name=data.get("name", ""),
            arguments=data.get("arguments", "") or "{}",
            response_id=data.get("response_id"),
        )
        if call.call_id in self._calls:
            return
        self._history.append(
            {
                "type": "function_call",
                "call_id": call.call_id,
                "name": call.name,
                "arguments": call.arguments,
            }
        )
        if call.response_id:
            self._response_calls.setdefault(call.response_id, []).append(call.call_id)
        if not self._opts.execute_tools:
            self._queue.put_nowait(
                FunctionCallRequested(call.call_id, call.name, call.arguments, call.response_id)
            )
            return
        self._calls[call.call_id] = call
        call.task = self._spawn(self._run_tool(call))
        self._idle.clear()
        if call.response_id:
            self._spawn(self._answer_calls_after(call.response_id))

    async def _run_tool(self, call: _Call) -> str:
        started = time.perf_counter()
        tool = self._opts.tools.get(call.name)
        error: str | None = None
        artifact: Any = None
        try:
            args = json.loads(call.arguments or "{}")
            if not isinstance(args, dict):
                raise ValueError("the arguments are not a JSON object")
        except ValueError as exc:
            args = {}
            error = f"Invalid arguments for {call.name}: {exc}"
        self._queue.put_nowait(ToolStarted(call.call_id, call.name, args))
        if error is None and tool is None:
            error = f"Unknown tool {call.name!r}; available: {sorted(self._opts.tools)}."
        output = ""
        if error is None and tool is not None:
            try:
                # Sync tools run in a worker thread (BaseTool.ainvoke), async ones on the loop.
                result = await asyncio.wait_for(
                    tool.ainvoke(
                        {"type": "tool_call", "name": call.name, "args": args, "id": call.call_id},
                        config={"callbacks": self._opts.callbacks},
                    ),
                    self._opts.tool_timeout,
                )
                if isinstance(result, ToolMessage):
                    artifact = result.artifact
                    content = result.content
                    output = content if isinstance(content, str) else json.dumps(content)
                    if result.status == "error":
                        error = output
                else:
                    output = result if isinstance(result, str) else json.dumps(result, default=str)
            except asyncio.CancelledError:
                raise
            except asyncio.TimeoutError:
                error = f"Tool {call.name} timed out after {self._opts.tool_timeout} s."
            except Exception as exc:  # reported to the model; the session goes on
                logger.warning("tool %s raised %r", call.name, exc)
                error = f"Tool {call.name} failed: {type(exc).__name__}: {exc}"
        if error is not None and not output:
            output = f"Error: {error}"
        call.output = output
        self._queue.put_nowait(
            ToolFinished(
                call.call_id,
                call.name,
                output,
                error=error,
                duration_s=time.perf_counter() - started,
                artifact=artifact,
            )
        )
        return output

    async def _answer_calls_after(self, response_id: str) -> None:
        """Once the response is done and all its tools are: outputs, then one response.create."""
        done = self._response_done_events.setdefault(response_id, asyncio.Event())
        await done.wait()
        ids = self._response_calls.pop(response_id, None)
        if ids is None:
            return  # another task of the same response already answered
        calls = [self._calls[i] for i in ids if i in self._calls]
        await asyncio.gather(*(c.task for c in calls if c.task is not None), return_exceptions=True)
        for call in calls:
            item = {
                "type": "function_call_output",
                "call_id": call.call_id,
                "output": call.output or "",
            }
            await self._send({"type": "conversation.item.create", "item": item}, remember=item)
            del self._calls[call.call_id]
        await self.request_response()
        self._update_idle()

    async def _start_run(self, response_id: str) -> None:
        if not self._opts.callbacks:
            return
        name = self._opts.run_name
        try:
            manager = AsyncCallbackManager.configure(
                inheritable_callbacks=self._opts.callbacks,
                inheritable_metadata={
                    "ls_provider": "azure",
                    "ls_model_name": self._opts.model_name,
                    "ls_model_type": "chat",
                },
            )
            runs = await manager.on_chat_model_start(
                {"name": name, "id": ["langchain_azure_audio", "realtime", name]},
                [[HumanMessage(content=self._last_user_text)]],
                invocation_params={"model": self._opts.model_name, "response_id": response_id},
                name=name,
            )
        except Exception:  # a broken callback must not end the conversation
            logger.exception("a callback failed on response start")
            return
        if runs:
            self._runs[response_id] = runs[0]

    def _finish_run(self, response_id: str, usage: Any, status: str, transcript: str = "") -> None:
        run = self._runs.pop(response_id, None)
        if run is None:
            return
        message = AIMessage(
            content=transcript,
            usage_metadata=usage,
            response_metadata={
                "model_name": self._opts.model_name,
                "model_provider": "azure_openai",
                "status": status,
                "id": response_id,
            },
        )
        result = LLMResult(generations=[[ChatGeneration(message=message)]])
        self._spawn(run.on_llm_end(result))
