"""``transcribe`` and ``translate``: recordings (files or folders) -> text, srt, vtt or json."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, cast

import typer

from langchain_azure_audio.audio import atomic_write
from langchain_azure_audio.tools import AzureAudioTranslationTool, AzureSpeechToTextTool
from langchain_azure_audio.tools._types import (
    TRANSCRIPT_FORMATS,
    TranscriptFormat,
    TranscriptionArtifact,
)

from . import common as c
from .batch_report import report_batch
from .hooks import track
from .progress import progress_bar

SUFFIX = {"text": ".txt", "srt": ".srt", "vtt": ".vtt", "json": ".json", "verbose_json": ".json"}

_COMMON_HELP = (
    "A folder (or several files) is a batch: each recording becomes <name>.<txt|srt|vtt|json> "
    "in --out (default: next to it), files already done are skipped (a rerun resumes), "
    "--concurrency files go at once and throttling (429) pauses and retries. Long audio is "
    "split at pauses and stitched. srt, vtt and verbose_json need a whisper deployment. "
)

TRANSCRIBE_EPILOG = (
    "Examples:\n\n"
    "  langchain-azure-audio transcribe meeting.mp3\n\n"
    "  langchain-azure-audio transcribe meeting.mp3 --format srt --out subs/\n\n"
    "  langchain-azure-audio transcribe recordings/ --format vtt --out transcripts/ "
    "--concurrency 8\n\n"
    "  langchain-azure-audio transcribe hello.wav --emulator\n\n" + _COMMON_HELP + c.EXIT_CODES_HELP
)
TRANSLATE_EPILOG = (
    "Examples:\n\n"
    "  langchain-azure-audio translate interview_de.mp3\n\n"
    "  langchain-azure-audio translate interviews/ --format srt --out english/\n\n"
    + _COMMON_HELP
    + c.EXIT_CODES_HELP
)

InputsArg = Annotated[
    list[Path],
    typer.Argument(help="Audio files or folders (wav, mp3, m4a, flac, ogg, webm).", exists=False),
]
FormatOpt = Annotated[
    str,
    typer.Option("--format", help="text, srt, vtt, json or verbose_json."),
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Output folder (or, for one recording, a file with the format's suffix). Default: "
        "one recording is printed; a batch writes next to the recordings.",
        show_default=False,
    ),
]
PromptOpt = Annotated[str | None, typer.Option(help="Names or jargon to guide spelling.")]
ConcurrencyOpt = Annotated[int, typer.Option(min=1, help="Files in flight (batches).")]
OverwriteOpt = Annotated[bool, typer.Option(help="Redo outputs that exist (batches).")]
RecursiveOpt = Annotated[bool, typer.Option(help="Include sub-folders.")]


def document(artifact: TranscriptionArtifact, fmt: str) -> str:
    """The text to write for ``fmt``."""
    text = artifact["text"] if fmt == "text" else artifact["document"]
    return text if text.endswith("\n") else text + "\n"


def _check_inputs(inputs: list[Path], fmt: str) -> None:
    if fmt not in TRANSCRIPT_FORMATS:
        raise c.fail(f"unknown --format {fmt!r}; use one of: {', '.join(TRANSCRIPT_FORMATS)}.")
    for path in inputs:
        if not path.exists():
            raise c.fail(f"no such file or folder: {path}")


def _run(
    tool: Any,
    call: str,
    inputs: list[Path],
    fmt: str,
    out: Path | None,
    options: dict[str, Any],
    concurrency: int,
    overwrite: bool,
    recursive: bool,
    show: bool,
) -> None:
    """One recording: printed or written; else a resumable batch."""
    single = len(inputs) == 1 and inputs[0].is_file()
    if single:
        src = inputs[0]
        with progress_bar(show, src.name, unit="chunks") as bar:
            artifact = getattr(track(tool, bar), call)(src, transcript_format=fmt, **options)
            bar.finish()
        text = document(artifact, fmt)
        if out is None:
            typer.echo(text, nl=False)
            return
        target = out if out.suffix.lower() == SUFFIX[fmt] else out / (src.stem + SUFFIX[fmt])
        atomic_write(target, text.encode("utf-8"))
        c.info(f"wrote {target}")
        return

    from langchain_azure_audio.batch import (
        AUDIO_SUFFIXES,
        BatchItem,
        plan_files,
        plan_folder,
        run_batch,
    )

    items: list[BatchItem] = []
    for path in inputs:
        if path.is_dir():
            items += plan_folder(
                path,
                out,
                suffixes=AUDIO_SUFFIXES,
                out_suffix=SUFFIX[fmt],
                recursive=recursive,
            )
        else:
            items += plan_files([path], out, out_suffix=SUFFIX[fmt])
    acall = getattr(tool, "a" + call)

    async def work(item: BatchItem) -> bytes:
        artifact = await acall(item.source, transcript_format=fmt, **options)
        return document(artifact, fmt).encode("utf-8")

    report_batch(
        items,
        lambda on_result: run_batch(
            items, work, concurrency=concurrency, overwrite=overwrite, on_result=on_result
        ),
        show=show,
        what="recordings",
        folder=inputs[0] if len(inputs) == 1 else None,
    )


def transcribe(
    inputs: InputsArg,
    fmt: FormatOpt = "text",
    out: OutOpt = None,
    language: Annotated[
        str | None, typer.Option(help="ISO-639-1 code of the speech (e.g. en, de).")
    ] = None,
    prompt: PromptOpt = None,
    concurrency: ConcurrencyOpt = 4,
    overwrite: OverwriteOpt = False,
    recursive: RecursiveOpt = False,
    endpoint: c.EndpointOpt = None,
    api_key: c.ApiKeyOpt = None,
    api_version: c.ApiVersionOpt = None,
    deployment: c.SttDeploymentOpt = None,
    model: c.ModelOpt = None,
    emulator: c.EmulatorOpt = False,
    max_retries: c.MaxRetriesOpt = 2,
    timeout: c.TimeoutOpt = 120.0,
    progress: c.ProgressOpt = None,
    debug: c.DebugOpt = False,
) -> None:
    """Transcribe recordings to text, srt, vtt or json (speech-to-text)."""
    conn = c.Connection(endpoint, api_key, api_version, emulator, max_retries, timeout)
    with c.cli_errors(debug):
        _check_inputs(inputs, fmt)
        with c.open_service(conn, {"transcription": (deployment, model)}) as service:
            tool = AzureSpeechToTextTool(  # options are checked here, before any request
                **service.settings("transcription", deployment, model),
                transcript_format=cast("TranscriptFormat", fmt),
                language=language,
                prompt=prompt,
            )
            _run(
                tool,
                "transcribe",
                inputs,
                fmt,
                out,
                {},
                concurrency,
                overwrite,
                recursive,
                c.progress_enabled(progress),
            )


def translate(
    inputs: InputsArg,
    fmt: FormatOpt = "text",
    out: OutOpt = None,
    prompt: PromptOpt = None,
    concurrency: ConcurrencyOpt = 4,
    overwrite: OverwriteOpt = False,
    recursive: RecursiveOpt = False,
    endpoint: c.EndpointOpt = None,
    api_key: c.ApiKeyOpt = None,
    api_version: c.ApiVersionOpt = None,
    deployment: c.SttDeploymentOpt = None,
    model: c.ModelOpt = None,
    emulator: c.EmulatorOpt = False,
    max_retries: c.MaxRetriesOpt = 2,
    timeout: c.TimeoutOpt = 120.0,
    progress: c.ProgressOpt = None,
    debug: c.DebugOpt = False,
) -> None:
    """Translate speech in any language into English text (whisper)."""
    conn = c.Connection(endpoint, api_key, api_version, emulator, max_retries, timeout)
    with c.cli_errors(debug):
        _check_inputs(inputs, fmt)
        with c.open_service(conn, {"transcription": (deployment, model)}) as service:
            tool = AzureAudioTranslationTool(
                **service.settings("transcription", deployment, model),
                transcript_format=cast("TranscriptFormat", fmt),
                prompt=prompt,
            )
            _run(
                tool,
                "translate",
                inputs,
                fmt,
                out,
                {},
                concurrency,
                overwrite,
                recursive,
                c.progress_enabled(progress),
            )
