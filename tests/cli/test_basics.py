"""The command line without a service: help, and refusals a shell user can act on."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import Run

COMMANDS = ("speak", "transcribe", "translate", "chat", "realtime", "demo", "emulator")


def test_help_lists_every_command(cli: Run) -> None:
    result = cli("--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output
    assert "Exit codes" in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_examples(cli: Run, command: str) -> None:
    result = cli(command, "--help")
    assert result.exit_code == 0, result.output
    assert "Examples" in result.output
    assert f"langchain-azure-audio {command}" in result.output
    if command != "emulator":
        assert "--emulator" in result.output or command == "demo"
        assert "Exit codes" in result.output


def test_unknown_voice_exits_2_naming_the_allowed_voices(cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "x.mp3"
    result = cli(
        "speak", "Hi", "--voice", "bogus", "--out", str(out),
        "--endpoint", "http://127.0.0.1:9", "--api-key", "k",
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.startswith("error: Voice 'bogus' is not available")
    for voice in ("alloy", "coral", "shimmer"):
        assert voice in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_no_endpoint_exits_2_and_suggests_the_emulator(cli: Run) -> None:
    result = cli("speak", "Hi")
    assert result.exit_code == 2
    assert "AZURE_OPENAI_ENDPOINT" in result.stderr and "--emulator" in result.stderr


def test_bad_input_exits_2(cli: Run, tmp_path: Path) -> None:
    common = ["--endpoint", "http://127.0.0.1:9", "--api-key", "k"]
    missing = cli("transcribe", str(tmp_path / "nope.wav"), *common)
    assert missing.exit_code == 2 and "nope.wav" in missing.stderr
    fmt = cli("transcribe", str(tmp_path), "--format", "docx", *common)
    assert fmt.exit_code == 2 and "srt" in fmt.stderr
    srt = cli("transcribe", str(tmp_path), "--format", "srt", "-D", "gpt-4o-transcribe", *common)
    assert srt.exit_code == 2 and "whisper" in srt.stderr
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("this is not audio")
    junk = cli("transcribe", str(not_audio), *common)
    assert junk.exit_code == 2, junk.output
    assert junk.stderr.startswith("error: ")
    empty = cli("speak", "   ", *common)
    assert empty.exit_code == 2 and "empty" in empty.stderr
    nothing = cli("chat", *common)
    assert nothing.exit_code == 2
    speak_fmt = cli("speak", "Hi", "--format", "mp4", *common)
    assert speak_fmt.exit_code == 2 and "mp3" in speak_fmt.stderr
    clash = cli("speak", "Hi", "--format", "mp3", "--out", str(tmp_path / "a.wav"), *common)
    assert clash.exit_code == 2 and "a.wav" in clash.stderr


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_endpoint_exits_3_naming_the_url(
    real: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    proc = real(
        "speak", "Hello", "--out", "hello.mp3", "--endpoint", url, "--api-key", "k",
        "--max-retries", "0", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert url in proc.stderr and proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []  # nothing partial


def test_debug_shows_the_traceback(cli: Run) -> None:
    result = cli("speak", "Hi", "--voice", "bogus", "--debug", "--endpoint", "http://x:1",
                 "--api-key", "k")  # fmt: skip
    assert result.exit_code != 0
    assert result.exception is not None
