"""``AzureTextToSpeechTool``: text -> speech through Azure OpenAI ``/audio/speech``.

The decisions (options, pieces, requests, streaming plan, joining) are sans-I/O in
:mod:`~langchain_azure_audio.tools._speech_plan`; the methods here send and gather.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from typing import Any, ClassVar, Literal

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.tools import BaseTool, ToolException
from langchain_core.tools.base import ArgsSchema
from pydantic import ConfigDict, Field, model_validator

from langchain_azure_audio.audio import mime_for_format
from langchain_azure_audio.capabilities import MAX_SPEECH_INPUT_CHARS, ModelKind
from langchain_azure_audio.errors import service_errors
from langchain_azure_audio.settings import AzureAudioSettings
from langchain_azure_audio.sse import aiter_sse_json, iter_sse_json
from langchain_azure_audio.tools._common import (
    Progress,
    ProgressCallback,
    TypedArgsMixin,
    model_errors,
    write_output,
)
from langchain_azure_audio.tools._speech_plan import (
    SpeechOptions,
    SpeechPlan,
    join_audio,
    plan_speech,
    resolve_speech_options,
    speech_pieces,
    speech_request,
    stream_plan,
)
from langchain_azure_audio.tools._speech_stream import (
    aiter_any,
    astrip_id3,
    sse_audio,
    sse_incomplete,
    strip_id3,
)
from langchain_azure_audio.tools._types import (
    LegacySpeechInput,
    SpeechArtifact,
    SpeechFormat,
    SpeechInput,
    speech_input_for,
)

__all__ = ["AzureTextToSpeechTool", "SpeechArtifact", "SpeechInput"]

logger = logging.getLogger(__name__)


class AzureTextToSpeechTool(TypedArgsMixin, BaseTool, AzureAudioSettings):
    """Speak text with an Azure OpenAI speech deployment (gpt-4o-mini-tts, tts-1, tts-1-hd).

    A LangChain tool (``response_format="content_and_artifact"``): the model reads a one-line
    summary, the :class:`SpeechArtifact` carries the audio bytes (and the file path when
    ``output_dir`` is set). Voice, format, speed and ``instructions`` are checked against the
    model family before any request. Text over 4096 characters is split at sentence boundaries,
    the pieces are synthesized (in parallel with ``ainvoke``) and joined into one valid file.

    Setup:
        .. code-block:: bash

            pip install "langchain-azure-audio[codecs]"   # codecs: join long text into mp3/opus...
            export AZURE_OPENAI_ENDPOINT="https://<resource>.openai.azure.com"
            export AZURE_OPENAI_API_KEY="..."

    Key init args:
        azure_deployment: The speech deployment (default: ``model`` or ``"gpt-4o-mini-tts"``).
        model: The model it runs when the deployment name does not say (``"tts-1-hd"``).
        voice: Default voice (``"alloy"``).
        audio_format: mp3 (default), opus, aac, flac, wav or pcm (24 kHz mono s16le).
        speed: 0.25 to 4.0.
        instructions: Speaking style (gpt-4o-mini-tts only).
        output_dir: Write each result to a new file in this directory.
        max_concurrency: Parallel requests for long text with ``ainvoke``.

    Instantiate and invoke:
        .. code-block:: python

            from langchain_azure_audio import AzureTextToSpeechTool

            tts = AzureTextToSpeechTool(azure_deployment="gpt-4o-mini-tts", voice="coral",
                                        audio_format="wav", output_dir="speech")
            audio = tts.synthesize("Hello from Azure!")          # bytes of a wav file
            msg = tts.invoke({"type": "tool_call", "id": "1", "name": tts.name,
                              "args": {"text": "Hello!"}})
            msg.content            # 'Spoke 6 characters as wav audio (0.9 s, voice coral) ...'
            msg.artifact["path"]   # speech/speech-20250101-120000-1a2b3c4d.wav

    Stream (low latency):
        .. code-block:: python

            for chunk in tts.stream_audio("A long answer ...", audio_format="pcm"):
                player.write(chunk)          # 24 kHz mono s16le

    With an agent:
        .. code-block:: python

            from langchain.agents import create_agent
            agent = create_agent(model, tools=[tts])

    Example (runnable, against the local emulator):
        >>> from langchain_azure_audio.emulator import Emulator  # doctest: +SKIP
        >>> with Emulator() as emu:  # doctest: +SKIP
        ...     tts = emu.speech_tool(audio_format="wav")
        ...     tts.synthesize("Hello there.")[:4]
        b'RIFF'
    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    name: str = "text_to_speech"
    description: str = (
        "Convert text to spoken audio (speech synthesis). Use it when the user wants to hear "
        "something or asks for an audio/voice version of a text. Returns a short confirmation; "
        "the audio itself is delivered to the user separately."
    )
    args_schema: ArgsSchema | None = SpeechInput
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    on_progress: ProgressCallback | None = Field(default=None, exclude=True, repr=False)
    """Called as ``on_progress(done, total)`` when long text is planned and after each piece."""
    handle_tool_error: bool | str | Callable[[ToolException], str] | None = True
    """In a tool call, a refused argument (wrong voice, speed...) becomes an error
    ``ToolMessage`` the model can act on; ``False`` makes it raise. Direct calls always raise."""

    voice: str = "alloy"
    audio_format: SpeechFormat = "mp3"
    speed: float = Field(default=1.0, ge=0.25, le=4.0)
    instructions: str | None = None
    """Default speaking style (gpt-4o-mini-tts only)."""

    stream_format: Literal["sse", "audio"] | None = None
    """How :meth:`stream_audio` asks for audio: ``"sse"`` (gpt-4o-mini-tts; base64 events) or
    ``"audio"`` (raw chunked bytes). Default: ``"sse"`` where supported, else raw chunks."""

    output_dir: str | None = None
    """Directory the tool writes its audio files to (names are generated). ``None``: no files."""

    max_chars: int = Field(default=MAX_SPEECH_INPUT_CHARS, ge=1, le=MAX_SPEECH_INPUT_CHARS)
    """Longest piece of text per request."""

    max_concurrency: int = Field(default=4, ge=1)
    """Parallel requests when async synthesis of long text needs several."""

    stream_chunk_size: int = Field(default=8192, ge=256)
    """Bytes per chunk when streaming raw audio."""

    extra_voices: list[str] = Field(default_factory=list)

    _default_deployment: ClassVar[str | None] = "gpt-4o-mini-tts"
    _model_kind: ClassVar[ModelKind | None] = "speech"
    _model_examples: ClassVar[str] = "gpt-4o-mini-tts, tts-1, tts-1-hd"

    @model_validator(mode="after")
    def _validate_tool(self) -> AzureTextToSpeechTool:
        caps = self._resolve_model()
        if caps is not None:
            self.check_options()
            if self.args_schema is SpeechInput:
                base = SpeechInput if caps.supports_instructions else LegacySpeechInput
                self.args_schema = speech_input_for(
                    base, caps.voices | set(self.extra_voices), self.voice
                )
        self._clients = self._build_clients()
        return self

    # -- options and plans (sans-I/O: tools/_speech_plan.py) -----------------------------------

    def check_options(
        self,
        *,
        voice: str | None = None,
        speed: float | None = None,
        instructions: str | None = None,
        audio_format: str | None = None,
    ) -> SpeechOptions:
        """A call's options merged with the defaults; refuses, before any request, what the
        model family would refuse.

        Raises:
            UnsupportedOptionError: naming the option (voice, speed, instructions, format).
        """
        return resolve_speech_options(
            self._caps,
            SpeechOptions(self.voice, self.speed, self.instructions, self.audio_format),
            voice=voice,
            speed=speed,
            instructions=instructions,
            audio_format=audio_format,
            extra_voices=self.extra_voices,
            deployment=self.azure_deployment,
        )

    def _plan(
        self,
        text: str,
        voice: str | None,
        speed: float | None,
        instructions: str | None,
        audio_format: str | None,
    ) -> SpeechPlan:
        """Checked options, the text's pieces, and the wire format each piece is asked in."""
        opts = self.check_options(
            voice=voice, speed=speed, instructions=instructions, audio_format=audio_format
        )
        plan = plan_speech(text, opts, self.max_chars)
        if len(plan.pieces) > 1:
            logger.info("Speaking %d characters in %d pieces.", len(text), len(plan.pieces))
        return plan

    def _request(self, text: str, opts: SpeechOptions, wire: str) -> dict[str, Any]:
        """The request for one piece (every piece's request, whole or streamed, is made here)."""
        return speech_request(self.azure_deployment, text, opts, wire)

    # -- whole files ---------------------------------------------------------------------------

    def synthesize(
        self,
        text: str,
        *,
        voice: str | None = None,
        speed: float | None = None,
        instructions: str | None = None,
        audio_format: str | None = None,
    ) -> bytes:
        """Speak ``text`` and return one audio file's bytes (long text is split and joined)."""
        return self._synthesize(self._plan(text, voice, speed, instructions, audio_format))[0]

    def _synthesize(self, plan: SpeechPlan) -> tuple[bytes, float | None]:
        bundle = self._bundle
        progress = Progress(self.on_progress, len(plan.pieces))
        audio: list[bytes] = []
        for piece in plan.pieces:
            with service_errors():
                raw = bundle.sync.audio.speech.with_raw_response.create(
                    **self._request(piece, plan.options, plan.wire_format),
                    extra_headers=bundle.extra_headers,
                )
                audio.append(bytes(raw.http_response.content))
            progress.step()
        return join_audio(audio, plan.options.audio_format)

    async def asynthesize(
        self,
        text: str,
        *,
        voice: str | None = None,
        speed: float | None = None,
        instructions: str | None = None,
        audio_format: str | None = None,
    ) -> bytes:
        """Async :meth:`synthesize`; pieces of long text go out ``max_concurrency`` at a time."""
        plan = self._plan(text, voice, speed, instructions, audio_format)
        return (await self._asynthesize(plan))[0]

    async def _asynthesize(self, plan: SpeechPlan) -> tuple[bytes, float | None]:
        bundle = self._bundle
        limit = asyncio.Semaphore(self.max_concurrency)
        progress = Progress(self.on_progress, len(plan.pieces))

        async def one(piece: str) -> bytes:
            async with limit:
                with service_errors():
                    raw = await bundle.async_.audio.speech.with_raw_response.create(
                        **self._request(piece, plan.options, plan.wire_format),
                        extra_headers=bundle.extra_headers,
                    )
                progress.step()
                return bytes(raw.http_response.content)

        audio = list(await asyncio.gather(*(one(p) for p in plan.pieces)))
        if len(audio) > 1:  # re-encoding the joined audio takes a while: off the event loop
            return await asyncio.to_thread(join_audio, audio, plan.options.audio_format)
        return join_audio(audio, plan.options.audio_format)

    # -- the tool ------------------------------------------------------------------------------

    def _result(
        self, text: str, plan: SpeechPlan, spoken: tuple[bytes, float | None]
    ) -> tuple[str, SpeechArtifact]:
        data, duration = spoken
        opts = plan.options
        path = write_output(self.output_dir, data, opts.audio_format, prefix="speech")
        length = f"{duration:.1f} s, " if duration is not None else ""
        where = f"; saved as {path.name}" if path is not None else ""
        summary = (
            f"Spoke {len(text)} characters as {opts.audio_format} audio "
            f"({length}voice {opts.voice}){where}."
        )
        artifact: SpeechArtifact = {
            "audio": data,
            "format": opts.audio_format,
            "mime_type": mime_for_format(opts.audio_format),
            "path": str(path) if path is not None else None,
            "duration_seconds": duration,
            "voice": opts.voice,
            "pieces": len(plan.pieces),
        }
        return summary, artifact

    def _run(
        self,
        text: str,
        voice: str | None = None,
        speed: float | None = None,
        instructions: str | None = None,
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> tuple[str, SpeechArtifact]:
        with model_errors():
            plan = self._plan(text, voice, speed, instructions, None)
            return self._result(text, plan, self._synthesize(plan))

    async def _arun(
        self,
        text: str,
        voice: str | None = None,
        speed: float | None = None,
        instructions: str | None = None,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> tuple[str, SpeechArtifact]:
        with model_errors():
            plan = self._plan(text, voice, speed, instructions, None)
            spoken = await self._asynthesize(plan)
            return await asyncio.to_thread(self._result, text, plan, spoken)

    # -- streaming -----------------------------------------------------------------------------

    def _stream_request(
        self, text: str, opts: SpeechOptions, wire: str
    ) -> tuple[dict[str, Any], bool]:
        """The request for one streamed piece, and whether its answer is SSE events."""
        body = self._request(text, opts, wire)
        if self.stream_format is not None:
            sse = self.stream_format == "sse"
        else:
            sse = self._caps is not None and self._caps.supports_stream
        if sse or self.stream_format == "audio":
            body["stream_format"] = "sse" if sse else "audio"
        return body, sse

    def _stream_setup(
        self,
        text: object,
        voice: str | None,
        speed: float | None,
        instructions: str | None,
        audio_format: str | None,
    ) -> tuple[SpeechOptions, list[str] | None, str, bytes]:
        """Options, the pieces of a string ``text`` (``None`` for an iterable of pieces), wire
        format and leading bytes of a stream: everything checked before the first request."""
        opts = self.check_options(
            voice=voice, speed=speed, instructions=instructions, audio_format=audio_format
        )
        pieces = speech_pieces(text, self.max_chars) if isinstance(text, str) else None
        wire, head = stream_plan(opts.audio_format, pieces is not None and len(pieces) == 1)
        return opts, pieces, wire, head

    def _stream_piece(self, text: str, opts: SpeechOptions, wire: str) -> Iterator[bytes]:
        body, sse = self._stream_request(text, opts, wire)
        bundle = self._bundle
        with (
            service_errors(),
            bundle.sync.audio.speech.with_streaming_response.create(
                **body, extra_headers=bundle.extra_headers
            ) as response,
        ):
            if not sse:
                yield from filter(None, response.iter_bytes(self.stream_chunk_size))
                return
            for event in iter_sse_json(response.iter_lines(), require_done=False):
                audio = sse_audio(event)
                if audio is None:
                    return
                if audio:
                    yield audio
        raise sse_incomplete()

    async def _astream_piece(
        self, text: str, opts: SpeechOptions, wire: str
    ) -> AsyncIterator[bytes]:
        body, sse = self._stream_request(text, opts, wire)
        bundle = self._bundle
        with service_errors():
            async with bundle.async_.audio.speech.with_streaming_response.create(
                **body, extra_headers=bundle.extra_headers
            ) as response:
                if not sse:
                    async for chunk in response.iter_bytes(self.stream_chunk_size):
                        if chunk:
                            yield chunk
                    return
                async for event in aiter_sse_json(response.iter_lines(), require_done=False):
                    audio = sse_audio(event)
                    if audio is None:
                        return
                    if audio:
                        yield audio
        raise sse_incomplete()

    def stream_audio(
        self,
        text: str | Iterable[str],
        *,
        voice: str | None = None,
        speed: float | None = None,
        instructions: str | None = None,
        audio_format: str | None = None,
    ) -> Iterator[bytes]:
        """Yield audio bytes as they are synthesized.

        ``text`` is a string (split at sentences when longer than 4096 characters) or an
        iterable of text pieces (e.g. sentences as an LLM produces them), spoken one after the
        other. The chunks together form one playable stream: pcm, mp3 and aac are sent as they
        come; wav gets one header (of unknown length) followed by 24 kHz pcm16 samples. Opus and
        flac can only stream a single piece of text.

        Options are checked before the first request.
        """
        opts, pieces, wire, head = self._stream_setup(
            text, voice, speed, instructions, audio_format
        )
        return self._stream_pieces(text if pieces is None else pieces, opts, wire, head)

    def _stream_pieces(
        self, pieces: Iterable[str], opts: SpeechOptions, wire: str, head: bytes
    ) -> Iterator[bytes]:
        if head:
            yield head
        first = True
        for piece in pieces:
            if piece.strip():
                chunks = self._stream_piece(piece.strip(), opts, wire)
                yield from chunks if first or wire != "mp3" else strip_id3(chunks)
                first = False

    def astream_audio(
        self,
        text: str | AsyncIterable[str] | Iterable[str],
        *,
        voice: str | None = None,
        speed: float | None = None,
        instructions: str | None = None,
        audio_format: str | None = None,
    ) -> AsyncIterator[bytes]:
        """Async :meth:`stream_audio` (``text`` may also be an async iterable of pieces)."""
        opts, pieces, wire, head = self._stream_setup(
            text, voice, speed, instructions, audio_format
        )
        return self._astream_pieces(text if pieces is None else pieces, opts, wire, head)

    async def _astream_pieces(
        self,
        pieces: AsyncIterable[str] | Iterable[str],
        opts: SpeechOptions,
        wire: str,
        head: bytes,
    ) -> AsyncIterator[bytes]:
        if head:
            yield head
        first = True
        async for piece in aiter_any(pieces):
            if piece.strip():
                chunks = self._astream_piece(piece.strip(), opts, wire)
                if not first and wire == "mp3":
                    chunks = astrip_id3(chunks)
                async for chunk in chunks:
                    yield chunk
                first = False
