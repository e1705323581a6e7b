"""What the audio tools take and give: argument schemas, option literals, artifacts.

Example:
    >>> sorted(TranscriptionInput.model_json_schema()["properties"])
    ['audio', 'language', 'prompt']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model

__all__ = [
    "SPEECH_FORMATS",
    "TRANSCRIPT_FORMATS",
    "AudioArgs",
    "LegacySpeechInput",
    "SpeechArtifact",
    "SpeechFormat",
    "SpeechInput",
    "TranscriptFormat",
    "TranscriptionArtifact",
    "TranscriptionInput",
    "TranslationInput",
]

# -- text to speech -------------------------------------------------------------------------------

SpeechFormat = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]
SPEECH_FORMATS: tuple[str, ...] = ("mp3", "opus", "aac", "flac", "wav", "pcm")


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


class LegacySpeechInput(BaseModel):
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


class SpeechInput(LegacySpeechInput):
    """Arguments of the text-to-speech tool."""

    instructions: str | None = Field(
        default=None,
        description="How to speak: tone, emotion, pace or accent, e.g. 'Speak warmly and slowly'.",
    )


def speech_input_for(
    base: type[LegacySpeechInput], voices: Iterable[str], default_voice: str
) -> type[LegacySpeechInput]:
    """``base`` with ``voice`` an enum of the deployment family's voices, so the model sees
    exactly what it may choose (a wrong one is still refused, as an error it can fix)."""
    allowed = tuple(sorted(voices))
    voice_type: Any = Literal[allowed] | None
    return create_model(
        base.__name__,
        __base__=base,
        __doc__=base.__doc__,
        voice=(
            voice_type,
            Field(
                default=None,
                description=f"Voice to speak with, one of: {', '.join(allowed)}. Omit for the "
                f"default voice ({default_voice}).",
            ),
        ),
    )


# -- speech to text -------------------------------------------------------------------------------

TranscriptFormat = Literal["json", "text", "srt", "verbose_json", "vtt"]
TRANSCRIPT_FORMATS: tuple[str, ...] = ("json", "text", "srt", "verbose_json", "vtt")


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


class AudioArgs(BaseModel):
    """The recording argument both audio-to-text tools take."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    audio: Annotated[
        bytes | str | dict[str, Any],
        WithJsonSchema({"type": "string", "description": _AUDIO_DESCRIPTION}),
    ] = Field(description=_AUDIO_DESCRIPTION)


class TranscriptionInput(AudioArgs):
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


class TranslationInput(AudioArgs):
    """Arguments of the audio translation tool."""

    prompt: str | None = Field(
        default=None,
        description="Optional English text that guides spelling and style (names, jargon).",
    )
