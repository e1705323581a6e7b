"""Fixtures for the command-line tests: one emulator for the session, two ways to run the CLI.

``cli(...)`` runs the typer app in-process (fast) with ``--endpoint/--api-key`` of the session's
emulator appended; ``real(...)`` runs the installed ``langchain-azure-audio`` script in a
subprocess. The ``AZURE_OPENAI_*`` variables are cleared so that nothing reaches Azure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from langchain_azure_audio.cli import app
from langchain_azure_audio.emulator import Emulator, default_engines

ENV_VARS = (
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_KEY",
    "OPENAI_API_VERSION",
    "AZURE_OPENAI_CHAT_DEPLOYMENT",
    "AZURE_OPENAI_TTS_DEPLOYMENT",
    "AZURE_OPENAI_STT_DEPLOYMENT",
    "AZURE_OPENAI_REALTIME_DEPLOYMENT",
)
DATA = Path(__file__).resolve().parent.parent / "data"


def script() -> list[str]:
    """The installed entry point next to this interpreter (else ``python -c main()``)."""
    found = Path(sys.executable).parent / "langchain-azure-audio"
    if found.exists():
        return [str(found)]
    on_path = shutil.which("langchain-azure-audio")
    if on_path:
        return [on_path]
    return [sys.executable, "-c", "from langchain_azure_audio.cli import main; main()"]


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    env["COLUMNS"] = "200"
    return env


@pytest.fixture(autouse=True)
def _no_azure_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def emu() -> Iterator[Emulator]:
    default_engines().preload()
    with Emulator() as running:
        yield running


@pytest.fixture
def target(emu: Emulator) -> Iterator[list[str]]:
    """``--endpoint URL --api-key KEY`` of the session's emulator (faults cleared)."""
    emu.clear_faults()
    yield ["--endpoint", emu.endpoint, "--api-key", emu.api_key]
    emu.clear_faults()


Run = Callable[..., Result]


@pytest.fixture
def cli() -> Run:
    """Run the app in-process: ``cli("speak", "Hi", "--out", "x.wav", input=None)``."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, env={"COLUMNS": "200"})

    return run


@pytest.fixture
def real() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed script: ``real("speak", "Hi", cwd=tmp_path)``."""

    def run(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*script(), *args],
            cwd=cwd,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run
