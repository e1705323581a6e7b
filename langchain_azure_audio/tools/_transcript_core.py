"""The sans-I/O core of a transcription or translation call.

:class:`TranscriptionJob` decides everything a call decides — the request for a whole
recording or for each chunk (prompt carried over from the previous chunk), what to do after a
chunk fails, how to read each answer and how to stitch them — and sends nothing. The tools'
sync and async methods are thin shells around it that only send, sleep and gather (the way
httpx's ``BaseClient`` or this package's ``sse`` decoder split the work), so both paths make
the same requests and the same decisions.

Who retries (decided once, here):

* A **whole recording** is one request, retried only by the openai SDK (``max_retries``:
  connection errors, 408/409/429/5xx, honouring ``retry-after``).
* **Chunks** of a long recording are sent with the SDK's retries off (``max_retries=0``, see
  :attr:`TranscriptionJob.sdk_max_retries`) and retried by :class:`ChunkAttempts`:
  ``chunk_retries`` more times after a transient failure, waiting the service's retry-after or an
  exponential backoff. A failing chunk is therefore sent at most ``1 + chunk_retries`` times
  (3 by default, as many as the SDK gives a whole request) instead of the SDK's retries stacked
  under the tool's (3 x 3 = 9), and :class:`ChunkTranscriptionError.attempts` is the real count.
  A chunk that still fails fails the call: no chunk is ever skipped.

Example:
    >>> from langchain_azure_audio.tools._transcript_audio import PreparedAudio
    >>> opts = TranscriptOptions("en", "Contoso", "json", None, ())
    >>> job = TranscriptionJob(PreparedAudio(b"RIFF...", "wav"), opts, endpoint="transcriptions",
    ...                        deployment="whisper", carry_prompt=True, retries=2, retry_delay=1.0)
    >>> request = job.whole_request()
    >>> request["file"][0], request["language"], request["prompt"], job.sdk_max_retries
    ('audio.wav', 'en', 'Contoso', None)
    >>> chunk_prompt("Glossary:", "and that was the end of the first chunk.")
    'Glossary: and that was the end of the first chunk.'
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

from langchain_azure_audio.audio import mime_for_format
from langchain_azure_audio.errors import ChunkTranscriptionError
from langchain_azure_audio.tools._chunking import ChunkSpan
from langchain_azure_audio.tools._common import is_transient, retry_delay
from langchain_azure_audio.tools._stitching import ChunkTranscript, stitch
from langchain_azure_audio.tools._transcript_audio import PreparedAudio
from langchain_azure_audio.tools._transcript_options import TranscriptOptions
from langchain_azure_audio.tools._transcripts import (
    artifact_from_chunks,
    artifact_from_response,
    chunk_transcript,
)
from langchain_azure_audio.tools._types import TranscriptionArtifact

__all__ = ["ChunkAttempts", "Endpoint", "TranscriptionJob", "chunk_prompt"]

logger = logging.getLogger(__name__)

Endpoint = Literal["transcriptions", "translations"]

_PROMPT_CARRY_CHARS = 200
"""How much of the previous chunk's text a chunk's prompt carries (whole words)."""


def chunk_prompt(base: str | None, previous: str) -> str | None:
    """A chunk's prompt: the call's prompt and the end of the previous chunk's text."""
    tail = previous.strip()
    if len(tail) > _PROMPT_CARRY_CHARS:
        tail = tail[-_PROMPT_CARRY_CHARS:]
        tail = tail.split(" ", 1)[1] if " " in tail else tail
    parts = [p for p in (base, tail) if p]
    return " ".join(parts) if parts else None


class ChunkAttempts:
    """The attempts at one chunk: after each failure, whether and when to try again."""

    def __init__(self, span: ChunkSpan, total: int, *, retries: int, base_delay: float) -> None:
        self.span = span
        self.total = total
        self.retries = retries
        self.base_delay = base_delay
        self.count = 0

    def failed(self, exc: BaseException) -> float:
        """Record a failed attempt; the seconds to wait before the next one.

        Raises:
            ChunkTranscriptionError: the failure is not transient, or the retries are spent.
        """
        self.count += 1
        if not is_transient(exc) or self.count > self.retries:
            raise ChunkTranscriptionError(
                f"Transcribing {self.span.describe()} of {self.total} failed after {self.count} "
                f"attempt(s): {exc}. No partial transcript is returned; retry the call.",
                chunk_index=self.span.index,
                start_seconds=self.span.start_seconds,
                end_seconds=self.span.end_seconds,
                attempts=self.count,
            ) from exc
        delay = retry_delay(exc, self.count - 1, self.base_delay)
        logger.warning("%s failed (%s); retrying in %.1f s.", self.span.describe(), exc, delay)
        return delay


