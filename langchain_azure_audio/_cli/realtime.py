"""``realtime``: talk to a realtime deployment (gpt-realtime) from a recording."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer

from langchain_azure_audio.audio import atomic_write

from . import common as c

EPILOG = (
    "Examples:\n\n"
    "  langchain-azure-audio realtime question.wav --out answer.wav\n\n"
    "  langchain-azure-audio realtime question.wav --weather-tool --emulator\n\n"
    '  langchain-azure-audio realtime question.mp3 --voice cedar --instructions "Be brief."\n\n'
    "The recording is sent as 20 ms frames of 24 kHz pcm16, as a microphone would send them; "
    "server VAD hears the end of speech. Printed: what was heard, the tool calls, the answer's "
    "transcript, usage and the latency from the end of the recording to the first audio. "
    "Needs the realtime extra (websockets). " + c.EXIT_CODES_HELP
)


def get_weather(city: str) -> str:
    """Return the current weather of a city."""
    forecasts = {"paris": "sunny and 21 degrees", "london": "light rain and 14 degrees"}
    return f"It is {forecasts.get(city.strip().lower(), 'mild and 18 degrees')} in {city}."


def _show(event: Any) -> None:
    kind = getattr(event, "type", "")
    if kind == "input_transcript":
        c.info(f"heard:     {event.text.strip()}")
    elif kind == "tool_started":
        c.info(f"tool call: {event.name}({event.args})")
    elif kind == "tool_finished":
        c.info(f"result:    {event.output}" + (f"  (error: {event.error})" if event.error else ""))
    elif kind == "reconnected":
        c.info(f"[reconnected: {event.reason}]")
    elif kind == "error":
        c.info(f"service error: {event.code}: {event.message}")


def realtime(
    recording: Annotated[Path, typer.Argument(help="The question: wav (or mp3... with codecs).")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where the spoken answer goes (wav).")
    ] = Path("realtime_answer.wav"),
    voice: Annotated[str, typer.Option(help="Voice.")] = "marin",
    instructions: Annotated[str, typer.Option(help="System instructions.")] = (
        "You are a helpful voice assistant. Answer briefly."
    ),
    weather_tool: Annotated[
        bool, typer.Option(help="Offer the model a demo get_weather(city) tool.")
    ] = False,
    pace: Annotated[
        float | None,
        typer.Option(help="Send frames in real time (1.0) instead of as fast as possible."),
    ] = None,
    response_timeout: Annotated[float, typer.Option(help="Seconds to wait for the answer.")] = 60,
    endpoint: c.EndpointOpt = None,
    api_key: c.ApiKeyOpt = None,
    api_version: c.ApiVersionOpt = None,
    deployment: c.RealtimeDeploymentOpt = None,
    model: c.ModelOpt = None,
    emulator: c.EmulatorOpt = False,
    max_retries: c.MaxRetriesOpt = 2,
    timeout: c.TimeoutOpt = 120.0,
    debug: c.DebugOpt = False,
) -> None:
    """Ask a realtime deployment (gpt-realtime) with a recording; write its spoken answer."""
    conn = c.Connection(endpoint, api_key, api_version, emulator, max_retries, timeout)
    with c.cli_errors(debug):
        if not recording.is_file():
            raise c.fail(f"no such file: {recording}")
        try:
            from langchain_azure_audio.realtime import (
                AzureRealtimeVoiceAgent,
                aiter_frames,
                pcm16_frames,
                read_pcm16,
            )
        except ImportError as exc:
            raise c.fail(
                f'realtime needs: pip install "langchain-azure-audio[realtime]" ({exc}).'
            ) from None
        from langchain_core.tools import tool as as_tool

        pcm = read_pcm16(recording)
        with c.open_service(conn, {"realtime": (deployment, model)}) as service:
            agent = AzureRealtimeVoiceAgent(
                **service.settings("realtime", deployment, model),
                voice=voice,
                instructions=instructions,
                tools=[as_tool(get_weather)] if weather_tool else [],
            )
            frames = aiter_frames(pcm16_frames(pcm, frame_ms=20), pace=pace)
            result = asyncio.run(
                agent.arun(frames, on_event=_show, response_timeout=response_timeout)
            )
        if not result.audio and not result.transcript:
            raise c.fail(
                "no answer came back (was there speech in the recording?).", c.EXIT_SERVICE
            )
        typer.echo(result.transcript)
        if result.audio:
            atomic_write(out, result.wav())
            c.info(f"audio:     {out} ({len(result.audio) / 48_000:.2f} s)")
        if result.usage:
            d_in = result.usage.get("input_token_details", {})
            d_out = result.usage.get("output_token_details", {})
            c.info(
                f"usage:     {result.usage['input_tokens']} in (audio {d_in.get('audio', 0)}, "
                f"cached {d_in.get('cache_read', 0)}), {result.usage['output_tokens']} out "
                f"(audio {d_out.get('audio', 0)})"
            )
        if result.first_audio_latency_s is not None:
            c.info(
                f"latency:   {result.first_audio_latency_s * 1000:.0f} ms from the end of the "
                "recording to the first audio"
            )
