"""``demo``: the flow of ``cookbook/demo.py`` (speak, listen + tool, stream, listen again).

The cookbook is not part of the wheel, so the flow is written here with the public API only.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated, Any

import typer
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

from . import common as c

QUESTION = "What is the weather in Paris?"

EPILOG = (
    "Examples:\n\n"
    "  langchain-azure-audio demo\n\n"
    "  langchain-azure-audio demo --out demo-output --emulator\n\n"
    "The same job as cookbook/demo.py in the source repository (the cookbook does not ship "
    "in the wheel). It runs against the local emulator unless AZURE_OPENAI_ENDPOINT and "
    "AZURE_OPENAI_API_KEY are set (or --endpoint/--api-key given); name deployments with "
    "AZURE_OPENAI_{CHAT,TTS,STT}_DEPLOYMENT. " + c.EXIT_CODES_HELP
)


@tool
def get_weather(city: str) -> str:
    """Return the current weather of a city."""
    forecasts = {"paris": "sunny and 21 degrees", "london": "light rain and 14 degrees"}
    return f"It is {forecasts.get(city.strip().lower(), 'mild and 18 degrees')} in {city}."


def _step(title: str) -> None:
    typer.echo(f"\n== {title}")


def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("demo-output"),
    endpoint: c.EndpointOpt = None,
    api_key: c.ApiKeyOpt = None,
    api_version: c.ApiVersionOpt = None,
    emulator: c.EmulatorOpt = False,
    max_retries: c.MaxRetriesOpt = 2,
    timeout: c.TimeoutOpt = 120.0,
    debug: c.DebugOpt = False,
) -> None:
    """Run the demo: speak a question, hear it, call a tool, answer in text and speech."""
    use_emulator = emulator or not (endpoint and api_key)
    conn = c.Connection(endpoint, api_key, api_version, use_emulator, max_retries, timeout)
    env = os.environ.get
    names: dict[str, tuple[str | None, str | None]] = {
        "chat": (None if use_emulator else env("AZURE_OPENAI_CHAT_DEPLOYMENT"), None),
        "speech": (None if use_emulator else env("AZURE_OPENAI_TTS_DEPLOYMENT"), None),
        "transcription": (None if use_emulator else env("AZURE_OPENAI_STT_DEPLOYMENT"), None),
    }
    with c.cli_errors(debug):
        started = time.perf_counter()
        with c.open_service(conn, names) as service:
            typer.echo(f"Running against {service.where}.")

            def settings(kind: str) -> dict[str, Any]:
                return service.settings(kind, names[kind][0])

            _step("1. Speak: the speech tool records the question")
            tts = AzureTextToSpeechTool(**settings("speech"), voice="alloy", audio_format="mp3")
            question_audio = tts.synthesize(QUESTION)
            question_path = atomic_write(out / "question.mp3", question_audio)
            typer.echo(f"   said {QUESTION!r} -> {question_path}")

            _step("2. Listen and chain with a tool: the audio chat model hears the recording")
            model = AzureAudioChatModel(**settings("chat"), voice="coral", audio_format="mp3")
            agent = model.bind_tools([get_weather])
            history: list[BaseMessage] = [
                HumanMessage(
                    content=[
                        {
                            "type": "text",
                            "text": "Answer the spoken question; use tools if needed.",
                        },
                        audio_block(question_audio),
                    ]
                )
            ]
            first = agent.invoke(history)
            if not first.tool_calls:
                raise c.fail(f"the model answered without a tool: {first.text!r}", 1)
            call = first.tool_calls[0]
            typer.echo(f"   the model called {call['name']}({call['args']})")
            result = get_weather.invoke(call["args"])
            typer.echo(f"   the tool returned {result!r}")
            history += [first, ToolMessage(content=result, tool_call_id=call["id"])]
            answer = agent.invoke(history)
            answer_path = save_audio(answer, out / "answer.mp3")
            typer.echo(f"   answer (text):  {answer.text!r}")
            typer.echo(f"   answer (audio): {answer_path}")

            _step("3. Stream the same answer: transcript and pcm16 audio chunk by chunk")
            t0 = time.perf_counter()
            first_audio_at: float | None = None
            full: AIMessage | None = None
            for chunk in agent.stream(history):
                if first_audio_at is None and (piece := get_audio(chunk)) and piece.data:
                    first_audio_at = time.perf_counter() - t0
                full = chunk if full is None else full + chunk  # type: ignore[assignment]
            if full is None:
                raise c.fail("the stream carried nothing.", c.EXIT_SERVICE)
            streamed_path = save_audio(full, out / "answer_streamed.wav")
            typer.echo(f"   first audio after {first_audio_at or 0:.3f} s -> {streamed_path}")

            _step("4. Listen again: the transcription tool hears the spoken answer")
            stt = AzureSpeechToTextTool(**settings("transcription"))
            heard = stt.transcribe(answer_path)
            typer.echo(f"   heard: {heard['text']!r}")

        typer.echo(f"\nDone in {time.perf_counter() - started:.1f} s. Files written:")
        for path in (question_path, answer_path, streamed_path):
            typer.echo(f"   {path}")
