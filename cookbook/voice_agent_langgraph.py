"""Voice agent as a LangGraph graph: listen → think (with tools) → speak.

Nodes:

* ``listen`` — the transcription tool turns the recorded question into text;
* ``agent`` — a chat model with two ordinary tools (a calculator and a capital lookup);
* ``tools`` — LangGraph's ``ToolNode`` runs the calls; the agent sees the results;
* ``speak`` — the speech tool says the final answer; its artifact (the audio bytes and the saved
  file) lands in the graph state.

With no ``AZURE_OPENAI_*`` variables set it runs against the local emulator; otherwise against
Azure (deployments from ``AZURE_OPENAI_CHAT_DEPLOYMENT``, ``AZURE_OPENAI_TTS_DEPLOYMENT`` and
``AZURE_OPENAI_STT_DEPLOYMENT``). Run: ``python cookbook/voice_agent_langgraph.py --out out``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Annotated, Any, TypedDict

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.prebuilt import ToolNode

from langchain_azure_audio import AzureAudioChatModel, AzureSpeechToTextTool, AzureTextToSpeechTool

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import service
from voice_agent_create_agent import QUESTION, calculator, get_capital

SYSTEM = (
    "You are a voice assistant. Use the tools for arithmetic and capitals and answer in one or "
    "two short sentences that sound natural when spoken."
)


class VoiceState(TypedDict, total=False):
    question_audio: bytes
    transcript: str
    messages: Annotated[list[AnyMessage], add_messages]
    answer_audio: bytes
    answer_path: str | None


def build_graph(
    model: AzureAudioChatModel, stt: AzureSpeechToTextTool, tts: AzureTextToSpeechTool
) -> Any:
    tools = [calculator, get_capital]
    thinker = model.bind_tools(tools)

    def listen(state: VoiceState) -> dict[str, Any]:
        transcript = stt.transcribe(state["question_audio"])["text"]
        return {"transcript": transcript, "messages": [HumanMessage(content=transcript)]}

    def agent(state: VoiceState) -> dict[str, Any]:
        reply = thinker.invoke([SystemMessage(content=SYSTEM), *state["messages"]])
        return {"messages": [reply]}

    def route(state: VoiceState) -> str:
        last = state["messages"][-1]
        return "tools" if isinstance(last, AIMessage) and last.tool_calls else "speak"

    def speak(state: VoiceState) -> dict[str, Any]:
        answer = state["messages"][-1].text
        result = tts.invoke(
            {"type": "tool_call", "id": "speak-1", "name": tts.name, "args": {"text": answer}}
        )
        return {"answer_audio": result.artifact["audio"], "answer_path": result.artifact["path"]}

    graph = StateGraph(VoiceState)
    graph.add_node("listen", listen)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode(tools))
    graph.add_node("speak", speak)
    graph.add_edge(START, "listen")
    graph.add_edge("listen", "agent")
    graph.add_conditional_edges("agent", route, {"tools": "tools", "speak": "speak"})
    graph.add_edge("tools", "agent")
    graph.add_edge("speak", END)
    return graph.compile()


def run(out_dir: Path, question_path: Path | None = None) -> dict[str, Any]:
    """Run the graph once; return its final state (used by the tests)."""
    with service() as (where, settings):
        print(f"Running against {where}")
        tts = AzureTextToSpeechTool(audio_format="wav", output_dir=str(out_dir), **settings["tts"])
        stt = AzureSpeechToTextTool(**settings["stt"])
        model = AzureAudioChatModel(modalities=["text"], temperature=0, **settings["chat"])
        audio = question_path.read_bytes() if question_path else tts.synthesize(QUESTION)
        state: dict[str, Any] = build_graph(model, stt, tts).invoke({"question_audio": audio})
        print(f"heard: {state['transcript']}")
        for message in state["messages"]:
            for call in getattr(message, "tool_calls", []):
                print(f"tool call: {call['name']}({call['args']})")
        print(f"answer: {state['messages'][-1].text}")
        print(f"spoken answer saved to {state['answer_path']}")
        return state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=Path("voice-agent-output"))
    parser.add_argument("--question", type=Path, default=None, help="a wav/mp3 recording")
    args = parser.parse_args(argv)
    run(args.out, args.question)
    return 0


if __name__ == "__main__":
    sys.exit(main())
