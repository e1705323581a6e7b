"""Talk to a realtime deployment (gpt-realtime) from a wav file, with a LangChain tool.

The recording is sent as 20 ms frames of 24 kHz pcm16, as a microphone would send it; server VAD
hears the end of the question, the agent calls ``get_weather``, and the spoken answer is written
to a wav file. The recipe prints what was heard, the tool calls, the answer's transcript, usage
(audio, text and cached tokens) and the latency from the end of speech to the first audio.

With no ``AZURE_OPENAI_*`` variables set it runs against the local emulator (real VAD, Whisper and
Piper; a scripted responder instead of a model). With ``AZURE_OPENAI_ENDPOINT`` and
``AZURE_OPENAI_API_KEY`` set it runs against Azure (the deployment is
``AZURE_OPENAI_REALTIME_DEPLOYMENT``, default ``gpt-realtime``).

Run: ``python cookbook/realtime_voice_agent.py [question.wav] --out answer.wav [--pace 1.0]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from langchain_core.tools import tool

from langchain_azure_audio.audio import atomic_write
from langchain_azure_audio.realtime import (
    AzureRealtimeVoiceAgent,
    RealtimeEvent,
    aiter_frames,
    pcm16_frames,
    read_pcm16,
)

DEFAULT_QUESTION = Path(__file__).parent.parent / "tests" / "data" / "weather_question.wav"


@tool
def get_weather(city: str) -> str:
    """Return the current weather of a city."""
    forecasts = {"paris": "sunny and 21 degrees", "london": "light rain and 14 degrees"}
    return f"It is {forecasts.get(city.strip().lower(), 'mild and 18 degrees')} in {city}."


@contextlib.asynccontextmanager
async def target() -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """Azure when configured, else a local emulator for the recipe's duration."""
    if os.environ.get("AZURE_OPENAI_ENDPOINT") and os.environ.get("AZURE_OPENAI_API_KEY"):
        deployment = os.environ.get("AZURE_OPENAI_REALTIME_DEPLOYMENT", "gpt-realtime")
        yield "Azure OpenAI", {"azure_deployment": deployment}
        return
    from langchain_azure_audio.emulator import Emulator

    async with Emulator() as emu:
        yield (
            f"the local emulator at {emu.endpoint}",
            {
                "azure_endpoint": emu.endpoint,
                "api_key": emu.api_key,
                "azure_deployment": "gpt-realtime",
            },
        )


def show(event: RealtimeEvent) -> None:
    if event.type == "speech_started":
        print("  [user started speaking]")
    elif event.type == "input_transcript":
        print(f"  heard:     {event.text.strip()}")
    elif event.type == "tool_started":
        print(f"  tool call: {event.name}({event.args})")
    elif event.type == "tool_finished":
        print(f"  result:    {event.output}" + (f"  (error: {event.error})" if event.error else ""))
    elif event.type == "interrupted":
        print(f"  [interrupted at {event.audio_end_ms} ms]")
    elif event.type == "reconnected":
        print(f"  [reconnected: {event.reason}]")
    elif event.type == "error":
        print(f"  service error: {event.code}: {event.message}")


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("question", nargs="?", type=Path, default=DEFAULT_QUESTION)
    parser.add_argument("--out", type=Path, default=Path("realtime_answer.wav"))
    parser.add_argument("--voice", default="marin")
    parser.add_argument(
        "--pace",
        type=float,
        default=None,
        help="send frames in real time (1.0) instead of as fast as possible",
    )
    args = parser.parse_args(argv)

    async with target() as (where, settings):
        print(f"Talking to {where}")
        agent = AzureRealtimeVoiceAgent(
            **settings,
            voice=args.voice,
            instructions="You are a helpful voice assistant. Answer briefly.",
            tools=[get_weather],
        )
        frames = pcm16_frames(read_pcm16(args.question), frame_ms=20)
        result = await agent.arun(aiter_frames(frames, pace=args.pace), on_event=show)

    atomic_write(args.out, result.wav())
    print(f"  answer:    {result.transcript}")
    print(f"  audio:     {len(result.audio) / 48_000:.2f} s written to {args.out}")
    if result.usage:
        details_in = result.usage.get("input_token_details", {})
        details_out = result.usage.get("output_token_details", {})
        print(
            f"  usage:     {result.usage['input_tokens']} in (audio {details_in.get('audio', 0)}, "
            f"cached {details_in.get('cache_read', 0)}), {result.usage['output_tokens']} out "
            f"(audio {details_out.get('audio', 0)})"
        )
    if result.first_audio_latency_s is not None:
        print(
            f"  latency:   {result.first_audio_latency_s * 1000:.0f} ms from the end of the "
            "recording to the first audio"
        )
    return 0 if result.transcript else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
