"""Folder batches through the command line: ``speak --from-dir`` then ``transcribe DIR``."""

from __future__ import annotations

from pathlib import Path

import pytest

from langchain_azure_audio.audio import sniff_format
from langchain_azure_audio.emulator import Emulator

from .conftest import Run

pytestmark = pytest.mark.emulator

TEXTS = {"a": "Good morning everyone.", "b": "The meeting starts at noon."}


def test_speak_folder_then_transcribe_folder_resumably(
    cli: Run, emu: Emulator, target: list[str], tmp_path: Path
) -> None:
    texts = tmp_path / "texts"
    texts.mkdir()
    for name, text in TEXTS.items():
        (texts / f"{name}.txt").write_text(text, encoding="utf-8")
    (texts / "empty.txt").write_text("", encoding="utf-8")
    audio = tmp_path / "audio"

    first = cli("speak", "--from-dir", str(texts), "--out", str(audio), "--format", "wav",
                "--concurrency", "2", *target)  # fmt: skip
    assert first.exit_code == 1, first.output  # one text is empty
    assert "2 done, 0 skipped (output exists), 1 failed" in first.stderr
    assert "empty.txt" in first.stderr
    assert sorted(p.name for p in audio.iterdir()) == ["a.wav", "b.wav"]
    assert all(sniff_format(p.read_bytes()) == "wav" for p in audio.iterdir())

    (texts / "empty.txt").unlink()
    again = cli("speak", "--from-dir", str(texts), "--out", str(audio), "--format", "wav",
                *target)  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "0 done, 2 skipped" in again.stderr

    # Throttled: every file meets a 429 first (SDK retries off); the batch waits and retries.
    emu.inject("429", times=2, route="transcriptions")
    out = tmp_path / "transcripts"
    result = cli("transcribe", str(audio), "--out", str(out), "--max-retries", "0", *target)
    assert result.exit_code == 0, result.output
    assert "2 done" in result.stderr
    for name, text in TEXTS.items():
        heard = (out / f"{name}.txt").read_text().lower()
        assert text.split()[1].lower().strip(".") in heard

    resumed = cli("transcribe", str(audio), "--out", str(out), "--format", "text", *target)
    assert resumed.exit_code == 0 and "0 done, 2 skipped" in resumed.stderr


def test_batch_stops_on_an_unreachable_endpoint(cli: Run, tmp_path: Path) -> None:
    texts = tmp_path / "texts"
    texts.mkdir()
    for name, text in TEXTS.items():
        (texts / f"{name}.txt").write_text(text, encoding="utf-8")
    result = cli("speak", "--from-dir", str(texts), "--endpoint", "http://127.0.0.1:9",
                 "--api-key", "k", "--max-retries", "0")  # fmt: skip
    assert result.exit_code == 3, result.output
    assert "http://127.0.0.1:9" in result.stderr
    assert "stopped after 0 of 2" in result.stderr
    assert sorted(p.name for p in texts.iterdir()) == ["a.txt", "b.txt"]
