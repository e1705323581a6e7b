"""Fixtures for tests against the live in-process emulator (real speech engines).

The speech models load once per session; one emulator serves the whole session on a free
loopback port. Tests that need their own settings start a second emulator (cheap: the engines are
shared by the process).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx2
import openai
import pytest

from langchain_azure_audio.emulator import Emulator, default_engines

API_VERSION = "2025-04-01-preview"
SENTENCE = "The quick brown fox jumps over the lazy dog."


@pytest.fixture(scope="session")
def emu() -> Iterator[Emulator]:
    default_engines().preload()
    with Emulator() as running:
        yield running


@pytest.fixture(autouse=True)
def _no_leftover_faults(emu: Emulator) -> Iterator[None]:
    emu.clear_faults()
    yield
    emu.clear_faults()


@pytest.fixture(scope="session")
def http(emu: Emulator) -> Iterator[httpx2.Client]:
    with httpx2.Client(
        base_url=emu.endpoint, headers={"api-key": emu.api_key}, timeout=60
    ) as client:
        yield client


@pytest.fixture(scope="session")
def client(emu: Emulator) -> openai.AzureOpenAI:
    return emu.client(max_retries=0)


def deployment_url(deployment: str, path: str, api_version: str = API_VERSION) -> str:
    return f"/openai/deployments/{deployment}/{path}?api-version={api_version}"


@pytest.fixture(scope="session")
def sentence_wav(http: httpx2.Client) -> bytes:
    """The test sentence spoken by the emulator as 24 kHz wav."""
    response = http.post(
        deployment_url("gpt-4o-mini-tts", "audio/speech"),
        json={
            "model": "gpt-4o-mini-tts",
            "input": SENTENCE,
            "voice": "alloy",
            "response_format": "wav",
        },
    )
    response.raise_for_status()
    return response.content


@pytest.fixture(scope="session")
def sentence_b64(sentence_wav: bytes) -> str:
    return base64.b64encode(sentence_wav).decode()


def words(text: str) -> list[str]:
    """Lower-case words without punctuation, for comparing transcripts."""
    return "".join(c.lower() if c.isalnum() or c.isspace() else " " for c in text).split()
