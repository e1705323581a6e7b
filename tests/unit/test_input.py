"""Every audio input form becomes the exact ``input_audio`` part on the wire."""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest
from langchain_core.messages import ChatMessage, HumanMessage

from langchain_azure_audio import audio_block
from langchain_azure_audio.audio import prepare_input_audio

from .conftest import FakeAzure, b64, b64_block, make_mp3, make_wav


def _send(make_model, azure: FakeAzure, *blocks) -> list[dict[str, Any]]:
    content = [{"type": "text", "text": "Transcribe this."}, *blocks]
    make_model().invoke([HumanMessage(content=content)])
    user = azure.body()["messages"][0]
    assert user["role"] == "user"
    assert user["content"][0] == {"type": "text", "text": "Transcribe this."}
    parts: list[dict[str, Any]] = user["content"][1:]
    return parts


def _part(data: str, fmt: str) -> dict[str, Any]:
    return {"type": "input_audio", "input_audio": {"data": data, "format": fmt}}


WAV = make_wav(0.1)
MP3 = make_mp3()


def test_v1_base64_block(azure: FakeAzure, make_model) -> None:
    parts = _send(make_model, azure, b64_block(WAV, "audio/wav"))
    assert parts == [_part(b64(WAV), "wav")]


def test_v1_base64_mp3_block(azure: FakeAzure, make_model) -> None:
    parts = _send(make_model, azure, b64_block(MP3, "audio/mpeg"))
    assert parts == [_part(b64(MP3), "mp3")]


def test_v1_file_url(azure: FakeAzure, make_model, tmp_path) -> None:
    path = tmp_path / "question.wav"
    path.write_bytes(WAV)
    parts = _send(make_model, azure, {"type": "audio", "url": path.as_uri()})
    assert parts == [_part(b64(WAV), "wav")]


def test_v1_file_url_with_spaces(azure: FakeAzure, make_model, tmp_path) -> None:
    path = tmp_path / "my recording.mp3"
    path.write_bytes(MP3)
    parts = _send(make_model, azure, {"type": "audio", "url": path.as_uri()})
    assert parts == [_part(b64(MP3), "mp3")]


def test_v1_data_url(azure: FakeAzure, make_model) -> None:
    url = f"data:audio/wav;base64,{b64(WAV)}"
    parts = _send(make_model, azure, {"type": "audio", "url": url})
    assert parts == [_part(b64(WAV), "wav")]


def test_v0_base64_block(azure: FakeAzure, make_model) -> None:
    block = {"type": "audio", "source_type": "base64", "data": b64(MP3), "mime_type": "audio/mp3"}
    parts = _send(make_model, azure, block)
    assert parts == [_part(b64(MP3), "mp3")]


def test_v0_url_block(azure: FakeAzure, make_model, tmp_path) -> None:
    path = tmp_path / "clip.wav"
    path.write_bytes(WAV)
    block = {"type": "audio", "source_type": "url", "url": path.as_uri()}
    parts = _send(make_model, azure, block)
    assert parts == [_part(b64(WAV), "wav")]


def test_openai_input_audio_part(azure: FakeAzure, make_model) -> None:
    parts = _send(make_model, azure, _part(b64(WAV), "wav"))
    assert parts == [_part(b64(WAV), "wav")]


def test_openai_input_audio_part_mp3(azure: FakeAzure, make_model) -> None:
    parts = _send(make_model, azure, _part(b64(MP3), "mp3"))
    assert parts == [_part(b64(MP3), "mp3")]


def test_audio_block_helper_path(azure: FakeAzure, make_model, tmp_path) -> None:
    path = tmp_path / "q.wav"
    path.write_bytes(WAV)
    block = audio_block(path)
    assert block == {"type": "audio", "base64": b64(WAV), "mime_type": "audio/wav"}
    assert audio_block(str(path)) == block
    parts = _send(make_model, azure, block)
    assert parts == [_part(b64(WAV), "wav")]


def test_audio_block_helper_bytes(azure: FakeAzure, make_model) -> None:
    block = audio_block(MP3)
    assert block["mime_type"] == "audio/mpeg"
    parts = _send(make_model, azure, block)
    assert parts == [_part(b64(MP3), "mp3")]


def test_audio_block_helper_missing_file(tmp_path) -> None:
    from langchain_azure_audio import AudioValidationError

    with pytest.raises(AudioValidationError, match="No audio file"):
        audio_block(tmp_path / "missing.wav")