class TranscriptionJob:
    """One call's requests and decisions, for the sync and async shells to carry out.

    Args:
        prepared: The recording, whole or planned as chunks.
        options: The call's checked options.
        endpoint: ``"transcriptions"`` or ``"translations"``.
        deployment: The deployment name sent as ``model``.
        carry_prompt: Chunks go one after another, each prompted with the previous one's text;
            ``False``: chunks may go concurrently with the call's prompt only.
        retries: Extra attempts of a chunk after a transient failure.
        retry_delay: Base of the exponential backoff between a chunk's attempts.
    """

    def __init__(
        self,
        prepared: PreparedAudio,
        options: TranscriptOptions,
        *,
        endpoint: Endpoint,
        deployment: str | None,
        carry_prompt: bool,
        retries: int,
        retry_delay: float,
    ) -> None:
        self.prepared = prepared
        self.options = options
        self.endpoint = endpoint
        self.deployment = deployment
        self.carry_prompt = carry_prompt
        self.retries = retries
        self.retry_delay = retry_delay

    @property
    def spans(self) -> list[ChunkSpan]:
        """The chunks to send (empty: the recording goes whole)."""
        return self.prepared.chunks

    @property
    def whole(self) -> bool:
        return not self.prepared.chunks

    @property
    def concurrent(self) -> bool:
        """Whether chunks may be in flight together (no prompt carried between them)."""
        return not self.carry_prompt

    @property
    def sdk_max_retries(self) -> int | None:
        """The SDK's retries for this job's requests (``None``: the client's own setting)."""
        return None if self.whole else 0

    # -- requests ------------------------------------------------------------------------------

    def _request(
        self, file: tuple[str, bytes, str], fmt: str, prompt: str | None
    ) -> dict[str, Any]:
        opts = self.options
        body: dict[str, Any] = {"file": file, "model": self.deployment, "response_format": fmt}
        if prompt:
            body["prompt"] = prompt
        if opts.temperature is not None:
            body["temperature"] = opts.temperature
        if self.endpoint == "transcriptions":
            if opts.language:
                body["language"] = opts.language
            if opts.timestamp_granularities and fmt == "verbose_json":
                body["timestamp_granularities"] = list(opts.timestamp_granularities)
        return body

    def whole_request(self) -> dict[str, Any]:
        """The keyword arguments of the SDK's ``create`` for the whole recording."""
        ext = self.prepared.format
        file = (f"audio.{ext}", self.prepared.data, mime_for_format(ext))
        return self._request(file, self.options.transcript_format, self.options.prompt)

    def chunk_request(self, span: ChunkSpan, previous_text: str = "") -> dict[str, Any]:
        """The keyword arguments of ``create`` for one chunk.

        Chunks always ask for (verbose) JSON so their timestamps can be stitched; srt and vtt
        are rendered from the stitched segments. ``previous_text`` (the previous chunk's
        transcript) is carried into the prompt unless chunks go concurrently.
        """
        timed = self.options.transcript_format in ("srt", "vtt", "verbose_json")
        fmt = "verbose_json" if timed else "json"
        prompt = chunk_prompt(self.options.prompt, previous_text if self.carry_prompt else "")
        file = (f"chunk-{span.index + 1:04d}.wav", self.prepared.chunk_wav(span), "audio/wav")
        return self._request(file, fmt, prompt)

    def attempts(self, span: ChunkSpan) -> ChunkAttempts:
        """A fresh retry budget for ``span``."""
        return ChunkAttempts(
            span, len(self.spans), retries=self.retries, base_delay=self.retry_delay
        )

    # -- answers -------------------------------------------------------------------------------

    def read_whole(self, raw: str) -> TranscriptionArtifact:
        """The artifact of the whole recording's response."""
        return artifact_from_response(raw, self.options.transcript_format)

    def read_chunk(self, span: ChunkSpan, raw: str) -> ChunkTranscript:
        """The transcript of one chunk's response."""
        return chunk_transcript(span, raw)

    def finish(self, parts: Sequence[ChunkTranscript]) -> TranscriptionArtifact:
        """The artifact of all chunks, stitched (``parts`` in chunk order)."""
        return artifact_from_chunks(stitch(parts), self.options.transcript_format, len(parts))
