"""Speech → text tools: ``AzureSpeechToTextTool`` and ``AzureAudioTranslationTool``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, TypedDict

import openai
from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.tools import BaseTool
from langchain_core.tools.base import ArgsSchema
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from langchain_azure_audio.audio import check_audio_header, mime_for_format, sniff_format
from langchain_azure_audio.capabilities import (
    MAX_TRANSCRIPTION_BYTES,
    ModelCapabilities,
    ModelKind,
)
from langchain_azure_audio.errors import (
    AudioValidationError,
    AzureAudioError,
    ChunkTranscriptionError,
    ConfigurationError,
    UnsupportedOptionError,
    service_errors,
)
from langchain_azure_audio.settings import AzureAudioSettings
from langchain_azure_audio.sources import AudioSource, SourcePolicy, load_audio
from langchain_azure_audio.tools._chunking import (
    ChunkSpan,
    ChunkTranscript,
    StitchedTranscript,
    parse_subtitles,
    plan_chunks,
    render_srt,
    render_vtt,
    stitch,
    wav_to_pcm16,
)
from langchain_azure_audio.tools._common import TypedArgsMixin, is_transient, retry_delay

__all__ = [
    "AudioSource",
    "AzureAudioTranslationTool",
    "AzureSpeechToTextTool",
    "TranscriptionArtifact",
    "TranscriptionInput",
    "TranslationInput",
]

logger = logging.getLogger(__name__)

ResponseFormat = Literal["json", "text", "srt", "verbose_json", "vtt"]

_LANGUAGE_RE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?")
_MIN_BYTES_PER_SECOND = 1000
"""Lowest bitrate assumed when guessing whether compressed audio could exceed the length limit."""
_PROMPT_CARRY_CHARS = 200
_WHISPER_RATE = 16_000


class TranscriptionArtifact(TypedDict):
    """The artifact of the transcription and translation tools (``ToolMessage.artifact``)."""

    text: str
    """The plain transcript (or English translation)."""
    transcript_format: str
    document: str
    """The response in the requested ``transcript_format`` (srt/vtt re-rendered after stitching)."""
    language: str | None
    duration_seconds: float | None
    segments: list[dict[str, Any]]
    """``{"id", "start", "end", "text", ...}`` in seconds from the recording's start."""
    words: list[dict[str, Any]]
    """``{"word", "start", "end"}`` (verbose_json with word granularity)."""
    chunks: int
    """How many requests the audio took (long audio is split)."""


_AUDIO_DESCRIPTION = (
    "The recording to transcribe: a local audio file path (wav, mp3, m4a, flac, ogg, webm) "
    "or a data: URL."
)


