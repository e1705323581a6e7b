"""A bad argument from the model is a message the model can fix, not a crash of the agent.

A scripted model first sends a bad argument, receives the error tool message, then sends a good
one and finishes; one run per tool and per failure class, in ``create_agent`` and in a LangGraph
graph with ``ToolNode``. Failures that are not the model's to fix (credentials) still raise, and
direct Python calls keep raising the typed errors.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx2
import pytest
from langchain.agents import create_agent
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from langchain_azure_audio import (
    AudioValidationError,
    AuthenticationError,
    UnsupportedOptionError,
)
from tests.tools.conftest import Recorder, speech_handler, tone, wav_of


class _ScriptedModel(GenericFakeChatModel):
    """Replies from a script; binding tools changes nothing (the script already knows them)."""

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> _ScriptedModel:
        return self


def _call(name: str, args: dict[str, Any], call_id: str) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id}])


def _script(name: str, bad: dict[str, Any], good: dict[str, Any]) -> Iterator[AIMessage]:
    return iter([_call(name, bad, "call-1"), _call(name, good, "call-2"), AIMessage("Done.")])


def _tool_messages(messages: Sequence[BaseMessage]) -> list[ToolMessage]:
    return [m for m in messages if isinstance(m, ToolMessage)]


def _run_agent(tool: Any, script: Iterator[AIMessage]) -> list[BaseMessage]:
    agent = create_agent(_ScriptedModel(messages=script), tools=[tool])
    return list(agent.invoke({"messages": [HumanMessage("Go.")]})["messages"])


def _run_graph(tool: Any, script: Iterator[AIMessage]) -> list[BaseMessage]:
    model = _ScriptedModel(messages=script)

    def call_model(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("model", call_model)
    graph.add_node("tools", ToolNode([tool]))
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", tools_condition)
    graph.add_edge("tools", "model")
    graph.add_edge("model", END)
    return list(graph.compile().invoke({"messages": [HumanMessage("Go.")]})["messages"])


RUNNERS = {"create_agent": _run_agent, "langgraph": _run_graph}


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    path = tmp_path / "clip.wav"
    path.write_bytes(wav_of(tone(1.0)))
    return path


def _stt_handler(request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(200, json={"text": "hello world"})


SPEECH_CASES: dict[str, tuple[dict[str, Any], str, str | None]] = {
    "unknown voice": ({"text": "Hi.", "voice": "jenny"}, "jenny", "coral"),
    "speed out of range": ({"text": "Hi.", "speed": 9}, "speed", "4"),
    "instructions on tts-1": ({"text": "Hi.", "instructions": "Whisper."}, "instructions", None),
}


@pytest.mark.parametrize("runner", sorted(RUNNERS))
@pytest.mark.parametrize("case", sorted(SPEECH_CASES))
def test_speech_tool_bad_argument_is_a_message(
    runner: str,
    case: str,
    mock_azure: Callable[..., Recorder],
    make_tts: Callable[..., Any],
) -> None:
    bad, named, allowed = SPEECH_CASES[case]
    rec = mock_azure(speech_handler())
    deployment = "tts-1" if "tts-1" in case else "gpt-4o-mini-tts"
    tts = make_tts(rec, azure_deployment=deployment, audio_format="wav")
    messages = RUNNERS[runner](tts, _script(tts.name, bad, {"text": "Hi.", "voice": "coral"}))
    first, second = _tool_messages(messages)
    assert first.status == "error" and named in first.text
    if allowed:
        assert allowed in first.text  # what is allowed, so the model can fix it
    assert "extra_voices" not in first.text  # library advice is not for the model
    assert second.status == "success" and "coral" in second.text
    assert messages[-1].text == "Done."
    assert len(rec.requests) == 1  # only the good call reached the service


@pytest.mark.parametrize("runner", sorted(RUNNERS))
@pytest.mark.parametrize("tool_kind", ["transcription", "translation"])
def test_missing_recording_is_a_message(
    runner: str,
    tool_kind: str,
    clip: Path,
    mock_azure: Callable[..., Recorder],
    make_stt: Callable[..., Any],
    make_translate: Callable[..., Any],
) -> None:
    rec = mock_azure(_stt_handler)
    tool = (make_stt if tool_kind == "transcription" else make_translate)(rec)
    script = _script(tool.name, {"audio": str(clip.parent / "nope.wav")}, {"audio": str(clip)})
    messages = RUNNERS[runner](tool, script)
    first, second = _tool_messages(messages)
    assert first.status == "error" and "No audio file" in first.text
    assert second.status == "success" and "hello world" in second.text
    assert len(rec.requests) == 1


@pytest.mark.parametrize("runner", sorted(RUNNERS))
def test_content_filter_refusal_is_a_message(
    runner: str, mock_azure: Callable[..., Recorder], make_tts: Callable[..., Any]
) -> None:
    calls = {"n": 0}
    speak = speech_handler()

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            body = {"error": {"code": "content_filter", "message": "Filtered.", "innererror": {}}}
            return httpx2.Response(400, json=body)
        return speak(request)

    tts = make_tts(mock_azure(handler), audio_format="wav")
    messages = RUNNERS[runner](tts, _script(tts.name, {"text": "Bad."}, {"text": "Good."}))
    first, second = _tool_messages(messages)
    assert first.status == "error" and "content filter" in first.text.lower()
    assert second.status == "success"


@pytest.mark.parametrize("runner", sorted(RUNNERS))
def test_credentials_are_not_the_models_to_fix(
    runner: str, mock_azure: Callable[..., Recorder], make_tts: Callable[..., Any]
) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(401, json={"error": {"code": "401", "message": "Bad key."}})

    tts = make_tts(mock_azure(handler), audio_format="wav", max_retries=0)
    with pytest.raises(AuthenticationError):
        RUNNERS[runner](tts, _script(tts.name, {"text": "Hi."}, {"text": "Hi."}))


def test_direct_calls_keep_raising(
    clip: Path,
    mock_azure: Callable[..., Recorder],
    make_tts: Callable[..., Any],
    make_stt: Callable[..., Any],
) -> None:
    tts = make_tts(mock_azure(speech_handler()))
    with pytest.raises(UnsupportedOptionError):
        tts.invoke({"text": "Hi.", "voice": "jenny"})
    with pytest.raises(UnsupportedOptionError):
        tts.synthesize("Hi.", voice="jenny")
    stt = make_stt(mock_azure(_stt_handler))
    with pytest.raises(AudioValidationError):
        stt.invoke({"audio": str(clip.parent / "nope.wav")})


def test_error_messages_can_be_turned_off(
    mock_azure: Callable[..., Recorder], make_tts: Callable[..., Any]
) -> None:
    tts = make_tts(mock_azure(speech_handler()), handle_tool_error=False)
    call = {"type": "tool_call", "name": tts.name, "args": {"text": "Hi.", "voice": "x"}, "id": "1"}
    with pytest.raises(UnsupportedOptionError):
        tts.invoke(call)


async def test_async_tool_call_error_message(
    mock_azure: Callable[..., Recorder], make_tts: Callable[..., Any]
) -> None:
    tts = make_tts(mock_azure(speech_handler()))
    call = {"type": "tool_call", "name": tts.name, "args": {"text": "Hi.", "voice": "x"}, "id": "1"}
    message = await tts.ainvoke(call)
    assert isinstance(message, ToolMessage) and message.status == "error"
    assert json.dumps(message.content).count("alloy") == 1
