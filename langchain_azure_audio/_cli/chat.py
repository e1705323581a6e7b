"""``chat``: text and/or a recording in -> the transcript printed and the spoken answer written."""

from __future__ import annotations

import os
import tempfile
import time
import wave
from pathlib import Path
from typing import Annotated, Any

import typer
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from langchain_azure_audio.audio import PCM16_SAMPLE_RATE, audio_block
from langchain_azure_audio.chat_models import AzureAudioChatModel
from langchain_azure_audio.messages import MessageAudio, get_audio, save_audio

from . import common as c

EPILOG = (
    "Examples:\n\n"
    '  langchain-azure-audio chat "Tell me a joke." --out joke.mp3\n\n'
    "  langchain-azure-audio chat --audio question.wav --out answer.wav\n\n"
    '  langchain-azure-audio chat "Summarise this voicemail." --audio voicemail.mp3 '
    "--text-only\n\n"
    '  langchain-azure-audio chat "Tell me a story." --stream --out story.wav\n\n'
    "The transcript goes to stdout, everything else to stderr. --stream writes the audio as it "
    "arrives (into a temporary file renamed when the answer is complete) and prints the time to "
    "the first audio. " + c.EXIT_CODES_HELP
)

CHAT_FORMATS = ("wav", "mp3", "flac", "opus", "pcm16")


def _messages(text: str | None, audio: Path | None, system: str | None) -> list[BaseMessage]:
    content: list[str | dict[str, Any]] = []
    if text:
        content.append({"type": "text", "text": text})
    if audio is not None:
        if not audio.is_file():
            raise c.fail(f"no such file: {audio}")
        content.append(audio_block(str(audio)))
    if not content:
        raise c.fail("nothing to say: give a text argument, --audio FILE, or both.")
    messages: list[BaseMessage] = [SystemMessage(system)] if system else []
    return [*messages, HumanMessage(content=content)]


def _stream(model: AzureAudioChatModel, messages: list[BaseMessage], out: Path | None) -> None:
    """Print the transcript and write pcm16 into a growing wav as the chunks arrive."""
    target = out
    part: Path | None = None
    started = time.perf_counter()
    first_audio: float | None = None
    audio_bytes = 0
    try:
        wav: wave.Wave_write | None = None
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".part", dir=target.parent
            )
            os.close(fd)
            part = Path(name)
            wav = wave.open(str(part), "wb")  # noqa: SIM115 - closed below, before the rename
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(PCM16_SAMPLE_RATE)
        try:
            for chunk in model.stream(messages):
                if chunk.text:
                    typer.echo(chunk.text, nl=False)
                audio = get_audio(chunk)
                if audio is not None and audio.data:
                    if first_audio is None:
                        first_audio = time.perf_counter() - started
                    audio_bytes += len(audio.data)
                    if wav is not None:
                        wav.writeframes(audio.data)  # appends, rewrites the header's sizes
        finally:
            if wav is not None:
                wav.close()
        typer.echo("")
        if first_audio is not None:
            c.info(f"time to first audio: {first_audio:.3f} s")
        if target is None or part is None:
            return
        if not audio_bytes:
            raise c.fail("the answer carried no audio.", c.EXIT_SERVICE)
        if target.suffix.lower() == ".wav":
            with open(part, "rb+") as fh:
                os.fsync(fh.fileno())
            umask = os.umask(0o022)
            os.umask(umask)
            os.chmod(part, 0o666 & ~umask)  # mkstemp made it 0600
            os.replace(part, target)
        else:
            with wave.open(str(part), "rb") as done:
                pcm = done.readframes(done.getnframes())
            save_audio(MessageAudio(data=pcm, format="pcm16"), target)
        seconds = audio_bytes / (2 * PCM16_SAMPLE_RATE)
        c.info(f"audio: {target} ({seconds:.2f} s)")
    finally:
        if part is not None:
            part.unlink(missing_ok=True)


def chat(
    text: Annotated[
        str | None, typer.Argument(help="What to say (text).", show_default=False)
    ] = None,
    audio: Annotated[
        Path | None, typer.Option("--audio", "-a", help="A recording to send (wav, mp3...).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Where the spoken answer goes (default answer.<format>)."),
    ] = None,
    voice: Annotated[str | None, typer.Option(help="Voice (default alloy).")] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="wav, mp3, flac, opus or pcm16 (default: from --out's suffix, else wav).",
            show_default=False,
        ),
    ] = None,
    system: Annotated[str | None, typer.Option(help="A system prompt.")] = None,
    stream: Annotated[bool, typer.Option(help="Stream: write audio as it arrives.")] = False,
    text_only: Annotated[bool, typer.Option(help="Answer in text only (no audio).")] = False,
    endpoint: c.EndpointOpt = None,
    api_key: c.ApiKeyOpt = None,
    api_version: c.ApiVersionOpt = None,
    deployment: c.ChatDeploymentOpt = None,
    model: c.ModelOpt = None,
    emulator: c.EmulatorOpt = False,
    max_retries: c.MaxRetriesOpt = 2,
    timeout: c.TimeoutOpt = 120.0,
    debug: c.DebugOpt = False,
) -> None:
    """Ask an audio chat model (gpt-4o-audio-preview, gpt-audio): text and speech in and out."""
    conn = c.Connection(endpoint, api_key, api_version, emulator, max_retries, timeout)
    with c.cli_errors(debug):
        suffix = out.suffix.lstrip(".").lower() if out is not None else ""
        audio_format = fmt or (suffix if suffix in CHAT_FORMATS else "wav")
        if audio_format not in CHAT_FORMATS:
            raise c.fail(
                f"unknown --format {audio_format!r}; use one of: {', '.join(CHAT_FORMATS)}."
            )
        target = None if text_only else out or Path(f"answer.{audio_format}")
        messages = _messages(text, audio, system)
        with c.open_service(conn, {"chat": (deployment, model)}) as service:
            options: dict[str, Any] = {"audio_format": audio_format}
            if voice is not None:
                options["voice"] = voice
            if text_only:
                options["modalities"] = ["text"]
            chat_model = AzureAudioChatModel(
                **service.settings("chat", deployment, model), **options
            )
            if stream:
                _stream(chat_model, messages, target)
                return
            reply = chat_model.invoke(messages)
            typer.echo(reply.text)
            if target is not None:
                saved = save_audio(reply, target)
                c.info(f"audio: {saved}")
            if reply.usage_metadata:
                usage = reply.usage_metadata
                c.info(f"usage: {usage['input_tokens']} in, {usage['output_tokens']} out")
