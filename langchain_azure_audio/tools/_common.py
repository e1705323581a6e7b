"""Helpers shared by the audio tools: output files, bounded retries."""

from __future__ import annotations

import os
import re
import time
import uuid
from pathlib import Path
from typing import Any

import openai
import pydantic

from langchain_azure_audio.audio import atomic_write
from langchain_azure_audio.errors import (
    ConfigurationError,
    RateLimitError,
    ServiceUnavailableError,
    StreamInterruptedError,
    from_validation_error,
)

__all__ = [
    "TypedArgsMixin",
    "is_transient",
    "retry_delay",
    "write_output",
]


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


class TypedArgsMixin:
    """Tool arguments that fail their schema raise this package's typed errors.

    A wrong type, a value out of range or an unknown argument (``instructions`` sent to a tts-1
    tool) becomes an :class:`~langchain_azure_audio.errors.UnsupportedOptionError` naming the
    argument, instead of pydantic's ``ValidationError`` from inside LangChain.
    """

    def _parse_input(
        self, tool_input: str | dict[str, Any], tool_call_id: str | None
    ) -> str | dict[str, Any]:
        try:
            parsed: str | dict[str, Any] = super()._parse_input(  # type: ignore[misc]
                tool_input, tool_call_id
            )
        except pydantic.ValidationError as exc:
            raise from_validation_error(exc) from None
        return parsed
