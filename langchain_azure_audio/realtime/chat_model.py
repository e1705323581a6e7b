"""``AzureRealtimeChatModel``: a gpt-realtime deployment as a LangChain chat model."""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import logging
import queue
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Literal, TypeVar

import httpx2
import openai
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from pydantic import ConfigDict, Field, model_validator

from langchain_azure_audio import fastjson
from langchain_azure_audio.audio import block_bytes, pcm16_to_wav
from langchain_azure_audio.chat_base import AzureChatPlumbing, check_modalities, format_tools
from langchain_azure_audio.errors import (
    AzureAudioServiceError,
    StreamInterruptedError,
    UnsupportedOptionError,
    from_openai_error,
)
from langchain_azure_audio.messages import message_from_completion
from langchain_azure_audio.realtime._audio import to_session_pcm16
from langchain_azure_audio.realtime.events import (
    FunctionCallRequested,
    OutputAudio,
    OutputTranscriptDelta,
    OutputTranscriptDone,
    RealtimeEvent,
    ResponseDone,
    ServiceError,
)
from langchain_azure_audio.realtime.session import SessionOptions, chat_usage
from langchain_azure_audio.realtime.settings import RealtimeSettings, realtime_tool_spec
from langchain_azure_audio.streaming import StreamAssembler

