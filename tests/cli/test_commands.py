"""Every subcommand against the live emulator: the files it writes, what it prints, exit codes."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from langchain_azure_audio.audio import parse_wav_header, sniff_format
from langchain_azure_audio.emulator import Emulator

from .conftest import DATA, Run, clean_env, script

pytestmark = pytest.mark.emulator

SENTENCE = "The weather in Paris is sunny today."


def wav_seconds(path: Path) -> float:
    data = path.read_bytes()
    assert sniff_format(data) == "wav"
    return parse_wav_header(data[:4096], len(data)).duration


def no_partials(folder: Path) -> bool:
    return not any(p.name.endswith(".part") for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def spoken(emu: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SENTENCE spoken through ``speak`` (wav) once for the module."""
    from typer.testing import CliRunner

    from langchain_azure_audio.cli import app

    path = tmp_path_factory.mktemp("spoken") / "sentence.wav"
    args = ["speak", SENTENCE, "--out", str(path), "--endpoint", emu.endpoint]
    result = CliRunner().invoke(app, [*args, "--api-key", emu.api_key])
    assert result.exit_code == 0, result.output
    return path


def test_speak_writes_valid_audio_and_transcribe_hears_it(
    cli: Run, target: list[str], spoken: Path
) -> None:
    assert 1.0 < wav_seconds(spoken) < 10.0
    result = cli("transcribe", str(spoken), *target)
    assert result.exit_code == 0, result.output
    heard = result.stdout.lower()
    assert "paris" in heard and "sunny" in heard


def test_speak_from_stdin_and_file_in_other_formats(
    cli: Run, target: list[str], tmp_path: Path
) -> None:
    mp3 = tmp_path / "stdin.mp3"
    result = cli("speak", "--out", str(mp3), *target, input="Read from standard input.")
    assert result.exit_code == 0, result.output
    assert sniff_format(mp3.read_bytes()) == "mp3"
    text = tmp_path / "words.txt"
    text.write_text("Written in a file.", encoding="utf-8")
    flac = tmp_path / "words.flac"
    result = cli("speak", "--file", str(text), "--out", str(flac), "--voice", "coral", *target)
    assert result.exit_code == 0, result.output
    assert sniff_format(flac.read_bytes()) == "flac"


def test_transcribe_to_srt_vtt_json(
    cli: Run, target: list[str], spoken: Path, tmp_path: Path
) -> None:
    for fmt, suffix, marker in (("srt", ".srt", "-->"), ("vtt", ".vtt", "WEBVTT")):
        result = cli("transcribe", str(spoken), "--format", fmt, "--out", str(tmp_path), *target)
        assert result.exit_code == 0, result.output
        document = (tmp_path / f"sentence{suffix}").read_text()
        assert marker in document and "Paris" in document
    out = tmp_path / "one.json"
    result = cli("transcribe", str(spoken), "--format", "verbose_json", "-o", str(out), *target)
    assert result.exit_code == 0, result.output
    body = json.loads(out.read_text())
    assert "paris" in body["text"].lower() and body["segments"]


def test_translate_prints_english(cli: Run, target: list[str], spoken: Path) -> None:
    result = cli("translate", str(spoken), *target)
    assert result.exit_code == 0, result.output
    assert "paris" in result.stdout.lower()


def test_chat_text_and_audio_in_text_and_audio_out(
    cli: Run, target: list[str], spoken: Path, tmp_path: Path
) -> None:
    out = tmp_path / "answer.mp3"
    result = cli("chat", "Please listen.", "--audio", str(spoken), "--out", str(out), *target)
    assert result.exit_code == 0, result.output
    assert "paris" in result.stdout.lower()
    assert sniff_format(out.read_bytes()) == "mp3"
    text_only = cli("chat", "Hello there", "--text-only", "-o", str(tmp_path / "no.wav"), *target)
    assert text_only.exit_code == 0 and "Hello there" in text_only.stdout
    assert not (tmp_path / "no.wav").exists()


def test_chat_stream_writes_audio_and_reports_first_audio(
    cli: Run, target: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "story.wav"
    result = cli("chat", "Tell me a story", "--stream", "--out", str(out), *target)
    assert result.exit_code == 0, result.output
    assert "You said: Tell me a story" in result.stdout
    assert "time to first audio:" in result.stderr
    assert wav_seconds(out) > 0.5
    assert no_partials(tmp_path)


def test_failures_leave_nothing_behind(
    cli: Run, emu: Emulator, target: list[str], tmp_path: Path
) -> None:
    emu.inject("cut_stream", times=5, route="chat")
    out = tmp_path / "cut.wav"
    result = cli("chat", "Tell me a story", "--stream", "--out", str(out), "--max-retries", "0",
                 *target)  # fmt: skip
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith("error: ")
    emu.inject("500", times=5, route="speech")
    result = cli("speak", "Hello", "--out", str(tmp_path / "x.mp3"), "--max-retries", "0", *target)
    assert result.exit_code == 3, result.output
    assert list(tmp_path.iterdir()) == []


def test_unknown_deployment_exits_3(cli: Run, target: list[str], spoken: Path) -> None:
    result = cli("transcribe", str(spoken), "-D", "no-such-whisper", "--model", "whisper",
                 *target)  # fmt: skip
    assert result.exit_code == 3
    assert "no-such-whisper" in result.stderr


def test_realtime_answers_a_recording_with_a_tool(
    cli: Run, target: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "answer.wav"
    result = cli("realtime", str(DATA / "weather_question.wav"), "--weather-tool",
                 "--out", str(out), *target)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "heard:" in result.stderr and "weather" in result.stderr.lower()
    assert "tool call: get_weather" in result.stderr
    assert "usage:" in result.stderr and "latency:" in result.stderr
    assert "21 degrees" in result.stdout
    assert wav_seconds(out) > 0.5


def test_demo_runs_every_step(cli: Run, target: list[str], tmp_path: Path) -> None:
    result = cli("demo", "--out", str(tmp_path), *target)
    assert result.exit_code == 0, result.output
    assert "get_weather" in result.stdout and "heard:" in result.stdout
    for name in ("question.mp3", "answer.mp3", "answer_streamed.wav"):
        assert (tmp_path / name).stat().st_size > 0


def test_real_entry_point_with_its_own_emulator(
    real: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    proc = real("speak", "Testing one two three.", "--emulator", "--out", "t.wav", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Local emulator at http://127.0.0.1:" in proc.stderr
    assert wav_seconds(tmp_path / "t.wav") > 0.5


def test_ctrl_c_exits_130_and_leaves_nothing(
    emu: Emulator, target: list[str], tmp_path: Path
) -> None:
    emu.inject("slow_first_byte:20000", times=1, route="chat")
    proc = subprocess.Popen(
        [*script(), "chat", "Hello", "--stream", "--out", "a.wav", *target],
        cwd=tmp_path,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not any(tmp_path.iterdir()) and time.monotonic() < deadline:  # the .part is open
        time.sleep(0.05)
    assert any(tmp_path.iterdir()), "the stream never started"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert list(tmp_path.iterdir()) == []
