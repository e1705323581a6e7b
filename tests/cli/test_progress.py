"""Progress reports: pieces of long text, chunks of long audio, files of a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from langchain_azure_audio import AzureSpeechToTextTool, AzureTextToSpeechTool
from langchain_azure_audio._cli.hooks import track
from langchain_azure_audio._cli.progress import Tracker
from langchain_azure_audio.emulator import Emulator

from .conftest import Run

pytestmark = pytest.mark.emulator


def test_pieces_and_chunks_are_reported(emu: Emulator) -> None:
    conn: dict[str, Any] = {"azure_endpoint": emu.endpoint, "api_key": emu.api_key}
    pieces = Tracker()
    tts = AzureTextToSpeechTool(**conn, audio_format="wav", max_chars=40)
    audio = track(tts, pieces).synthesize(
        "First sentence is here. Second sentence is here. Third one is also here."
    )
    assert pieces.total == 3 and pieces.completed == 3  # every piece reported when it is done
    chunks = Tracker()
    stt = AzureSpeechToTextTool(**conn, max_chunk_seconds=2.0, chunk_overlap_seconds=0.2)
    heard = track(stt, chunks).transcribe(audio)
    assert chunks.total == heard["chunks"] > 1 and chunks.completed == chunks.total
    assert "third" in heard["text"].lower()


def test_progress_bar_on_request(cli: Run, target: list[str], tmp_path: Path) -> None:
    out = tmp_path / "p.wav"
    shown = cli("speak", "A bar, please.", "--out", str(out), "--progress", *target)
    assert shown.exit_code == 0, shown.output
    assert "speaking" in shown.stderr and "1/1" in shown.stderr
    quiet = cli("speak", "No bar.", "--out", str(out), *target)  # stderr is not a terminal
    assert quiet.exit_code == 0 and "speaking" not in quiet.stderr