class _AudioArgs(BaseModel):
    """The recording argument both audio-to-text tools take."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    audio: Annotated[
        bytes | str | dict[str, Any],
        WithJsonSchema({"type": "string", "description": _AUDIO_DESCRIPTION}),
    ] = Field(description=_AUDIO_DESCRIPTION)


class TranscriptionInput(_AudioArgs):
    """Arguments of the speech-to-text tool."""

    language: str | None = Field(
        default=None,
        description="ISO-639-1 code of the spoken language, e.g. 'en' or 'de'. Omit to detect it.",
    )
    prompt: str | None = Field(
        default=None,
        description="Optional context that guides spelling and style: names, jargon, or the text "
        "that came before.",
    )


class TranslationInput(_AudioArgs):
    """Arguments of the audio translation tool."""

    prompt: str | None = Field(
        default=None,
        description="Optional English text that guides spelling and style (names, jargon).",
    )


@dataclass(frozen=True)
class _Call:
    """Validated per-call options."""

    language: str | None
    prompt: str | None
    transcript_format: str
    temperature: float | None
    timestamp_granularities: tuple[str, ...]


@dataclass(frozen=True)
class _Prepared:
    """Audio ready to send: whole, or planned as chunks of ``pcm``."""

    data: bytes
    format: str
    chunks: list[ChunkSpan]
    pcm: bytes = b""
    rate: int = 0


class _AudioToTextTool(TypedArgsMixin, BaseTool, AzureAudioSettings):
    """Shared machinery of the transcription and translation tools."""

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    """LangChain's tool output mode; the transcript's format is ``transcript_format``."""

    transcript_format: ResponseFormat = "json"
    """The service's ``response_format``: json, text, srt, vtt, verbose_json (the last three are
    whisper only). Named ``transcript_format`` because ``response_format`` is the tool's own."""

    prompt: str | None = None
    """Default prompt (names, jargon); chunks of long audio add the previous chunk's text."""

    temperature: float | None = Field(default=None, ge=0.0, le=1.0)

    allow_remote_urls: bool = False
    """Download http(s) URLs given as audio. Off by default: a model could be talked into
    making the machine fetch an address."""

    input_dir: str | None = None
    """When set, local paths must lie inside this directory (recommended for agents)."""

    max_chunk_seconds: float = Field(default=600.0, gt=0)
    """Longer audio is split into chunks of at most this length (also split above 25 MB)."""

    max_chunk_bytes: int = Field(default=MAX_TRANSCRIPTION_BYTES, gt=1024)
    """Largest upload; audio above it is split. Cannot exceed the service's 25 MB."""

    chunk_overlap_seconds: float = Field(default=1.0, ge=0)
    """Audio shared by neighbouring chunks when no silence is found near a cut."""

    carry_prompt: bool = True
    """Send the end of the previous chunk's text as the next chunk's prompt (sequential). With
    ``False`` async calls transcribe up to ``max_concurrency`` chunks at once."""

    max_concurrency: int = Field(default=4, ge=1)

    chunk_retries: int = Field(default=2, ge=0)
    """Extra attempts for a chunk after a transient failure (throttling, 5xx, dropped
    connection), on top of the SDK's own retries. A chunk that still fails raises
    :class:`ChunkTranscriptionError`; no chunk is ever skipped."""

    chunk_retry_delay: float = Field(default=1.0, ge=0)
    """Base of the exponential backoff between chunk attempts (the service's retry-after wins)."""

    max_download_bytes: int = Field(default=512 * 1024 * 1024, gt=0)

    _default_deployment: ClassVar[str | None] = "whisper"
    _model_kind: ClassVar[ModelKind | None] = "transcription"
    _model_examples: ClassVar[str] = "whisper, gpt-4o-transcribe, gpt-4o-mini-transcribe"
    _endpoint: ClassVar[Literal["transcriptions", "translations"]] = "transcriptions"

    @model_validator(mode="after")
    def _validate_tool(self) -> _AudioToTextTool:
        if self.max_chunk_bytes > MAX_TRANSCRIPTION_BYTES:
            raise ConfigurationError(
                f"max_chunk_bytes cannot exceed the service's limit of {MAX_TRANSCRIPTION_BYTES} "
                "bytes."
            )
        caps = self._resolve_model()
        if caps is not None:
            self._check_family(caps)
        self._resolve_call(None, None, None, None, None)
        self._clients = self._build_clients()
        return self

    def _check_family(self, caps: ModelCapabilities) -> None:
        """Subclass hook: refuse families the endpoint does not serve."""

    @property
    def _default_granularities(self) -> tuple[str, ...]:
        return ()

    # -- options -----------------------------------------------------------------------------

    def _resolve_call(
        self,
        language: str | None,
        prompt: str | None,
        transcript_format: str | None,
        temperature: float | None,
        timestamp_granularities: list[str] | tuple[str, ...] | None,
    ) -> _Call:
        fmt = transcript_format or self.transcript_format
        if timestamp_granularities is not None and not isinstance(
            timestamp_granularities, list | tuple
        ):
            raise UnsupportedOptionError(
                "timestamp_granularities must be a list such as ['word', 'segment'], not "
                f"{timestamp_granularities!r}.",
                option="timestamp_granularities",
                value=timestamp_granularities,
            )
        grains = tuple(
            timestamp_granularities
            if timestamp_granularities is not None
            else self._default_granularities
        )
        temp = self.temperature if temperature is None else temperature
        call = _Call(
            language=language,
            prompt=prompt if prompt is not None else self.prompt,
            transcript_format=fmt,
            temperature=temp,
            timestamp_granularities=grains,
        )
        if fmt not in ("json", "text", "srt", "verbose_json", "vtt"):
            raise UnsupportedOptionError(
                f"transcript_format {fmt!r} is not supported; use json, text, srt, vtt or "
                "verbose_json.",
                option="transcript_format",
                value=fmt,
            )
        if temp is not None and (
            isinstance(temp, bool) or not isinstance(temp, int | float) or not 0.0 <= temp <= 1.0
        ):
            raise UnsupportedOptionError(
                f"temperature must be between 0 and 1 (got {temp}).",
                option="temperature",
                value=temp,
            )
        if language is not None and (
            not isinstance(language, str) or not _LANGUAGE_RE.fullmatch(language)
        ):
            raise UnsupportedOptionError(
                f"language {language!r} is not an ISO-639-1 code such as 'en' or 'de'.",
                option="language",
                value=language,
            )
        if call.prompt is not None and not isinstance(call.prompt, str):
            raise UnsupportedOptionError(
                f"prompt must be text, not {type(call.prompt).__name__}.",
                option="prompt",
                value=call.prompt,
            )
        bad = [g for g in grains if not isinstance(g, str) or g not in ("word", "segment")]
        if bad:
            raise UnsupportedOptionError(
                f"timestamp_granularities accepts 'word' and 'segment', not {bad}.",
                option="timestamp_granularities",
                value=list(grains),
            )
        caps = self._caps
        if caps is not None:
            caps.check_response_format(fmt, option="transcript_format")
            if grains and not caps.supports_timestamps:
                raise UnsupportedOptionError(
                    f"timestamp_granularities need a whisper deployment; {caps.family} does not "
                    "return timestamps.",
                    option="timestamp_granularities",
                    value=list(grains),
                )
        if grains and fmt != "verbose_json":
            raise UnsupportedOptionError(
                "timestamp_granularities only work with transcript_format='verbose_json' "
                f"(got {fmt!r}).",
                option="timestamp_granularities",
                value=list(grains),
            )
        return call

    # -- input ---------------------------------------------------------------------------------

    def _load(self, audio: AudioSource) -> bytes:
        """Bytes of ``audio``, refusing remote URLs and paths outside ``input_dir``."""
        return load_audio(
            audio,
            SourcePolicy(
                allow_remote_urls=self.allow_remote_urls,
                input_dir=self.input_dir,
                timeout=self.timeout,
                max_download_bytes=self.max_download_bytes,
                max_bytes=self.max_download_bytes,
                limit_hint="Raise max_download_bytes, or split the recording.",
            ),
        )

    def _prepare(self, data: bytes) -> _Prepared:
        """Validate audio and decide whether (and where) to split it; no request is sent."""
        if not data:
            raise AudioValidationError("The audio is empty (0 bytes).")
        fmt = sniff_format(data)
        if fmt is None:
            raise AudioValidationError(
                f"The data is not audio in a known container (first bytes {data[:8]!r}). Send "
                "wav, mp3, m4a, flac, ogg or webm."
            )
        from langchain_azure_audio import _codecs

        have_codecs = _codecs.codecs_available()
        allowed = self._caps.input_formats if self._caps is not None else frozenset({fmt})
        duration: float | None = None
        decoded: tuple[bytes, int] | None = None
        info = check_audio_header(data[:65536], len(data), fmt)
        if info is not None:
            decoded = wav_to_pcm16(data)
            duration = info.duration
        too_big = len(data) > self.max_chunk_bytes
        maybe_long = duration is None and len(data) > self.max_chunk_seconds * _MIN_BYTES_PER_SECOND
        needs_convert = fmt not in allowed
        if duration is None and (too_big or maybe_long or needs_convert):
            if not have_codecs:
                if needs_convert or too_big:
                    raise AudioValidationError(
                        f"This {fmt} audio ({len(data) / 1048576:.1f} MB) must be "
                        + ("converted" if needs_convert else "split into chunks")
                        + ' first, which needs the codecs extra: pip install "langchain-azure-'
                        'audio[codecs]" (or send wav, which is split without it).'
                    )
            else:
                decoded = _codecs.decode_to_pcm16(data, sample_rate=_WHISPER_RATE)
                duration = len(decoded[0]) / (2 * decoded[1])
        too_long = duration is not None and duration > self.max_chunk_seconds
        if not (too_big or too_long):
            if needs_convert and decoded is not None:
                return _Prepared(_pcm_wav(*decoded), "wav", [])
            return _Prepared(data, fmt, [])
        if decoded is None:
            if not have_codecs:
                raise AudioValidationError(
                    "This wav file is not 16-bit PCM; splitting it needs the codecs extra: "
                    'pip install "langchain-azure-audio[codecs]".'
                )
            decoded = _codecs.decode_to_pcm16(data, sample_rate=_WHISPER_RATE)
        pcm, rate = decoded
        if rate > _WHISPER_RATE and have_codecs:
            pcm, rate = _codecs.resample_pcm16(pcm, rate, _WHISPER_RATE), _WHISPER_RATE
        byte_seconds = (self.max_chunk_bytes - 64) / (2 * rate)
        spans = plan_chunks(
            pcm,
            rate,
            max_seconds=min(self.max_chunk_seconds, byte_seconds),
            overlap_seconds=self.chunk_overlap_seconds,
        )
        logger.info(
            "Audio of %.1f s / %.1f MB split into %d chunks.",
            len(pcm) / (2 * rate),
            len(data) / 1048576,
            len(spans),
        )
        return _Prepared(data, fmt, spans, pcm, rate)

    # -- requests ------------------------------------------------------------------------------

    def _body(
        self, file: tuple[str, bytes, str], call: _Call, fmt: str, prompt: str | None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "file": file,
            "model": self.azure_deployment,
            "response_format": fmt,
        }
        if prompt:
            body["prompt"] = prompt
        if call.temperature is not None:
            body["temperature"] = call.temperature
        if self._endpoint == "transcriptions":
            if call.language:
                body["language"] = call.language
            if call.timestamp_granularities and fmt == "verbose_json":
                body["timestamp_granularities"] = list(call.timestamp_granularities)
        return body

    def _send(self, body: dict[str, Any]) -> str:
        bundle = self._bundle
        api = getattr(bundle.sync.audio, self._endpoint)
        with service_errors(), _quiet_sdk_deprecation():
            raw = api.with_raw_response.create(**body, extra_headers=bundle.extra_headers)
            return str(raw.http_response.text)

    async def _asend(self, body: dict[str, Any]) -> str:
        bundle = self._bundle
        api = getattr(bundle.async_.audio, self._endpoint)
        with service_errors(), _quiet_sdk_deprecation():
            raw = await api.with_raw_response.create(**body, extra_headers=bundle.extra_headers)
            return str(raw.http_response.text)

    @staticmethod
    def _chunk_format(fmt: str) -> str:
        return "verbose_json" if fmt in ("srt", "vtt", "verbose_json") else "json"

    @staticmethod
    def _chunk_prompt(base: str | None, previous: str) -> str | None:
        tail = previous.strip()
        if len(tail) > _PROMPT_CARRY_CHARS:
            tail = tail[-_PROMPT_CARRY_CHARS:]
            tail = tail.split(" ", 1)[1] if " " in tail else tail
        parts = [p for p in (base, tail) if p]
        return " ".join(parts) if parts else None

    def _chunk_body(
        self, prepared: _Prepared, span: ChunkSpan, call: _Call, prompt: str | None
    ) -> dict[str, Any]:
        wav = _pcm_wav(span.slice(prepared.pcm), prepared.rate)
        return self._body(
            (f"chunk-{span.index + 1:04d}.wav", wav, "audio/wav"),
            call,
            self._chunk_format(call.transcript_format),
            prompt,
        )

    def _chunk_failed(
        self, span: ChunkSpan, exc: BaseException, attempts: int, total: int
    ) -> ChunkTranscriptionError:
        return ChunkTranscriptionError(
            f"Transcribing {span.describe()} of {total} failed after {attempts} attempt(s): "
            f"{exc}. No partial transcript is returned; retry the call.",
            chunk_index=span.index,
            start_seconds=span.start_seconds,
            end_seconds=span.end_seconds,
            attempts=attempts,
        )

    def _send_chunk(self, body: dict[str, Any], span: ChunkSpan, total: int) -> str:
        attempt = 0
        while True:
            try:
                return self._send(body)
            except (AzureAudioError, openai.OpenAIError) as exc:
                attempt += 1
                if not is_transient(exc) or attempt > self.chunk_retries:
                    raise self._chunk_failed(span, exc, attempt, total) from exc
                delay = retry_delay(exc, attempt - 1, self.chunk_retry_delay)
                logger.warning("%s failed (%s); retrying in %.1f s.", span.describe(), exc, delay)
                time.sleep(delay)

    async def _asend_chunk(self, body: dict[str, Any], span: ChunkSpan, total: int) -> str:
        attempt = 0
        while True:
            try:
                return await self._asend(body)
            except (AzureAudioError, openai.OpenAIError) as exc:
                attempt += 1
                if not is_transient(exc) or attempt > self.chunk_retries:
                    raise self._chunk_failed(span, exc, attempt, total) from exc
                delay = retry_delay(exc, attempt - 1, self.chunk_retry_delay)
                logger.warning("%s failed (%s); retrying in %.1f s.", span.describe(), exc, delay)
                await asyncio.sleep(delay)

    # -- public API ----------------------------------------------------------------------------

    def _run_audio(
        self,
        audio: AudioSource,
        language: str | None,
        prompt: str | None,
        transcript_format: str | None,
        temperature: float | None,
        timestamp_granularities: list[str] | None,
    ) -> TranscriptionArtifact:
        call = self._resolve_call(
            language, prompt, transcript_format, temperature, timestamp_granularities
        )
        prepared = self._prepare(self._load(audio))
        if not prepared.chunks:
            body = self._whole_body(prepared, call)
            return _artifact_from_response(self._send(body), call.transcript_format)
        parts: list[ChunkTranscript] = []
        previous = ""
        total = len(prepared.chunks)
        for span in prepared.chunks:
            chunk_prompt = self._chunk_prompt(call.prompt, previous if self.carry_prompt else "")
            body = self._chunk_body(prepared, span, call, chunk_prompt)
            part = _chunk_transcript(span, self._send_chunk(body, span, total))
            previous = part.text
            parts.append(part)
        return _artifact_from_chunks(stitch(parts), call.transcript_format, total)

    async def _arun_audio(
        self,
        audio: AudioSource,
        language: str | None,
        prompt: str | None,
        transcript_format: str | None,
        temperature: float | None,
        timestamp_granularities: list[str] | None,
    ) -> TranscriptionArtifact:
        call = self._resolve_call(
            language, prompt, transcript_format, temperature, timestamp_granularities
        )
        data = await asyncio.to_thread(self._load, audio)
        prepared = await asyncio.to_thread(self._prepare, data)
        if not prepared.chunks:
            body = self._whole_body(prepared, call)
            return _artifact_from_response(await self._asend(body), call.transcript_format)
        total = len(prepared.chunks)
        parts: list[ChunkTranscript] = []
        if self.carry_prompt:
            previous = ""
            for span in prepared.chunks:
                body = self._chunk_body(
                    prepared, span, call, self._chunk_prompt(call.prompt, previous)
                )
                part = _chunk_transcript(span, await self._asend_chunk(body, span, total))
                previous = part.text
                parts.append(part)
        else:
            limit = asyncio.Semaphore(self.max_concurrency)

            async def one(span: ChunkSpan) -> ChunkTranscript:
                async with limit:
                    body = self._chunk_body(prepared, span, call, call.prompt)
                    return _chunk_transcript(span, await self._asend_chunk(body, span, total))

            parts = list(await asyncio.gather(*(one(s) for s in prepared.chunks)))
        return _artifact_from_chunks(stitch(parts), call.transcript_format, total)

    def _whole_body(self, prepared: _Prepared, call: _Call) -> dict[str, Any]:
        ext = prepared.format
        file = (f"audio.{ext}", prepared.data, mime_for_format(ext))
        return self._body(file, call, call.transcript_format, call.prompt)

    @staticmethod
    def _summary(artifact: TranscriptionArtifact) -> str:
        return artifact["text"] or "(no speech was recognized)"


