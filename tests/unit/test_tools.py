"""Tool calling, structured output, token counting, profile and tracing params."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from langchain_azure_audio import AzureAudioChatModel, audio_block

from .conftest import FakeAzure, completion, make_wav, usage


def get_weather(city: str) -> str:
    """Weather of a city."""
    return "sunny"


@tool
def get_time(timezone: str) -> str:
    """Current time in a timezone."""
    return "12:00"


class Answer(BaseModel):
    """The answer to the user's question."""

    city: str = Field(description="The city")
    temperature_c: float


def _tool_call(name: str, args: dict[str, Any] | str, call_id: str) -> dict[str, Any]:
    arguments = args if isinstance(args, str) else json.dumps(args)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def _tool_reply(*calls: dict[str, Any]) -> dict[str, Any]:
    return completion(
        content=None,
        tool_calls=list(calls),
        finish_reason="tool_calls",
        usage_=usage(completion=20, audio_out=0),
    )


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather of a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def test_bind_tools_request_body(azure: FakeAzure, make_model) -> None:
    make_model().bind_tools([get_weather]).invoke("Weather in Paris?")
    body = azure.body()
    assert body["tools"] == [WEATHER_TOOL]
    assert "tool_choice" not in body
    assert body["modalities"] == ["text", "audio"]


def test_bind_tools_mixed_tool_kinds(azure: FakeAzure, make_model) -> None:
    make_model().bind_tools([get_weather, get_time, Answer, WEATHER_TOOL]).invoke("hi")
    names = [t["function"]["name"] for t in azure.body()["tools"]]
    assert names == ["get_weather", "get_time", "Answer", "get_weather"]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("any", "required"),
        ("required", "required"),
        ("auto", "auto"),
        ("none", "none"),
        ("get_weather", {"type": "function", "function": {"name": "get_weather"}}),
        (True, {"type": "function", "function": {"name": "get_weather"}}),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            {"type": "function", "function": {"name": "get_weather"}},
        ),
    ],
)
def test_tool_choice_mapping(azure: FakeAzure, make_model, choice, expected) -> None:
    make_model().bind_tools([get_weather], tool_choice=choice).invoke("hi")
    assert azure.body()["tool_choice"] == expected


def test_tool_choice_unknown_name_refused(azure: FakeAzure, make_model) -> None:
    with pytest.raises(ValueError, match="not one of the bound tools"):
        make_model().bind_tools([get_weather], tool_choice="get_time")
    assert azure.calls == 0


def test_tool_choice_true_needs_one_tool(make_model) -> None:
    with pytest.raises(ValueError, match="exactly one tool"):
        make_model().bind_tools([get_weather, get_time], tool_choice=True)


def test_parallel_tool_calls_flag(azure: FakeAzure, make_model) -> None:
    make_model().bind_tools([get_weather], parallel_tool_calls=False).invoke("hi")
    assert azure.body()["parallel_tool_calls"] is False


def test_strict_tools(azure: FakeAzure, make_model) -> None:
    make_model().bind_tools([get_weather], strict=True).invoke("hi")
    fn = azure.body()["tools"][0]["function"]
    assert fn["strict"] is True
    assert fn["parameters"]["additionalProperties"] is False


def test_parallel_tool_calls_parsed(azure: FakeAzure, make_model) -> None:
    azure.push(
        _tool_reply(
            _tool_call("get_weather", {"city": "Paris"}, "call_1"),
            _tool_call("get_weather", {"city": "Oslo"}, "call_2"),
        )
    )
    msg = make_model().bind_tools([get_weather]).invoke("Paris and Oslo?")
    assert [(c["name"], c["args"], c["id"]) for c in msg.tool_calls] == [
        ("get_weather", {"city": "Paris"}, "call_1"),
        ("get_weather", {"city": "Oslo"}, "call_2"),
    ]
    assert all(c["type"] == "tool_call" for c in msg.tool_calls)
    assert msg.response_metadata["finish_reason"] == "tool_calls"
    assert msg.invalid_tool_calls == []


def test_malformed_tool_arguments_become_invalid_tool_calls(azure: FakeAzure, make_model) -> None:
    azure.push(
        _tool_reply(
            _tool_call("get_weather", '{"city": "Par', "call_bad"),
            _tool_call("get_weather", {"city": "Oslo"}, "call_ok"),
        )
    )
    msg = make_model().bind_tools([get_weather]).invoke("hi")
    assert [c["id"] for c in msg.tool_calls] == ["call_ok"]
    assert len(msg.invalid_tool_calls) == 1
    bad = msg.invalid_tool_calls[0]
    assert (bad["id"], bad["name"], bad["args"]) == ("call_bad", "get_weather", '{"city": "Par')


async def test_tool_calls_async(azure: FakeAzure, make_model) -> None:
    azure.push(_tool_reply(_tool_call("get_time", {"timezone": "UTC"}, "c1")))
    msg = await make_model().bind_tools([get_time]).ainvoke("time?")
    assert msg.tool_calls[0]["args"] == {"timezone": "UTC"}


# -- structured output -----------------------------------------------------------------------------


def test_structured_output_pydantic(azure: FakeAzure, make_model) -> None:
    azure.push(_tool_reply(_tool_call("Answer", {"city": "Paris", "temperature_c": 21.5}, "c1")))
    result = make_model().with_structured_output(Answer).invoke("Weather in Paris?")
    assert result == Answer(city="Paris", temperature_c=21.5)
    body = azure.body()
    assert body["modalities"] == ["text"]
    assert "audio" not in body
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Answer"}}
    assert [t["function"]["name"] for t in body["tools"]] == ["Answer"]
    assert body["tools"][0]["function"]["parameters"]["required"] == ["city", "temperature_c"]
    assert body["parallel_tool_calls"] is False
    assert "response_format" not in body


