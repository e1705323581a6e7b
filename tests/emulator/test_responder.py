"""The scripted responder: the documented default script, rules, argument building."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from langchain_azure_audio.emulator.responder import (
    Reply,
    Responder,
    Rule,
    ToolResult,
    Turn,
    build_arguments,
    extract_expression,
)


def fn(name: str, **props: Any) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "parameters": {"type": "object", "properties": props, "required": list(props)},
        },
    }


WEATHER = fn("get_weather", city={"type": "string"})
CALC = fn("calculator", expression={"type": "string"})
TIME = fn("get_current_time", timezone={"type": "string", "enum": ["UTC", "CET"]})


def test_echo_and_silence() -> None:
    r = Responder()
    assert r.respond(Turn(heard="Hello there.")) == Reply(text="You said: Hello there.")
    assert r.respond(Turn(heard="  ")).text == "You said nothing."


def test_tool_result_reply() -> None:
    turn = Turn(
        heard="weather in Paris",
        tools=[WEATHER],
        tool_results=[ToolResult("get_weather", "Sunny, 21 C"), ToolResult("calculator", "84.")],
    )
    assert Responder().respond(turn).text == (
        "The get_weather tool returned: Sunny, 21 C. The calculator tool returned: 84."
    )


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        ("What is the weather in Paris?", {"city": "Paris"}),
        ("Call the get weather tool for New York, please", {"city": "New York"}),
        ("weather Oslo and Bergen", {"city": "Bergen"}),
    ],
)
def test_mentioned_tool_is_called_with_schema_arguments(heard: str, expected: Any) -> None:
    reply = Responder().respond(Turn(heard=heard, tools=[WEATHER, CALC]))
    assert [c.name for c in reply.tool_calls] == ["get_weather"]
    assert reply.tool_calls[0].arguments == expected
    assert reply.text is None


def test_calculator_expression() -> None:
    reply = Responder().respond(Turn(heard="Use the calculator: twelve times 7", tools=[CALC]))
    assert reply.tool_calls[0].arguments_json() == '{"expression":"12 * 7"}'
    assert extract_expression("what is 3 plus 4 divided by 2") == "3 + 4 / 2"
    assert extract_expression("no maths here") is None


def test_parallel_calls_and_opt_out() -> None:
    heard = "Use the calculator for 2 plus 2 and tell me the weather in Rome"
    both = Responder().respond(Turn(heard=heard, tools=[WEATHER, CALC]))
    assert [c.name for c in both.tool_calls] == ["get_weather", "calculator"]
    one = Responder().respond(Turn(heard=heard, tools=[WEATHER, CALC], parallel_tool_calls=False))
    assert [c.name for c in one.tool_calls] == ["get_weather"]


def test_tool_choice() -> None:
    r = Responder()
    assert r.respond(Turn(heard="weather in Rome", tools=[WEATHER], tool_choice="none")).text == (
        "You said: weather in Rome"
    )
    forced = r.respond(
        Turn(
            heard="hi",
            tools=[WEATHER, CALC],
            tool_choice={"type": "function", "function": {"name": "calculator"}},
        )
    )
    assert [c.name for c in forced.tool_calls] == ["calculator"]
    required = r.respond(Turn(heard="hi", tools=[CALC, WEATHER], tool_choice="required"))
    assert [c.name for c in required.tool_calls] == ["calculator"]


def test_enum_and_other_types() -> None:
    assert build_arguments("get_current_time", TIME["function"]["parameters"], "time in CET") == {
        "timezone": "CET"
    }
    schema = {
        "properties": {
            "n": {"type": "integer"},
            "x": {"type": "number"},
            "flag": {"type": "boolean"},
            "items": {"type": "array"},
            "opts": {"type": "object"},
            "unit": {"type": "string", "default": "metric"},
        }
    }
    assert build_arguments("tool", schema, "give me 3 and 2.5") == {
        "n": 3,
        "x": 2.5,
        "flag": False,
        "items": [],
        "opts": {},
        "unit": "metric",
    }


def test_rules_first_with_groups_and_callables() -> None:
    r = Responder(
        [
            Rule(r"my name is (\w+)", reply=r"Hello \1!"),
            Rule(
                r"book (?P<city>\w+)",
                tool_calls=[{"name": "book", "arguments": {"city": r"\g<city>"}}],
            ),
            lambda turn: "Callable reply." if "magic" in turn.heard else None,
        ]
    )
    assert r.respond(Turn(heard="Hi, my name is Ada")).text == "Hello Ada!"
    assert r.respond(Turn(heard="book Lisbon")).tool_calls[0].arguments == {"city": "Lisbon"}
    assert r.respond(Turn(heard="magic word")).text == "Callable reply."
    assert r.respond(Turn(heard="other")).text == "You said: other"
    # regex rules do not re-fire on the tool-result turn
    done = r.respond(Turn(heard="book Lisbon", tool_results=[ToolResult("book", "ok")]))
    assert done.text == "The book tool returned: ok."


def test_from_json(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"rules": [{"pattern": "ping", "reply": "pong"}]}))
    assert Responder.from_json(path).respond(Turn(heard="PING")).text == "pong"
    with pytest.raises(ValueError, match="pattern"):
        Responder.from_json({"rules": [{"reply": "x"}]})
