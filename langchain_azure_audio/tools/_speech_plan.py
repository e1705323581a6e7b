"""The sans-I/O side of text -> speech: options, pieces, requests, streaming plan, joining.

Everything :class:`~langchain_azure_audio.tools.speech.AzureTextToSpeechTool` decides before
and after its requests; its sync and async methods only send and gather.

Example:
    >>> opts = SpeechOptions(voice="alloy", speed=1.0, instructions=None, audio_format="wav")
    >>> speech_request("tts-1", "Hi.", opts, "wav")
    {'model': 'tts-1', 'input': 'Hi.', 'voice': 'alloy', 'response_format': 'wav'}
    >>> stream_plan("wav", single=False)[0]
    'pcm'
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from langchain_azure_audio import audio_codecs
from langchain_azure_audio.audio import PCM16_SAMPLE_RATE, pcm16_to_wav, wav_duration
from langchain_azure_audio.capabilities import ModelCapabilities
from langchain_azure_audio.errors import UnsupportedOptionError
from langchain_azure_audio.pcm import join_wav
from langchain_azure_audio.tools._text_split import split_text
from langchain_azure_audio.tools._types import SPEECH_FORMATS

__all__ = [
    "SpeechOptions",
    "SpeechPlan",
    "check_joinable",
    "join_audio",
    "piece_format",
    "plan_speech",
    "resolve_speech_options",
    "speech_pieces",
    "speech_request",
    "stream_plan",
    "streaming_wav_header",
]

_CONCATENABLE = frozenset({"pcm", "mp3", "aac"})
"""Formats whose byte streams can simply follow one another (raw samples, MPEG/ADTS frames)."""


@dataclass(frozen=True)
class SpeechOptions:
    """The options of one speech call."""

    voice: str
    speed: float
    instructions: str | None
    audio_format: str


def resolve_speech_options(
    caps: ModelCapabilities | None,
    defaults: SpeechOptions,
    *,
    voice: str | None = None,
    speed: float | None = None,
    instructions: str | None = None,
    audio_format: str | None = None,
    extra_voices: Sequence[str] = (),
    deployment: str | None = None,
) -> SpeechOptions:
    """Merge per-call options with ``defaults`` and refuse what the family would refuse."""
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
    opts = SpeechOptions(
        voice=voice or defaults.voice,
        speed=defaults.speed if speed is None else float(speed),
        instructions=instructions if instructions is not None else defaults.instructions,
        audio_format=audio_format or defaults.audio_format,
    )
    if not 0.25 <= opts.speed <= 4.0:
        raise UnsupportedOptionError(
            f"speed must be between 0.25 and 4.0 (got {opts.speed}).",
            option="speed",
            value=opts.speed,
        )
    if opts.audio_format not in SPEECH_FORMATS:
        raise UnsupportedOptionError(
            f"audio_format {opts.audio_format!r} is not a speech format; use one of: "
            f"{', '.join(SPEECH_FORMATS)}.",
            option="audio_format",
            value=opts.audio_format,
        )
    if caps is not None:
        caps.check_voice(opts.voice, extra_voices=list(extra_voices))
        caps.check_output_format(opts.audio_format)
        if opts.instructions and not caps.supports_instructions:
            raise UnsupportedOptionError(
                f"instructions are only supported by gpt-4o-mini-tts deployments, not "
                f"{caps.family} ({deployment!r}). Drop them, or use a "
                "gpt-4o-mini-tts deployment.",
                option="instructions",
                value=opts.instructions,
            )
    return opts


def speech_pieces(text: str, max_chars: int) -> list[str]:
    """The pieces (at most ``max_chars`` each, cut at sentences) ``text`` is spoken in."""
    if not isinstance(text, str):
        raise UnsupportedOptionError(
            f"The text to speak must be a string, not {type(text).__name__}.",
            option="text",
            value=text,
        )
    pieces = split_text(text, max_chars)
    if not pieces:
        raise UnsupportedOptionError(
            "Nothing to say: the text is empty.", option="text", value=text
        )
    return pieces


def check_joinable(fmt: str, n_pieces: int) -> None:
    """Refuse joining several pieces into ``fmt`` when that needs the missing codecs extra."""
    if n_pieces > 1 and fmt not in ("wav", "pcm") and not audio_codecs.codecs_available():
        raise UnsupportedOptionError(
            f"Joining {n_pieces} pieces of long text into one {fmt} file needs the codecs "
            'extra: pip install "langchain-azure-audio[codecs]" (or use audio_format='
            "'wav' or 'pcm').",
            option="audio_format",
            value=fmt,
        )


def piece_format(fmt: str, n_pieces: int) -> str:
    """The format each piece is asked in: ``fmt`` itself, or wav to be joined and re-encoded."""
    if n_pieces == 1 or fmt == "pcm":
        return fmt
    return "wav"


class SpeechPlan(NamedTuple):
    """How a text is spoken: its options, its pieces, and the format each piece is asked in."""

    options: SpeechOptions
    pieces: list[str]
    wire_format: str


def plan_speech(text: str, options: SpeechOptions, max_chars: int) -> SpeechPlan:
    """Split ``text`` into pieces and choose their wire format (joinable into one file)."""
    pieces = speech_pieces(text, max_chars)
    check_joinable(options.audio_format, len(pieces))
    return SpeechPlan(options, pieces, piece_format(options.audio_format, len(pieces)))


def speech_request(
    deployment: str | None, text: str, opts: SpeechOptions, wire_format: str
) -> dict[str, Any]:
    """The keyword arguments of the SDK's ``audio.speech.create`` for one piece."""
    body: dict[str, Any] = {
        "model": deployment,
        "input": text,
        "voice": opts.voice,
        "response_format": wire_format,
    }
    if opts.speed != 1.0:
        body["speed"] = opts.speed
    if opts.instructions:
        body["instructions"] = opts.instructions
    return body


