"""Non-streamed replies: content blocks, metadata, usage, get_audio and save_audio."""

from __future__ import annotations

import base64
import io
import os
import wave

import pytest
from langchain_core.messages import AIMessage

from langchain_azure_audio import AudioValidationError, get_audio, save_audio
from langchain_azure_audio.audio import PCM16_MIME_TYPE, atomic_write

from .conftest import (
    CHOICE_FILTER_RESULTS,
    EXPIRES_FAR,
    MODEL_VERSION,
    PROMPT_FILTER_RESULTS,
    FakeAzure,
    audio_completion,
    b64,
    completion,
    make_mp3,
    make_pcm,
    make_wav,
    usage,
)

WAV = make_wav(0.25)


def _audio_reply(azure: FakeAzure, make_model, raw: bytes = WAV, **model_kwargs) -> AIMessage:
    azure.push(
        audio_completion(
            raw, transcript="Hello there!", audio_id="audio_abc", expires_at=1_900_000_000
        )
    )
    msg = make_model(**model_kwargs).invoke("Say hello")
    assert isinstance(msg, AIMessage)
    return msg


def test_request_asks_for_audio(azure: FakeAzure, make_model) -> None:
    _audio_reply(azure, make_model, voice="coral")
    assert azure.body() == {
        "model": "gpt-4o-mini-audio-preview",
        "messages": [{"role": "user", "content": "Say hello"}],
        "modalities": ["text", "audio"],
        "audio": {"voice": "coral", "format": "wav"},
    }


def test_request_optional_params(azure: FakeAzure, make_model) -> None:
    make_model(temperature=0.2, max_tokens=50, seed=7, top_p=0.5, stop=["END"]).invoke("hi")
    body = azure.body()
    assert (body["temperature"], body["max_tokens"], body["seed"], body["top_p"]) == (
        0.2,
        50,
        7,
        0.5,
    )
    assert body["stop"] == ["END"]
    assert "stream" not in body


def test_model_kwargs_and_call_kwargs_reach_body(azure: FakeAzure, make_model) -> None:
    make_model(model_kwargs={"user": "u-1"}).invoke("hi", frequency_penalty=0.1)
    body = azure.body()
    assert body["user"] == "u-1"
    assert body["frequency_penalty"] == 0.1


def test_audio_reply_content_blocks(azure: FakeAzure, make_model) -> None:
    msg = _audio_reply(azure, make_model)
    assert isinstance(msg.content, list)
    text, audio = msg.content
    assert text == {"type": "text", "text": "Hello there!"}
    assert isinstance(audio, dict)
    assert audio["type"] == "audio"
    assert audio["base64"] == b64(WAV)
    assert audio["mime_type"] == "audio/wav"
    assert audio["id"] == "audio_abc"
    assert audio["extras"]["expires_at"] == 1_900_000_000
    assert msg.text == "Hello there!"


def test_audio_reply_legacy_additional_kwargs(azure: FakeAzure, make_model) -> None:
    msg = _audio_reply(azure, make_model)
    assert msg.additional_kwargs["audio"] == {
        "data": b64(WAV),
        "expires_at": 1_900_000_000,
        "id": "audio_abc",
        "transcript": "Hello there!",
    }


def test_audio_reply_metadata(azure: FakeAzure, make_model) -> None:
    msg = _audio_reply(azure, make_model)
    meta = msg.response_metadata
    assert meta["model_name"] == MODEL_VERSION
    assert meta["finish_reason"] == "stop"
    assert meta["prompt_filter_results"] == PROMPT_FILTER_RESULTS
    assert meta["content_filter_results"] == CHOICE_FILTER_RESULTS
    assert msg.id == "chatcmpl-BzTest0001"


def test_audio_reply_usage(azure: FakeAzure, make_model) -> None:
    azure.push(
        completion(
            audio={"data": b64(WAV), "id": "a", "expires_at": EXPIRES_FAR, "transcript": "x"},
            usage_=usage(prompt=120, completion=80, audio_in=100, audio_out=70),
        )
    )
    msg = make_model().invoke("hi")
    assert msg.usage_metadata is not None
    assert msg.usage_metadata["input_tokens"] == 120
    assert msg.usage_metadata["output_tokens"] == 80
    assert msg.usage_metadata["total_tokens"] == 200
    assert msg.usage_metadata["input_token_details"]["audio"] == 100
    assert msg.usage_metadata["output_token_details"]["audio"] == 70


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [
        ("mp3", "audio/mpeg"),
        ("flac", "audio/flac"),
        ("pcm16", PCM16_MIME_TYPE),
        ("wav", "audio/wav"),
    ],
)
def test_audio_mime_follows_requested_format(azure: FakeAzure, make_model, fmt, mime) -> None:
    msg = _audio_reply(azure, make_model, audio_format=fmt)
    audio = msg.content[1]
    assert isinstance(audio, dict)
    assert audio["mime_type"] == mime
    assert azure.body()["audio"]["format"] == fmt


def test_per_call_format_used_for_mime(azure: FakeAzure, make_model) -> None:
    azure.push(audio_completion(make_mp3()))
    msg = make_model().invoke("hi", audio_format="mp3")
    assert azure.body()["audio"]["format"] == "mp3"
    assert msg.content[1]["mime_type"] == "audio/mpeg"


