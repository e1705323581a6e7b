"""Offline fixtures: a mocked Azure OpenAI service behind ``httpx2.MockTransport``.

Every test talks to :class:`FakeAzure`, which records each request (URL, headers, JSON body) and
answers from a queue of canned responses shaped like real Azure OpenAI replies. Nothing touches
the network.
"""

from __future__ import annotations

import base64
import json
import math
import struct
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import httpx2
import pytest

from langchain_azure_audio import AzureAudioChatModel
from langchain_azure_audio.audio import pcm16_to_wav

ENDPOINT = "https://test-resource.openai.azure.com"
DEPLOYMENT = "gpt-4o-mini-audio-preview"
API_KEY = "test-key-0123456789abcdef"
MODEL_VERSION = "gpt-4o-mini-audio-preview-2024-12-17"
EXPIRES_FAR = 4_102_444_800  # 2100-01-01

Responder = Callable[[httpx2.Request], httpx2.Response]


# -- audio fixtures --------------------------------------------------------------------------------


def make_pcm(n_bytes: int, seed: int = 1) -> bytes:
    """Deterministic, non-silent pcm16 bytes (so a lost or reordered piece is visible)."""
    out = bytearray()
    i = 0
    while len(out) < n_bytes:
        sample = int(8000 * math.sin((i + seed) * 0.05)) + (i * 7 + seed) % 97
        out += struct.pack("<h", sample)
        i += 1
    return bytes(out[:n_bytes])


def make_wav(seconds: float = 0.1, sample_rate: int = 24_000) -> bytes:
    return pcm16_to_wav(make_pcm(int(seconds * sample_rate) * 2), sample_rate=sample_rate)


def make_mp3(n_frames: int = 4) -> bytes:
    """Bytes that sniff as mp3: an ID3v2 header then MPEG-1 layer III frame headers."""
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413  # 128 kbps, 44.1 kHz frame = 417 bytes
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + frame * n_frames


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


# -- canned Azure responses ------------------------------------------------------------------------

PROMPT_FILTER_RESULTS = [
    {
        "prompt_index": 0,
        "content_filter_results": {
            "hate": {"filtered": False, "severity": "safe"},
            "jailbreak": {"filtered": False, "detected": False},
            "self_harm": {"filtered": False, "severity": "safe"},
            "sexual": {"filtered": False, "severity": "safe"},
            "violence": {"filtered": False, "severity": "safe"},
        },
    }
]
CHOICE_FILTER_RESULTS = {
    "hate": {"filtered": False, "severity": "safe"},
    "self_harm": {"filtered": False, "severity": "safe"},
    "sexual": {"filtered": False, "severity": "safe"},
    "violence": {"filtered": False, "severity": "safe"},
}


def usage(
    prompt: int = 25, completion: int = 60, audio_in: int = 0, audio_out: int = 48
) -> dict[str, Any]:
    return {
        "completion_tokens": completion,
        "completion_tokens_details": {
            "accepted_prediction_tokens": 0,
            "audio_tokens": audio_out,
            "reasoning_tokens": 0,
            "rejected_prediction_tokens": 0,
            "text_tokens": completion - audio_out,
        },
        "prompt_tokens": prompt,
        "prompt_tokens_details": {
            "audio_tokens": audio_in,
            "cached_tokens": 0,
            "text_tokens": prompt - audio_in,
        },
        "total_tokens": prompt + completion,
    }


