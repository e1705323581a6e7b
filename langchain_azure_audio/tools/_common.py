"""Helpers shared by the audio tools: service errors, output files, bounded retries."""

from __future__ import annotations

import contextlib
import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import openai

from langchain_azure_audio._sse import StreamInterruptedError
from langchain_azure_audio.audio import atomic_write
from langchain_azure_audio.errors import (
    AzureAudioError,
    ConfigurationError,
    RateLimitError,
    ServiceUnavailableError,
    from_openai_error,
)

__all__ = [
    "ChunkTranscriptionError",
    "is_transient",
    "retry_delay",
    "service_errors",
    "write_output",
]


class ChunkTranscriptionError(AzureAudioError):
    """One chunk of a long recording could not be transcribed (after its retries).

    The whole call fails rather than returning a transcript with a hole in it.

    Attributes:
        chunk_index: 0-based position of the chunk.
        start_seconds: Where the chunk starts in the recording.
        end_seconds: Where it ends.
        attempts: How many times it was sent.
    """

    def __init__(
        self,
        message: str,
        *,
        chunk_index: int,
        start_seconds: float,
        end_seconds: float,
        attempts: int,
    ) -> None:
        super().__init__(message)
        self.chunk_index = chunk_index
        self.start_seconds = start_seconds
        self.end_seconds = end_seconds
        self.attempts = attempts


_DROPPED = {"RemoteProtocolError", "ReadError", "ReadTimeout", "WriteError", "ConnectError"}


@contextlib.contextmanager
def service_errors() -> Iterator[None]:
    """Translate SDK status errors into this package's typed errors (keeping the cause)."""
    try:
        yield
    except openai.APIStatusError as exc:
        raise from_openai_error(exc) from exc
    except (openai.APIConnectionError, AzureAudioError):
        raise
    except Exception as exc:
        if type(exc).__name__ in _DROPPED:
            raise StreamInterruptedError(
                f"The connection dropped mid-response ({exc}); the audio is incomplete. "
                "Retry the request."
            ) from exc
        raise


def is_transient(exc: BaseException) -> bool:
    """Errors worth another attempt: throttling, 5xx, timeouts, dropped connections."""
    return isinstance(
        exc,
        RateLimitError
        | ServiceUnavailableError
        | StreamInterruptedError
        | openai.APIConnectionError
        | openai.RateLimitError
        | openai.InternalServerError,
    ) or (isinstance(exc, openai.APIStatusError) and exc.status_code in (408, 409))


def retry_delay(exc: BaseException, attempt: int, base: float) -> float:
    """Seconds to wait before attempt ``attempt + 1``: the service's retry-after, else backoff."""
    after: object = getattr(exc, "retry_after", None)
    if isinstance(after, int | float) and after >= 0:
        return min(float(after), 60.0)
    return min(base * 2.0**attempt, 30.0)


_EXTENSIONS = {"pcm": "pcm", "pcm16": "pcm", "opus": "opus", "aac": "aac"}
_SAFE_PREFIX_RE = re.compile(r"[^A-Za-z0-9_-]+")


def write_output(
    output_dir: str | os.PathLike[str] | None, data: bytes, fmt: str, *, prefix: str
) -> Path | None:
    """Write ``data`` atomically to a new, generated file name inside ``output_dir``.

    Names are never taken from the model's arguments, so a tool call cannot write outside the
    directory the user chose. Returns ``None`` when no ``output_dir`` is configured.
    """
    if output_dir is None:
        return None
    root = Path(os.fspath(output_dir)).expanduser().resolve()
    if root.exists() and not root.is_dir():
        raise ConfigurationError(f"output_dir {root} exists and is not a directory.")
    safe = _SAFE_PREFIX_RE.sub("-", prefix).strip("-") or "audio"
    ext = _EXTENSIONS.get(fmt, fmt)
    name = f"{safe}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}.{ext}"
    target = (root / name).resolve()
    if target.parent != root:  # pragma: no cover - generated names have no separators
        raise ConfigurationError("Refusing to write outside output_dir.")
    return atomic_write(target, data)