__all__ = ["AzureRealtimeChatModel"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
_IGNORED_KWARGS = ("ls_structured_output_format", "stream_usage")


class AzureRealtimeChatModel(AzureChatPlumbing, BaseChatModel, RealtimeSettings):
    """A gpt-realtime / gpt-realtime-mini deployment as a LangChain chat model.

    Each call opens a GA realtime session, adds the messages as conversation items (text, audio,
    earlier answers, tool calls and results), asks for one response and closes. The reply has
    the same shape as :class:`~langchain_azure_audio.AzureAudioChatModel`'s: a text block (the
    transcript) and a standard audio block (pcm16 24 kHz, or wav), ``usage_metadata`` with audio
    token details; ``stream`` yields transcript and audio pieces; ``bind_tools`` returns tool calls
    (the caller runs them). For a live, duplex conversation use
    :class:`~langchain_azure_audio.realtime.AzureRealtimeVoiceAgent`.

    Setup:
        .. code-block:: bash

            pip install "langchain-azure-audio[realtime]"
            export AZURE_OPENAI_ENDPOINT="https://<resource>.openai.azure.com"
            export AZURE_OPENAI_API_KEY="..."

    Key init args:
        azure_deployment: The realtime deployment (default ``"gpt-realtime"``).
        voice: ``"marin"`` (default) or another voice of the family.
        modalities: ``["text", "audio"]`` (default: speech and its transcript) or ``["text"]``.
        audio_format: ``"pcm16"`` (default) or ``"wav"`` for ``invoke``'s audio block.
        instructions: System instructions (``SystemMessage`` content is added to them).

    Instantiate:
        .. code-block:: python

            from langchain_azure_audio.realtime import AzureRealtimeChatModel

            model = AzureRealtimeChatModel(azure_deployment="gpt-realtime", voice="marin")

    Invoke:
        .. code-block:: python

            reply = model.invoke("Say hello in five words.")
            reply.text                         # the transcript
            save_audio(reply, "hello.wav")     # the speech

    Stream:
        .. code-block:: python

            full = None
            for chunk in model.stream("Tell me a short story."):
                full = chunk if full is None else full + chunk
            save_audio(full, "story.wav")

    Tool calling:
        .. code-block:: python

            def get_weather(city: str) -> str:
                \"\"\"Weather of a city.\"\"\"
                return "sunny"

            reply = model.bind_tools([get_weather]).invoke("What is the weather in Paris?")
            reply.tool_calls  # [{"name": "get_weather", "args": {"city": "Paris"}, ...}]
    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    modalities: list[Literal["text", "audio"]] = Field(
        default_factory=lambda: list[Literal["text", "audio"]](["text", "audio"])
    )
    """``["text", "audio"]`` (speech with its transcript) or ``["text"]``."""

    audio_format: Literal["pcm16", "wav"] = "pcm16"
    """Format of the audio block ``invoke`` returns (streams always carry pcm16)."""

    input_transcription: str | None = None
    """Not needed for one-shot calls (the reply is what matters)."""

    max_tokens: int | None = Field(default=None, alias="max_output_tokens")
    """Most output tokens of a reply (``max_output_tokens``)."""

    response_timeout: float = 120.0

    _context_tokens: ClassVar[tuple[int, int]] = (32_000, 4_096)
    """Seconds to wait for a reply."""

    @model_validator(mode="after")
    def _validate_chat(self) -> AzureRealtimeChatModel:
        self._check_realtime_options()
        self._check_modalities(self.modalities)
        return self

    @staticmethod
    def _check_modalities(modalities: Sequence[str]) -> None:
        check_modalities(modalities, (["text", "audio"], ["audio", "text"], ["text"], ["audio"]))

    # -- LangChain plumbing ----------------------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "azure-openai-realtime-chat"

    # -- messages to conversation items ----------------------------------------------------

    def _items(self, messages: Sequence[BaseMessage]) -> tuple[str | None, list[dict[str, Any]]]:
        instructions = [self.instructions] if self.instructions else []
        items: list[dict[str, Any]] = []
        for message in messages:
            if isinstance(message, SystemMessage):
                instructions.append(message.text)
            elif isinstance(message, HumanMessage) or (
                isinstance(message, ChatMessage) and message.role == "user"
            ):
                items.append(
                    {"type": "message", "role": "user", "content": _user_content(message.content)}
                )
            elif isinstance(message, AIMessage):
                text = message.text
                if text:
                    items.append(
                        {
                            "type": "message",
                            "role": "assistant",
                            "content": [{"type": "output_text", "text": text}],
                        }
                    )
                for call in message.tool_calls:
                    items.append(
                        {
                            "type": "function_call",
                            "call_id": call["id"] or "",
                            "name": call["name"],
                            "arguments": fastjson.dumps(call["args"]).decode(),
                        }
                    )
            elif isinstance(message, ToolMessage):
                content = message.content
                output = content if isinstance(content, str) else message.text
                items.append(
                    {
                        "type": "function_call_output",
                        "call_id": message.tool_call_id,
                        "output": output,
                    }
                )
            else:
                raise TypeError(f"Unsupported message type {type(message).__name__}.")
        return ("\n\n".join(i for i in instructions if i) or None), items

    def _options(
        self, messages: Sequence[BaseMessage], kwargs: dict[str, Any]
    ) -> tuple[SessionOptions, list[dict[str, Any]], list[str]]:
        kwargs = dict(kwargs)
        for key in _IGNORED_KWARGS:
            kwargs.pop(key, None)
        modalities = list(kwargs.pop("modalities", self.modalities))
        self._check_modalities(modalities)
        voice = kwargs.pop("voice", self.voice)
        if self._caps is not None and voice != self.voice:
            self._caps.check_voice(voice, extra_voices=self.extra_voices)
        tools = [realtime_tool_spec(t) for t in kwargs.pop("tools", None) or []]
        tool_choice = _tool_choice(kwargs.pop("tool_choice", None), tools)
        instructions, items = self._items(messages)
        output = ["audio"] if "audio" in modalities else ["text"]
        config = self._base_session_config(
            output_modalities=output, turn_detection=None, tools=tools, tool_choice=tool_choice
        )
        config["audio"]["output"]["voice"] = voice
        if instructions:
            config["instructions"] = instructions
        if self.max_tokens is not None:
            config["max_output_tokens"] = self.max_tokens
        config.update(kwargs.pop("session", {}))
        if kwargs:
            raise UnsupportedOptionError(
                f"Unexpected arguments {sorted(kwargs)} for a realtime call.",
                option=sorted(kwargs)[0],
                value=kwargs[sorted(kwargs)[0]],
            )
        options = SessionOptions(
            session_config=config,
            execute_tools=False,
            model_name=self.model_name or self.azure_deployment or "gpt-realtime",
            max_reconnect_attempts=0,
            callbacks=None,
        )
        return options, items, modalities

    # -- the call --------------------------------------------------------------------------

    async def _events(
        self, messages: Sequence[BaseMessage], kwargs: dict[str, Any]
    ) -> AsyncIterator[RealtimeEvent]:
        options, items, _modalities = self._options(messages, kwargs)
        session = self._session(options)
        await session.start()
        try:
            for item in items:
                await session.add_item(item)
            await session.request_response()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.response_timeout
            stream = session.events().__aiter__()
            while True:
                left = deadline - loop.time()
                try:
                    event = await asyncio.wait_for(stream.__anext__(), max(left, 0.001))
                except StopAsyncIteration:
                    raise StreamInterruptedError(
                        "The realtime session closed before the reply was complete."
                    ) from None
                except asyncio.TimeoutError:
                    raise StreamInterruptedError(
                        f"No complete realtime reply within {self.response_timeout} s."
                    ) from None
                if isinstance(event, ServiceError):
                    raise _service_error(event, options.url)
                yield event
                if isinstance(event, ResponseDone):
                    return
        finally:
            await session.close()

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        audio = "audio" in kwargs.get("modalities", self.modalities)
        assembler = StreamAssembler(audio=audio)
        calls = 0
        async for event in self._events(messages, kwargs):
            payload: dict[str, Any] | None = None
            usage_payload: dict[str, Any] | None = None
            if isinstance(event, OutputTranscriptDelta):
                delta = {"audio": {"transcript": event.text}} if audio else {"content": event.text}
                payload = {"choices": [{"delta": delta}]}
            elif isinstance(event, OutputAudio):
                piece = {"id": event.item_id, "data": event.base64}
                payload = {"choices": [{"delta": {"audio": piece}}]}
            elif isinstance(event, FunctionCallRequested):
                call = {
                    "index": calls,
                    "id": event.call_id,
                    "function": {"name": event.name, "arguments": event.arguments},
                }
                calls += 1
                payload = {"choices": [{"delta": {"tool_calls": [call]}}]}
            elif isinstance(event, ResponseDone):
                finish = "tool_calls" if calls else _finish_reason(event)
                payload = {
                    "id": event.response_id,
                    "model": self.model_name,
                    "choices": [{"delta": {}, "finish_reason": finish}],
                }
                usage_payload = {"choices": [], "usage": chat_usage(event.raw_usage)}
            for data in (payload, usage_payload):
                if data is None:
                    continue
                chunk = assembler.feed(data)
                if chunk is None:
                    continue
                gen = ChatGenerationChunk(message=chunk)
                if run_manager is not None and chunk.text:
                    await run_manager.on_llm_new_token(chunk.text, chunk=gen)
                yield gen

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        audio_wanted = "audio" in kwargs.get("modalities", self.modalities)
        pcm: list[bytes] = []
        deltas: list[str] = []
        finals: list[str] = []
        item_id: str | None = None
        tool_calls: list[dict[str, Any]] = []
        done: ResponseDone | None = None
        async for event in self._events(messages, kwargs):
            if isinstance(event, OutputAudio):
                pcm.append(event.audio)
                item_id = item_id or event.item_id
            elif isinstance(event, OutputTranscriptDelta):
                deltas.append(event.text)
                if run_manager is not None:
                    await run_manager.on_llm_new_token(event.text)
            elif isinstance(event, OutputTranscriptDone):
                finals.append(event.text)
            elif isinstance(event, FunctionCallRequested):
                tool_calls.append(
                    {
                        "id": event.call_id,
                        "type": "function",
                        "function": {"name": event.name, "arguments": event.arguments},
                    }
                )
            elif isinstance(event, ResponseDone):
                done = event
        if done is None:  # _events() ends only with a ResponseDone or an exception
            raise StreamInterruptedError("The realtime reply ended without response.done.")
        text = " ".join(finals) if finals else "".join(deltas)
        message: dict[str, Any] = {"role": "assistant", "content": None if audio_wanted else text}
        fmt = self.audio_format
        if audio_wanted and (pcm or text):
            data = b"".join(pcm)
            encoded = pcm16_to_wav(data) if fmt == "wav" else data
            message["audio"] = {
                "id": item_id,
                "data": base64.b64encode(encoded).decode("ascii"),
                "transcript": text,
            }
        elif audio_wanted:
            message["content"] = text
        if tool_calls:
            message["tool_calls"] = tool_calls
        payload = {
            "id": done.response_id,
            "model": self.model_name,
            "choices": [
                {
                    "message": message,
                    "finish_reason": "tool_calls" if tool_calls else _finish_reason(done),
                }
            ],
            "usage": chat_usage(done.raw_usage),
        }
        reply = message_from_completion(payload, audio_format=fmt)
        return ChatResult(
            generations=[
                ChatGeneration(
                    message=reply,
                    generation_info={"finish_reason": reply.response_metadata.get("finish_reason")},
                )
            ],
            llm_output={"model_name": self.model_name, "token_usage": payload["usage"]},
        )

    # -- sync twins (a private event loop in a worker thread) --------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return _run_sync(lambda: self._agenerate(messages, stop, None, **kwargs))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        pipe: queue.Queue[tuple[str, Any]] = queue.Queue()

        async def pump() -> None:
            try:
                async for chunk in self._astream(messages, stop, None, **kwargs):
                    pipe.put(("chunk", chunk))
            except BaseException as exc:  # handed to the caller's thread
                pipe.put(("error", exc))
            else:
                pipe.put(("end", None))

        worker = threading.Thread(target=asyncio.run, args=(pump(),), daemon=True)
        worker.start()
        try:
            while True:
                kind, value = pipe.get()
                if kind == "chunk":
                    if run_manager is not None and value.text:
                        run_manager.on_llm_new_token(value.text, chunk=value)
                    yield value
                elif kind == "error":
                    raise value
                else:
                    return
        finally:
            worker.join(timeout=self.response_timeout)

    # -- tools -------------------------------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: dict[str, Any] | str | bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (functions, pydantic models, LangChain tools, OpenAI tool dicts).

        Args:
            tools: The tools the model may call (the reply carries ``tool_calls``).
            tool_choice: ``"auto"``, ``"none"``, ``"required"``/``"any"``, a tool name, or
                ``True`` (the single tool).
        """
        formatted, choice = format_tools(tools, tool_choice)
        if choice is not None:
            kwargs["tool_choice"] = choice
        return super().bind(tools=formatted, **kwargs)


def _tool_choice(choice: Any, tools: Sequence[Mapping[str, Any]]) -> Any:
    if choice is None or choice is False:
        return None
    if choice == "any":
        return "required"
    if isinstance(choice, str) and choice not in ("auto", "none", "required"):
        return {"type": "function", "name": choice}
    if isinstance(choice, Mapping) and "function" in choice:
        return {"type": "function", "name": choice["function"]["name"]}
    return choice


def _user_content(content: str | list[Any]) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "input_text", "text": content}]
    parts: list[dict[str, Any]] = []
    for block in content:
        if isinstance(block, str):
            parts.append({"type": "input_text", "text": block})
        elif isinstance(block, Mapping) and block.get("type") == "text":
            parts.append({"type": "input_text", "text": str(block.get("text", ""))})
        elif isinstance(block, Mapping) and block.get("type") in ("audio", "input_audio"):
            source = block.get("input_audio") if block.get("type") == "input_audio" else block
            pcm = to_session_pcm16(block_bytes(source or {}))
            parts.append({"type": "input_audio", "audio": base64.b64encode(pcm).decode("ascii")})
        else:
            raise UnsupportedOptionError(
                f"Content block type {block.get('type') if isinstance(block, Mapping) else block!r}"
                " is not supported by realtime models (text and audio are).",
                option="content",
                value=block,
            )
    return parts


def _finish_reason(done: ResponseDone) -> str:
    if done.status == "completed":
        return "stop"
    reason = (done.status_details or {}).get("reason")
    return "length" if reason == "max_output_tokens" else str(reason or done.status)


def _service_error(event: ServiceError, url: str | None) -> AzureAudioServiceError:
    """A service ``error`` event during a one-shot call, as the matching typed error.

    The event gets the HTTP status Azure would give the same error and goes through the
    package's one translator (:func:`~langchain_azure_audio.errors.from_openai_error`).
    """
    code = event.code or ""
    if code == "rate_limit_exceeded":
        status = 429
    elif event.error_type == "server_error":
        status = 500
    else:
        status = 400
    body = {"error": {"message": event.message, "code": event.code, "type": event.error_type}}
    request = httpx2.Request("GET", url or "wss://realtime.invalid/openai/v1/realtime")
    response = httpx2.Response(status, json=body, request=request)
    return from_openai_error(openai.APIStatusError(event.message, response=response, body=body))


def _run_sync(factory: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a coroutine to completion from sync code, inside a running loop or not."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()
