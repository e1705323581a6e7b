"""``speak``: text (an argument, a file, stdin, or a folder of .txt files) -> audio files."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated, cast

import typer

from langchain_azure_audio.audio import atomic_write
from langchain_azure_audio.tools import AzureTextToSpeechTool
from langchain_azure_audio.tools._types import SPEECH_FORMATS, SpeechFormat

from . import common as c
from .batch_report import report_batch
from .hooks import track
from .progress import progress_bar

EPILOG = (
    "Examples:\n\n"
    '  langchain-azure-audio speak "Hello from Azure." --out hello.mp3\n\n'
    "  langchain-azure-audio speak --file chapter1.txt --voice coral --out chapter1.mp3\n\n"
    '  echo "Read from stdin." | langchain-azure-audio speak --format wav --out said.wav\n\n'
    "  langchain-azure-audio speak --from-dir texts/ --out audio/ --concurrency 4\n\n"
    '  langchain-azure-audio speak "Offline test." --emulator --out test.wav\n\n'
    "Long text is split at sentences and joined into one file. With --from-dir every .txt file "
    "becomes <name>.<format>; files already spoken are skipped, so a rerun resumes. "
    + c.EXIT_CODES_HELP
)


def _format_of(fmt: str | None, out: Path | None) -> str:
    suffix = out.suffix.lstrip(".").lower() if out is not None else ""
    if fmt is not None:
        if fmt not in SPEECH_FORMATS:
            raise c.fail(f"unknown --format {fmt!r}; use one of: {', '.join(SPEECH_FORMATS)}.")
        if suffix in SPEECH_FORMATS and suffix != fmt:
            raise c.fail(f"--format {fmt} does not match --out {out} (a .{suffix} file).")
        return fmt
    return suffix if suffix in SPEECH_FORMATS else "mp3"


def _read_input(text: str | None, file: Path | None) -> str:
    if text is not None and file is not None:
        raise c.fail("give the text as an argument or with --file, not both.")
    if file is not None:
        content = c.read_text(file)
    elif text is not None and text != "-":
        content = text
    elif not sys.stdin.isatty():
        content = sys.stdin.read()
    else:
        raise c.fail('no text: give it as an argument, with --file, or on stdin ("-").')
    if not content.strip():
        raise c.fail("the text is empty.")
    return content


def speak(
    text: Annotated[
        str | None,
        typer.Argument(help='The text to speak; "-" or nothing reads stdin.', show_default=False),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="Read the text from this UTF-8 file.", dir_okay=False),
    ] = None,
    from_dir: Annotated[
        Path | None,
        typer.Option("--from-dir", help="Speak every .txt file of this folder.", file_okay=False),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Output file (default speech.<format>); with --from-dir a folder (default: "
            "next to the texts).",
            show_default=False,
        ),
    ] = None,
    voice: Annotated[str | None, typer.Option(help="Voice (default alloy).")] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="mp3, opus, aac, flac, wav or pcm (default: from --out's suffix, else mp3).",
            show_default=False,
        ),
    ] = None,
    speed: Annotated[float | None, typer.Option(help="0.25 to 4.0.")] = None,
    instructions: Annotated[
        str | None, typer.Option(help="Speaking style (gpt-4o-mini-tts only).")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Files in flight (--from-dir).")] = 4,
    overwrite: Annotated[bool, typer.Option(help="Redo outputs that exist (--from-dir).")] = False,
    recursive: Annotated[bool, typer.Option(help="Include sub-folders (--from-dir).")] = False,
    endpoint: c.EndpointOpt = None,
    api_key: c.ApiKeyOpt = None,
    api_version: c.ApiVersionOpt = None,
    deployment: c.SpeechDeploymentOpt = None,
    model: c.ModelOpt = None,
    emulator: c.EmulatorOpt = False,
    max_retries: c.MaxRetriesOpt = 2,
    timeout: c.TimeoutOpt = 120.0,
    progress: c.ProgressOpt = None,
    debug: c.DebugOpt = False,
) -> None:
    """Speak text into an audio file (text-to-speech)."""
    conn = c.Connection(endpoint, api_key, api_version, emulator, max_retries, timeout)
    show = c.progress_enabled(progress)
    with c.cli_errors(debug):
        audio_format = _format_of(fmt, None if from_dir is not None else out)
        content = ""
        if from_dir is not None:
            if text is not None or file is not None:
                raise c.fail("--from-dir takes no text argument and no --file.")
            if not from_dir.is_dir():
                raise c.fail(f"no such folder: {from_dir}")
        else:
            content = _read_input(text, file)
        with c.open_service(conn, {"speech": (deployment, model)}) as service:
            tool = AzureTextToSpeechTool(
                **service.settings("speech", deployment, model),
                voice=voice or "alloy",
                audio_format=cast("SpeechFormat", audio_format),
                speed=1.0 if speed is None else speed,
                instructions=instructions,
            )
            if from_dir is not None:
                _speak_folder(
                    tool, from_dir, out, audio_format, concurrency, overwrite, recursive, show
                )
                return
            target = out or Path(f"speech.{audio_format}")
            with progress_bar(show, "speaking", unit="pieces") as bar:
                data = track(tool, bar).synthesize(content)
                bar.finish()
            atomic_write(target, data)
        c.info(f"wrote {target} ({len(data)} bytes, {audio_format})")


def _speak_folder(
    tool: AzureTextToSpeechTool,
    folder: Path,
    out: Path | None,
    audio_format: str,
    concurrency: int,
    overwrite: bool,
    recursive: bool,
    show: bool,
) -> None:
    from langchain_azure_audio.batch import BatchItem, plan_folder, run_batch

    items = plan_folder(
        folder, out, suffixes={".txt"}, out_suffix=f".{audio_format}", recursive=recursive
    )

    async def work(item: BatchItem) -> bytes:
        text = await asyncio.to_thread(item.source.read_text, encoding="utf-8")
        if not text.strip():
            raise ValueError("the file is empty")
        return await tool.asynthesize(text)

    report_batch(
        items,
        lambda on_result: run_batch(
            items, work, concurrency=concurrency, overwrite=overwrite, on_result=on_result
        ),
        show=show,
        what="texts",
        folder=folder,
    )
