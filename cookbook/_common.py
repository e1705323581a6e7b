"""What the cookbook recipes share: where to send requests, where to write, how to show progress.

Azure OpenAI when ``AZURE_OPENAI_ENDPOINT`` and ``AZURE_OPENAI_API_KEY`` are set (deployments named
by ``AZURE_OPENAI_CHAT_DEPLOYMENT``, ``AZURE_OPENAI_TTS_DEPLOYMENT``,
``AZURE_OPENAI_STT_DEPLOYMENT``), otherwise a local emulator started for the recipe's duration.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import wave
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

OUTPUT_ROOT = Path("cookbook-output")
"""Recipes write under ``cookbook-output/<recipe>/`` unless ``--out`` says otherwise."""

TEST_DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
"""Spoken clips that ship with the repository (e.g. ``weather_question.wav``)."""


def on_azure() -> bool:
    """Whether the recipes talk to Azure OpenAI (both ``AZURE_OPENAI_*`` variables set)."""
    return bool(os.environ.get("AZURE_OPENAI_ENDPOINT") and os.environ.get("AZURE_OPENAI_API_KEY"))


@contextlib.contextmanager
def service(**emulator_options: Any) -> Iterator[tuple[str, dict[str, dict[str, Any]]]]:
    """Settings per kind (chat, tts, stt): Azure when configured, else a local emulator.

    ``emulator_options`` (e.g. ``audio_expiry_seconds=35``) configure the local emulator; Azure
    ignores them.
    """
    if on_azure():
        yield (
            "Azure OpenAI",
            {
                "chat": {
                    "azure_deployment": os.environ.get(
                        "AZURE_OPENAI_CHAT_DEPLOYMENT", "gpt-4o-mini-audio-preview"
                    )
                },
                "tts": {
                    "azure_deployment": os.environ.get(
                        "AZURE_OPENAI_TTS_DEPLOYMENT", "gpt-4o-mini-tts"
                    )
                },
                "stt": {
                    "azure_deployment": os.environ.get("AZURE_OPENAI_STT_DEPLOYMENT", "whisper")
                },
            },
        )
        return
    from langchain_azure_audio.emulator import Emulator

    with Emulator(**emulator_options) as emu:
        base = {
            "azure_endpoint": emu.endpoint,
            "api_key": emu.api_key,
            "api_version": emu.api_version,
        }
        yield (
            f"the local emulator at {emu.endpoint}",
            {
                "chat": {**base, "azure_deployment": "gpt-4o-mini-audio-preview"},
                "tts": {**base, "azure_deployment": "gpt-4o-mini-tts"},
                "stt": {**base, "azure_deployment": "whisper"},
            },
        )


def recipe_parser(doc: str | None, recipe: str) -> argparse.ArgumentParser:
    """An argument parser with ``--out`` (default ``cookbook-output/<recipe>``)."""
    parser = argparse.ArgumentParser(description=(doc or recipe).strip().split("\n", 1)[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=OUTPUT_ROOT / recipe,
        help=f"output folder (default: {OUTPUT_ROOT / recipe})",
    )
    return parser


def in_notebook() -> bool:
    """Whether this code runs in a notebook (jupytext opens the recipes as notebooks)."""
    return "ipykernel" in sys.modules


def parse_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The command line's arguments; the defaults when the recipe runs as a notebook."""
    return parser.parse_args([] if in_notebook() else None)


def progress(items: Iterable[T], *, total: int | None = None, desc: str = "") -> Iterator[T]:
    """``items`` with a progress bar (tqdm when installed, else one line per item)."""
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is not a dependency of the package
        count = total if total is not None else "?"
        for i, item in enumerate(items, 1):
            print(f"   {desc} {i}/{count}", file=sys.stderr)
            yield item
        return
    yield from tqdm(items, total=total, desc=desc, unit="part")


def wav_seconds(path: str | os.PathLike[str]) -> float:
    """Duration of a wav file in seconds."""
    with wave.open(os.fspath(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def report(out_dir: Path, paths: Iterable[Path]) -> None:
    """Print where the recipe wrote its outputs."""
    print(f"\nOutputs in {out_dir}:")
    for path in paths:
        print(f"   {path}")
