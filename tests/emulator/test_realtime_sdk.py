"""The realtime endpoint with the raw openai SDK's GA client, ephemeral keys, barge-in, faults."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx2
import openai
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus
from websockets.typing import Subprotocol

from langchain_azure_audio.emulator import Emulator, default_engines

from .conftest import words
from .realtime_support import (
    RATE,
    WEATHER_TOOL,
    audio_of,
    frames,
    of_type,
    realtime,
    silence,
    wav_pcm24k,
)


def _sdk(emu: Emulator, api_key: str | None = None) -> openai.AsyncOpenAI:
    """The raw SDK's GA client pointed at the emulator (as Azure's GA docs show)."""
    return openai.AsyncOpenAI(
        api_key=api_key or emu.api_key,
        base_url=f"{emu.endpoint}/openai/v1",
        websocket_base_url=emu.ws_url,
        max_retries=0,
    )


async def _collect(conn: Any, until: str) -> list[Any]:
    got = []
    async for event in conn:
        got.append(event)
        if event.type == until:
            return got
    raise AssertionError(f"the connection ended before {until}")


async def test_raw_sdk_full_spoken_round_trip(emu: Emulator) -> None:
    client = _sdk(emu)
    question = wav_pcm24k("weather_question.wav")
    async with client.realtime.connect(
        model="gpt-realtime", extra_headers={"api-key": emu.api_key}
    ) as conn:
        created = await conn.recv()
        assert created.type == "session.created"
        await conn.session.update(
            session={
                "type": "realtime",
                "output_modalities": ["audio"],
                "instructions": "Answer briefly.",
                "tools": [WEATHER_TOOL],
                "audio": {
                    "input": {
                        "format": {"type": "audio/pcm", "rate": 24000},
                        "transcription": {"model": "whisper"},
                        "turn_detection": {"type": "server_vad", "silence_duration_ms": 500},
                    },
                    "output": {"voice": "marin"},
                },
            }
        )
        for frame in frames(silence(400) + question + silence(900)):
            await conn.input_audio_buffer.append(audio=base64.b64encode(frame).decode())
        events = await _collect(conn, "response.done")
        types = [e.type for e in events]
        assert "input_audio_buffer.speech_started" in types
        assert "input_audio_buffer.speech_stopped" in types
        call = next(e for e in events if e.type == "response.function_call_arguments.done")
        assert call.name == "get_weather" and json.loads(call.arguments) == {"city": "Paris"}
        assert events[-1].response.usage.input_token_details.audio_tokens > 0

        await conn.conversation.item.create(
            item={"type": "function_call_output", "call_id": call.call_id, "output": "Rain, 9 C"}
        )
        await conn.response.create()
        answer = await _collect(conn, "response.done")
        pcm = b"".join(
            base64.b64decode(e.delta) for e in answer if e.type == "response.output_audio.delta"
        )
        transcript = next(
            e.transcript for e in answer if e.type == "response.output_audio_transcript.done"
        )
        assert transcript == "The get_weather tool returned: Rain, 9 C."
        heard = default_engines().recognizer.transcribe(pcm, sample_rate=RATE).text
        assert "rain" in words(heard), heard
        usage = answer[-1].response.usage
        assert usage.output_token_details.audio_tokens > 0
        assert usage.input_token_details.cached_tokens > 0


async def test_sdk_client_secrets_and_ephemeral_key(emu: Emulator) -> None:
    client = _sdk(emu)
    secret = await client.realtime.client_secrets.create(
        session={"type": "realtime", "model": "gpt-realtime", "instructions": "From the key."},
        expires_after={"anchor": "created_at", "seconds": 600},
    )
    assert secret.value.startswith("ek_")
    assert time.time() + 590 <= secret.expires_at <= time.time() + 601
    assert secret.session.type == "realtime"
    assert secret.session.instructions == "From the key."
    # a browser-style client: only the ephemeral key, as a Bearer token
    async with _sdk(emu, api_key=secret.value).realtime.connect(model="gpt-realtime") as conn:
        created = await conn.recv()
        assert created.type == "session.created"
        assert created.session.type == "realtime"
        assert created.session.instructions == "From the key."
        await conn.conversation.item.create(
            item={"type": "message", "role": "user", "content": [{"type": "input_text",
                                                                  "text": "ping"}]}
        )  # fmt: skip
        await conn.response.create(response={"output_modalities": ["text"]})
        done = await _collect(conn, "response.done")
        assert next(e.text for e in done if e.type == "response.output_text.done") == (
            "You said: ping"
        )
    # the key alone cannot call the HTTP API
    with pytest.raises(openai.AuthenticationError):
        await (
            _sdk(emu, api_key=secret.value)
            .with_options(max_retries=0)
            .audio.speech.create(model="gpt-4o-mini-tts", input="x", voice="alloy")
        )


def test_client_secrets_errors(http: httpx2.Client) -> None:
    url = "/openai/v1/realtime/client_secrets"
    ok = {"session": {"type": "realtime", "model": "gpt-realtime"}}
    assert http.post(url, json=ok).status_code == 200
    r = http.post(url, json={**ok, "expires_after": {"anchor": "created_at", "seconds": 5}})
    assert r.status_code == 400 and r.json()["error"]["param"] == "expires_after.seconds"
    r = http.post(url, json={**ok, "colour": "blue"})
    assert r.json()["error"]["message"] == "Unrecognized request argument supplied: colour"
    r = http.post(url, json={"session": {"type": "realtime", "model": "nope"}})
    assert r.status_code == 404
    r = http.post(url, json={"session": {"type": "realtime", "model": "gpt-realtime",
                                         "audio": {"output": {"voice": "bogus"}}}})  # fmt: skip
    assert r.status_code == 400 and r.json()["error"]["param"] == "session.audio.output.voice"
    r = http.post(url, json=ok, headers={"api-key": "wrong"})
    assert r.status_code == 401


async def test_ephemeral_key_expires_on_the_injected_clock() -> None:
    now = [1_000_000.0]
    async with Emulator(clock=lambda: now[0]) as emu:
        with httpx2.Client(base_url=emu.endpoint, headers={"api-key": emu.api_key}) as http:
            r = http.post(
                "/openai/v1/realtime/client_secrets",
                json={
                    "session": {"type": "realtime", "model": "gpt-realtime"},
                    "expires_after": {"anchor": "created_at", "seconds": 60},
                },
            )
        body = r.json()
        assert body["expires_at"] == 1_000_060
        bearer = {"authorization": f"Bearer {body['value']}"}
        async with realtime(emu, headers=bearer) as rt:  # the model comes from the key
            assert rt.seen[0]["session"]["expires_at"] == 1_000_000 + 1800
        now[0] += 61
        with pytest.raises(InvalidStatus) as info:
            async with connect(f"{emu.realtime_url}?model=gpt-realtime", additional_headers=bearer):
                pass
        assert info.value.response.status_code == 401
        # browsers send the key as a subprotocol
        async with connect(
            f"{emu.realtime_url}?model=gpt-realtime",
            subprotocols=[
                Subprotocol("realtime"),
                Subprotocol(f"openai-insecure-api-key.{emu.api_key}"),
            ],
        ) as ws:
            assert ws.subprotocol == "realtime"
            assert json.loads(await ws.recv())["type"] == "session.created"


async def test_azure_client_adds_api_version_and_is_refused(emu: Emulator) -> None:
    """``AsyncAzureOpenAI`` puts ``api-version`` on the URL, which the GA path refuses."""
    client = openai.AsyncAzureOpenAI(
        azure_endpoint=emu.endpoint,
        api_key=emu.api_key,
        api_version=emu.api_version,
        websocket_base_url=emu.ws_url,
    )
    with pytest.raises(InvalidStatus) as info:
        async with client.realtime.connect(model="gpt-realtime"):
            pass
    assert info.value.response.status_code == 401


# -- barge-in ----------------------------------------------------------------------------------


async def test_barge_in_cancels_and_truncates_at_what_was_played() -> None:
    async with Emulator(realtime_pace=True) as emu, realtime(emu) as rt:
        await rt.send(
            "conversation.item.create",
            item={"type": "message", "role": "user", "content": [
                {"type": "input_text", "text": "Please tell me a rather long story about a fox."}]},
        )  # fmt: skip
        await rt.send("response.create")
        first = await rt.until("response.output_audio.delta")
        item_id = first[-1]["item_id"]
        assert first[-1]["type"] == "response.output_audio.delta"
        # the user talks over the answer
        for frame in frames(wav_pcm24k("weather_question.wav") + silence(900)):
            await rt.append(frame)
        events = await rt.until("response.done")
        assert of_type(events, "input_audio_buffer.speech_started")
        done = events[-1]["response"]
        assert done["status"] == "cancelled"
        assert done["status_details"] == {"type": "cancelled", "reason": "turn_detected"}
        assert done["output"][0]["status"] == "incomplete"
        sent_ms = len(audio_of(rt.seen)) // 48
        assert 0 < sent_ms < 4000  # paced: far from the whole answer
        await rt.send(
            "conversation.item.truncate", item_id=item_id, content_index=0, audio_end_ms=sent_ms
        )
        truncated = (await rt.until("conversation.item.truncated"))[-1]
        assert truncated["audio_end_ms"] == sent_ms
        # the user's turn is answered next
        after = await rt.until("response.done")
        text = "".join(e["delta"] for e in of_type(after, "response.output_audio_transcript.delta"))
        assert words(text) == words("You said: What is the weather in Paris?")


# -- faults ------------------------------------------------------------------------------------


async def _ask(rt: Any) -> list[dict[str, Any]]:
    await rt.send(
        "conversation.item.create",
        item={"type": "message", "role": "user",
              "content": [{"type": "input_text", "text": "Hello there"}]},
    )  # fmt: skip
    await rt.send("response.create")
    return list(await rt.until("response.done"))


async def test_fault_cut_stream_drops_the_socket(emu: Emulator) -> None:
    emu.inject("cut_stream", route="realtime")
    async with realtime(emu) as rt:
        with pytest.raises(ConnectionClosedError) as info:
            await _ask(rt)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1011
        assert of_type(rt.seen, "response.output_audio.delta")  # it had started
        assert not of_type(rt.seen, "response.done")
    assert emu.faults.pending() == 0


@pytest.mark.parametrize(("fault", "kind"), [("500", "server_error"), ("429", "rate_limit_error")])
async def test_fault_error_event(emu: Emulator, fault: str, kind: str) -> None:
    emu.inject(fault, route="realtime")
    async with realtime(emu) as rt:
        events = await _ask(rt)
        assert of_type(events, "error")[0]["error"]["type"] == kind
        done = events[-1]["response"]
        assert done["status"] == "failed" and done["status_details"]["error"]["type"] == kind
        # the next response is fine
        assert (await _ask(rt))[-1]["response"]["status"] == "completed"


async def test_fault_content_filter_and_header(emu: Emulator) -> None:
    emu.inject("content_filter", route="realtime")
    async with realtime(emu) as rt:
        done = (await _ask(rt))[-1]["response"]
        assert done["status"] == "incomplete"
        assert done["status_details"] == {"type": "incomplete", "reason": "content_filter"}
    async with realtime(emu, headers={"api-key": emu.api_key, "x-emulator-fault": "503"}) as rt:
        assert (await _ask(rt))[-1]["response"]["status"] == "failed"
        assert (await _ask(rt))[-1]["response"]["status"] == "completed"
