"""Helpers shared by the audio tools: output files, bounded retries."""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openai
import pydantic
from langchain_core.tools import ToolException

from langchain_azure_audio.audio import atomic_write
from langchain_azure_audio.errors import (
    AudioValidationError,
    AzureAudioError,
    ConfigurationError,
    ContentFilterError,
    RateLimitError,
    ServiceUnavailableError,
    StreamInterruptedError,
    UnsupportedOptionError,
    from_validation_error,
)

__all__ = [
    "MODEL_FIXABLE_ERRORS",
    "Progress",
    "ProgressCallback",
    "ToolArgumentError",
    "TypedArgsMixin",
    "is_transient",
    "model_error_message",
    "model_errors",
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


ProgressCallback = Callable[[int, int], None]
"""``on_progress(done, total)``: pieces of long text or chunks of long audio done so far."""


class Progress:
    """Counts finished pieces for an ``on_progress`` callback (thread-safe; a no-op without)."""

    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self._callback = callback
        self._total = total
        self._done = 0
        self._lock = threading.Lock()
        if callback is not None:
            callback(0, total)

    def step(self) -> None:
        """One more piece is done."""
        if self._callback is None:
            return
        with self._lock:
            self._done += 1
            done = self._done
        self._callback(done, self._total)


_FROM_MODEL: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "langchain_azure_audio_tool_call", default=False
)
"""True while a tool runs a tool call (arguments chosen by a model) with error handling on."""

MODEL_FIXABLE_ERRORS: tuple[type[AzureAudioError], ...] = (
    UnsupportedOptionError,
    AudioValidationError,
    ContentFilterError,
)
"""Refusals a model can fix by calling again: a wrong voice, speed, format or language, a missing,
unreadable or unsuitable file, text the content filter refused. Credentials, missing deployments
and a service that stays down are not the model's to fix: those still raise."""

_LIBRARY_ADVICE = re.compile(r"\s*(?:If Azure added|pass extra_voices|validate_options)[^.]*\.")


def model_error_message(error: BaseException) -> str:
    """What the model is told about a refused argument: the problem and what is allowed."""
    text = _LIBRARY_ADVICE.sub("", str(error)).strip()
    return f"Error: {text} Fix the arguments and call the tool again."


class ToolArgumentError(ToolException):
    """A refused tool-call argument, reported to the model as an error ``ToolMessage``.

    Raised (instead of the typed error in :attr:`error`) only inside a tool call, while the
    tool's ``handle_tool_error`` is on; LangChain turns it into ``ToolMessage(status="error")``
    and the agent goes on.
    """

    def __init__(self, error: AzureAudioError) -> None:
        super().__init__(model_error_message(error))
        self.error = error


@contextlib.contextmanager
def model_errors() -> Iterator[None]:
    """Inside a tool call, turn the model-fixable refusals into :class:`ToolArgumentError`."""
    try:
        yield
    except MODEL_FIXABLE_ERRORS as exc:
        if not _FROM_MODEL.get():
            raise
        raise ToolArgumentError(exc) from exc


class TypedArgsMixin:
    """Typed argument errors for direct calls; error tool messages for a model's tool calls.

    A wrong type, a value out of range or an unknown argument (``instructions`` sent to a tts-1
    tool) becomes an :class:`~langchain_azure_audio.errors.UnsupportedOptionError` naming the
    argument, instead of pydantic's ``ValidationError`` from inside LangChain. When the tool runs
    a **tool call** (a model chose the arguments) and ``handle_tool_error`` is on (the default
    of this package's tools), such refusals (:data:`MODEL_FIXABLE_ERRORS`) come back as an
    error ``ToolMessage`` the model can act on; ``handle_tool_error=False`` makes them raise.
    """

    def run(
        self, tool_input: Any, *args: Any, tool_call_id: str | None = None, **kwargs: Any
    ) -> Any:
        token = _FROM_MODEL.set(tool_call_id is not None and bool(self._handles_errors()))
        try:
            return super().run(  # type: ignore[misc]
                tool_input, *args, tool_call_id=tool_call_id, **kwargs
            )
        finally:
            _FROM_MODEL.reset(token)

    async def arun(
        self, tool_input: Any, *args: Any, tool_call_id: str | None = None, **kwargs: Any
    ) -> Any:
        token = _FROM_MODEL.set(tool_call_id is not None and bool(self._handles_errors()))
        try:
            return await super().arun(  # type: ignore[misc]
                tool_input, *args, tool_call_id=tool_call_id, **kwargs
            )
        finally:
            _FROM_MODEL.reset(token)

    def _handles_errors(self) -> object:
        return getattr(self, "handle_tool_error", False)

    def _parse_input(
        self, tool_input: str | dict[str, Any], tool_call_id: str | None
    ) -> str | dict[str, Any]:
        with model_errors():
            try:
                parsed: str | dict[str, Any] = super()._parse_input(  # type: ignore[misc]
                    tool_input, tool_call_id
                )
            except pydantic.ValidationError as exc:
                raise from_validation_error(exc) from None
        return parsed
