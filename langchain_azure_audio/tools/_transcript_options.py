"""Per-call options of the speech-to-text tools, merged with the tool's defaults and checked.

Everything the service would refuse is refused here, before any audio is read or sent.

Example:
    >>> defaults = TranscriptOptions(None, None, "json", None, ())
    >>> resolve_transcript_options(None, defaults, transcript_format="text").transcript_format
    'text'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_azure_audio.capabilities import ModelCapabilities
from langchain_azure_audio.errors import UnsupportedOptionError
from langchain_azure_audio.tools._types import TRANSCRIPT_FORMATS

__all__ = ["TranscriptOptions", "resolve_transcript_options"]

_LANGUAGE_RE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?")
_GRANULARITIES = ("word", "segment")


@dataclass(frozen=True)
class TranscriptOptions:
    """The options of one transcription or translation call."""

    language: str | None
    prompt: str | None
    transcript_format: str
    temperature: float | None
    timestamp_granularities: tuple[str, ...]


def _refuse(message: str, option: str, value: object) -> UnsupportedOptionError:
    return UnsupportedOptionError(message, option=option, value=value)


def resolve_transcript_options(
    caps: ModelCapabilities | None,
    defaults: TranscriptOptions,
    *,
    language: str | None = None,
    prompt: str | None = None,
    transcript_format: str | None = None,
    temperature: float | None = None,
    timestamp_granularities: Sequence[str] | None = None,
) -> TranscriptOptions:
    """Merge a call's options with ``defaults``; refuse what ``caps``' family would refuse.

    Raises:
        UnsupportedOptionError: naming the option (format, temperature, language, prompt,
            timestamp granularities, or a family that cannot serve them).
    """
    if timestamp_granularities is not None and not isinstance(
        timestamp_granularities, list | tuple
    ):
        raise _refuse(
            "timestamp_granularities must be a list such as ['word', 'segment'], not "
            f"{timestamp_granularities!r}.",
            "timestamp_granularities",
            timestamp_granularities,
        )
    opts = TranscriptOptions(
        language=language or defaults.language,
        prompt=prompt if prompt is not None else defaults.prompt,
        transcript_format=transcript_format or defaults.transcript_format,
        temperature=defaults.temperature if temperature is None else temperature,
        timestamp_granularities=tuple(
            timestamp_granularities
            if timestamp_granularities is not None
            else defaults.timestamp_granularities
        ),
    )
    _check(opts)
    if caps is not None:
        _check_family(opts, caps)
    grains, fmt = opts.timestamp_granularities, opts.transcript_format
    if grains and fmt != "verbose_json":
        raise _refuse(
            "timestamp_granularities only work with transcript_format='verbose_json' "
            f"(got {fmt!r}).",
            "timestamp_granularities",
            list(grains),
        )
    return opts


def _check(opts: TranscriptOptions) -> None:
    """Checks that hold for every model family."""
    fmt, temp, language = opts.transcript_format, opts.temperature, opts.language
    if fmt not in TRANSCRIPT_FORMATS:
        raise _refuse(
            f"transcript_format {fmt!r} is not supported; use json, text, srt, vtt or "
            "verbose_json.",
            "transcript_format",
            fmt,
        )
    if temp is not None and (
        isinstance(temp, bool) or not isinstance(temp, int | float) or not 0.0 <= temp <= 1.0
    ):
        raise _refuse(f"temperature must be between 0 and 1 (got {temp}).", "temperature", temp)
    if language is not None and (
        not isinstance(language, str) or not _LANGUAGE_RE.fullmatch(language)
    ):
        raise _refuse(
            f"language {language!r} is not an ISO-639-1 code such as 'en' or 'de'.",
            "language",
            language,
        )
    if opts.prompt is not None and not isinstance(opts.prompt, str):
        raise _refuse(
            f"prompt must be text, not {type(opts.prompt).__name__}.", "prompt", opts.prompt
        )
    grains = opts.timestamp_granularities
    bad = [g for g in grains if not isinstance(g, str) or g not in _GRANULARITIES]
    if bad:
        raise _refuse(
            f"timestamp_granularities accepts 'word' and 'segment', not {bad}.",
            "timestamp_granularities",
            list(grains),
        )


def _check_family(opts: TranscriptOptions, caps: ModelCapabilities) -> None:
    """Checks that depend on the deployment's model family."""
    caps.check_response_format(opts.transcript_format, option="transcript_format")
    grains = opts.timestamp_granularities
    if grains and not caps.supports_timestamps:
        raise _refuse(
            f"timestamp_granularities need a whisper deployment; {caps.family} does not "
            "return timestamps.",
            "timestamp_granularities",
            list(grains),
        )
