"""The machinery both speech-to-text tools share: settings, input, and the sync/async shells.

The shells only send, sleep and gather; every decision is the sans-I/O
:class:`~langchain_azure_audio.tools._transcript_core.TranscriptionJob`'s (see that module for
who retries what).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar, Literal

import openai
from langchain_core.tools import BaseTool, ToolException
from pydantic import ConfigDict, Field, model_validator

from langchain_azure_audio.capabilities import (
    MAX_TRANSCRIPTION_BYTES,
    ModelCapabilities,
    ModelKind,
)
from langchain_azure_audio.errors import AzureAudioError, ConfigurationError, service_errors
from langchain_azure_audio.settings import AzureAudioSettings
from langchain_azure_audio.sources import AudioSource, SourcePolicy, load_audio
from langchain_azure_audio.tools._chunking import ChunkSpan
from langchain_azure_audio.tools._common import Progress, ProgressCallback, TypedArgsMixin
from langchain_azure_audio.tools._stitching import ChunkTranscript
from langchain_azure_audio.tools._transcript_audio import ChunkLimits, prepare_audio
from langchain_azure_audio.tools._transcript_core import Endpoint, TranscriptionJob
from langchain_azure_audio.tools._transcript_options import (
    TranscriptOptions,
    resolve_transcript_options,
)
from langchain_azure_audio.tools._types import TranscriptFormat, TranscriptionArtifact

__all__ = ["AudioToTextTool"]

_FAILURES = (AzureAudioError, openai.OpenAIError)
"""What a chunk request can raise that :class:`ChunkAttempts` judges (transient or not)."""


@contextlib.contextmanager
def _quiet_sdk_deprecation() -> Iterator[None]:
    """The SDK marks ``audio.translations.create`` deprecated; the Azure endpoint is not."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="deprecated", category=DeprecationWarning)
        yield


