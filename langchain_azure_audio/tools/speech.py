"""``AzureTextToSpeechTool``: text → speech through Azure OpenAI ``/audio/speech``."""

from __future__ import annotations

import asyncio
import base64
import logging
import struct
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypedDict

from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.tools import BaseTool
from langchain_core.tools.base import ArgsSchema
from pydantic import BaseModel, ConfigDict, Field, model_validator

from langchain_azure_audio._sse import aiter_sse_json, iter_sse_json
from langchain_azure_audio.audio import PCM16_SAMPLE_RATE, mime_for_format, wav_duration
from langchain_azure_audio.capabilities import MAX_SPEECH_INPUT_CHARS, ModelKind
from langchain_azure_audio.errors import (
    StreamInterruptedError,
    UnsupportedOptionError,
    service_errors,
)
from langchain_azure_audio.settings import AzureAudioSettings
from langchain_azure_audio.tools._chunking import join_wav, split_text
from langchain_azure_audio.tools._common import TypedArgsMixin, write_output

__all__ = ["AzureTextToSpeechTool", "SpeechArtifact", "SpeechInput"]

logger = logging.getLogger(__name__)

SpeechFormat = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]
_ALL_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
_CONCATENABLE = frozenset({"pcm", "mp3", "aac"})
"""Formats whose byte streams can simply follow one another (raw samples, MPEG/ADTS frames)."""


class SpeechArtifact(TypedDict):
    """The artifact of :class:`AzureTextToSpeechTool` (``ToolMessage.artifact``)."""

    audio: bytes
    """The whole audio file."""
    format: str
    """``mp3``, ``opus`` (Ogg), ``aac`` (ADTS), ``flac``, ``wav`` or ``pcm`` (24 kHz s16le)."""
    mime_type: str
    path: str | None
    """Where the file was written (inside ``output_dir``), or ``None``."""
    duration_seconds: float | None
    """Known for wav and pcm (and for joined long text); ``None`` otherwise."""
    voice: str
    pieces: int
    """How many requests the text took (over 4096 characters it is split at sentences)."""


class _LegacySpeechInput(BaseModel):
    """Arguments of the text-to-speech tool (tts-1 family: no instructions).

    Unknown arguments are refused, not dropped: ``instructions`` sent to a tts-1 tool is an
    error that says so (as :meth:`AzureTextToSpeechTool.synthesize` does).
    """

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        description=(
            "The exact text to speak aloud, written as it should be said. Any length: long text "
            "is split at sentence boundaries and joined into one audio file."
        )
    )
    voice: str | None = Field(
        default=None,
        description="Voice name (e.g. alloy, coral, echo, nova, sage, shimmer). Omit for the "
        "default voice.",
    )
    speed: float | None = Field(
        default=None,
        ge=0.25,
        le=4.0,
        description="Speaking rate from 0.25 to 4.0 (1.0 is normal). Omit for the default.",
    )


class SpeechInput(_LegacySpeechInput):
    """Arguments of the text-to-speech tool."""

    instructions: str | None = Field(
        default=None,
        description="How to speak: tone, emotion, pace or accent, e.g. 'Speak warmly and slowly'.",
    )


@dataclass(frozen=True)
class _Options:
    voice: str
    speed: float
    instructions: str | None
    audio_format: str