def _pcm_seconds(pcm: bytes, rate: int = PCM16_SAMPLE_RATE) -> float:
    return round(len(pcm) / (2 * rate), 3)


def join_audio(pieces: list[bytes], fmt: str) -> tuple[bytes, float | None]:
    """One ``fmt`` file of the pieces (asked in :func:`piece_format`), and its duration."""
    if len(pieces) == 1:
        data = pieces[0]
        if fmt == "wav":
            try:
                return data, round(wav_duration(data), 3)
            except ValueError:
                return data, None
        return data, _pcm_seconds(data) if fmt == "pcm" else None
    if fmt == "pcm":
        data = b"".join(pieces)
        return data, _pcm_seconds(data)
    pcm, rate = join_wav(pieces)
    return audio_codecs.encode_pcm16(pcm, rate, fmt), _pcm_seconds(pcm, rate)


def streaming_wav_header(rate: int = PCM16_SAMPLE_RATE) -> bytes:
    """A wav header of unknown length (sizes 0xFFFFFFFF), as streamed wav is written."""
    header = bytearray(pcm16_to_wav(b"", sample_rate=rate))
    struct.pack_into("<I", header, 4, 0xFFFFFFFF)  # RIFF size
    struct.pack_into("<I", header, len(header) - 4, 0xFFFFFFFF)  # data size
    return bytes(header)


def stream_plan(fmt: str, single: bool) -> tuple[str, bytes]:
    """(format to request, bytes to send first) for streaming one or many pieces."""
    if single or fmt in _CONCATENABLE:
        return fmt, b""
    if fmt == "wav":
        return "pcm", streaming_wav_header()
    raise UnsupportedOptionError(
        f"Streaming long or incremental text as {fmt} is not possible (each piece would be "
        "a separate file). Stream as pcm, mp3, aac or wav, or call synthesize() for one "
        f"{fmt} file.",
        option="audio_format",
        value=fmt,
    )