def test_structured_output_json_schema_dict(azure: FakeAzure, make_model) -> None:
    schema = {
        "title": "answer",
        "description": "An answer",
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    }
    azure.push(_tool_reply(_tool_call("answer", {"city": "Oslo"}, "c1")))
    result = make_model().with_structured_output(schema).invoke("hi")
    assert result == {"city": "Oslo"}


def test_structured_output_include_raw(azure: FakeAzure, make_model) -> None:
    azure.push(_tool_reply(_tool_call("Answer", {"city": "Rome", "temperature_c": 30}, "c1")))
    out = make_model().with_structured_output(Answer, include_raw=True).invoke("hi")
    assert out["parsed"] == Answer(city="Rome", temperature_c=30)
    assert out["parsing_error"] is None
    assert out["raw"].tool_calls[0]["id"] == "c1"


def test_structured_output_strict(azure: FakeAzure, make_model) -> None:
    azure.push(_tool_reply(_tool_call("Answer", {"city": "Rome", "temperature_c": 1}, "c1")))
    make_model().with_structured_output(Answer, strict=True).invoke("hi")
    assert azure.body()["tools"][0]["function"]["strict"] is True


def test_json_schema_never_sent_as_response_format(azure: FakeAzure, make_model) -> None:
    """Audio models reject ``response_format: json_schema``: it must be served by a forced tool."""
    azure.push(_tool_reply(_tool_call("Answer", {"city": "Rome", "temperature_c": 1}, "c1")))
    result = make_model().with_structured_output(Answer, method="json_schema").invoke("hi")
    assert result == Answer(city="Rome", temperature_c=1)
    body = azure.body()
    assert "response_format" not in body
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Answer"}}
    assert body["modalities"] == ["text"]


def test_json_mode(azure: FakeAzure, make_model) -> None:
    azure.push(completion(content='{"city": "Lima", "temperature_c": 18}'))
    result = make_model().with_structured_output(Answer, method="json_mode").invoke("JSON please")
    assert result == Answer(city="Lima", temperature_c=18)
    body = azure.body()
    assert body["response_format"] == {"type": "json_object"}
    assert body["modalities"] == ["text"]
    assert "tools" not in body


def test_structured_output_unknown_method(make_model) -> None:
    with pytest.raises(ValueError, match="xml"):
        make_model().with_structured_output(Answer, method="xml")


# -- token counting, profile, tracing --------------------------------------------------------------


def test_num_tokens_with_audio_grows_with_duration(
    make_model: Callable[..., AzureAudioChatModel],
) -> None:
    model = make_model()

    def count(seconds: float) -> int:
        msg = HumanMessage(
            content=[{"type": "text", "text": "Transcribe"}, audio_block(make_wav(seconds))]
        )
        return model.get_num_tokens_from_messages([msg])

    short, medium, long = count(1.0), count(5.0), count(20.0)
    assert 0 < short < medium < long
    assert long - short >= 100  # ~10 tokens per second of audio


def test_num_tokens_with_input_audio_part_and_mp3(make_model) -> None:
    model = make_model()
    from .conftest import b64, make_mp3

    msgs = [
        HumanMessage(
            content=[
                {
                    "type": "input_audio",
                    "input_audio": {"data": b64(make_wav(3.0)), "format": "wav"},
                },
                {"type": "audio", "base64": b64(make_mp3(40)), "mime_type": "audio/mpeg"},
            ]
        )
    ]
    with_audio = model.get_num_tokens_from_messages(msgs)
    without = model.get_num_tokens_from_messages([HumanMessage(content=[])])
    assert with_audio > without + 25


def test_num_tokens_text_and_tools(make_model) -> None:
    model = make_model()
    base = model.get_num_tokens_from_messages([HumanMessage(content="hello " * 100)])
    more = model.get_num_tokens_from_messages([HumanMessage(content="hello " * 200)])
    with_tools = model.get_num_tokens_from_messages(
        [HumanMessage(content="hello " * 100)], tools=[get_weather]
    )
    assert base < more
    assert with_tools > base
    assert model.get_num_tokens("") == 0


def test_num_tokens_audio_block_without_data_does_not_crash(make_model) -> None:
    model = make_model()
    n = model.get_num_tokens_from_messages(
        [HumanMessage(content=[{"type": "audio", "url": "https://example.invalid/a.wav"}])]
    )
    assert n > 0


def test_profile(make_model) -> None:
    profile = make_model().profile
    assert profile is not None
    assert profile["audio_inputs"] is True
    assert profile["audio_outputs"] is True
    assert profile["tool_calling"] is True


def test_ls_params(make_model) -> None:
    model = make_model(temperature=0.3, max_tokens=42, stop=["x"])
    params = model._get_ls_params()
    assert params["ls_provider"] == "azure"
    assert params["ls_model_name"] == "gpt-4o-mini-audio-preview"
    assert params["ls_model_type"] == "chat"
    assert params["ls_temperature"] == 0.3
    assert params["ls_max_tokens"] == 42
    assert params["ls_stop"] == ["x"]


def test_ls_params_model_name_over_deployment(make_model) -> None:
    model = make_model(azure_deployment="prod-voice", model="gpt-audio")
    assert model._get_ls_params()["ls_model_name"] == "gpt-audio"
    assert model._get_ls_params(model="override")["ls_model_name"] == "override"


def test_llm_type(make_model) -> None:
    assert make_model()._llm_type == "azure-openai-audio-chat"