def _streaming_wav_header(rate: int = PCM16_SAMPLE_RATE) -> bytes:
    """A wav header of unknown length (sizes 0xFFFFFFFF), as streamed wav is written."""
    return (
        b"RIFF"
        + struct.pack("<I", 0xFFFFFFFF)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
        + b"data"
        + struct.pack("<I", 0xFFFFFFFF)
    )


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
            self._resolve(None, None, None, None)
            if not caps.supports_instructions and self.args_schema is SpeechInput:
                self.args_schema = _LegacySpeechInput
        self._clients = self._build_clients()
        return self

    # -- options -----------------------------------------------------------------------------

    def _resolve(
        self,
        voice: str | None,
        speed: float | None,
        instructions: str | None,
        audio_format: str | None,
    ) -> _Options:
        """Merge per-call options with the defaults and refuse what the family would refuse."""
        if speed is not None and (isinstance(speed, bool) or not isinstance(speed, int | float)):
            raise UnsupportedOptionError(
                f"speed must be a number from 0.25 to 4.0 (1.0 is normal), not {speed!r}.",
                option="speed",
                value=speed,
            )
        if instructions is not None and not isinstance(instructions, str):
            raise UnsupportedOptionError(
                f"instructions must be text, not {type(instructions).__name__}.",
                option="instructions",
                value=instructions,
            )
        opts = _Options(
            voice=voice or self.voice,
            speed=self.speed if speed is None else float(speed),
            instructions=instructions if instructions is not None else self.instructions,
            audio_format=audio_format or self.audio_format,
        )
        if not 0.25 <= opts.speed <= 4.0:
            raise UnsupportedOptionError(
                f"speed must be between 0.25 and 4.0 (got {opts.speed}).",
                option="speed",
                value=opts.speed,
            )
        if opts.audio_format not in _ALL_FORMATS:
            raise UnsupportedOptionError(
                f"audio_format {opts.audio_format!r} is not a speech format; use one of: "
                f"{', '.join(_ALL_FORMATS)}.",
                option="audio_format",
                value=opts.audio_format,
            )
        caps = self._caps
        if caps is not None:
            caps.check_voice(opts.voice, extra_voices=self.extra_voices)
            caps.check_output_format(opts.audio_format)
            if opts.instructions and not caps.supports_instructions:
                raise UnsupportedOptionError(
                    f"instructions are only supported by gpt-4o-mini-tts deployments, not "
                    f"{caps.family} ({self.azure_deployment!r}). Drop them, or use a "
                    "gpt-4o-mini-tts deployment.",
                    option="instructions",
                    value=opts.instructions,
                )
        return opts

    def _pieces(self, text: str) -> list[str]:
        if not isinstance(text, str):
            raise UnsupportedOptionError(
                f"The text to speak must be a string, not {type(text).__name__}.",
                option="text",
                value=text,
            )
        pieces = split_text(text, self.max_chars)
        if not pieces:
            raise UnsupportedOptionError(
                "Nothing to say: the text is empty.", option="text", value=text
            )
        return pieces

    def _check_joinable(self, fmt: str, n_pieces: int) -> None:
        if n_pieces > 1 and fmt not in ("wav", "pcm"):
            from langchain_azure_audio import _codecs

            if not _codecs.codecs_available():
                raise UnsupportedOptionError(
                    f"Joining {n_pieces} pieces of long text into one {fmt} file needs the codecs "
                    'extra: pip install "langchain-azure-audio[codecs]" (or use audio_format='
                    "'wav' or 'pcm').",
                    option="audio_format",
                    value=fmt,
                )

    def _use_sse(self) -> bool:
        if self.stream_format is not None:
            return self.stream_format == "sse"
        return self._caps is not None and self._caps.supports_stream

    def _request(self, text: str, opts: _Options, wire_format: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.azure_deployment,
            "input": text,
            "voice": opts.voice,
            "response_format": wire_format,
        }
        if opts.speed != 1.0:
            body["speed"] = opts.speed
        if opts.instructions:
            body["instructions"] = opts.instructions
        return body

    # -- one request -------------------------------------------------------------------------

    def _speak_sync(self, text: str, opts: _Options, wire_format: str) -> bytes:
        bundle = self._bundle
        with service_errors():
            raw = bundle.sync.audio.speech.with_raw_response.create(
                **self._request(text, opts, wire_format), extra_headers=bundle.extra_headers
            )
            return bytes(raw.http_response.content)

    async def _speak_async(self, text: str, opts: _Options, wire_format: str) -> bytes:
        bundle = self._bundle
        with service_errors():
            raw = await bundle.async_.audio.speech.with_raw_response.create(
                **self._request(text, opts, wire_format), extra_headers=bundle.extra_headers
            )
            return bytes(raw.http_response.content)

    # -- whole files ---------------------------------------------------------------------------

    @staticmethod
    def _piece_format(fmt: str, n_pieces: int) -> str:
        if n_pieces == 1 or fmt == "pcm":
            return fmt
        return "wav"

    @staticmethod
    def _join(pieces: list[bytes], fmt: str) -> tuple[bytes, float | None]:
        if len(pieces) == 1:
            data = pieces[0]
            if fmt == "wav":
                try:
                    return data, round(wav_duration(data), 3)
                except ValueError:
                    return data, None
            if fmt == "pcm":
                return data, round(len(data) / (2 * PCM16_SAMPLE_RATE), 3)
            return data, None
        if fmt == "pcm":
            data = b"".join(pieces)
            return data, round(len(data) / (2 * PCM16_SAMPLE_RATE), 3)
        pcm, rate = join_wav(pieces)
        duration = round(len(pcm) / (2 * rate), 3)
        from langchain_azure_audio import _codecs

        return _codecs.encode_pcm16(pcm, rate, fmt), duration

    def _plan(
        self,
        text: str,
        voice: str | None,
        speed: float | None,
        instructions: str | None,
        audio_format: str | None,
    ) -> tuple[_Options, list[str], str]:
        """Validated options, the text's pieces, and the wire format each piece is asked in."""
        opts = self._resolve(voice, speed, instructions, audio_format)
        pieces = self._pieces(text)
        self._check_joinable(opts.audio_format, len(pieces))
        if len(pieces) > 1:
            logger.info("Speaking %d characters in %d pieces.", len(text), len(pieces))
        return opts, pieces, self._piece_format(opts.audio_format, len(pieces))

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
        return self._synthesize(text, voice, speed, instructions, audio_format)[0]

    def _synthesize(
        self,
        text: str,
        voice: str | None,
        speed: float | None,
        instructions: str | None,
        audio_format: str | None,
    ) -> tuple[bytes, float | None, int, _Options]:
        opts, pieces, wire = self._plan(text, voice, speed, instructions, audio_format)
        audio = [self._speak_sync(p, opts, wire) for p in pieces]
        data, duration = self._join(audio, opts.audio_format)
        return data, duration, len(pieces), opts

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
        return (await self._asynthesize(text, voice, speed, instructions, audio_format))[0]

    async def _asynthesize(
        self,
        text: str,
        voice: str | None,
        speed: float | None,
        instructions: str | None,
        audio_format: str | None,
    ) -> tuple[bytes, float | None, int, _Options]:
        opts, pieces, wire = self._plan(text, voice, speed, instructions, audio_format)
        limit = asyncio.Semaphore(self.max_concurrency)

        async def one(piece: str) -> bytes:
            async with limit:
                return await self._speak_async(piece, opts, wire)

        audio = list(await asyncio.gather(*(one(p) for p in pieces)))
        if len(audio) > 1:
            data, duration = await asyncio.to_thread(self._join, audio, opts.audio_format)
        else:
            data, duration = self._join(audio, opts.audio_format)
        return data, duration, len(pieces), opts

    # -- the tool ------------------------------------------------------------------------------

    def _result(
        self, text: str, data: bytes, duration: float | None, pieces: int, opts: _Options
    ) -> tuple[str, SpeechArtifact]:
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
            "pieces": pieces,
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
        data, duration, pieces, opts = self._synthesize(text, voice, speed, instructions, None)
        return self._result(text, data, duration, pieces, opts)

    async def _arun(
        self,
        text: str,
        voice: str | None = None,
        speed: float | None = None,
        instructions: str | None = None,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> tuple[str, SpeechArtifact]:
        data, duration, pieces, opts = await self._asynthesize(
            text, voice, speed, instructions, None
        )
        return await asyncio.to_thread(self._result, text, data, duration, pieces, opts)

    # -- streaming -----------------------------------------------------------------------------

    def _stream_plan(self, fmt: str, single: bool) -> tuple[str, bytes]:
        """(format to request, bytes to send first) for streaming one or many pieces."""
        if single or fmt in _CONCATENABLE:
            return fmt, b""
        if fmt == "wav":
            return "pcm", _streaming_wav_header()
        raise UnsupportedOptionError(
            f"Streaming long or incremental text as {fmt} is not possible (each piece would be "
            "a separate file). Stream as pcm, mp3, aac or wav, or call synthesize() for one "
            f"{fmt} file.",
            option="audio_format",
            value=fmt,
        )

    def _stream_request(self, text: str, opts: _Options, wire: str) -> tuple[dict[str, Any], bool]:
        body = self._request(text, opts, wire)
        sse = self._use_sse()
        if sse:
            body["stream_format"] = "sse"
        elif self.stream_format == "audio":
            body["stream_format"] = "audio"
        return body, sse

    def _stream_piece(self, text: str, opts: _Options, wire: str) -> Iterator[bytes]:
        body, sse = self._stream_request(text, opts, wire)
        bundle = self._bundle
        with (
            service_errors(),
            bundle.sync.audio.speech.with_streaming_response.create(
                **body, extra_headers=bundle.extra_headers
            ) as response,
        ):
            if not sse:
                for chunk in response.iter_bytes(self.stream_chunk_size):
                    if chunk:
                        yield chunk
                return
            for event in iter_sse_json(response.iter_lines(), require_done=False):
                audio = _sse_audio(event)
                if audio is None:
                    return
                if audio:
                    yield audio
        raise _sse_incomplete()

    async def _astream_piece(self, text: str, opts: _Options, wire: str) -> AsyncIterator[bytes]:
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
                    audio = _sse_audio(event)
                    if audio is None:
                        return
                    if audio:
                        yield audio
        raise _sse_incomplete()

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
        opts = self._resolve(voice, speed, instructions, audio_format)
        single = isinstance(text, str) and len(self._pieces(text)) == 1
        wire, head = self._stream_plan(opts.audio_format, single)
        pieces: Iterable[str] = self._pieces(text) if isinstance(text, str) else text
        return self._stream_pieces(pieces, opts, wire, head)

    def _stream_pieces(
        self, pieces: Iterable[str], opts: _Options, wire: str, head: bytes
    ) -> Iterator[bytes]:
        if head:
            yield head
        first = True
        for piece in pieces:
            if piece.strip():
                chunks = self._stream_piece(piece.strip(), opts, wire)
                yield from chunks if first or wire != "mp3" else _strip_id3(chunks)
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
        opts = self._resolve(voice, speed, instructions, audio_format)
        single = isinstance(text, str) and len(self._pieces(text)) == 1
        wire, head = self._stream_plan(opts.audio_format, single)
        return self._astream_pieces(
            self._pieces(text) if isinstance(text, str) else text, opts, wire, head
        )

    async def _astream_pieces(
        self,
        pieces: AsyncIterable[str] | Iterable[str],
        opts: _Options,
        wire: str,
        head: bytes,
    ) -> AsyncIterator[bytes]:
        if head:
            yield head
        first = True
        async for piece in _aiter(pieces):
            if piece.strip():
                chunks = self._astream_piece(piece.strip(), opts, wire)
                if not first and wire == "mp3":
                    chunks = _astrip_id3(chunks)
                async for chunk in chunks:
                    yield chunk
                first = False


async def _aiter(items: AsyncIterable[str] | Iterable[str]) -> AsyncIterator[str]:
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item


def _id3_length(head: bytes) -> int:
    """Bytes of the ID3v2 tag at the start of ``head`` (at least 10 bytes), or 0."""
    if head[:3] != b"ID3":
        return 0
    size = 0
    for byte in head[6:10]:
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if head[5] & 0x10 else 0
    return 10 + size + footer


class _Id3Stripper:
    """Drops a leading ID3v2 tag from a byte stream, so mp3 pieces concatenate cleanly."""

    def __init__(self) -> None:
        self.buf = b""
        self.skip: int | None = None

    def feed(self, chunk: bytes) -> bytes:
        if self.skip is None:
            self.buf += chunk
            if len(self.buf) < 10:
                return b""
            self.skip = _id3_length(self.buf)
            chunk, self.buf = self.buf, b""
        if self.skip:
            dropped = min(self.skip, len(chunk))
            self.skip -= dropped
            chunk = chunk[dropped:]
        return chunk

    def flush(self) -> bytes:
        rest, self.buf = self.buf, b""
        return rest


def _strip_id3(chunks: Iterator[bytes]) -> Iterator[bytes]:
    stripper = _Id3Stripper()
    for chunk in chunks:
        out = stripper.feed(chunk)
        if out:
            yield out
    rest = stripper.flush()
    if rest:
        yield rest


async def _astrip_id3(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    stripper = _Id3Stripper()
    async for chunk in chunks:
        out = stripper.feed(chunk)
        if out:
            yield out
    rest = stripper.flush()
    if rest:
        yield rest


def _sse_audio(event: Any) -> bytes | None:
    """Audio of one speech SSE event; ``None`` at ``speech.audio.done``; ``b""`` otherwise."""
    if not isinstance(event, dict):
        return b""
    kind = event.get("type")
    if kind == "speech.audio.delta":
        data = event.get("audio")
        return base64.b64decode(data) if isinstance(data, str) and data else b""
    if kind == "speech.audio.done":
        return None
    return b""


def _sse_incomplete() -> StreamInterruptedError:
    return StreamInterruptedError(
        "The speech stream ended before 'speech.audio.done'; the audio is incomplete. Retry."
    )
