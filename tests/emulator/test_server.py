"""The Emulator object, the ASGI app, the command line entry points."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx2
import pytest
from typer.testing import CliRunner

from langchain_azure_audio.cli import app as cli_app
from langchain_azure_audio.emulator import Emulator, EmulatorConfig, Responder, Rule
from langchain_azure_audio.emulator.__main__ import build_parser, config_from_args
from langchain_azure_audio.errors import UnsupportedOptionError


async def test_async_context_manager() -> None:
    async with Emulator(responder=Responder([Rule("ping", reply="pong")])) as emu:
        assert emu.endpoint == f"http://127.0.0.1:{emu.port}"
        client = emu.async_client(max_retries=0)
        reply = await client.chat.completions.create(
            model="gpt-4o-mini-audio-preview", messages=[{"role": "user", "content": "ping"}]
        )
        assert reply.choices[0].message.content == "pong"
    with pytest.raises(RuntimeError, match="not running"):
        _ = Emulator().port


def test_stop_releases_port() -> None:
    emu = Emulator().start()
    endpoint = emu.endpoint
    assert httpx2.get(endpoint + "/emulator/health").json() == {"status": "ok"}
    emu.stop()
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(endpoint + "/emulator/health", timeout=2)


def test_config_validation() -> None:
    with pytest.raises(UnsupportedOptionError):
        EmulatorConfig(deployments={"x": "not-a-model"})
    with pytest.raises(ValueError):  # noqa: PT011 - a zero expiry is refused
        EmulatorConfig(audio_expiry_seconds=0)


def test_main_module_options() -> None:
    args = build_parser().parse_args(["--port", "0", "--api-key", "k", "--no-preload"])
    config = config_from_args(args)
    assert (args.port, config.api_key, config.preload_engines) == (0, "k", False)


def test_cli_help() -> None:
    result = CliRunner().invoke(cli_app, ["emulator", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output and "--api-key" in result.output


def test_python_dash_m_serves() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "langchain_azure_audio.emulator",
            "--port",
            str(port),
            "--no-preload",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx2.get(f"http://127.0.0.1:{port}/emulator/health", timeout=1)
                break
            except httpx2.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        assert r.json() == {"status": "ok"}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
