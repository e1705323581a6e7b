"""Fixtures of the tool/runnable tests: a recording mock transport, synthetic audio, an emulator."""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest
from langchain_core.tools import BaseTool
from pydantic import BaseModel

from langchain_azure_audio.audio import pcm16_to_wav
from langchain_azure_audio.tools import (
    AzureAudioTranslationTool,
    AzureSpeechToTextTool,
    AzureTextToSpeechTool,
)

ENDPOINT = "https://test-resource.openai.azure.com"
KEY = "test-key"

Handler = Callable[[httpx2.Request], httpx2.Response]


def tone(seconds: float, rate: int = 16000, amp: int = 8000, freq: float = 220.0) -> bytes:
    """pcm16 of a sine tone (stands in for speech: loud, no pauses)."""
    n = int(seconds * rate)
    return b"".join(
        struct.pack("<h", int(amp * math.sin(2 * math.pi * freq * i / rate))) for i in range(n)
    )


def silence(seconds: float, rate: int = 16000) -> bytes:
    return b"\x00\x00" * int(seconds * rate)


def wav_of(pcm: bytes, rate: int = 16000) -> bytes:
    return pcm16_to_wav(pcm, sample_rate=rate)


def call_schema(tool: BaseTool) -> type[BaseModel]:
    """The tool's call schema as the pydantic model it is (LangChain types it as a union)."""
    schema = tool.tool_call_schema
    assert isinstance(schema, type) and issubclass(schema, BaseModel)
    return schema


def multipart_fields(request: httpx2.Request) -> dict[str, Any]:
    """Form fields of a multipart request (file parts as (filename, bytes, content-type))."""
    ctype = request.headers["content-type"]
    boundary = ctype.split("boundary=", 1)[1].encode()
    fields: dict[str, Any] = {}
    for part in request.content.split(b"--" + boundary):
        if b"\r\n\r\n" not in part:
            continue
        head, _, body = part.partition(b"\r\n\r\n")
        body = body[:-2] if body.endswith(b"\r\n") else body
        name = re.search(rb'name="([^"]+)"', head)
        if name is None:
            continue
        key = name.group(1).decode()
        filename = re.search(rb'filename="([^"]*)"', head)
        if filename is not None:
            ct = re.search(rb"Content-Type: ([^\r\n]+)", head)
            fields[key] = (filename.group(1).decode(), body, ct.group(1).decode() if ct else None)
        elif key in fields:
            prev = fields[key]
            fields[key] = (
                [*prev, body.decode()] if isinstance(prev, list) else [prev, body.decode()]
            )
        else:
            fields[key] = body.decode()
    return fields


@dataclass
class Recorder:
    """A mock Azure endpoint: records requests and answers with ``handler``."""

    handler: Handler
    requests: list[httpx2.Request] = field(default_factory=list)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        self.requests.append(request)
        return self.handler(request)

    @property
    def last(self) -> httpx2.Request:
        return self.requests[-1]

    def json_bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]

    def forms(self) -> list[dict[str, Any]]:
        return [multipart_fields(r) for r in self.requests]


def _unexpected(request: httpx2.Request) -> httpx2.Response:
    raise AssertionError(f"no request expected, got {request.method} {request.url}")


@pytest.fixture
def mock_azure() -> Callable[..., Recorder]:
    def make(handler: Handler = _unexpected) -> Recorder:
        return Recorder(handler)

    return make


def _clients(rec: Recorder) -> dict[str, Any]:
    return {
        "azure_endpoint": ENDPOINT,
        "api_key": KEY,
        "api_version": "2025-04-01-preview",
        "max_retries": 0,
        "http_client": httpx2.Client(transport=httpx2.MockTransport(rec)),
        "http_async_client": httpx2.AsyncClient(transport=httpx2.MockTransport(rec)),
    }


@pytest.fixture
def make_tts() -> Callable[..., AzureTextToSpeechTool]:
    def make(rec: Recorder, **kw: Any) -> AzureTextToSpeechTool:
        return AzureTextToSpeechTool(**{**_clients(rec), **kw})

    return make


@pytest.fixture
def make_stt() -> Callable[..., AzureSpeechToTextTool]:
    def make(rec: Recorder, **kw: Any) -> AzureSpeechToTextTool:
        kw.setdefault("chunk_retry_delay", 0)
        return AzureSpeechToTextTool(**{**_clients(rec), **kw})

    return make


@pytest.fixture
def make_translate() -> Callable[..., AzureAudioTranslationTool]:
    def make(rec: Recorder, **kw: Any) -> AzureAudioTranslationTool:
        return AzureAudioTranslationTool(**{**_clients(rec), **kw})

    return make


def speech_handler(rate: int = 24000, seconds_per_char: float = 0.01) -> Handler:
    """Answer /audio/speech with a tone whose length follows the input, in the asked format."""

    def handle(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        pcm = tone(len(body["input"]) * seconds_per_char, rate=rate)
        fmt = body.get("response_format", "mp3")
        if fmt == "pcm":
            return httpx2.Response(200, content=pcm)
        if fmt == "wav":
            return httpx2.Response(200, content=wav_of(pcm, rate))
        from langchain_azure_audio import audio_codecs

        return httpx2.Response(200, content=audio_codecs.encode_pcm16(pcm, rate, fmt))

    return handle


# -- the live emulator ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def emu() -> Iterator[Any]:
    emulator = pytest.importorskip("langchain_azure_audio.emulator")
    try:
        emulator.default_engines().preload()
    except Exception as exc:  # pragma: no cover - engines missing
        pytest.skip(f"emulator engines unavailable: {exc}")
    with emulator.Emulator() as running:
        yield running


@pytest.fixture
def live(emu: Any) -> Iterator[Any]:
    emu.clear_faults()
    yield emu
    emu.clear_faults()
