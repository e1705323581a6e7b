"""Speech, transcription and translation tools, replayed from cassettes (recorded on the emulator).

Re-record with ``LC_AZURE_AUDIO_RECORD=emulator pytest tests/integration/test_tools_cassettes.py``.
"""

from __future__ import annotations

import io
import wave
from typing import Any

import pytest

from langchain_azure_audio import (
    AzureAudioTranslationTool,
    AzureSpeechToTextTool,
    AzureTextToSpeechTool,
    audio_codecs,
    pcm16_to_wav,
)
from langchain_azure_audio.audio import sniff_format
from tests.cassette_support import Target

CONTAINERS = {"mp3": "mp3", "opus": "ogg", "aac": "aac", "flac": "flac", "wav": "wav"}


def _speaker(service: Target, **kwargs: Any) -> AzureTextToSpeechTool:
    return AzureTextToSpeechTool(**service.settings("tts"), **kwargs)


def _listener(service: Target, **kwargs: Any) -> AzureSpeechToTextTool:
    return AzureSpeechToTextTool(**service.settings("stt"), **kwargs)


def _seconds(audio: bytes, fmt: str) -> float:
    if fmt == "pcm":
        return len(audio) / 48000
    pcm, rate = audio_codecs.decode_to_pcm16(audio)
    return len(pcm) / (2 * rate)


@pytest.mark.parametrize("fmt", ["mp3", "opus", "aac", "flac", "wav", "pcm"])
def test_speech_every_format(service: Target, cassette: Any, fmt: str) -> None:
    audio = _speaker(service, audio_format=fmt).synthesize("Format check.")
    if fmt == "pcm":
        assert sniff_format(audio) is None and len(audio) % 2 == 0
    else:
        assert sniff_format(audio) == CONTAINERS[fmt]
    assert 0.4 < _seconds(audio, fmt) < 5


def test_long_text_is_split_and_joined_into_one_file(service: Target, cassette: Any) -> None:
    sentences = ["The first sentence is here.", "A second one follows.", "And a third ends it."]
    speak = _speaker(service, audio_format="wav", max_chars=40)
    call = {
        "name": speak.name,
        "args": {"text": " ".join(sentences)},
        "id": "1",
        "type": "tool_call",
    }
    message = speak.invoke(call)
    artifact = message.artifact
    assert artifact["pieces"] == 3
    with wave.open(io.BytesIO(artifact["audio"])) as wav:
        joined = wav.getnframes() / wav.getframerate()
    singles = [_seconds(speak.synthesize(s), "wav") for s in sentences]
    assert joined == pytest.approx(sum(singles), abs=0.05)


async def test_speech_async_and_streamed(service: Target, cassette: Any) -> None:
    speak = _speaker(service, audio_format="wav")
    whole = await speak.asynthesize("Streaming speech.")
    pieces = [p async for p in speak.astream_audio("Streaming speech.")]
    assert len(pieces) > 1
    streamed = b"".join(pieces)
    assert sniff_format(streamed) == "wav"
    assert abs(_seconds(streamed, "wav") - _seconds(whole, "wav")) < 0.05


@pytest.mark.parametrize("fmt", ["json", "text", "srt", "vtt", "verbose_json"])
def test_transcription_formats(service: Target, cassette: Any, clip: Any, fmt: str) -> None:
    listen = _listener(service, transcript_format=fmt)
    result = listen.transcribe(clip("weather_question.mp3"))
    assert "weather in paris" in result["text"].lower()
    if fmt == "srt":
        assert "00:00:00,000 -->" in result["document"]
    if fmt == "vtt":
        assert result["document"].startswith("WEBVTT")
    if fmt == "verbose_json":
        assert result["segments"] and result["segments"][0]["start"] == 0


def test_word_timestamps(service: Target, cassette: Any, clip: Any) -> None:
    listen = _listener(
        service, transcript_format="verbose_json", timestamp_granularities=["word", "segment"]
    )
    result = listen.transcribe(clip("calculator_question.wav"))
    starts = [w["start"] for w in result["words"]]
    assert [w["word"].strip(" ?.,").lower() for w in result["words"]][:3] == [
        "please",
        "use",
        "the",
    ]
    assert starts == sorted(starts)


def test_long_audio_is_chunked_and_stitched(service: Target, cassette: Any, clip: Any) -> None:
    parts = [clip("weather_question.wav"), clip("calculator_question.wav")]
    pcm = b"".join(audio_codecs.decode_to_pcm16(p, sample_rate=24000)[0] for p in parts)
    silence = b"\x00\x00" * 24000  # a second of silence between the questions
    long_audio = pcm16_to_wav(pcm[: len(pcm) // 2] + silence + pcm[len(pcm) // 2 :])
    listen = _listener(
        service,
        transcript_format="verbose_json",
        timestamp_granularities=["segment"],
        max_chunk_seconds=4,
    )
    result = listen.transcribe(long_audio)
    assert result["chunks"] >= 2
    text = result["text"].lower()
    assert "paris" in text and "calculator" in text
    starts = [s["start"] for s in result["segments"]]
    assert starts == sorted(starts)
    assert result["duration_seconds"] is not None
    assert result["segments"][-1]["end"] <= result["duration_seconds"] + 0.5


def test_translation_tool(service: Target, cassette: Any, clip: Any) -> None:
    translate = AzureAudioTranslationTool(**service.settings("stt"))
    result = translate.translate(clip("hello.mp3"))
    assert "hello" in result["text"].lower()


async def test_transcription_async(service: Target, cassette: Any, clip: Any) -> None:
    result = await _listener(service).atranscribe(clip("hello.wav"))
    assert "hello" in result["text"].lower()