def test_text_only_modality_gives_str_content(azure: FakeAzure, make_model) -> None:
    msg = make_model(modalities=["text"]).invoke("hi")
    assert msg.content == "Hello there!"
    assert "audio" not in azure.body()
    assert azure.body()["modalities"] == ["text"]
    assert get_audio(msg) is None


def test_text_only_per_call(azure: FakeAzure, make_model) -> None:
    msg = make_model().invoke("hi", modalities=["text"])
    assert msg.content == "Hello there!"
    assert azure.body()["modalities"] == ["text"]
    assert "audio" not in azure.body()


async def test_async_audio_reply(azure: FakeAzure, make_model) -> None:
    azure.push(audio_completion(WAV, transcript="Async hello"))
    msg = await make_model().ainvoke("hi")
    assert msg.content[0] == {"type": "text", "text": "Async hello"}
    assert base64.b64decode(msg.content[1]["base64"]) == WAV


def test_refusal_kept(azure: FakeAzure, make_model) -> None:
    body = completion(content=None)
    body["choices"][0]["message"]["refusal"] = "I can't help with that."
    azure.push(body)
    msg = make_model(modalities=["text"]).invoke("hi")
    assert msg.additional_kwargs["refusal"] == "I can't help with that."


# -- get_audio / save_audio ------------------------------------------------------------------------


def test_get_audio(azure: FakeAzure, make_model) -> None:
    msg = _audio_reply(azure, make_model)
    audio = get_audio(msg)
    assert audio is not None
    assert audio.data == WAV
    assert audio.format == "wav"
    assert audio.transcript == "Hello there!"
    assert audio.id == "audio_abc"
    assert audio.expires_at == 1_900_000_000
    assert audio.mime_type == "audio/wav"


def test_get_audio_from_langchain_openai_style_message() -> None:
    msg = AIMessage(
        content="",
        additional_kwargs={
            "audio": {"id": "a1", "data": b64(WAV), "transcript": "hey", "expires_at": 5}
        },
    )
    audio = get_audio(msg)
    assert audio is not None
    assert (audio.data, audio.format, audio.transcript, audio.id) == (WAV, "wav", "hey", "a1")


def test_save_audio_wav(azure: FakeAzure, make_model, tmp_path) -> None:
    msg = _audio_reply(azure, make_model)
    out = save_audio(msg, tmp_path / "x.wav")
    assert out == tmp_path / "x.wav"
    assert out.read_bytes() == WAV
    assert sorted(os.listdir(tmp_path)) == ["x.wav"]


def test_save_pcm16_wrapped_in_wav(azure: FakeAzure, make_model, tmp_path) -> None:
    pcm = make_pcm(4800)
    msg = _audio_reply(azure, make_model, raw=pcm, audio_format="pcm16")
    out = save_audio(msg, tmp_path / "x.wav")
    with wave.open(str(out)) as w:
        assert w.getnchannels() == 1
        assert w.getsampwidth() == 2
        assert w.getframerate() == 24_000
        assert w.readframes(w.getnframes()) == pcm
    assert sorted(os.listdir(tmp_path)) == ["x.wav"]


def test_save_pcm16_as_pcm(azure: FakeAzure, make_model, tmp_path) -> None:
    pcm = make_pcm(480)
    msg = _audio_reply(azure, make_model, raw=pcm, audio_format="pcm16")
    out = save_audio(msg, tmp_path / "x.pcm")
    assert out.read_bytes() == pcm


def test_save_audio_overwrites_atomically(azure: FakeAzure, make_model, tmp_path) -> None:
    target = tmp_path / "x.wav"
    target.write_bytes(b"old")
    msg = _audio_reply(azure, make_model)
    save_audio(msg, target)
    assert target.read_bytes() == WAV
    assert sorted(os.listdir(tmp_path)) == ["x.wav"]


def test_save_audio_creates_parent_dirs(azure: FakeAzure, make_model, tmp_path) -> None:
    msg = _audio_reply(azure, make_model)
    out = save_audio(msg, tmp_path / "a" / "b" / "x.wav")
    assert out.read_bytes() == WAV


def test_save_audio_without_audio_raises(tmp_path) -> None:
    with pytest.raises(AudioValidationError, match="no audio"):
        save_audio(AIMessage(content="just text"), tmp_path / "x.wav")
    assert os.listdir(tmp_path) == []


def test_atomic_write_failure_leaves_no_temp(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(tmp_path / "x.wav", b"data")
    assert os.listdir(tmp_path) == []


def test_save_mp3_from_pcm_with_codecs(azure: FakeAzure, make_model, tmp_path) -> None:
    from langchain_azure_audio import audio_codecs

    if not audio_codecs.codecs_available():
        pytest.skip("PyAV not installed")
    msg = _audio_reply(azure, make_model, raw=make_pcm(48_000), audio_format="pcm16")
    out = save_audio(msg, tmp_path / "x.mp3")
    from langchain_azure_audio.audio import sniff_format

    assert sniff_format(out.read_bytes()) == "mp3"


def test_message_audio_to_wav(azure: FakeAzure, make_model) -> None:
    pcm = make_pcm(2400)
    msg = _audio_reply(azure, make_model, raw=pcm, audio_format="pcm16")
    audio = get_audio(msg)
    assert audio is not None and audio.format == "pcm16"
    with wave.open(io.BytesIO(audio.to_wav())) as w:
        assert w.readframes(w.getnframes()) == pcm