def test_several_audio_parts_keep_order(azure: FakeAzure, make_model) -> None:
    parts = _send(
        make_model, azure, b64_block(WAV), {"type": "text", "text": "and"}, b64_block(MP3)
    )
    assert parts == [
        _part(b64(WAV), "wav"),
        {"type": "text", "text": "and"},
        _part(b64(MP3), "mp3"),
    ]


@pytest.mark.parametrize(
    ("mime", "raw", "fmt"),
    [
        ("audio/x-wav", WAV, "wav"),
        ("audio/wave", WAV, "wav"),
        ("audio/vnd.wave", WAV, "wav"),
        ("audio/wav; codecs=1", WAV, "wav"),
        ("audio/mp3", MP3, "mp3"),
        ("audio/mpeg", MP3, "mp3"),
        ("AUDIO/MPEG", MP3, "mp3"),
    ],
)
def test_mime_aliases(azure: FakeAzure, make_model, mime: str, raw: bytes, fmt: str) -> None:
    parts = _send(make_model, azure, b64_block(raw, mime))
    assert parts == [_part(b64(raw), fmt)]


@pytest.mark.parametrize(
    ("mime", "raw", "fmt"),
    [
        ("audio/mpeg", WAV, "wav"),
        ("audio/wav", MP3, "mp3"),
        ("application/octet-stream", WAV, "wav"),
    ],
)
def test_wrong_declared_mime_sends_sniffed_format(
    azure: FakeAzure, make_model, caplog, mime: str, raw: bytes, fmt: str
) -> None:
    with caplog.at_level(logging.WARNING, logger="langchain_azure_audio"):
        parts = _send(make_model, azure, b64_block(raw, mime))
    assert parts == [_part(b64(raw), fmt)]


def test_wrong_declared_mime_is_logged(azure: FakeAzure, make_model, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="langchain_azure_audio"):
        _send(make_model, azure, b64_block(WAV, "audio/mpeg"))
    assert any("really wav" in r.getMessage() for r in caplog.records)


def test_wrong_input_audio_format_sends_sniffed(azure: FakeAzure, make_model) -> None:
    parts = _send(make_model, azure, _part(b64(MP3), "wav"))
    assert parts == [_part(b64(MP3), "mp3")]


def test_wrong_data_url_mime(azure: FakeAzure, make_model) -> None:
    url = f"data:audio/mpeg;base64,{b64(WAV)}"
    parts = _send(make_model, azure, {"type": "audio", "url": url})
    assert parts == [_part(b64(WAV), "wav")]


def test_base64_passes_through_unchanged() -> None:
    """Already-wav/mp3 base64 is not decoded and re-encoded: the very same string goes out."""
    for raw in (WAV, MP3):
        data = b64(raw)
        prepared = prepare_input_audio(data, declared_format="audio/wav")
        assert prepared.base64 is data
        assert prepared.to_part()["input_audio"]["data"] is data


def test_large_base64_wav_sent_unchanged(azure: FakeAzure, make_model) -> None:
    big = make_wav(20.0)  # ~960 kB: beyond the sniff prefix
    data = b64(big)
    parts = _send(make_model, azure, {"type": "audio", "base64": data, "mime_type": "audio/wav"})
    assert parts[0]["input_audio"]["data"] == data
    assert base64.b64decode(parts[0]["input_audio"]["data"]) == big


def test_base64_with_line_breaks(azure: FakeAzure, make_model) -> None:
    data = b64(WAV)
    wrapped = "\n".join(data[i : i + 76] for i in range(0, len(data), 76))
    parts = _send(make_model, azure, {"type": "audio", "base64": wrapped, "mime_type": "audio/wav"})
    assert parts == [_part(data, "wav")]


def test_string_content_and_chat_message(azure: FakeAzure, make_model) -> None:
    make_model().invoke([ChatMessage(role="user", content=[b64_block(WAV)])])
    assert azure.body()["messages"] == [{"role": "user", "content": [_part(b64(WAV), "wav")]}]


async def test_async_input_conversion(azure: FakeAzure, make_model) -> None:
    await make_model().ainvoke([HumanMessage(content=[b64_block(MP3, "audio/mp3")])])
    assert azure.body()["messages"][0]["content"] == [_part(b64(MP3), "mp3")]