class AudioToTextTool(TypedArgsMixin, BaseTool, AzureAudioSettings):
    """Shared machinery of the transcription and translation tools."""

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    on_progress: ProgressCallback | None = Field(default=None, exclude=True, repr=False)
    """Called as ``on_progress(done, total)`` when the audio is planned and after each chunk."""
    handle_tool_error: bool | str | Callable[[ToolException], str] | None = True
    """In a tool call, a refused argument (missing or unreadable file, bad language...) becomes
    an error ``ToolMessage`` the model can act on; ``False`` makes it raise. Direct calls raise."""
    """LangChain's tool output mode; the transcript's format is ``transcript_format``."""

    transcript_format: TranscriptFormat = "json"
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
    ``False`` up to ``max_concurrency`` chunks are transcribed at once (threads for sync calls,
    tasks for async ones)."""

    max_concurrency: int = Field(default=4, ge=1)

    chunk_retries: int = Field(default=2, ge=0)
    """Extra attempts for a chunk after a transient failure (throttling, 5xx, dropped
    connection). Chunk requests are sent with the SDK's own retries off, so a failing chunk is
    sent at most ``1 + chunk_retries`` times; whole (unsplit) recordings are retried by the SDK
    (``max_retries``) alone. A chunk that still fails raises :class:`ChunkTranscriptionError`;
    no chunk is ever skipped."""

    chunk_retry_delay: float = Field(default=1.0, ge=0)
    """Base of the exponential backoff between chunk attempts (the service's retry-after wins)."""

    max_download_bytes: int = Field(default=512 * 1024 * 1024, gt=0)

    _default_deployment: ClassVar[str | None] = "whisper"
    _model_kind: ClassVar[ModelKind | None] = "transcription"
    _model_examples: ClassVar[str] = "whisper, gpt-4o-transcribe, gpt-4o-mini-transcribe"
    _endpoint: ClassVar[Endpoint] = "transcriptions"

    @model_validator(mode="after")
    def _validate_tool(self) -> AudioToTextTool:
        if self.max_chunk_bytes > MAX_TRANSCRIPTION_BYTES:
            raise ConfigurationError(
                f"max_chunk_bytes cannot exceed the service's limit of {MAX_TRANSCRIPTION_BYTES} "
                "bytes."
            )
        caps = self._resolve_model()
        if caps is not None:
            self._check_family(caps)
        self._options()
        self._clients = self._build_clients()
        return self

    def _check_family(self, caps: ModelCapabilities) -> None:
        """Subclass hook: refuse families the endpoint does not serve."""

    def _defaults(self) -> TranscriptOptions:
        """The tool's default options (subclasses add theirs)."""
        return TranscriptOptions(None, self.prompt, self.transcript_format, self.temperature, ())

    def _options(
        self,
        language: str | None = None,
        prompt: str | None = None,
        transcript_format: str | None = None,
        temperature: float | None = None,
        timestamp_granularities: Sequence[str] | None = None,
    ) -> TranscriptOptions:
        """A call's options merged with the tool's defaults, checked against the family."""
        return resolve_transcript_options(
            self._caps,
            self._defaults(),
            language=language,
            prompt=prompt,
            transcript_format=transcript_format,
            temperature=temperature,
            timestamp_granularities=timestamp_granularities,
        )

    # -- planning (no I/O but reading the source) -----------------------------------------------

    def _job(self, audio: AudioSource, options: TranscriptOptions) -> TranscriptionJob:
        """Read, validate and plan ``audio``; refuses paths outside ``input_dir`` and URLs."""
        data = load_audio(
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
        limits = ChunkLimits(
            self.max_chunk_seconds, self.max_chunk_bytes, self.chunk_overlap_seconds
        )
        formats = self._caps.input_formats if self._caps is not None else None
        return TranscriptionJob(
            prepare_audio(data, formats, limits),
            options,
            endpoint=self._endpoint,
            deployment=self.azure_deployment,
            carry_prompt=self.carry_prompt,
            retries=self.chunk_retries,
            retry_delay=self.chunk_retry_delay,
        )

    # -- sync shell ----------------------------------------------------------------------------

    def _run_audio(self, audio: AudioSource, options: TranscriptOptions) -> TranscriptionArtifact:
        job = self._job(audio, options)
        client = self._bundle.sync
        if job.sdk_max_retries is not None:
            client = client.with_options(max_retries=job.sdk_max_retries)
        api = getattr(client.audio, job.endpoint)
        progress = Progress(self.on_progress, 1 if job.whole else len(job.spans))
        if job.whole:
            artifact = job.read_whole(self._send(api, job.whole_request()))
            progress.step()
            return artifact

        def one(span: ChunkSpan, previous: str) -> ChunkTranscript:
            body, attempts = job.chunk_request(span, previous), job.attempts(span)
            while True:
                try:
                    raw = self._send(api, body)
                except _FAILURES as exc:
                    time.sleep(attempts.failed(exc))
                else:
                    part = job.read_chunk(span, raw)
                    progress.step()
                    return part

        if job.concurrent:
            with ThreadPoolExecutor(max_workers=self.max_concurrency) as pool:
                return job.finish(list(pool.map(lambda span: one(span, ""), job.spans)))
        parts: list[ChunkTranscript] = []
        for span in job.spans:
            parts.append(one(span, parts[-1].text if parts else ""))
        return job.finish(parts)

    def _send(self, api: Any, body: dict[str, Any]) -> str:
        with service_errors(), _quiet_sdk_deprecation():
            raw = api.with_raw_response.create(**body, extra_headers=self._bundle.extra_headers)
            return str(raw.http_response.text)

    # -- async shell ---------------------------------------------------------------------------

    async def _arun_audio(
        self, audio: AudioSource, options: TranscriptOptions
    ) -> TranscriptionArtifact:
        job = await asyncio.to_thread(self._job, audio, options)
        client = self._bundle.async_
        if job.sdk_max_retries is not None:
            client = client.with_options(max_retries=job.sdk_max_retries)
        api = getattr(client.audio, job.endpoint)
        progress = Progress(self.on_progress, 1 if job.whole else len(job.spans))
        if job.whole:
            artifact = job.read_whole(await self._asend(api, job.whole_request()))
            progress.step()
            return artifact
        limit = asyncio.Semaphore(self.max_concurrency)

        async def one(span: ChunkSpan, previous: str) -> ChunkTranscript:
            body, attempts = job.chunk_request(span, previous), job.attempts(span)
            while True:
                try:
                    async with limit:
                        raw = await self._asend(api, body)
                except _FAILURES as exc:
                    await asyncio.sleep(attempts.failed(exc))
                else:
                    part = job.read_chunk(span, raw)
                    progress.step()
                    return part

        if job.concurrent:
            return job.finish(list(await asyncio.gather(*(one(s, "") for s in job.spans))))
        parts: list[ChunkTranscript] = []
        for span in job.spans:
            parts.append(await one(span, parts[-1].text if parts else ""))
        return job.finish(parts)

    async def _asend(self, api: Any, body: dict[str, Any]) -> str:
        with service_errors(), _quiet_sdk_deprecation():
            raw = await api.with_raw_response.create(
                **body, extra_headers=self._bundle.extra_headers
            )
            return str(raw.http_response.text)

    @staticmethod
    def _summary(artifact: TranscriptionArtifact) -> str:
        return artifact["text"] or "(no speech was recognized)"
