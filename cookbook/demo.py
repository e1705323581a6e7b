"""The main demo: an agent that listens, calls a tool, and answers in text and speech.

1. **Speak** — the speech tool says the question "What is the weather in Paris?" (question.mp3).
2. **Listen and chain with a tool** — the audio chat model hears that recording, calls the
   ``get_weather`` tool, gets its result, and answers in text *and* speech (answer.mp3).
3. **Stream** — the same answer streamed: transcript and pcm16 audio arrive chunk by chunk
   (answer_streamed.wav), with the time to the first audio measured.
4. **Listen again** — the transcription tool turns the spoken answer back into text.

With no ``AZURE_OPENAI_*`` variables set, everything runs against the local emulator (real speech
synthesis and recognition, a scripted responder instead of a language model). With
``AZURE_OPENAI_ENDPOINT`` and ``AZURE_OPENAI_API_KEY`` set it runs against Azure; name your
deployments with ``AZURE_OPENAI_CHAT_DEPLOYMENT``, ``AZURE_OPENAI_TTS_DEPLOYMENT`` and
``AZURE_OPENAI_STT_DEPLOYMENT``.

Run: ``bash scripts/demo.sh`` (sets up a virtual environment first) or
``python cookbook/demo.py --out demo-output``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from _common import service  # a sibling module of the recipe
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from langchain_azure_audio import (
    AzureAudioChatModel,
    AzureSpeechToTextTool,
    AzureTextToSpeechTool,
    audio_block,
    get_audio,
    save_audio,
)
from langchain_azure_audio.audio import atomic_write

QUESTION = "What is the weather in Paris?"


@tool
def get_weather(city: str) -> str:
    """Return the current weather of a city."""
    forecasts = {"paris": "sunny and 21 degrees", "london": "light rain and 14 degrees"}
    return f"It is {forecasts.get(city.strip().lower(), 'mild and 18 degrees')} in {city}."


def step(title: str) -> None:
    print(f"\n== {title}")


def run(out_dir: Path) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with service() as (where, settings):
        print(f"Running against {where}.")

        step("1. Speak: the speech tool records the question")
        tts = AzureTextToSpeechTool(**settings["tts"], voice="alloy", audio_format="mp3")
        question_audio = tts.synthesize(QUESTION)
        question_path = atomic_write(out_dir / "question.mp3", question_audio)
        print(f"   said {QUESTION!r} -> {question_path} ({len(question_audio)} bytes)")

        step("2. Listen and chain with a tool: the audio chat model hears the recording")
        model = AzureAudioChatModel(**settings["chat"], voice="coral", audio_format="mp3")
        agent = model.bind_tools([get_weather])
        history: list[BaseMessage] = [
            HumanMessage(
                content=[
                    {"type": "text", "text": "Answer the spoken question; use tools if needed."},
                    audio_block(question_audio),
                ]
            )
        ]
        first = agent.invoke(history)
        if not first.tool_calls:
            print(f"   the model answered without a tool: {first.text!r}")
            return 1
        call = first.tool_calls[0]
        print(f"   the model called {call['name']}({call['args']})")
        result = get_weather.invoke(call["args"])
        print(f"   the tool returned {result!r}")
        history += [first, ToolMessage(content=result, tool_call_id=call["id"])]
        answer = agent.invoke(history)
        answer_path = save_audio(answer, out_dir / "answer.mp3")
        print(f"   answer (text):  {answer.text!r}")
        print(f"   answer (audio): {answer_path}")
        print(f"   usage: {answer.usage_metadata or {}}")

        step("3. Stream the same answer: transcript and pcm16 audio chunk by chunk")
        t0 = time.perf_counter()
        first_audio_at: float | None = None
        full: AIMessage | None = None
        for chunk in agent.stream(history):
            if first_audio_at is None and any(
                isinstance(b, dict) and b.get("type") == "audio" and b.get("base64")
                for b in chunk.content
            ):
                first_audio_at = time.perf_counter() - t0
            full = chunk if full is None else full + chunk  # type: ignore[assignment]
        assert full is not None
        streamed_path = save_audio(full, out_dir / "answer_streamed.wav")
        streamed = get_audio(full)
        seconds = len(streamed.data) / 48000 if streamed else 0.0
        print(
            f"   streamed {seconds:.2f} s of audio; first audio after {first_audio_at or 0:.3f} s"
        )
        print(f"   -> {streamed_path}")

        step("4. Listen again: the transcription tool hears the spoken answer")
        stt = AzureSpeechToTextTool(**settings["stt"])
        heard = stt.transcribe(answer_path)
        print(f"   heard: {heard['text']!r}")

    print(f"\nDone in {time.perf_counter() - started:.1f} s. Files written:")
    for path in (question_path, answer_path, streamed_path):
        print(f"   {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")
    args = parser.parse_args(argv)
    return run(args.out)


if __name__ == "__main__":
    sys.exit(main())
