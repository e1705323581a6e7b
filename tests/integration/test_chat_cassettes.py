"""AzureAudioChatModel end to end, replayed from cassettes recorded against the emulator.

Re-record with ``LC_AZURE_AUDIO_RECORD=emulator pytest tests/integration`` (or ``=azure`` with
the AZURE_OPENAI_* variables set). Assertions hold for both sources.
"""

from __future__ import annotations

import io
import wave
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from langchain_azure_audio import AzureAudioChatModel, audio_block, get_audio, save_audio
from langchain_azure_audio.audio import sniff_format
from tests.cassette_support import Target


def get_weather(city: str) -> str:
    """Return the current weather of a city."""
    return f"It is sunny and 21 degrees in {city}."


def _question(clip: Any, *, text: str | None = None) -> HumanMessage:
    blocks: list[Any] = []
    if text:
        blocks.append({"type": "text", "text": text})
    blocks.append(audio_block(clip("weather_question.mp3")))
    return HumanMessage(content=blocks)


def _model(service: Target, **kwargs: Any) -> AzureAudioChatModel:
    return AzureAudioChatModel(**service.settings("chat"), **kwargs)


def _assert_spoken(reply: AIMessage, fmt: str) -> bytes:
    audio = get_audio(reply)
    assert audio is not None, "the reply carries no audio"
    assert audio.transcript and audio.transcript == reply.text
    assert audio.id and audio.expires_at
    assert sniff_format(audio.data) == ("mp3" if fmt == "mp3" else "wav")
    usage = reply.usage_metadata
    assert usage is not None
    assert usage["output_token_details"]["audio"] > 0
    return audio.data


def test_text_to_text_and_audio(service: Target, cassette: Any) -> None:
    reply = _model(service, voice="coral", audio_format="wav").invoke("Hello from the test suite.")
    data = _assert_spoken(reply, "wav")
    with wave.open(io.BytesIO(data)) as wav:
        assert wav.getframerate() == 24000
        assert wav.getnframes() / wav.getframerate() > 0.5
    assert reply.response_metadata["finish_reason"] == "stop"


def test_audio_to_text_and_audio(service: Target, cassette: Any, clip: Any) -> None:
    reply = _model(service, audio_format="mp3").invoke([_question(clip)])
    _assert_spoken(reply, "mp3")
    assert "paris" in reply.text.lower()
    assert reply.usage_metadata["input_token_details"]["audio"] > 0  # type: ignore[index]


def test_audio_to_text(service: Target, cassette: Any, clip: Any) -> None:
    reply = _model(service, modalities=["text"]).invoke([_question(clip)])
    assert isinstance(reply.content, str)
    assert "paris" in reply.content.lower()
    assert get_audio(reply) is None


def test_text_and_audio_to_text_and_audio(service: Target, cassette: Any, clip: Any) -> None:
    message = _question(clip, text="Answer the recorded question.")
    reply = _model(service, audio_format="mp3").invoke([message])
    _assert_spoken(reply, "mp3")
    assert "paris" in reply.text.lower()


def test_text_and_audio_to_text(service: Target, cassette: Any, clip: Any) -> None:
    message = _question(clip, text="Answer the recorded question.")
    reply = _model(service).invoke([message], modalities=["text"])
    assert isinstance(reply.content, str) and "paris" in reply.content.lower()


def test_stream_matches_pcm16_audio(service: Target, cassette: Any, tmp_path: Any) -> None:
    model = _model(service, voice="verse")
    chunks = list(model.stream("Stream a short reply."))
    assert len(chunks) > 3
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    audio = get_audio(full)
    assert audio is not None and audio.format == "pcm16"
    assert len(audio.data) % 2 == 0 and len(audio.data) > 24000  # > 0.5 s of 24 kHz s16le
    assert audio.transcript == full.text and full.text
    path = save_audio(full, tmp_path / "reply.wav")
    with wave.open(str(path)) as wav:
        assert wav.getnframes() * 2 == len(audio.data)
    assert full.usage_metadata and full.usage_metadata["output_token_details"]["audio"] > 0


async def test_async_invoke_and_stream(service: Target, cassette: Any) -> None:
    model = _model(service, audio_format="mp3")
    reply = await model.ainvoke("Async hello.")
    _assert_spoken(reply, "mp3")
    pieces = [c async for c in model.astream("Async stream.")]
    total = pieces[0]
    for piece in pieces[1:]:
        total = total + piece
    audio = get_audio(total)
    assert audio is not None and audio.format == "pcm16" and audio.data


def test_tool_call_round_trip(service: Target, cassette: Any, clip: Any) -> None:
    model = _model(service, audio_format="mp3").bind_tools([get_weather])
    question = _question(clip)
    first = model.invoke([question])
    assert len(first.tool_calls) == 1
    call = first.tool_calls[0]
    assert call["name"] == "get_weather"
    assert "paris" in str(call["args"]["city"]).lower()
    result = ToolMessage(content=get_weather(**call["args"]), tool_call_id=call["id"])
    final = model.invoke([question, first, result])
    _assert_spoken(final, "mp3")
    assert "sunny" in final.text.lower()


def test_multi_turn_sends_audio_id(service: Target, cassette: Any) -> None:
    model = _model(service, audio_format="mp3")
    first_q = HumanMessage(content="Remember the word apple.")
    first = model.invoke([first_q])
    audio = get_audio(first)
    assert audio is not None and audio.id
    second = model.invoke([first_q, first, HumanMessage(content="What word was it?")])
    assert second.text
    sent = cassette.requests[-1].body
    assert audio.id.encode() in (sent if isinstance(sent, bytes) else sent.encode())


@pytest.mark.parametrize("fmt", ["wav", "mp3", "flac", "opus", "aac", "pcm16"])
def test_every_output_format(service: Target, cassette: Any, fmt: str) -> None:
    reply = _model(service, audio_format=fmt).invoke("Format check.")
    audio = get_audio(reply)
    assert audio is not None and audio.format == fmt and audio.data
    expected = {"wav": "wav", "mp3": "mp3", "flac": "flac", "opus": "ogg", "aac": "aac"}
    if fmt in expected:
        assert sniff_format(audio.data) == expected[fmt]
    assert audio.to_wav()[:4] == b"RIFF"
