"""The emulator's GA realtime WebSocket: sessions, text and spoken turns, tools, errors."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from langchain_azure_audio.emulator import Emulator, default_engines

from .conftest import words
from .realtime_support import (
    RATE,
    WEATHER_TOOL,
    Client,
    audio_of,
    frames,
    of_type,
    realtime,
    silence,
    wav_pcm24k,
)


def _user_text(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


# -- session lifecycle -------------------------------------------------------------------------


async def test_session_created_and_updated(emu: Emulator) -> None:
    before = time.time()
    async with realtime(emu) as rt:
        session = rt.seen[0]["session"]
        assert session["type"] == "realtime" and session["object"] == "realtime.session"
        assert session["id"].startswith("sess_") and session["model"] == "gpt-realtime"
        assert before + 1790 <= session["expires_at"] <= time.time() + 1801  # 30-minute cap
        assert session["output_modalities"] == ["audio"]
        audio = session["audio"]
        assert audio["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
        assert audio["input"]["turn_detection"]["type"] == "server_vad"
        updated = await rt.update(
            output_modalities=["text"],
            instructions="Be brief.",
            audio={
                "input": {"turn_detection": None, "transcription": {"model": "whisper"}},
                "output": {"voice": "marin"},
            },
            tools=[WEATHER_TOOL],
            tool_choice="auto",
        )
        assert updated["output_modalities"] == ["text"] and updated["instructions"] == "Be brief."
        assert updated["audio"]["input"]["turn_detection"] is None
        assert updated["audio"]["output"]["voice"] == "marin"
        assert updated["tools"][0]["name"] == "get_weather"
        assert updated["id"] == session["id"]


@pytest.mark.parametrize(
    ("session", "code", "param"),
    [
        ({}, "missing_required_parameter", "session.type"),
        ({"type": "transcription"}, "invalid_value", "session.type"),
        ({"type": "realtime", "voice": "alloy"}, "unknown_parameter", "session.voice"),
        ({"type": "realtime", "output_modalities": ["text", "audio"]}, "invalid_value",
         "session.output_modalities"),
        ({"type": "realtime", "audio": {"output": {"voice": "bogus"}}}, "invalid_value",
         "session.audio.output.voice"),
        ({"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcm", "rate": 16000}}}},
         "invalid_value", "session.audio.input.format.rate"),
        ({"type": "realtime", "audio": {"input": {"turn_detection": {"type": "loud"}}}},
         "invalid_value", "session.audio.input.turn_detection.type"),
    ],
)  # fmt: skip
async def test_session_update_errors(
    emu: Emulator, session: dict[str, Any], code: str, param: str
) -> None:
    async with realtime(emu) as rt:
        await rt.send("session.update", session=session, event_id="evt_1")
        error = (await rt.until("error"))[-1]["error"]
        assert (error["type"], error["code"], error["param"]) == (
            "invalid_request_error",
            code,
            param,
        )
        assert error["event_id"] == "evt_1"
        # the session goes on
        assert (await rt.update(instructions="still here"))["instructions"] == "still here"


async def test_unknown_event_and_bad_json(emu: Emulator) -> None:
    async with realtime(emu) as rt:
        await rt.send("session.explode")
        error = (await rt.until("error"))[-1]["error"]
        assert error["param"] == "type" and "session.update" in error["message"]
        await rt.ws.send("{not json")
        assert (await rt.until("error"))[-1]["error"]["code"] == "invalid_json"


# -- text turns, items, responses --------------------------------------------------------------


async def test_text_turn_events_and_usage(emu: Emulator) -> None:
    async with realtime(emu) as rt:
        await rt.update(output_modalities=["text"])
        await rt.send("conversation.item.create", item=_user_text("Hello there"))
        added, done = await rt.recv(), await rt.recv()
        assert added["type"] == "conversation.item.added"
        assert done["type"] == "conversation.item.done"
        assert added["item"]["role"] == "user" and added["item"]["id"].startswith("item_")
        await rt.send("response.create")
        events = await rt.until("response.done")
        kinds = [e["type"] for e in events]
        assert kinds[:4] == [
            "response.created",
            "response.output_item.added",
            "conversation.item.added",
            "response.content_part.added",
        ]
        assert kinds[-5:] == [
            "response.output_text.done",
            "response.content_part.done",
            "conversation.item.done",
            "response.output_item.done",
            "response.done",
        ]
        text = "".join(e["delta"] for e in of_type(events, "response.output_text.delta"))
        assert text == "You said: Hello there"
        assert of_type(events, "response.output_text.done")[0]["text"] == text
        response = events[-1]["response"]
        assert response["status"] == "completed"
        assert response["output"][0]["content"] == [{"type": "output_text", "text": text}]
        usage = response["usage"]
        assert usage["output_token_details"] == {"text_tokens": 6, "audio_tokens": 0}
        assert usage["input_tokens"] == usage["input_token_details"]["text_tokens"] > 0
        assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
        first_input = usage["input_tokens"]
        # a second response: the conversation so far is a cached prefix
        await rt.send("response.create")
        second = (await rt.until("response.done"))[-1]["response"]["usage"]
        assert second["input_token_details"]["cached_tokens"] == first_input
        assert second["input_token_details"]["cached_tokens_details"]["text_tokens"] == first_input


async def test_audio_response_to_text(emu: Emulator) -> None:
    async with realtime(emu) as rt:
        await rt.send("conversation.item.create", item=_user_text("Testing one two three."))
        await rt.send("response.create")
        events = await rt.until("response.done")
        pcm = audio_of(events)
        deltas = of_type(events, "response.output_audio.delta")
        assert len(deltas) >= 10 and all(len(d["delta"]) <= 6400 for d in deltas)  # ~100 ms
        transcript = "".join(
            e["delta"] for e in of_type(events, "response.output_audio_transcript.delta")
        )
        assert transcript == "You said: Testing one two three."
        heard = default_engines().recognizer.transcribe(pcm, sample_rate=RATE).text
        assert words(heard)[-4:] == ["testing", "one", "two", "three"]
        usage = events[-1]["response"]["usage"]
        assert usage["output_token_details"]["audio_tokens"] > 0
        item = events[-1]["response"]["output"][0]
        assert item["content"] == [{"type": "output_audio", "transcript": transcript}]


async def test_overlapping_response_create(emu: Emulator) -> None:
    async with realtime(emu) as rt:
        await rt.send("conversation.item.create", item=_user_text("A long enough sentence."))
        await rt.send("response.create")
        await rt.send("response.create", event_id="evt_again")
        events = await rt.until("response.done")
        errors = of_type(events, "error")
        assert len(errors) == 1
        error = errors[0]["error"]
        assert error["code"] == "conversation_already_has_active_response"
        assert error["event_id"] == "evt_again"
        resp_id = of_type(events, "response.created")[0]["response"]["id"]
        assert error["message"] == (
            f"Conversation already has an active response in progress: {resp_id}. Wait until "
            "the response is finished before creating a new one."
        )
        assert events[-1]["response"]["status"] == "completed"
        # once done, a new response is fine
        await rt.send("response.create")
        assert (await rt.until("response.done"))[-1]["response"]["status"] == "completed"


async def test_cancel_and_truncate(emu: Emulator) -> None:
    async with realtime(emu) as rt:
        await rt.send("response.cancel")
        assert (await rt.until("error"))[-1]["error"]["code"] == "response_cancel_not_active"
        await rt.send("conversation.item.create", item=_user_text("Say something."))
        await rt.send("response.create")
        events = await rt.until("response.done")
        item = events[-1]["response"]["output"][0]
        audio_ms = len(audio_of(events)) // 48
        # Past the end: Azure's error; the session goes on.
        await rt.send(
            "conversation.item.truncate",
            item_id=item["id"],
            content_index=0,
            audio_end_ms=audio_ms + 500,
        )
        error = (await rt.until("error"))[-1]["error"]
        assert (
            error["message"]
            == f"Audio content of {audio_ms}ms is already shorter than {audio_ms + 500}ms"
        )
        assert error["type"] == "invalid_request_error"
        await rt.send(
            "conversation.item.truncate", item_id=item["id"], content_index=0, audio_end_ms=300
        )
        truncated = (await rt.until("conversation.item.truncated"))[-1]
        assert (truncated["item_id"], truncated["audio_end_ms"]) == (item["id"], 300)
        # now 300 ms is all there is
        await rt.send(
            "conversation.item.truncate", item_id=item["id"], content_index=0, audio_end_ms=400
        )
        error = (await rt.until("error"))[-1]["error"]
        assert error["message"] == "Audio content of 300ms is already shorter than 400ms"
        await rt.send("conversation.item.truncate", item_id="item_nope", audio_end_ms=1)
        assert (await rt.until("error"))[-1]["error"]["param"] == "item_id"
        # cancel a running response
        await rt.send("response.create")
        await rt.until("response.created")
        await rt.send("response.cancel")
        done = (await rt.until("response.done"))[-1]["response"]
        assert done["status"] in ("cancelled", "completed")  # it may have finished already
        if done["status"] == "cancelled":
            assert done["status_details"] == {"type": "cancelled", "reason": "client_cancelled"}


async def test_delete_and_retrieve(emu: Emulator) -> None:
    async with realtime(emu) as rt:
        await rt.send("conversation.item.create", item={**_user_text("x"), "id": "item_mine"})
        await rt.until("conversation.item.done")
        await rt.send("conversation.item.retrieve", item_id="item_mine")
        assert (await rt.until("conversation.item.retrieved"))[-1]["item"]["id"] == "item_mine"
        await rt.send("conversation.item.delete", item_id="item_mine")
        assert (await rt.until("conversation.item.deleted"))[-1]["item_id"] == "item_mine"
        await rt.send("conversation.item.delete", item_id="item_mine")
        error = (await rt.until("error"))[-1]["error"]
        assert (
            error["message"] == "Error deleting item: the item with id 'item_mine' does not exist."
        )


async def test_voice_fixed_after_first_audio(emu: Emulator) -> None:
    async with realtime(emu) as rt:
        await rt.update(audio={"output": {"voice": "coral"}})  # fine before any audio
        await rt.send("conversation.item.create", item=_user_text("Hi."))
        await rt.send("response.create")
        await rt.until("response.done")
        await rt.send(
            "session.update", session={"type": "realtime", "audio": {"output": {"voice": "ash"}}}
        )
        error = (await rt.until("error"))[-1]["error"]
        assert error["code"] == "cannot_update_voice"
        # the same voice again is not a change
        assert (await rt.update(audio={"output": {"voice": "coral"}}))["audio"]["output"][
            "voice"
        ] == "coral"


# -- the spoken round trip ---------------------------------------------------------------------


async def _speak(rt: Client, pcm: bytes) -> None:
    for frame in frames(silence(400) + pcm + silence(900)):
        await rt.append(frame)


async def test_spoken_turn_with_tool_call_and_spoken_result(emu: Emulator) -> None:
    question = wav_pcm24k("weather_question.wav")
    async with realtime(emu) as rt:
        await rt.update(
            tools=[WEATHER_TOOL],
            audio={"input": {"transcription": {"model": "whisper"}}},
        )
        await _speak(rt, question)
        events = await rt.until("response.done")
        kinds = [e["type"] for e in events]
        started = of_type(events, "input_audio_buffer.speech_started")[0]
        stopped = of_type(events, "input_audio_buffer.speech_stopped")[0]
        assert 0 <= started["audio_start_ms"] <= 400 < stopped["audio_end_ms"]
        assert stopped["audio_end_ms"] <= 400 + len(question) // 48 + 900
        committed = of_type(events, "input_audio_buffer.committed")[0]
        assert committed["item_id"] == started["item_id"] == stopped["item_id"]
        assert (
            kinds.index("input_audio_buffer.speech_started")
            < kinds.index("input_audio_buffer.speech_stopped")
            < kinds.index("input_audio_buffer.committed")
            < kinds.index("response.created")
        )
        if "conversation.item.input_audio_transcription.completed" not in kinds:
            events += await rt.until("conversation.item.input_audio_transcription.completed")
        transcript = of_type(events, "conversation.item.input_audio_transcription.completed")[0]
        assert transcript["item_id"] == committed["item_id"]
        assert words(transcript["transcript"]) == words("What is the weather in Paris?")
        call = of_type(events, "response.function_call_arguments.done")[0]
        assert call["name"] == "get_weather" and json.loads(call["arguments"]) == {"city": "Paris"}
        assert call["call_id"].startswith("call_")
        done = events[-1]["response"]
        assert done["status"] == "completed"
        assert done["output"][0]["type"] == "function_call"
        assert done["usage"]["input_token_details"]["audio_tokens"] > 0

        await rt.send(
            "conversation.item.create",
            item={
                "type": "function_call_output",
                "call_id": call["call_id"],
                "output": "Sunny and 22 degrees",
            },
        )
        await rt.send("response.create")
        answer = await rt.until("response.done")
        spoken = "".join(
            e["delta"] for e in of_type(answer, "response.output_audio_transcript.delta")
        )
        assert spoken == "The get_weather tool returned: Sunny and 22 degrees."
        heard = default_engines().recognizer.transcribe(audio_of(answer), sample_rate=RATE).text
        assert "sunny" in words(heard) and "22" in words(heard), heard


async def test_vad_ignores_silence_and_manual_commit(emu: Emulator) -> None:
    async with realtime(emu) as rt:
        for frame in frames(silence(1500)):
            await rt.append(frame)
        await rt.send("input_audio_buffer.clear")
        events = await rt.until("input_audio_buffer.cleared")
        assert [e["type"] for e in events] == ["input_audio_buffer.cleared"]
        # turn detection off: the client commits and asks for the response
        await rt.update(audio={"input": {"turn_detection": None}}, output_modalities=["text"])
        await rt.send("input_audio_buffer.commit")
        error = (await rt.until("error"))[-1]["error"]
        assert error["code"] == "input_audio_buffer_commit_empty"
        for frame in frames(wav_pcm24k("weather_question.wav")):
            await rt.append(frame)
        await rt.send("input_audio_buffer.commit")
        committed = await rt.until("input_audio_buffer.committed")
        assert not of_type(committed, "input_audio_buffer.speech_started")
        await rt.send("response.create")
        text = (await rt.until("response.output_text.done"))[-1]["text"]
        assert words(text) == words("You said: What is the weather in Paris?")


# -- the session cap, auth, the URL ------------------------------------------------------------


async def test_session_cap_expires_and_closes() -> None:
    async with (
        Emulator(realtime_session_seconds=3) as emu,
        realtime(emu) as rt,
    ):
        session = rt.seen[0]["session"]
        assert session["expires_at"] - time.time() <= 3.5
        start = time.monotonic()
        error = (await rt.until("error", timeout=10))[-1]["error"]
        assert 2.5 <= time.monotonic() - start <= 6
        assert error["code"] == "session_expired"
        assert error["message"] == "Your session hit the maximum duration of 3 seconds."
        await rt.ws.wait_closed()
        assert rt.ws.close_code == 1000


async def _refused(emu: Emulator, query: str, headers: dict[str, str]) -> tuple[int, Any]:
    url = f"{emu.realtime_url}{query}"
    with pytest.raises(InvalidStatus) as info:
        async with connect(url, additional_headers=headers):
            pass
    response = info.value.response
    return response.status_code, json.loads(response.body or b"null")


async def test_auth_and_url_refusals(emu: Emulator) -> None:
    key = {"api-key": emu.api_key}
    status, body = await _refused(emu, "?model=gpt-realtime", {"api-key": "wrong"})
    assert status == 401 and body["error"]["code"] == "401"
    status, body = await _refused(emu, "?model=gpt-realtime", {})
    assert status == 401
    status, body = await _refused(emu, "?model=gpt-realtime", {"authorization": "Bearer "})
    assert status == 401
    status, body = await _refused(emu, "?model=gpt-realtime&api-version=2025-04-01-preview", key)
    assert status == 401 and "api-version" in body["error"]["message"]
    status, body = await _refused(emu, "?model=nope", key)
    assert status == 404 and body["error"]["code"] == "DeploymentNotFound"
    status, body = await _refused(emu, "?model=gpt-4o-mini-tts", key)
    assert status == 400 and body["error"]["code"] == "OperationNotSupported"
    status, body = await _refused(emu, "", key)
    assert status == 400 and body["error"]["param"] == "model"


async def test_bearer_auth_and_mini(emu: Emulator) -> None:
    async with realtime(
        emu, model="gpt-realtime-mini", headers={"authorization": f"Bearer {emu.api_key}"}
    ) as rt:
        assert rt.seen[0]["session"]["model"] == "gpt-realtime-mini"
    async with realtime(emu, headers={"authorization": "Bearer an-entra-token"}) as rt:
        assert rt.seen[0]["type"] == "session.created"


async def test_preview_path_is_gone(emu: Emulator) -> None:
    url = emu.ws_url.replace("/openai/v1", "/openai/realtime")
    with pytest.raises(InvalidStatus) as info:
        async with connect(
            f"{url}?api-version=2025-04-01-preview&deployment=gpt-realtime",
            additional_headers={"api-key": emu.api_key},
        ):
            pass
    assert info.value.response.status_code == 404
