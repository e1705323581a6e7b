"""What each Azure OpenAI audio model family accepts, in one registry.

Every option that the service would reject (a voice, an output format, a transcription
``response_format``, an api-version that predates audio) is checked here *before* a request is
sent, by the client classes and by the local emulator alike, so both refuse the same things with
the same words.

Azure deployments carry any name, so a family is resolved from the model name when given
(``model="gpt-4o-mini-tts"``) and otherwise from the deployment name; a name that matches no
family is refused unless the caller opts out of validation (``validate_options=False``) or names
new voices explicitly (``extra_voices``).

Example:
    >>> from langchain_azure_audio.capabilities import resolve_model
    >>> caps = resolve_model("gpt-4o-mini-audio-preview")
    >>> caps.kind, "coral" in caps.voices, caps.max_input_bytes
    ('chat', True, 20971520)
    >>> caps.check_voice("coral")
    'coral'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from langchain_azure_audio.errors import UnsupportedOptionError

__all__ = [
    "ALL_VOICES",
    "CHAT_INPUT_FORMATS",
    "CHAT_OUTPUT_FORMATS",
    "MAX_CHAT_AUDIO_BYTES",
    "MAX_SPEECH_INPUT_CHARS",
    "MAX_TRANSCRIPTION_BYTES",
    "MIN_AUDIO_API_VERSION",
    "REALTIME_TURN_DETECTION_FIELDS",
    "STREAMING_OUTPUT_FORMAT",
    "ModelCapabilities",
    "ModelKind",
    "check_api_version",
    "resolve_model",
]

ModelKind = Literal["chat", "speech", "transcription", "realtime"]

MIN_AUDIO_API_VERSION = "2025-01-01-preview"
"""The first api-version whose ``/chat/completions`` accepts audio."""

MAX_CHAT_AUDIO_BYTES = 20 * 1024 * 1024
"""Largest audio file that ``/chat/completions`` accepts (decoded bytes)."""

MAX_TRANSCRIPTION_BYTES = 25 * 1024 * 1024
"""Largest file that ``/audio/transcriptions`` and ``/audio/translations`` accept."""

MAX_SPEECH_INPUT_CHARS = 4096
"""Longest ``input`` that ``/audio/speech`` accepts in one request."""

ALL_VOICES: frozenset[str] = frozenset(
    {"alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar"}
)
"""The voices of the current Azure audio chat models."""

_LEGACY_TTS_VOICES = frozenset(
    {"alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer"}
)
_MINI_TTS_VOICES = _LEGACY_TTS_VOICES | ALL_VOICES
_PREVIEW_CHAT_VOICES = ALL_VOICES - {"marin", "cedar"}

CHAT_INPUT_FORMATS: frozenset[str] = frozenset({"wav", "mp3"})
"""The only containers ``input_audio`` accepts on the wire."""

CHAT_OUTPUT_FORMATS: frozenset[str] = frozenset({"wav", "mp3", "flac", "opus", "pcm16", "aac"})
"""Output formats of ``/chat/completions`` audio."""

STREAMING_OUTPUT_FORMAT = "pcm16"
"""Streamed chat audio must be raw 24 kHz mono signed 16-bit little-endian PCM."""

SPEECH_OUTPUT_FORMATS: frozenset[str] = frozenset({"mp3", "opus", "aac", "flac", "wav", "pcm"})

REALTIME_TURN_DETECTION_FIELDS: dict[str, frozenset[str]] = {
    "server_vad": frozenset(
        {
            "type",
            "threshold",
            "prefix_padding_ms",
            "silence_duration_ms",
            "create_response",
            "interrupt_response",
            "idle_timeout_ms",
        }
    ),
    "semantic_vad": frozenset({"type", "eagerness", "create_response", "interrupt_response"}),
}
"""The fields each realtime ``audio.input.turn_detection`` type accepts (GA protocol)."""

_WHISPER_RESPONSE_FORMATS = frozenset({"json", "text", "srt", "verbose_json", "vtt"})
_GPT_TRANSCRIBE_RESPONSE_FORMATS = frozenset({"json", "text"})

_TRANSCRIPTION_INPUT_FORMATS = frozenset(
    {"flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "wav", "webm"}
)

_API_VERSION_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(-preview)?")


@dataclass(frozen=True)
class ModelCapabilities:
    """What one model family accepts.

    Attributes:
        family: Canonical family name, e.g. ``"gpt-4o-mini-tts"``.
        kind: Which endpoint the family serves.
        voices: Voices the family speaks with (empty for transcription).
        output_formats: Audio formats it can return (chat ``audio.format`` or speech
            ``response_format``).
        input_formats: Audio containers it accepts on the wire.
        max_input_bytes: Largest audio input in bytes.
        response_formats: Transcription ``response_format`` values.
        supports_instructions: Speech ``instructions`` (gpt-4o-mini-tts only).
        supports_stream: Streaming responses (speech SSE, transcription deltas).
        supports_translation: ``/audio/translations`` (whisper only).
        supports_timestamps: ``timestamp_granularities`` with ``verbose_json``.
    """

    family: str
    kind: ModelKind
    voices: frozenset[str] = frozenset()
    output_formats: frozenset[str] = frozenset()
    input_formats: frozenset[str] = frozenset()
    max_input_bytes: int = MAX_CHAT_AUDIO_BYTES
    response_formats: frozenset[str] = frozenset()
    supports_instructions: bool = False
    supports_stream: bool = False
    supports_translation: bool = False
    supports_timestamps: bool = False
    aliases: tuple[str, ...] = field(default=(), repr=False)

    def check_voice(self, voice: str, *, extra_voices: Iterable[str] = ()) -> str:
        """Return ``voice`` if this family speaks it, else raise :class:`UnsupportedOptionError`."""
        allowed = self.voices | frozenset(extra_voices)
        if not isinstance(voice, str) or voice not in allowed:
            raise UnsupportedOptionError(
                f"Voice {voice!r} is not available for {self.family} models. "
                f"Use one of: {', '.join(sorted(allowed))}. If Azure added this voice after this "
                f"release, pass extra_voices=[{voice!r}] (or validate_options=False).",
                option="voice",
                value=voice,
            )
        return voice

    def check_output_format(self, fmt: str, *, streaming: bool = False) -> str:
        """Return ``fmt`` if this family can produce it (and stream it, when ``streaming``)."""
        if not isinstance(fmt, str) or fmt not in self.output_formats:
            raise UnsupportedOptionError(
                f"Audio format {fmt!r} is not supported by {self.family} models. "
                f"Use one of: {', '.join(sorted(self.output_formats))}.",
                option="audio_format",
                value=fmt,
            )
        if streaming and self.kind == "chat" and fmt != STREAMING_OUTPUT_FORMAT:
            raise UnsupportedOptionError(
                f"Streaming audio from {self.family} models requires audio_format='pcm16' "
                f"(got {fmt!r}). Stream with pcm16 and save with `save_audio(..., format='wav')`, "
                "or call invoke() for other formats.",
                option="audio_format",
                value=fmt,
            )
        return fmt

    def check_response_format(self, fmt: str, *, option: str = "response_format") -> str:
        """Return a transcription ``response_format`` if the family supports it.

        ``option`` is the argument's name in the caller's API (the tools call it
        ``transcript_format``), used in the error.
        """
        if not isinstance(fmt, str) or fmt not in self.response_formats:
            raise UnsupportedOptionError(
                f"{option} {fmt!r} is not supported by {self.family}. "
                f"Use one of: {', '.join(sorted(self.response_formats))}"
                + (
                    " (srt, vtt and verbose_json need a whisper deployment)."
                    if isinstance(fmt, str) and fmt in _WHISPER_RESPONSE_FORMATS
                    else " (diarized_json needs a gpt-4o-transcribe-diarize deployment)."
                    if fmt == "diarized_json"
                    else "."
                ),
                option=option,
                value=fmt,
            )
        return fmt


_REGISTRY: tuple[ModelCapabilities, ...] = (
    # Order matters: the first family whose alias prefixes the name wins, so longer, more
    # specific names come first.
    ModelCapabilities(
        family="gpt-4o-mini-tts",
        kind="speech",
        voices=_MINI_TTS_VOICES,
        output_formats=SPEECH_OUTPUT_FORMATS,
        supports_instructions=True,
        supports_stream=True,
        aliases=("gpt-4o-mini-tts",),
    ),
    ModelCapabilities(
        family="tts-1",
        kind="speech",
        voices=_LEGACY_TTS_VOICES,
        output_formats=SPEECH_OUTPUT_FORMATS,
        aliases=("tts-1-hd", "tts-1", "tts"),
    ),
    ModelCapabilities(
        family="gpt-4o-transcribe-diarize",
        kind="transcription",
        input_formats=_TRANSCRIPTION_INPUT_FORMATS,
        max_input_bytes=MAX_TRANSCRIPTION_BYTES,
        response_formats=_GPT_TRANSCRIBE_RESPONSE_FORMATS | {"diarized_json"},
        supports_stream=True,
        aliases=("gpt-4o-transcribe-diarize",),
    ),
    ModelCapabilities(
        family="gpt-4o-transcribe",
        kind="transcription",
        input_formats=_TRANSCRIPTION_INPUT_FORMATS,
        max_input_bytes=MAX_TRANSCRIPTION_BYTES,
        response_formats=_GPT_TRANSCRIBE_RESPONSE_FORMATS,
        supports_stream=True,
        aliases=("gpt-4o-mini-transcribe", "gpt-4o-transcribe"),
    ),
    ModelCapabilities(
        family="whisper",
        kind="transcription",
        input_formats=_TRANSCRIPTION_INPUT_FORMATS,
        max_input_bytes=MAX_TRANSCRIPTION_BYTES,
        response_formats=_WHISPER_RESPONSE_FORMATS,
        supports_translation=True,
        supports_timestamps=True,
        aliases=("whisper",),
    ),
    ModelCapabilities(
        family="gpt-realtime",
        kind="realtime",
        voices=ALL_VOICES,
        output_formats=frozenset({"pcm16"}),
        input_formats=frozenset({"pcm16"}),
        aliases=("gpt-realtime-mini", "gpt-realtime", "gpt-4o-realtime", "gpt-4o-mini-realtime"),
    ),
    ModelCapabilities(
        family="gpt-audio",
        kind="chat",
        voices=ALL_VOICES,
        output_formats=CHAT_OUTPUT_FORMATS,
        input_formats=CHAT_INPUT_FORMATS,
        supports_stream=True,
        aliases=("gpt-audio-mini", "gpt-audio"),
    ),
    ModelCapabilities(
        family="gpt-4o-audio-preview",
        kind="chat",
        voices=_PREVIEW_CHAT_VOICES,
        output_formats=CHAT_OUTPUT_FORMATS,
        input_formats=CHAT_INPUT_FORMATS,
        supports_stream=True,
        aliases=(
            "gpt-4o-mini-audio-preview",
            "gpt-4o-audio-preview",
            "gpt-4o-mini-audio",
            "gpt-4o-audio",
        ),
    ),
)


def resolve_model(name: str) -> ModelCapabilities:
    """Return the capabilities of the model family that ``name`` belongs to.

    ``name`` is a model name (``gpt-4o-mini-audio-preview``, ``tts-1-hd``) or a deployment name
    that starts with one; the match ignores case, dated suffixes and ``_``/``-`` differences.

    Raises:
        UnsupportedOptionError: no known family matches; the message lists the known families and
            how to skip validation.
    """
    key = name.strip().lower().replace("_", "-")
    for caps in _REGISTRY:
        if any(key.startswith(alias) for alias in caps.aliases):
            return caps
    known = ", ".join(c.family for c in _REGISTRY)
    raise UnsupportedOptionError(
        f"Unknown audio model {name!r}. Known families: {known}. If this is a deployment name, "
        "also pass model='<the model it deploys>' (e.g. model='gpt-4o-mini-audio-preview'); "
        "for a model newer than this release pass validate_options=False.",
        option="model",
        value=name,
    )


def check_api_version(api_version: str) -> str:
    """Refuse api-versions that predate audio support (``2025-01-01-preview``).

    ``"v1"``/``"latest"``/``"preview"`` (the GA ``/openai/v1`` surface) are accepted as they are.

    Example:
        >>> check_api_version("2025-04-01-preview")
        '2025-04-01-preview'
    """
    if not isinstance(api_version, str):
        raise UnsupportedOptionError(
            f"api_version must be a string such as {MIN_AUDIO_API_VERSION!r} or 'v1', "
            f"not {api_version!r}.",
            option="api_version",
            value=api_version,
        )
    if api_version in {"v1", "latest", "preview"}:
        return api_version
    match = _API_VERSION_RE.fullmatch(api_version)
    if match is None:
        raise UnsupportedOptionError(
            f"api_version {api_version!r} is not an Azure OpenAI api-version "
            f"(expected YYYY-MM-DD or YYYY-MM-DD-preview, e.g. {MIN_AUDIO_API_VERSION!r}).",
            option="api_version",
            value=api_version,
        )
    if match.group(1, 2, 3) < tuple(MIN_AUDIO_API_VERSION.split("-")[:3]):
        raise UnsupportedOptionError(
            f"api_version {api_version!r} predates audio support in Azure OpenAI. "
            f"Use {MIN_AUDIO_API_VERSION!r} or newer (set api_version=... or OPENAI_API_VERSION), "
            "or use the GA /openai/v1 endpoint (api_version='v1').",
            option="api_version",
            value=api_version,
        )
    return api_version
