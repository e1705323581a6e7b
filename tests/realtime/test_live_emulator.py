"""The voice agent and chat model against the live emulator (real VAD, Whisper and Piper)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import openai
import pytest
from langchain_core.tools import tool
from pydantic import SecretStr

from langchain_azure_audio import AzureSpeechToTextTool
from langchain_azure_audio.errors import (
    AuthenticationError,
    ServiceConnectionError,
    UnsupportedOptionError,
)
from langchain_azure_audio.realtime import (
    AzureRealtimeChatModel,
    AzureRealtimeVoiceAgent,
    Interrupted,
    OutputAudio,
    RealtimeEvent,
    Reconnected,
    ResponseDone,
    ServiceError,
    pcm16_frames,
    read_pcm16,
)

pytest.importorskip("starlette")
from langchain_azure_audio.emulator import Emulator

pytestmark = pytest.mark.emulator

QUESTION = Path(__file__).parent.parent / "data" / "weather_question.wav"


@tool
def get_weather(city: str) -> str:
    """Weather of a city."""
    return f"It is sunny and 21 degrees in {city}."


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as emulator:
        yield emulator


def agent_for(emu: Emulator, **kw: object) -> AzureRealtimeVoiceAgent:
    params: dict[str, object] = {
        "azure_endpoint": emu.endpoint,
        "api_key": emu.api_key,
        "azure_deployment": "gpt-realtime",
        "tools": [get_weather],
    }
    params.update(kw)
    return AzureRealtimeVoiceAgent(**params)  # type: ignore[arg-type]


async def test_spoken_round_trip_hears_calls_the_tool_and_speaks_its_result(
    emu: Emulator,
) -> None:
    frames = list(pcm16_frames(read_pcm16(QUESTION), frame_ms=20))
    result = await agent_for(emu).arun(frames)
    assert result.user_transcripts and "weather" in result.user_transcripts[0].lower()
    assert [t.name for t in result.tool_calls] == ["get_weather"]
    assert "21 degrees" in result.transcript
    # The speech itself says the tool's result: Whisper hears it back.
    stt = AzureSpeechToTextTool(
        azure_endpoint=emu.endpoint,
        api_key=SecretStr(emu.api_key),
        api_version=emu.api_version,
        azure_deployment="whisper",
    )
    heard = str(await stt.ainvoke({"audio": result.wav()}))
    assert "sunny" in heard.lower() and "21" in heard
    assert result.usage is not None and result.usage["output_token_details"]["audio"] > 0
    assert result.first_audio_latency_s is not None


async def test_barge_in_truncates_within_the_audio_received() -> None:
    async with Emulator(realtime_pace=True) as emu:
        agent = agent_for(emu)
        frames = list(pcm16_frames(read_pcm16(QUESTION), frame_ms=20))
        events: list[RealtimeEvent] = []
        async with agent.connect() as session:
            for frame in frames:
                await session.send_audio(frame)
            await session.send_audio(b"\x00" * 48 * 800)
            received = 0
            async for event in session.events():
                events.append(event)
                if isinstance(event, OutputAudio):
                    received += len(event.audio)
                    if received >= 48 * 600:  # 0.6 s of the answer arrived: talk over it
                        break
            assert isinstance(event, OutputAudio)
            session.report_playback(event.item_id, 250)
            for frame in frames:
                await session.send_audio(frame)
            await session.send_audio(b"\x00" * 48 * 800)
            async for event in session.events():
                events.append(event)
                if isinstance(event, Interrupted):
                    break
            await asyncio.sleep(0.5)  # any error for the truncate would arrive now
    cut = [e for e in events if isinstance(e, Interrupted)]
    assert cut and cut[0].audio_end_ms == 250
    errors = [e for e in events if isinstance(e, ServiceError)]
    assert not any("shorter than" in e.message for e in errors), errors


async def test_renewal_before_a_three_second_cap_keeps_the_conversation() -> None:
    async with Emulator(realtime_session_seconds=3) as emu:
        agent = agent_for(emu, output_modalities=["text"])
        async with agent.connect() as session:
            await session.send_text("Remember the word tangerine.")
            events: list[RealtimeEvent] = []

            async def until(kind: type) -> None:
                async for event in session.events():
                    events.append(event)
                    if isinstance(event, kind):
                        return

            await asyncio.wait_for(until(ResponseDone), 20)
            await asyncio.wait_for(until(Reconnected), 10)
            await asyncio.sleep(1.0)  # past the first session's cap
            await session.send_text("What is the weather in Paris?")
            await asyncio.wait_for(until(ResponseDone), 20)
            while True:  # the tool's answer
                await asyncio.wait_for(until(ResponseDone), 20)
                if not events[-1].function_calls:  # type: ignore[union-attr]
                    break
    renewals = [e for e in events if isinstance(e, Reconnected)]
    assert renewals and renewals[0].reason == "renewal" and renewals[0].replayed_items == 2
    assert not [e for e in events if isinstance(e, ServiceError)]
    assert "21 degrees" in events[-1].transcript  # type: ignore[union-attr]


async def test_entra_token_is_fetched_again_for_every_connect() -> None:
    seen: list[str] = []
    issued: list[str] = []

    def validator(token: str) -> bool:
        seen.append(token)
        return token.startswith("entra-")

    def provider() -> str:
        token = f"entra-{len(issued) + 1}"
        issued.append(token)
        return token

    async with Emulator(realtime_session_seconds=3, bearer_token_validator=validator) as emu:
        agent = AzureRealtimeVoiceAgent(
            azure_endpoint=emu.endpoint,
            azure_ad_token_provider=provider,
            azure_deployment="gpt-realtime",
            output_modalities=["text"],
        )
        async with agent.connect() as session:
            async for event in session.events():
                if isinstance(event, Reconnected):
                    break
    assert issued[:2] == ["entra-1", "entra-2"]
    assert seen[:2] == ["entra-1", "entra-2"]


async def test_chat_model_invoke_and_tool_calls(emu: Emulator) -> None:
    model = AzureRealtimeChatModel(
        azure_endpoint=emu.endpoint, api_key=SecretStr(emu.api_key), azure_deployment="gpt-realtime"
    )
    reply = await model.ainvoke("Hello there")
    assert reply.text and reply.usage_metadata is not None
    blocks = [b["type"] for b in reply.content if isinstance(b, dict)]
    assert blocks == ["text", "audio"]
    bound = model.bind_tools([get_weather])
    call = await bound.ainvoke("What is the weather in Paris?")
    assert call.tool_calls and call.tool_calls[0]["name"] == "get_weather"
    assert call.tool_calls[0]["args"] == {"city": "Paris"}


async def test_client_secret_is_an_ephemeral_key_that_opens_a_session(emu: Emulator) -> None:
    agent = agent_for(emu, instructions="From the key.")
    now = time.time()
    secret = await agent.acreate_client_secret(
        expires_after_seconds=120, session={"instructions": "From the key."}
    )
    assert secret.value.startswith("ek_") and emu.api_key not in secret.value
    assert now + 110 <= secret.expires_at <= time.time() + 121
    # What a browser does with it: the key alone, as a Bearer token, opens a realtime session.
    browser = AzureRealtimeVoiceAgent(
        azure_endpoint=emu.endpoint,
        azure_ad_token_provider=lambda: secret.value,
        azure_deployment="gpt-realtime",
        output_modalities=["text"],
    )
    async with browser.connect() as session:
        await session.send_text("ping")
        async for event in session.events():
            if isinstance(event, ResponseDone):
                break
    assert isinstance(event, ResponseDone)
    assert event.transcript == "You said: ping"
    with pytest.raises(UnsupportedOptionError):
        await agent.acreate_client_secret(expires_after_seconds=5)


async def test_client_secret_with_a_wrong_key_is_a_typed_authentication_error(
    emu: Emulator,
) -> None:
    agent = agent_for(emu, api_key="not-the-key")
    with pytest.raises(AuthenticationError) as info:
        await agent.acreate_client_secret()
    assert info.value.status_code == 401 and "not-the-key" not in str(info.value)


async def test_unreachable_endpoint_is_a_connection_error_naming_the_ws_url() -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    agent = AzureRealtimeVoiceAgent(
        azure_endpoint=f"http://127.0.0.1:{port}", api_key=SecretStr("secret-key"), open_timeout=5
    )
    with pytest.raises(ServiceConnectionError) as info:
        async with agent.connect():
            pass
    assert info.value.url == f"ws://127.0.0.1:{port}/openai/v1/realtime"
    assert info.value.url in str(info.value) and "secret-key" not in str(info.value)
    assert isinstance(info.value, openai.APIConnectionError)


async def test_a_reconnect_that_keeps_failing_is_a_typed_connection_error() -> None:
    async with Emulator() as emu:
        agent = agent_for(emu, output_modalities=["text"], reconnect_delay=0.01)
        async with agent.connect() as session:
            await asyncio.to_thread(emu.stop)  # the socket drops and nothing listens any more
            with pytest.raises(ServiceConnectionError) as info:
                async for _event in session.events():
                    pass
    message = str(info.value)
    assert "could not be re-established after 3 attempt(s)" in message
    assert f"{emu.ws_url}/realtime" in message and emu.api_key not in message
