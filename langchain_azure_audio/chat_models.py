"""``AzureAudioChatModel``: a LangChain chat model that hears and speaks through Azure OpenAI."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import httpx2
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import (
    BaseChatModel,
    agenerate_from_stream,
    generate_from_stream,
)
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic import BaseModel, ConfigDict, Field, model_validator

from langchain_azure_audio import fastjson
from langchain_azure_audio.audio import block_bytes, sniff_format, wav_duration
from langchain_azure_audio.capabilities import STREAMING_OUTPUT_FORMAT, ModelKind
from langchain_azure_audio.chat_base import AzureChatPlumbing, check_modalities, format_tools
from langchain_azure_audio.errors import (
    AzureAudioError,
    ConfigurationError,
    ContentFilterError,
    UnsupportedOptionError,
    service_errors,
)
from langchain_azure_audio.messages import convert_messages, message_from_completion
from langchain_azure_audio.settings import AzureAudioSettings, _Clients
from langchain_azure_audio.sse import aiter_sse_batches, iter_sse_batches
from langchain_azure_audio.streaming import StreamAssembler

__all__ = ["AzureAudioChatModel"]

logger = logging.getLogger(__name__)

_INPUT_AUDIO_TOKENS_PER_SECOND = 10.0
_MODALITIES = (["text", "audio"], ["audio", "text"], ["text"])
_CHARS_PER_TOKEN = 4.0


def _finish_reason(event: Mapping[str, Any]) -> Any:
    choices = event.get("choices") or [{}]
    return choices[0].get("finish_reason")


@dataclass(frozen=True)
class _Request:
    """A validated, serialised chat-completions request (the same for invoke and stream)."""

    body: bytes
    format: str
    audio: bool


class AzureAudioChatModel(AzureChatPlumbing, BaseChatModel, AzureAudioSettings):
    """Azure OpenAI audio chat model (gpt-4o-audio-preview, gpt-4o-mini-audio-preview, gpt-audio).

    Audio goes in as standard content blocks; text **and** audio come out. Every option is checked
    against the model family before a request is sent.

    Setup:
        .. code-block:: bash

            pip install langchain-azure-audio
            export AZURE_OPENAI_ENDPOINT="https://<resource>.openai.azure.com"
            export AZURE_OPENAI_API_KEY="..."

        Or run everything locally: ``langchain-azure-audio emulator`` (needs the ``emulator``
        extra) and point ``azure_endpoint`` at it.

    Key init args:
        azure_deployment: The deployment name (defaults to ``model``).
        model: The model the deployment runs, e.g. ``"gpt-4o-mini-audio-preview"`` (defaults to
            the deployment name); decides which voices and formats are valid.
        voice: One of alloy, ash, ballad, coral, echo, sage, shimmer, verse, marin, cedar.
        audio_format: wav, mp3, flac, opus, aac or pcm16 for ``invoke`` (streams are pcm16).
        modalities: ``["text", "audio"]`` (default) or ``["text"]``.
        api_version: ``>= 2025-01-01-preview``, or ``"v1"`` for the GA ``/openai/v1`` URL.
        api_key / azure_ad_token_provider / azure_credential: credentials.

    Instantiate:
        .. code-block:: python

            from langchain_azure_audio import AzureAudioChatModel

            model = AzureAudioChatModel(
                azure_deployment="gpt-4o-mini-audio-preview",
                voice="coral",
                audio_format="mp3",
            )

    Invoke:
        .. code-block:: python

            reply = model.invoke("Say hello in five words.")
            reply.text                       # the transcript
            save_audio(reply, "hello.mp3")   # the speech, written atomically

    Stream:
        .. code-block:: python

            full = None
            for chunk in model.stream("Tell me a short story."):
                full = chunk if full is None else full + chunk   # text and pcm16 audio pieces
            save_audio(full, "story.wav")                         # pcm16 wrapped in wav

    Audio in:
        .. code-block:: python

            from langchain_core.messages import HumanMessage
            from langchain_azure_audio import audio_block

            question = HumanMessage(content=[
                {"type": "text", "text": "Answer the question in the recording."},
                audio_block("question.wav"),
            ])
            model.invoke([question])
            # text-only answer to spoken input (audio -> text):
            model.invoke([question], modalities=["text"])

    Tool calling:
        .. code-block:: python

            def get_weather(city: str) -> str:
                \"\"\"Weather of a city.\"\"\"
                return "sunny"

            reply = model.bind_tools([get_weather]).invoke("What is the weather in Paris?")
            reply.tool_calls  # [{"name": "get_weather", "args": {"city": "Paris"}, ...}]

    Structured output (function calling, which audio models accept):
        .. code-block:: python

            class Answer(BaseModel):
                city: str

            model.with_structured_output(Answer).invoke("Weather in Paris?")

    Example (runnable, against the local emulator):
        >>> from langchain_azure_audio.emulator import Emulator  # doctest: +SKIP
        >>> with Emulator() as emu:  # doctest: +SKIP
        ...     reply = emu.chat_model(voice="coral").invoke("Hello there")
        ...     reply.text
        'You said: Hello there'
    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    voice: str = "alloy"
    """Voice of audio replies."""

    audio_format: str = "wav"
    """Format of audio replies from ``invoke`` (streams always carry pcm16)."""

    modalities: list[Literal["text", "audio"]] = Field(
        default_factory=lambda: list[Literal["text", "audio"]](["text", "audio"])
    )
    """Output modalities: ``["text", "audio"]`` or ``["text"]``."""

    temperature: float | None = None
    max_tokens: int | None = Field(default=None, alias="max_completion_tokens")
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    seed: int | None = None
    top_p: float | None = None

    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra body parameters passed to the service as they are."""

    streaming: bool = False
    """Make ``invoke`` stream under the hood (callbacks receive tokens)."""

    stream_usage: bool = True
    """Ask for a usage chunk at the end of streams."""

    extra_voices: list[str] = Field(default_factory=list)
    """Voices to accept in addition to the registry's (for voices newer than this release)."""

    _model_kind: ClassVar[ModelKind | None] = "chat"
    _identifying_fields: ClassVar[tuple[str, ...]] = (
        "voice",
        "audio_format",
        "modalities",
        "temperature",
    )
    _model_examples: ClassVar[str] = (
        "gpt-4o-audio-preview, gpt-4o-mini-audio-preview, gpt-audio; use AzureTextToSpeechTool / "
        "AzureSpeechToTextTool for speech and transcription"
    )

    @model_validator(mode="after")
    def _validate_model(self) -> AzureAudioChatModel:
        if not self.azure_deployment:
            raise ConfigurationError(
                "AzureAudioChatModel needs azure_deployment='<deployment name>' (or model=...)."
            )
        if self._resolve_model() is not None:
            self._check_audio_options(self.voice, self.audio_format, self.modalities, False)
        self._clients = self._build_clients()
        return self

    # -- LangChain plumbing ----------------------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "azure-openai-audio-chat"

    # -- request building ------------------------------------------------------------------

    def _check_audio_options(
        self, voice: str, fmt: str, modalities: Sequence[str], streaming: bool
    ) -> None:
        check_modalities(modalities, _MODALITIES)
        if not self.validate_options or self._caps is None:
            return
        if "audio" in modalities:
            self._caps.check_voice(voice, extra_voices=self.extra_voices)
            self._caps.check_output_format(fmt, streaming=streaming)

    def _payload(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        *,
        stream: bool,
        **kwargs: Any,
    ) -> tuple[dict[str, Any], str]:
        kwargs = {**self.model_kwargs, **kwargs}
        voice = kwargs.pop("voice", self.voice)
        modalities = check_modalities(kwargs.pop("modalities", self.modalities), _MODALITIES)
        fmt_given = "audio_format" in kwargs
        fmt = kwargs.pop("audio_format", self.audio_format)
        if stream and not fmt_given:
            fmt = STREAMING_OUTPUT_FORMAT
        self._check_audio_options(voice, fmt, modalities, stream)
        payload: dict[str, Any] = {
            "model": self.azure_deployment,
            "messages": convert_messages(messages),
            "modalities": modalities,
        }
        if "audio" in modalities:
            payload["audio"] = {"voice": voice, "format": fmt}
        for key, value in (
            ("temperature", self.temperature),
            ("max_tokens", self.max_tokens),
            ("seed", self.seed),
            ("top_p", self.top_p),
        ):
            if value is not None:
                payload[key] = value
        stop = stop or self.stop
        if stop:
            payload["stop"] = stop
        if stream:
            payload["stream"] = True
            if self.stream_usage:
                payload["stream_options"] = {"include_usage": True}
        payload.update(kwargs)
        return payload, fmt

    def _request(
        self, messages: list[BaseMessage], stop: list[str] | None, *, stream: bool, **kwargs: Any
    ) -> _Request:
        """Validate everything and serialise the body once; nothing is sent yet."""
        payload, fmt = self._payload(messages, stop, stream=stream, **kwargs)
        try:
            body = fastjson.dumps(payload)
        except (TypeError, ValueError) as exc:
            raise UnsupportedOptionError(
                f"The request cannot be sent as JSON ({exc}). Message content, tool schemas and "
                "model_kwargs may hold only strings, numbers, booleans, None, lists and dicts.",
                option="messages",
                value=None,
            ) from None
        return _Request(body, fmt, "audio" in payload["modalities"])

    def _post(self, bundle: _Clients, request: _Request, *, stream: bool) -> httpx2.Response:
        """One POST through the SDK's low-level client (its retries, auth and errors)."""
        return bundle.sync.post(
            "/chat/completions",
            cast_to=httpx2.Response,
            content=request.body,
            options={"headers": self._request_headers(bundle)},
            stream=stream,
        )

    async def _apost(self, bundle: _Clients, request: _Request, *, stream: bool) -> httpx2.Response:
        return await bundle.async_.post(
            "/chat/completions",
            cast_to=httpx2.Response,
            content=request.body,
            options={"headers": self._request_headers(bundle)},
            stream=stream,
        )

    @staticmethod
    def _request_headers(bundle: _Clients) -> dict[str, Any]:
        return {"Content-Type": "application/json", **bundle.extra_headers}

    # -- generation --------------------------------------------------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.streaming:
            return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))
        request = self._request(messages, stop, stream=False, **kwargs)
        with service_errors():
            response = self._post(self._bundle, request, stream=False)
            data = fastjson.loads(response.content)
        return self._result(response, data, request.format)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.streaming:
            return await agenerate_from_stream(self._astream(messages, stop, run_manager, **kwargs))
        request = self._request(messages, stop, stream=False, **kwargs)
        with service_errors():
            response = await self._apost(self._bundle, request, stream=False)
            data = fastjson.loads(response.content)
        return self._result(response, data, request.format)

    def _result(self, response: httpx2.Response, data: Mapping[str, Any], fmt: str) -> ChatResult:
        message = message_from_completion(data, audio_format=fmt)
        if message.response_metadata.get("finish_reason") == "content_filter":
            raise ContentFilterError.from_reply(response, data)
        return ChatResult(
            generations=[
                ChatGeneration(
                    message=message,
                    generation_info={
                        "finish_reason": message.response_metadata.get("finish_reason")
                    },
                )
            ],
            llm_output={
                "model_name": data.get("model"),
                "system_fingerprint": data.get("system_fingerprint"),
                "token_usage": data.get("usage"),
            },
        )

    @staticmethod
    def _chunks(
        assembler: StreamAssembler, response: httpx2.Response, events: list[Mapping[str, Any]]
    ) -> Iterator[ChatGenerationChunk]:
        """Events of one network read → generation chunks; a reply the filter cut raises."""
        for chunk in assembler.feed_batch(events):
            if chunk.response_metadata.get("finish_reason") == "content_filter":
                cut = next(e for e in events if _finish_reason(e) == "content_filter")
                raise ContentFilterError.from_reply(response, cut)
            yield ChatGenerationChunk(message=chunk)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        request = self._request(messages, stop, stream=True, **kwargs)
        assembler = StreamAssembler(audio=request.audio)
        with service_errors():
            response = self._post(self._bundle, request, stream=True)
            try:
                for events in iter_sse_batches(response.iter_bytes()):
                    for gen in self._chunks(assembler, response, events):
                        if run_manager and gen.text:
                            run_manager.on_llm_new_token(gen.text, chunk=gen)
                        yield gen
            finally:
                response.close()

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        request = self._request(messages, stop, stream=True, **kwargs)
        assembler = StreamAssembler(audio=request.audio)
        with service_errors():
            response = await self._apost(self._bundle, request, stream=True)
            try:
                async for events in aiter_sse_batches(response.aiter_bytes()):
                    for gen in self._chunks(assembler, response, events):
                        if run_manager and gen.text:
                            await run_manager.on_llm_new_token(gen.text, chunk=gen)
                        yield gen
            finally:
                await response.aclose()

    # -- tools and structured output ---------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: dict[str, Any] | str | bool | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (functions, pydantic models, LangChain tools or OpenAI tool dicts).

        Args:
            tools: The tools the model may call.
            tool_choice: ``"auto"``, ``"none"``, ``"required"``/``"any"``, a tool name, ``True``
                (the single tool), or an OpenAI ``tool_choice`` dict.
            parallel_tool_calls: Allow several calls in one reply.
            strict: Ask for strict JSON-schema arguments.
        """
        formatted, choice = format_tools(tools, tool_choice, strict=strict)
        if isinstance(choice, str) and choice not in ("auto", "none", "required"):
            choice = {"type": "function", "function": {"name": choice}}
        if choice is not None:
            kwargs["tool_choice"] = choice
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return super().bind(tools=formatted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: Literal["function_calling", "json_mode", "json_schema"] = "function_calling",
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        """Return output shaped like ``schema``.

        Audio models reject ``response_format: json_schema``, so the default method is function
        calling (the schema becomes a forced tool); ``method="json_schema"`` is served the same
        way with ``strict=True``, and ``json_mode`` asks for a JSON object. Replies are text-only
        here (``modalities=["text"]``): there is nothing to say out loud.

        Example:
            >>> class Answer(BaseModel):  # doctest: +SKIP
            ...     city: str
            >>> model.with_structured_output(Answer).invoke("Weather in Paris?")  # doctest: +SKIP
            Answer(city='Paris')
        """
        if kwargs:
            raise ValueError(f"Unexpected arguments {sorted(kwargs)}.")
        if method == "json_schema":
            logger.debug("Audio models reject json_schema response formats; using a forced tool.")
            method = "function_calling"
            strict = True if strict is None else strict
        is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
        trace = {
            "ls_structured_output_format": {
                "kwargs": {"method": method, "strict": strict},
                "schema": convert_to_openai_tool(schema) if schema is not None else None,
            }
        }
        text_only = self.bind(modalities=["text"], **trace)
        llm: Runnable[LanguageModelInput, Any]
        parser: Runnable[Any, Any]
        if method == "function_calling":
            if schema is None:
                raise ValueError("schema is required for method='function_calling'.")
            tool = convert_to_openai_tool(schema)
            name = tool["function"]["name"]
            llm = AzureAudioChatModel.bind_tools(
                self, [schema], tool_choice=name, parallel_tool_calls=False, strict=strict
            ).bind(modalities=["text"], **trace)
            if is_pydantic:
                parser = PydanticToolsParser(tools=[schema], first_tool_only=True)  # type: ignore[list-item]
            else:
                parser = JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
        elif method == "json_mode":
            llm = text_only.bind(response_format={"type": "json_object"})
            parser = (
                PydanticOutputParser(pydantic_object=schema)  # type: ignore[arg-type]
                if is_pydantic
                else JsonOutputParser()
            )
        else:
            raise ValueError(f"Unknown method {method!r}: use 'function_calling' or 'json_mode'.")
        if not include_raw:
            return llm | parser
        parsed = RunnablePassthrough.assign(
            parsed=lambda x: parser.invoke(x["raw"]), parsing_error=lambda _: None
        ).with_fallbacks(
            [RunnablePassthrough.assign(parsed=lambda _: None)],
            exception_key="parsing_error",
        )
        return RunnableMap(raw=llm) | parsed

    # -- token counting -------------------------------------------------------------------------

    def get_num_tokens(self, text: str) -> int:
        """Estimate text tokens (about four characters a token); never downloads a tokenizer."""
        return math.ceil(len(text) / _CHARS_PER_TOKEN) if text else 0

    def get_num_tokens_from_messages(
        self,
        messages: list[BaseMessage],
        tools: Sequence[Any] | None = None,
    ) -> int:
        """Estimate prompt tokens, audio included (about 10 tokens a second of input audio).

        An estimate for budgeting, not the service's count: ``usage_metadata`` on replies has the
        exact figures. Audio whose duration cannot be read counts by size (16 kB a second).
        """
        total = 3
        for message in messages:
            total += 4
            content = message.content
            for block in [content] if isinstance(content, str) else content:
                if isinstance(block, str):
                    total += self.get_num_tokens(block)
                elif isinstance(block, Mapping):
                    total += self._block_tokens(block)
            for call in getattr(message, "tool_calls", None) or []:
                total += self.get_num_tokens(call["name"] + json.dumps(call["args"]))
        for tool in tools or []:
            total += self.get_num_tokens(json.dumps(convert_to_openai_tool(tool)))
        return total

    def _block_tokens(self, block: Mapping[str, Any]) -> int:
        kind = block.get("type")
        if kind == "text":
            return self.get_num_tokens(str(block.get("text", "")))
        if kind in ("audio", "input_audio"):
            source = block.get("input_audio") if kind == "input_audio" else block
            try:
                raw = block_bytes(source or {})
                seconds = wav_duration(raw) if sniff_format(raw) == "wav" else len(raw) / 16_000
            except (AzureAudioError, ValueError):  # unreadable audio: nothing to estimate
                return 0
            return math.ceil(seconds * _INPUT_AUDIO_TOKENS_PER_SECOND)
        return 0
