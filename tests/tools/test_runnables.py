"""LCEL runnables on mock transports and fake chat models."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2
import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from pydantic import SecretStr

from langchain_azure_audio import audio_codecs
from langchain_azure_audio.audio import audio_block
from langchain_azure_audio.chat_models import AzureAudioChatModel
from langchain_azure_audio.errors import UnsupportedOptionError
from langchain_azure_audio.runnables import (
    VERBATIM_INSTRUCTIONS,
    chat_model_speech_to_text,
    speech_to_text,
    text_to_speech,
    transcribe_with_chat_model,
)

from .conftest import ENDPOINT, KEY, Recorder, speech_handler, tone, wav_of

WAV = wav_of(tone(0.5))
ANSWER = "Paris is sunny today. It is twenty degrees. Enjoy your walk by the river!"


def _fake_model() -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(content=ANSWER)] * 4))


def test_transcribe_prompt_model_speak_invoke(
    mock_azure: Callable[..., Recorder], make_stt: Any, make_tts: Any
) -> None:
    stt_rec = mock_azure(lambda r: httpx2.Response(200, json={"text": "Weather in Paris?"}))
    tts_rec = mock_azure(speech_handler(seconds_per_char=0.001))
    prompt = ChatPromptTemplate.from_template("Answer briefly: {question}")
    chain = (
        speech_to_text(make_stt(stt_rec))
        | prompt
        | _fake_model()
        | text_to_speech(make_tts(tts_rec, azure_deployment="tts-1", audio_format="wav"))
    )
    audio = chain.invoke(WAV)
    assert audio[:4] == b"RIFF"
    assert json.loads(tts_rec.last.content)["input"] == ANSWER


def test_speak_streams_sentence_by_sentence(
    mock_azure: Callable[..., Recorder], make_tts: Any
) -> None:
    rec = mock_azure(speech_handler(seconds_per_char=0.001))
    speak = text_to_speech(
        make_tts(rec, azure_deployment="tts-1", audio_format="mp3"), min_sentence_chars=10
    )
    chunks = list((_fake_model() | speak).stream("question"))
    inputs = [b["input"] for b in rec.json_bodies()]
    assert inputs == [
        "Paris is sunny today.",
        "It is twenty degrees.",
        "Enjoy your walk by the river!",
    ]
    assert len(chunks) >= 3 and all(isinstance(c, bytes) for c in chunks)
    pcm, _ = audio_codecs.decode_to_pcm16(b"".join(chunks))
    assert pcm


async def test_speak_astream_wav_and_str_parser(
    mock_azure: Callable[..., Recorder], make_tts: Any
) -> None:
    rec = mock_azure(speech_handler(seconds_per_char=0.001))
    speak = text_to_speech(make_tts(rec, azure_deployment="tts-1"), audio_format="wav")
    chain = _fake_model() | StrOutputParser() | speak
    data = b"".join([c async for c in chain.astream("q")])
    assert data[:4] == b"RIFF" and data.count(b"RIFF") == 1
    assert all(b["response_format"] == "pcm" for b in rec.json_bodies())
    pcm, rate = audio_codecs.decode_to_pcm16(data)
    assert rate == 24000 and len(pcm) == sum(
        round(len(b["input"]) * 0.001 * 24000) * 2 for b in rec.json_bodies()
    )
    whole = await speak.ainvoke(AIMessage(content="One sentence."))
    assert whole[:4] == b"RIFF"


def test_speak_refuses_unstreamable_format_early(
    mock_azure: Callable[..., Recorder], make_tts: Any
) -> None:
    speak = text_to_speech(make_tts(mock_azure(), azure_deployment="tts-1"), audio_format="flac")
    with pytest.raises(UnsupportedOptionError):
        list(speak.stream("Hello. World."))
    with pytest.raises(UnsupportedOptionError):
        text_to_speech(make_tts(mock_azure(), azure_deployment="tts-1"), audio_format="ogg")


def test_speech_to_text_inputs_and_artifact(
    mock_azure: Callable[..., Recorder], make_stt: Any
) -> None:
    rec = mock_azure(lambda r: httpx2.Response(200, json={"text": "hi"}))
    hear = speech_to_text(make_stt(rec))
    msg = HumanMessage(content=[{"type": "text", "text": "listen"}, audio_block(WAV)])
    assert hear.invoke(msg) == "hi"
    assert hear.invoke({"audio": WAV}) == "hi"
    art = speech_to_text(make_stt(rec), return_artifact=True).invoke(WAV)
    assert art["text"] == "hi" and art["chunks"] == 1
    with pytest.raises(ValueError, match="no audio"):
        hear.invoke(HumanMessage(content="text only"))


def _chat_model(rec: Recorder) -> AzureAudioChatModel:
    return AzureAudioChatModel(
        azure_deployment="gpt-4o-mini-audio-preview",
        azure_endpoint=ENDPOINT,
        api_key=SecretStr(KEY),
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(rec)),
        http_async_client=httpx2.AsyncClient(transport=httpx2.MockTransport(rec)),
    )


def _completion(request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(
        200,
        json={
            "id": "c1",
            "object": "chat.completion",
            "created": 0,
            "model": "gpt-4o-mini-audio-preview",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "  Hello world.  "},
                }
            ],
            "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
        },
    )


async def test_transcribe_with_chat_model(mock_azure: Callable[..., Recorder]) -> None:
    rec = mock_azure(_completion)
    model = _chat_model(rec)
    assert transcribe_with_chat_model(model, WAV, prompt="Contoso") == "Hello world."
    body = json.loads(rec.last.content)
    assert body["modalities"] == ["text"] and "audio" not in body
    system, user = body["messages"]
    assert system == {"role": "system", "content": VERBATIM_INSTRUCTIONS}
    assert "Contoso" in user["content"][0]["text"]
    assert user["content"][1]["type"] == "input_audio"
    assert user["content"][1]["input_audio"]["format"] == "wav"
    hear = chat_model_speech_to_text(model)
    assert await hear.ainvoke(WAV) == "Hello world."
    assert hear.invoke(audio_block(WAV)) == "Hello world."
    with pytest.raises(ValueError, match="allow_remote_urls"):
        transcribe_with_chat_model(model, "https://example.invalid/a.wav")
