"""``AzureAudioChatModel``: a LangChain chat model that hears and speaks through Azure OpenAI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from functools import partial
from typing import Any, ClassVar, Literal

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import (
    BaseChatModel,
    agenerate_from_stream,
    generate_from_stream,
)
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field, model_validator

from langchain_azure_audio.capabilities import STREAMING_OUTPUT_FORMAT, ModelKind
from langchain_azure_audio.chat_base import AzureChatPlumbing, check_modalities, format_tools
from langchain_azure_audio.chat_completions import (
    ChatRequest,
    apost,
    chat_result,
    encode_request,
    generation_chunks,
    parse_reply,
    post,
)
from langchain_azure_audio.chat_structured import structured_output
from langchain_azure_audio.chat_tokens import estimate_prompt_tokens, estimate_text_tokens
from langchain_azure_audio.errors import ConfigurationError, service_errors
from langchain_azure_audio.messages import convert_messages
from langchain_azure_audio.settings import AzureAudioSettings
from langchain_azure_audio.sse import aiter_sse_batches, iter_sse_batches
from langchain_azure_audio.streaming import StreamAssembler

__all__ = ["AzureAudioChatModel"]

_MODALITIES = (["text", "audio"], ["audio", "text"], ["text"])


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
            check_modalities(self.modalities, _MODALITIES)
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
    ) -> ChatRequest:
        """Validate everything and serialise the body once; nothing is sent yet."""
        payload, fmt = self._payload(messages, stop, stream=stream, **kwargs)
        return encode_request(payload, fmt)

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
            bundle = self._bundle
            response = post(bundle.sync, request, bundle.extra_headers, stream=False)
            data = parse_reply(response.content)
        return chat_result(response, data, request.format)

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
            bundle = self._bundle
            response = await apost(bundle.async_, request, bundle.extra_headers, stream=False)
            data = parse_reply(response.content)
        return chat_result(response, data, request.format)

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
            bundle = self._bundle
            response = post(bundle.sync, request, bundle.extra_headers, stream=True)
            try:
                for events in iter_sse_batches(response.iter_bytes()):
                    for gen in generation_chunks(assembler, response, events):
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
            bundle = self._bundle
            response = await apost(bundle.async_, request, bundle.extra_headers, stream=True)
            try:
                async for events in aiter_sse_batches(response.aiter_bytes()):
                    for gen in generation_chunks(assembler, response, events):
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
        return structured_output(
            self,
            partial(AzureAudioChatModel.bind_tools, self),
            schema,
            method=method,
            include_raw=include_raw,
            strict=strict,
        )

    # -- token counting -------------------------------------------------------------------------

    def get_num_tokens(self, text: str) -> int:
        """Estimate text tokens (about four characters a token); never downloads a tokenizer."""
        return estimate_text_tokens(text)

    def get_num_tokens_from_messages(
        self,
        messages: list[BaseMessage],
        tools: Sequence[Any] | None = None,
    ) -> int:
        """Estimate prompt tokens, audio included (about 10 tokens a second of input audio).

        An estimate for budgeting, not the service's count: ``usage_metadata`` on replies has the
        exact figures. Audio whose duration cannot be read counts by size (16 kB a second).
        """
        return estimate_prompt_tokens(messages, tools, count_text=self.get_num_tokens)