def completion(
    *,
    content: str | None = None,
    audio: dict[str, Any] | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    finish_reason: str = "stop",
    usage_: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A non-streamed ``chat.completion`` body as Azure returns it."""
    message: dict[str, Any] = {
        "annotations": [],
        "content": content,
        "refusal": None,
        "role": "assistant",
    }
    if audio is not None:
        message["audio"] = audio
    if tool_calls is not None:
        message["tool_calls"] = tool_calls
    return {
        "choices": [
            {
                "content_filter_results": CHOICE_FILTER_RESULTS,
                "finish_reason": finish_reason,
                "index": 0,
                "logprobs": None,
                "message": message,
            }
        ],
        "created": 1_754_000_000,
        "id": "chatcmpl-BzTest0001",
        "model": MODEL_VERSION,
        "object": "chat.completion",
        "prompt_filter_results": PROMPT_FILTER_RESULTS,
        "system_fingerprint": "fp_test0001",
        "usage": usage_ if usage_ is not None else usage(),
    }


def audio_completion(
    audio_bytes: bytes,
    transcript: str = "Hello there!",
    audio_id: str = "audio_68a1b2c3d4e5f6",
    expires_at: int = EXPIRES_FAR,
) -> dict[str, Any]:
    return completion(
        audio={
            "data": b64(audio_bytes),
            "expires_at": expires_at,
            "id": audio_id,
            "transcript": transcript,
        }
    )


def text_completion(text: str = "Hello there!") -> dict[str, Any]:
    return completion(content=text, usage_=usage(prompt=12, completion=4, audio_out=0))


def chunk(
    delta: dict[str, Any] | None, finish_reason: str | None = None, **extra: Any
) -> dict[str, Any]:
    """One ``chat.completion.chunk`` event."""
    body: dict[str, Any] = {
        "choices": []
        if delta is None
        else [
            {
                "content_filter_results": {},
                "delta": delta,
                "finish_reason": finish_reason,
                "index": 0,
                "logprobs": None,
            }
        ],
        "created": 1_754_000_000,
        "id": "chatcmpl-BzStream01",
        "model": MODEL_VERSION,
        "object": "chat.completion.chunk",
        "system_fingerprint": "fp_test0001",
    }
    body.update(extra)
    return body


def sse_body(events: Iterable[dict[str, Any]], *, done: bool = True) -> bytes:
    out = "".join(f"data: {json.dumps(e)}\n\n" for e in events)
    if done:
        out += "data: [DONE]\n\n"
    return out.encode()


def audio_stream_events(
    transcript_pieces: list[str], pcm_pieces: list[bytes], *, audio_id: str = "audio_stream01"
) -> list[dict[str, Any]]:
    """Events of a streamed audio reply in Azure's order."""
    events: list[dict[str, Any]] = [
        # Azure's first chunk: no choices, only the prompt filter results.
        {
            "choices": [],
            "created": 0,
            "id": "",
            "model": "",
            "object": "",
            "prompt_filter_results": PROMPT_FILTER_RESULTS,
        },
        chunk({"role": "assistant", "content": None, "refusal": None}),
        chunk({"audio": {"id": audio_id, "transcript": ""}}),
    ]
    events += [chunk({"audio": {"transcript": t}}) for t in transcript_pieces]
    events += [chunk({"audio": {"data": b64(p)}}) for p in pcm_pieces]
    events.append(chunk({"audio": {"expires_at": EXPIRES_FAR}}))
    events.append(chunk({}, finish_reason="stop"))
    events.append(chunk(None, usage=usage()))
    return events


def sse_response(body: bytes) -> httpx2.Response:
    return httpx2.Response(
        200,
        content=body,
        headers={"content-type": "text/event-stream", "x-request-id": "req-stream-1"},
    )


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> httpx2.Response:
    return httpx2.Response(
        status, json=body, headers={"x-request-id": f"req-{status}", **(headers or {})}
    )


# -- the fake service ------------------------------------------------------------------------------


class FakeAzure:
    """A recording mock transport handler with a queue of responses.

    Queue items are ``httpx2.Response`` objects, dicts (200 JSON), bytes (200 SSE) or callables
    taking the request. When the queue is empty, ``default`` answers.
    """

    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []
        self.queue: deque[Any] = deque()
        self.default: Any = text_completion()

    # transport ---------------------------------------------------------------------------------

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        self.requests.append(request)
        item = self.queue.popleft() if self.queue else self.default
        if callable(item):
            item = item(request)
        if isinstance(item, httpx2.Response):
            return item
        if isinstance(item, bytes):
            return sse_response(item)
        return json_response(item)

    def client(self) -> httpx2.Client:
        return httpx2.Client(transport=httpx2.MockTransport(self.handler))

    def async_client(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(transport=httpx2.MockTransport(self.handler))

    def push(self, *items: Any) -> FakeAzure:
        self.queue.extend(items)
        return self

    # inspection --------------------------------------------------------------------------------

    @property
    def calls(self) -> int:
        return len(self.requests)

    @property
    def last(self) -> httpx2.Request:
        assert self.requests, "no request was sent"
        return self.requests[-1]

    def body(self, index: int = -1) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.requests[index].content)
        return body

    def url(self, index: int = -1) -> str:
        return str(self.requests[index].url)


@pytest.fixture
def azure() -> FakeAzure:
    return FakeAzure()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's real Azure settings."""
    for var in (
        "AZURE_OPENAI_ENDPOINT",
        "AZURE_OPENAI_API_KEY",
        "OPENAI_API_VERSION",
        "AZURE_OPENAI_AD_TOKEN",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
    ):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def make_model(azure: FakeAzure) -> Callable[..., AzureAudioChatModel]:
    """Build a model wired to the fake service (sync and async); kwargs override defaults."""

    def factory(**kwargs: Any) -> AzureAudioChatModel:
        params: dict[str, Any] = {
            "azure_deployment": DEPLOYMENT,
            "azure_endpoint": ENDPOINT,
            "api_key": API_KEY,
            "max_retries": 0,
            "http_client": azure.client(),
            "http_async_client": azure.async_client(),
        }
        params.update(kwargs)
        return AzureAudioChatModel(**{k: v for k, v in params.items() if v is not None})

    return factory


def b64_block(raw: bytes, mime_type: str = "audio/wav") -> dict[str, Any]:
    """A LangChain v1 base64 audio block."""
    return {"type": "audio", "base64": b64(raw), "mime_type": mime_type}
