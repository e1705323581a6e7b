"""Voice agent with ``langchain.agents.create_agent``: a spoken question in, a spoken answer out.

1. The question is recorded (here: synthesized with the speech tool, or read from ``--question``).
2. The audio chat model *hears* the recording directly (an audio content block) inside an agent
   built with ``create_agent`` that has two ordinary tools: a calculator and a capital lookup.
3. The agent's final text answer is spoken by ``text_to_speech`` (streamed sentence by sentence)
   and saved as ``answer.wav``; the transcription tool listens to it once more as a check.

With no ``AZURE_OPENAI_*`` variables set, everything runs against the local emulator (real speech
synthesis and recognition, a scripted responder in place of the language model). With
``AZURE_OPENAI_ENDPOINT`` and ``AZURE_OPENAI_API_KEY`` set it runs against Azure; name the
deployments with ``AZURE_OPENAI_CHAT_DEPLOYMENT``, ``AZURE_OPENAI_TTS_DEPLOYMENT`` and
``AZURE_OPENAI_STT_DEPLOYMENT``.

Run: ``python cookbook/voice_agent_create_agent.py --out voice-output``
"""

from __future__ import annotations

import argparse
import ast
import operator
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import service
from langchain.agents import create_agent
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool

from langchain_azure_audio import (
    AzureAudioChatModel,
    AzureSpeechToTextTool,
    AzureTextToSpeechTool,
    audio_block,
)
from langchain_azure_audio.audio import atomic_write
from langchain_azure_audio.runnables import text_to_speech

QUESTION = "Please use the calculator. What is twelve times seven?"

_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return float(_OPS[type(node.op)](_evaluate(node.left), _evaluate(node.right)))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand)
    raise ValueError("only + - * / ** and numbers are allowed")


@tool
def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression such as '12 * 7' or '(3 + 4) / 2'."""
    try:
        value = _evaluate(ast.parse(expression, mode="eval"))
    except (SyntaxError, ValueError, ZeroDivisionError) as exc:
        return f"Cannot evaluate {expression!r}: {exc}"
    return f"{expression} = {value:g}"


CAPITALS = {"france": "Paris", "germany": "Berlin", "japan": "Tokyo", "kenya": "Nairobi"}


@tool
def get_capital(country: str) -> str:
    """Look up the capital city of a country."""
    capital = CAPITALS.get(country.strip().lower())
    return f"The capital of {country} is {capital}" if capital else f"{country} is not listed"


def run(out_dir: Path, question_path: Path | None = None) -> dict[str, Any]:
    """Run the voice agent once; return what happened (used by the tests)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with service() as (where, settings):
        print(f"Running against {where}")
        tts = AzureTextToSpeechTool(audio_format="wav", **settings["tts"])
        stt = AzureSpeechToTextTool(**settings["stt"])
        model = AzureAudioChatModel(modalities=["text"], temperature=0, **settings["chat"])

        # 1. The spoken question.
        if question_path is not None:
            question_audio = question_path.read_bytes()
        else:
            question_audio = tts.synthesize(QUESTION)
            atomic_write(out_dir / "question.wav", question_audio)
        print(f"question: {len(question_audio)} bytes of audio")

        # 2. The agent hears the audio and uses its tools.
        agent = create_agent(
            model,
            tools=[calculator, get_capital],
            system_prompt=(
                "You are a voice assistant. Listen to the user's recording, use the tools for "
                "arithmetic and capitals, and answer in one or two short spoken sentences."
            ),
        )
        state = agent.invoke(
            {
                "messages": [
                    HumanMessage(
                        content=[
                            {"type": "text", "text": "Answer the question in this recording."},
                            audio_block(question_audio),
                        ]
                    )
                ]
            }
        )
        messages = state["messages"]
        tool_calls = [c for m in messages for c in getattr(m, "tool_calls", [])]
        for call in tool_calls:
            print(f"tool call: {call['name']}({call['args']})")
        answer = messages[-1].text
        print(f"answer: {answer}")

        # 3. Speak the answer (streamed sentence by sentence) and listen to it again.
        speak = text_to_speech(tts, audio_format="wav")
        spoken = b"".join(speak.stream(messages[-1]))
        answer_path = atomic_write(out_dir / "answer.wav", speak.invoke(answer))
        heard = stt.transcribe(answer_path)["text"]
        print(f"spoken answer: {answer_path} ({len(spoken)} bytes streamed); heard back: {heard}")
        return {"tool_calls": tool_calls, "answer": answer, "heard": heard, "path": answer_path}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=Path("voice-agent-output"))
    parser.add_argument("--question", type=Path, default=None, help="a wav/mp3 recording")
    args = parser.parse_args(argv)
    run(args.out, args.question)
    return 0


if __name__ == "__main__":
    sys.exit(main())
