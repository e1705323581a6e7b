"""The Emulator's convenience factories build the package's own clients, wired to it."""

from __future__ import annotations

from pathlib import Path

import pytest

import langchain_azure_audio
from langchain_azure_audio.emulator import Emulator

from .conftest import SENTENCE, words


def _need(name: str) -> None:
    if not hasattr(langchain_azure_audio, name):
        pytest.skip(f"langchain_azure_audio.{name} is not available yet")


def test_chat_model_factory(emu: Emulator) -> None:
    _need("AzureAudioChatModel")
    model = emu.chat_model(modalities=["text"])
    reply = model.invoke("Hello there")
    assert "You said: Hello there" in reply.text


def test_speech_and_transcription_tool_factories(
    emu: Emulator, tmp_path: Path, sentence_wav: bytes
) -> None:
    _need("AzureTextToSpeechTool")
    _need("AzureSpeechToTextTool")
    speak = emu.speech_tool(audio_format="wav")
    message = speak.invoke(
        {"type": "tool_call", "id": "call_1", "name": speak.name, "args": {"text": "Hello world."}}
    )
    assert message.artifact is not None
    path = tmp_path / "sentence.wav"
    path.write_bytes(sentence_wav)
    listen = emu.transcription_tool()
    text = listen.invoke({"audio": str(path)})
    assert words(str(text)) == words(SENTENCE)
