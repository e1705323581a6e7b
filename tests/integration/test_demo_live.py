"""The README's demo (cookbook/demo.py) runs end to end against the local emulator."""

from __future__ import annotations

import importlib.util
import sys
import wave
from pathlib import Path

import pytest

from langchain_azure_audio.audio import sniff_format

COOKBOOK = Path(__file__).resolve().parents[2] / "cookbook"


def test_demo_speaks_listens_calls_a_tool_and_writes_audio(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for var in ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY", "OPENAI_API_VERSION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.syspath_prepend(str(COOKBOOK))
    spec = importlib.util.spec_from_file_location("demo", COOKBOOK / "demo.py")
    assert spec and spec.loader
    demo = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "demo", demo)
    spec.loader.exec_module(demo)

    assert demo.main(["--out", str(tmp_path)]) == 0

    out = capsys.readouterr().out
    assert "the model called get_weather({'city': 'Paris'})" in out
    assert "sunny" in out.split("answer (text):", 1)[1].splitlines()[0]
    heard = out.split("heard:", 1)[1].splitlines()[0].lower()
    assert "paris" in heard and "sunny" in heard
    assert sniff_format((tmp_path / "question.mp3").read_bytes()) == "mp3"
    assert sniff_format((tmp_path / "answer.mp3").read_bytes()) == "mp3"
    with wave.open(str(tmp_path / "answer_streamed.wav")) as wav:
        assert wav.getframerate() == 24000 and wav.getnframes() > 24000
    for path in ("question.mp3", "answer.mp3", "answer_streamed.wav"):
        assert str(tmp_path / path) in out
