"""AzureRealtimeChatModel against replayed sessions: same blocks as AzureAudioChatModel."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, SystemMessage
from langchain_core.tools import tool
from pydantic import SecretStr

from langchain_azure_audio import get_audio
from langchain_azure_audio.audio import PCM16_MIME_TYPE, pcm16_to_wav, sniff_format
from langchain_azure_audio.errors import UnsupportedOptionError
from langchain_azure_audio.realtime import AzureRealtimeChatModel

from .replay import ReplayServer, load

EXPECTED_PCM = base64.b64decode(
    "AAABAAIAAwAEAAUABgAHAAgACQAKAAsADAANAA4ADwAQABEAEgATAA=="
) + base64.b64decode("FAAVABYAFwAYABkAGgAbABwAHQAeAB8A")


def model(server: ReplayServer, **kw: Any) -> AzureRealtimeChatModel:
    return AzureRealtimeChatModel(
        azure_endpoint=server.endpoint,
        api_key=SecretStr("test-key"),
        azure_deployment="gpt-realtime",
        **kw,
    )


def conversation() -> list[Any]:
    return [
        SystemMessage("Answer in one sentence."),
        HumanMessage("Say hello."),
        AIMessage("Hello!"),
        HumanMessage(
            content=[
                {"type": "text", "text": "Again."},
                {
                    "type": "audio",
                    "base64": base64.b64encode(pcm16_to_wav(b"\x01\x00" * 2400)).decode(),
                    "mime_type": "audio/wav",
                },
            ]
        ),
    ]


async def test_ainvoke_returns_text_and_standard_audio_blocks_with_usage() -> None:
    async with ReplayServer(load("chat_text_audio.jsonl")) as server:
        reply = await model(server).ainvoke(conversation())
        server.assert_ok()
    assert reply.text == "Hello again!"
    assert isinstance(reply.content, list)
    text_block, audio_block = reply.content
    assert text_block == {"type": "text", "text": "Hello again!"}
    assert isinstance(audio_block, dict)
    assert audio_block["type"] == "audio" and audio_block["mime_type"] == PCM16_MIME_TYPE
    assert audio_block["id"] == "item_a1"
    assert base64.b64decode(audio_block["base64"]) == EXPECTED_PCM
    assert reply.usage_metadata is not None
    assert reply.usage_metadata["input_token_details"]["audio"] == 40
    assert reply.usage_metadata["output_token_details"]["audio"] == 24
    assert reply.response_metadata["finish_reason"] == "stop"
    # The user's wav went in as 24 kHz pcm16 (header stripped).
    appended = server.connections[0].received[3]["item"]["content"][1]["audio"]
    assert base64.b64decode(appended) == b"\x01\x00" * 2400


def test_sync_invoke_in_wav_writes_a_playable_file() -> None:
    import asyncio

    async def serve_and_call() -> Any:
        async with ReplayServer(load("chat_text_audio.jsonl")) as server:
            m = model(server, audio_format="wav")
            reply = await asyncio.to_thread(m.invoke, conversation())  # the sync path
            server.assert_ok()
            return reply

    reply = asyncio.run(serve_and_call())
    audio = get_audio(reply)
    assert audio is not None and sniff_format(audio.data) == "wav"
    assert audio.to_wav() == pcm16_to_wav(EXPECTED_PCM)


async def test_astream_yields_transcript_and_audio_pieces_that_sum_to_the_reply() -> None:
    async with ReplayServer(load("chat_text_audio.jsonl")) as server:
        chunks = [c async for c in model(server).astream(conversation())]
        server.assert_ok()
    assert len(chunks) >= 4
    full: AIMessageChunk = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    assert full.text == "Hello again!"
    audio = get_audio(full)
    assert audio is not None and audio.data == EXPECTED_PCM
    assert full.usage_metadata is not None and full.usage_metadata["total_tokens"] == 90


@tool
def get_weather(city: str) -> str:
    """Weather of a city."""
    return "sunny"


async def test_bind_tools_returns_tool_calls_without_running_them() -> None:
    async with ReplayServer(load("chat_tool_call.jsonl")) as server:
        bound = model(server, modalities=["text"]).bind_tools([get_weather], tool_choice="any")
        reply = await bound.ainvoke("What is the weather in Paris?")
        server.assert_ok()  # no function_call_output, no second response.create
    assert isinstance(reply, AIMessage)
    assert reply.tool_calls == [
        {"name": "get_weather", "args": {"city": "Paris"}, "id": "call_paris", "type": "tool_call"}
    ]
    assert reply.response_metadata["finish_reason"] == "tool_calls"


def test_options_are_checked_before_connecting() -> None:
    with pytest.raises(UnsupportedOptionError) as info:
        AzureRealtimeChatModel(
            azure_endpoint="http://127.0.0.1:9", api_key=SecretStr("k"), voice="fable"
        )
    assert info.value.option == "voice"
    with pytest.raises(UnsupportedOptionError):
        AzureRealtimeChatModel(
            azure_endpoint="http://127.0.0.1:9", api_key=SecretStr("k"), azure_deployment="whisper"
        )
