"""Multi-turn: earlier audio replies go back as an audio id while valid, as text once expired."""

from __future__ import annotations

import time

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from langchain_azure_audio.messages import AUDIO_EXPIRY_MARGIN_SECONDS, convert_messages

from .conftest import FakeAzure, audio_completion, b64, make_wav


def _ai_with_audio(expires_at: float | None, transcript: str = "It is sunny.") -> AIMessage:
    extras = {} if expires_at is None else {"expires_at": expires_at}
    return AIMessage(
        content=[
            {"type": "text", "text": transcript},
            {
                "type": "audio",
                "base64": b64(make_wav(0.05)),
                "mime_type": "audio/wav",
                "id": "audio_prev_1",
                "extras": {**extras, "format": "wav"},
            },
        ]
    )


def _history(ai: AIMessage) -> list[BaseMessage]:
    return [
        SystemMessage(content="You are a weather bot."),
        HumanMessage(content="Weather?"),
        ai,
        HumanMessage(content="And tomorrow?"),
    ]


def test_valid_audio_id_sent_as_reference(azure: FakeAzure, make_model) -> None:
    make_model().invoke(_history(_ai_with_audio(time.time() + 3600)))
    assert azure.body()["messages"] == [
        {"role": "system", "content": "You are a weather bot."},
        {"role": "user", "content": "Weather?"},
        {"role": "assistant", "audio": {"id": "audio_prev_1"}},
        {"role": "user", "content": "And tomorrow?"},
    ]


@pytest.mark.parametrize("offset", [-3600, -1, 0, AUDIO_EXPIRY_MARGIN_SECONDS - 5])
def test_expired_audio_id_falls_back_to_transcript(azure: FakeAzure, make_model, offset) -> None:
    make_model().invoke(_history(_ai_with_audio(time.time() + offset)))
    assert azure.body()["messages"][2] == {"role": "assistant", "content": "It is sunny."}


def test_margin_is_30_seconds() -> None:
    assert AUDIO_EXPIRY_MARGIN_SECONDS == 30
    now = 1_000_000.0
    just_inside = convert_messages([_ai_with_audio(now + 29)], now=now)[0]
    just_outside = convert_messages([_ai_with_audio(now + 31)], now=now)[0]
    assert just_inside == {"role": "assistant", "content": "It is sunny."}
    assert just_outside == {"role": "assistant", "audio": {"id": "audio_prev_1"}}


def test_reply_round_trips_into_next_turn(azure: FakeAzure, make_model) -> None:
    azure.push(
        audio_completion(
            make_wav(0.05),
            transcript="Hi!",
            audio_id="audio_x",
            expires_at=int(time.time()) + 3600,  # valid for an hour, whatever the day
        )
    )
    model = make_model()
    first = model.invoke("Hello")
    model.invoke([HumanMessage(content="Hello"), first, HumanMessage(content="Again")])
    assert azure.body()["messages"][1] == {"role": "assistant", "audio": {"id": "audio_x"}}


def test_expired_reply_round_trips_as_transcript(azure: FakeAzure, make_model) -> None:
    azure.push(audio_completion(make_wav(0.05), transcript="Hi!", expires_at=1_000))
    model = make_model()
    first = model.invoke("Hello")
    model.invoke([HumanMessage(content="Hello"), first, HumanMessage(content="Again")])
    assert azure.body()["messages"][1] == {"role": "assistant", "content": "Hi!"}


def test_langchain_openai_style_history_valid(azure: FakeAzure, make_model) -> None:
    ai = AIMessage(
        content="",
        additional_kwargs={
            "audio": {
                "id": "audio_lc_1",
                "data": b64(make_wav(0.05)),
                "expires_at": int(time.time()) + 3600,
                "transcript": "From langchain-openai.",
            }
        },
    )
    make_model().invoke(_history(ai))
    assert azure.body()["messages"][2] == {"role": "assistant", "audio": {"id": "audio_lc_1"}}


def test_langchain_openai_style_history_expired(azure: FakeAzure, make_model) -> None:
    ai = AIMessage(
        content="",
        additional_kwargs={
            "audio": {
                "id": "audio_lc_1",
                "data": b64(make_wav(0.05)),
                "expires_at": int(time.time()) - 10,
                "transcript": "From langchain-openai.",
            }
        },
    )
    make_model().invoke(_history(ai))
    assert azure.body()["messages"][2] == {
        "role": "assistant",
        "content": "From langchain-openai.",
    }


def test_plain_text_assistant_message(azure: FakeAzure, make_model) -> None:
    make_model().invoke(_history(AIMessage(content="Sunny.")))
    assert azure.body()["messages"][2] == {"role": "assistant", "content": "Sunny."}


def test_tool_round_trip(azure: FakeAzure, make_model) -> None:
    ai = AIMessage(
        content="",
        tool_calls=[{"name": "get_weather", "args": {"city": "Paris"}, "id": "call_1"}],
    )
    msgs = [
        HumanMessage(content="Weather in Paris?"),
        ai,
        ToolMessage(content="sunny, 21 C", tool_call_id="call_1"),
    ]
    make_model().invoke(msgs)
    sent = azure.body()["messages"]
    assert sent[1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    }
    assert sent[2] == {"role": "tool", "tool_call_id": "call_1", "content": "sunny, 21 C"}


def test_tool_message_with_text_blocks(azure: FakeAzure, make_model) -> None:
    msgs = [
        HumanMessage(content="q"),
        AIMessage(content="", tool_calls=[{"name": "t", "args": {}, "id": "c1"}]),
        ToolMessage(
            content=[{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
            tool_call_id="c1",
        ),
    ]
    make_model().invoke(msgs)
    assert azure.body()["messages"][2] == {"role": "tool", "tool_call_id": "c1", "content": "ab"}


def test_streamed_reply_round_trips(azure: FakeAzure, make_model) -> None:
    from .conftest import audio_stream_events, make_pcm, sse_body

    azure.push(sse_body(audio_stream_events(["Hi ", "there"], [make_pcm(100)])))
    model = make_model()
    chunks = list(model.stream("Hello"))
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c
    model.invoke([HumanMessage(content="Hello"), full, HumanMessage(content="Again")])
    assert azure.body()["messages"][1] == {"role": "assistant", "audio": {"id": "audio_stream01"}}


def test_audio_without_expiry_is_sent_as_reference() -> None:
    msg = AIMessage(
        content=[
            {"type": "text", "text": "t"},
            {"type": "audio", "id": "a1", "base64": "AAAA", "mime_type": "audio/wav"},
        ]
    )
    assert convert_messages([msg], now=0) == [{"role": "assistant", "audio": {"id": "a1"}}]


def test_audio_reference_with_tool_calls() -> None:
    msg = AIMessage(
        content=[
            {"type": "text", "text": "Let me check."},
            {"type": "audio", "id": "a2", "base64": "AAAA", "extras": {"expires_at": 10_000}},
        ],
        tool_calls=[{"name": "get_weather", "args": {"city": "Rome"}, "id": "call_9"}],
    )
    (out,) = convert_messages([msg], now=0)
    assert out["audio"] == {"id": "a2"}
    assert out["tool_calls"][0]["id"] == "call_9"
    assert out["tool_calls"][0]["function"]["arguments"] == '{"city": "Rome"}'