class AzureSpeechToTextTool(_AudioToTextTool):
    """Transcribe speech with Azure OpenAI ``/audio/transcriptions``.

    Works with whisper, gpt-4o-transcribe and gpt-4o-mini-transcribe deployments. A LangChain
    tool with ``response_format="content_and_artifact"``: the model reads the transcript, the
    :class:`TranscriptionArtifact` carries the response document, segments, word timestamps,
    language and duration.

    Audio can be a path, bytes, a ``data:`` URL or an audio content block; http(s) URLs only
    with ``allow_remote_urls=True``. Everything is validated before a request: empty, corrupt
    or non-audio input, ``transcript_format`` per model (srt/vtt/verbose_json are whisper only),
    ``timestamp_granularities`` (whisper + verbose_json), temperature, language. Audio over 25 MB
    or longer than ``max_chunk_seconds`` is split at pauses (with overlap where no pause is
    found), each chunk gets the previous chunk's text as ``prompt``, and the results are
    stitched with continuous, monotonic timestamps. A chunk that keeps failing raises
    :class:`ChunkTranscriptionError` naming it.

    Setup:
        .. code-block:: bash

            pip install "langchain-azure-audio[codecs]"   # codecs: split/convert mp3, m4a...
            export AZURE_OPENAI_ENDPOINT="https://<resource>.openai.azure.com"
            export AZURE_OPENAI_API_KEY="..."

    Key init args:
        azure_deployment: The transcription deployment (default: ``model`` or ``"whisper"``).
        transcript_format: json (default), text, srt, vtt, verbose_json.
        timestamp_granularities: ``["segment"]``, ``["word"]`` or both (verbose_json).
        language / prompt / temperature: defaults for every call.
        max_chunk_seconds / chunk_overlap_seconds / chunk_retries: long audio.
        allow_remote_urls / input_dir: what the tool may read.

    Invoke:
        .. code-block:: python

            from langchain_azure_audio import AzureSpeechToTextTool

            stt = AzureSpeechToTextTool(azure_deployment="whisper",
                                        transcript_format="verbose_json",
                                        timestamp_granularities=["segment", "word"])
            result = stt.transcribe("meeting.mp3")      # a TranscriptionArtifact dict
            result["text"], result["segments"][0]["start"]
            stt.invoke({"audio": "meeting.mp3"})      # the transcript text

    Example (runnable, against the local emulator):
        >>> from langchain_azure_audio.emulator import Emulator  # doctest: +SKIP
        >>> with Emulator() as emu:  # doctest: +SKIP
        ...     wav = emu.speech_tool(audio_format="wav").synthesize("Testing one two three.")
        ...     emu.transcription_tool().transcribe(wav)["text"]
        'Testing one, two, three.'
    """

    name: str = "speech_to_text"
    description: str = (
        "Transcribe speech in an audio recording to text. Input: the path of a local audio "
        "file. Returns the transcript."
    )
    args_schema: ArgsSchema | None = TranscriptionInput

    language: str | None = None
    """Default language (ISO-639-1) of the audio; ``None`` lets the service detect it."""

    timestamp_granularities: list[Literal["word", "segment"]] | None = None
    """``verbose_json`` timestamps to ask for (whisper only)."""

    @property
    def _default_granularities(self) -> tuple[str, ...]:
        return tuple(self.timestamp_granularities or ())

    def transcribe(
        self,
        audio: AudioSource,
        *,
        language: str | None = None,
        prompt: str | None = None,
        transcript_format: ResponseFormat | None = None,
        temperature: float | None = None,
        timestamp_granularities: list[str] | None = None,
    ) -> TranscriptionArtifact:
        """Transcribe ``audio`` (splitting and stitching long audio); options override defaults."""
        return self._run_audio(
            audio,
            language or self.language,
            prompt,
            transcript_format,
            temperature,
            timestamp_granularities,
        )

    async def atranscribe(
        self,
        audio: AudioSource,
        *,
        language: str | None = None,
        prompt: str | None = None,
        transcript_format: ResponseFormat | None = None,
        temperature: float | None = None,
        timestamp_granularities: list[str] | None = None,
    ) -> TranscriptionArtifact:
        """Async :meth:`transcribe`."""
        return await self._arun_audio(
            audio,
            language or self.language,
            prompt,
            transcript_format,
            temperature,
            timestamp_granularities,
        )

    def _run(
        self,
        audio: AudioSource,
        language: str | None = None,
        prompt: str | None = None,
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> tuple[str, TranscriptionArtifact]:
        artifact = self.transcribe(audio, language=language, prompt=prompt)
        return self._summary(artifact), artifact

    async def _arun(
        self,
        audio: AudioSource,
        language: str | None = None,
        prompt: str | None = None,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> tuple[str, TranscriptionArtifact]:
        artifact = await self.atranscribe(audio, language=language, prompt=prompt)
        return self._summary(artifact), artifact


class AzureAudioTranslationTool(_AudioToTextTool):
    """Translate speech in any language into English text (``/audio/translations``, whisper).

    Same input handling, validation, long-audio splitting and artifact as
    :class:`AzureSpeechToTextTool`; only whisper deployments translate, other families are
    refused when the tool is created.

    Example:
        .. code-block:: python

            from langchain_azure_audio import AzureAudioTranslationTool

            translate = AzureAudioTranslationTool(azure_deployment="whisper")
            translate.translate("interview_de.mp3")["text"]   # English text
            translate.invoke({"audio": "interview_de.mp3"})
    """

    name: str = "translate_speech_to_english"
    description: str = (
        "Translate speech in an audio recording (any language) into English text. Input: the "
        "path of a local audio file. Returns the English translation."
    )
    args_schema: ArgsSchema | None = TranslationInput

    _endpoint: ClassVar[Literal["transcriptions", "translations"]] = "translations"

    def _check_family(self, caps: ModelCapabilities) -> None:
        if not caps.supports_translation:
            raise UnsupportedOptionError(
                f"Audio translation (/audio/translations) needs a whisper deployment; "
                f"{self.model_name!r} is {caps.family}. Use AzureSpeechToTextTool with it, or "
                "create this tool with a whisper deployment.",
                option="model",
                value=self.model_name,
            )

    def translate(
        self,
        audio: AudioSource,
        *,
        prompt: str | None = None,
        transcript_format: ResponseFormat | None = None,
        temperature: float | None = None,
    ) -> TranscriptionArtifact:
        """Translate ``audio`` into English."""
        return self._run_audio(audio, None, prompt, transcript_format, temperature, None)

    async def atranslate(
        self,
        audio: AudioSource,
        *,
        prompt: str | None = None,
        transcript_format: ResponseFormat | None = None,
        temperature: float | None = None,
    ) -> TranscriptionArtifact:
        """Async :meth:`translate`."""
        return await self._arun_audio(audio, None, prompt, transcript_format, temperature, None)

    def _run(
        self,
        audio: AudioSource,
        prompt: str | None = None,
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> tuple[str, TranscriptionArtifact]:
        artifact = self.translate(audio, prompt=prompt)
        return self._summary(artifact), artifact

    async def _arun(
        self,
        audio: AudioSource,
        prompt: str | None = None,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> tuple[str, TranscriptionArtifact]:
        artifact = await self.atranslate(audio, prompt=prompt)
        return self._summary(artifact), artifact


# -- input -------------------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet_sdk_deprecation() -> Iterator[None]:
    """The SDK marks ``audio.translations.create`` deprecated; the Azure endpoint is not."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="deprecated", category=DeprecationWarning)
        yield


# -- responses ---------------------------------------------------------------------------------


def _pcm_wav(pcm: bytes, rate: int) -> bytes:
    from langchain_azure_audio.audio import pcm16_to_wav

    return pcm16_to_wav(pcm, sample_rate=rate)


def _parse_json(raw: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise AzureAudioError(f"The service returned invalid JSON: {raw[:200]!r}") from exc
    if not isinstance(data, dict):
        raise AzureAudioError(f"Unexpected transcription response: {raw[:200]!r}")
    return data


def _chunk_transcript(span: ChunkSpan, raw: str) -> ChunkTranscript:
    data = _parse_json(raw)
    return ChunkTranscript(
        span=span,
        text=str(data.get("text") or ""),
        segments=[dict(s) for s in data.get("segments") or []],
        words=[dict(w) for w in data.get("words") or []],
        language=data.get("language"),
        duration=_float(data.get("duration")),
    )


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _artifact_from_response(raw: str, fmt: str) -> TranscriptionArtifact:
    segments: list[dict[str, Any]] = []
    words: list[dict[str, Any]] = []
    language: str | None = None
    duration: float | None = None
    if fmt in ("json", "verbose_json"):
        data = _parse_json(raw)
        text = str(data.get("text") or "")
        segments = [dict(s) for s in data.get("segments") or []]
        words = [dict(w) for w in data.get("words") or []]
        language = data.get("language")
        duration = _float(data.get("duration"))
    elif fmt in ("srt", "vtt"):
        segments = parse_subtitles(raw)
        text = " ".join(s["text"] for s in segments)
        duration = segments[-1]["end"] if segments else None
    else:
        text = raw
    return {
        "text": text.strip(),
        "transcript_format": fmt,
        "document": raw,
        "language": language,
        "duration_seconds": duration,
        "segments": segments,
        "words": words,
        "chunks": 1,
    }


def _artifact_from_chunks(
    stitched: StitchedTranscript, fmt: str, chunks: int
) -> TranscriptionArtifact:
    if fmt == "srt":
        document = render_srt(stitched.segments)
    elif fmt == "vtt":
        document = render_vtt(stitched.segments)
    elif fmt == "verbose_json":
        body: dict[str, Any] = {
            "task": "transcribe",
            "language": stitched.language,
            "duration": stitched.duration,
            "text": stitched.text,
            "segments": stitched.segments,
        }
        if stitched.words:
            body["words"] = stitched.words
        document = json.dumps(body)
    elif fmt == "json":
        document = json.dumps({"text": stitched.text})
    else:
        document = stitched.text
    return {
        "text": stitched.text,
        "transcript_format": fmt,
        "document": document,
        "language": stitched.language,
        "duration_seconds": stitched.duration,
        "segments": stitched.segments,
        "words": stitched.words,
        "chunks": chunks,
    }
