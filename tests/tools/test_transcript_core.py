"""The transcription core: one retry policy and one set of requests for sync and async calls."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx2
import openai
import pytest

from langchain_azure_audio.errors import ChunkTranscriptionError, RateLimitError, from_openai_error
from langchain_azure_audio.tools import AzureSpeechToTextTool
from langchain_azure_audio.tools._chunking import ChunkSpan
from langchain_azure_audio.tools._transcript_core import ChunkAttempts

from .conftest import Recorder, multipart_fields, silence, tone, wav_of
from .test_transcription import _chunk_handler, _long_recording

MakeStt = Callable[..., AzureSpeechToTextTool]
SPAN = ChunkSpan(index=2, start=16000, end=32000, overlap=0, rate=16000)


def _busy(status: int = 503, **headers: str) -> httpx2.Response:
    return httpx2.Response(
        status, headers=headers, json={"error": {"code": str(status), "message": "Busy."}}
    )


def _transcribe(stt: AzureSpeechToTextTool, audio: bytes, mode: str) -> Any:
    if mode == "sync":
        return stt.transcribe(audio)
    return asyncio.run(stt.atranscribe(audio))


# -- who retries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(("chunk_retries", "attempts"), [(0, 1), (2, 3), (4, 5)])
def test_failing_chunk_is_sent_one_plus_chunk_retries_times(
    mode: str,
    chunk_retries: int,
    attempts: int,
    mock_azure: Callable[..., Recorder],
    make_stt: MakeStt,
) -> None:
    """The SDK's retries are off for chunks: they never stack on the tool's (was 3 x 3 = 9)."""
    rec = mock_azure(lambda r: _busy())
    stt = make_stt(rec, max_chunk_seconds=6, chunk_retries=chunk_retries, max_retries=2)
    with pytest.raises(ChunkTranscriptionError, match="chunk 1") as info:
        _transcribe(stt, _long_recording(), mode)
    assert info.value.attempts == attempts
    assert len(rec.requests) == attempts
    assert all(multipart_fields(r)["file"][0] == "chunk-0001.wav" for r in rec.requests)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_whole_recording_is_retried_by_the_sdk_alone(
    mode: str, mock_azure: Callable[..., Recorder], make_stt: MakeStt
) -> None:
    rec = mock_azure(lambda r: _busy(429, **{"retry-after-ms": "1"}))
    stt = make_stt(rec, max_retries=2, chunk_retries=5)
    with pytest.raises(RateLimitError):
        _transcribe(stt, wav_of(tone(1.0)), mode)
    assert len(rec.requests) == 3  # 1 + max_retries; chunk_retries play no part


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_chunk_retry_recovers_with_the_same_request(
    mode: str, mock_azure: Callable[..., Recorder], make_stt: MakeStt
) -> None:
    calls: list[dict[str, Any]] = []
    ok = _chunk_handler(calls)
    failures = {"left": 2}

    def handle(request: httpx2.Request) -> httpx2.Response:
        if len(calls) == 1 and failures["left"]:
            failures["left"] -= 1
            return _busy()
        return ok(request)

    rec = mock_azure(handle)
    stt = make_stt(rec, max_chunk_seconds=6, chunk_retries=2, max_retries=2)
    art = _transcribe(stt, _long_recording(), mode)
    forms = rec.forms()
    assert art["chunks"] == len(calls) and len(forms) == len(calls) + 2
    assert forms[1] == forms[2] == forms[3]  # chunk 2, sent three times, unchanged


def test_chunk_waits_the_services_retry_after(
    mock_azure: Callable[..., Recorder], make_stt: MakeStt, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr("langchain_azure_audio.tools._audio_to_text.time.sleep", waits.append)
    rec = mock_azure(lambda r: _busy(429, **{"retry-after-ms": "250"}))
    stt = make_stt(rec, max_chunk_seconds=6, chunk_retries=2, chunk_retry_delay=5.0)
    with pytest.raises(ChunkTranscriptionError):
        stt.transcribe(_long_recording())
    assert waits == [0.25, 0.25]


def test_chunk_attempts_decide_alone() -> None:
    """The decision is sans-I/O: the same for both shells."""
    attempts = ChunkAttempts(SPAN, 5, retries=1, base_delay=2.0)
    assert attempts.failed(_status_error(503)) == 2.0
    with pytest.raises(ChunkTranscriptionError, match="chunk 3") as info:
        attempts.failed(_status_error(503))
    assert info.value.attempts == 2 and info.value.chunk_index == 2
    with pytest.raises(ChunkTranscriptionError) as info:
        ChunkAttempts(SPAN, 5, retries=3, base_delay=0).failed(_status_error(400))
    assert info.value.attempts == 1  # not transient: never retried


def _status_error(status: int) -> BaseException:
    request = httpx2.Request("POST", "https://example.invalid/audio/transcriptions")
    response = httpx2.Response(status, request=request, json={"error": {"message": "x"}})
    return from_openai_error(openai.APIStatusError("x", response=response, body=None))


# -- one set of requests ---------------------------------------------------------------------------


def _requests(make_stt: MakeStt, mock_azure: Callable[..., Recorder], mode: str, **kw: Any) -> Any:
    calls: list[dict[str, Any]] = []
    rec = mock_azure(_chunk_handler(calls))
    stt = make_stt(rec, max_chunk_seconds=6, prompt="Glossary:", language="en", **kw)
    audio = wav_of(tone(4) + silence(0.6) + tone(9) + silence(0.6) + tone(7))
    art = _transcribe(stt, audio, mode)
    return rec.forms(), art


@pytest.mark.parametrize(
    "kw",
    [
        {"transcript_format": "verbose_json", "timestamp_granularities": ["word", "segment"]},
        {"transcript_format": "srt"},
        {"transcript_format": "text", "temperature": 0.1},
    ],
)
def test_sync_and_async_send_identical_requests(
    kw: dict[str, Any], mock_azure: Callable[..., Recorder], make_stt: MakeStt
) -> None:
    sync_forms, sync_art = _requests(make_stt, mock_azure, "sync", **kw)
    async_forms, async_art = _requests(make_stt, mock_azure, "async", **kw)
    assert len(sync_forms) >= 4
    assert sync_forms == async_forms
    assert sync_art == async_art


def test_concurrent_mode_in_both_shells(
    mock_azure: Callable[..., Recorder], make_stt: MakeStt
) -> None:
    """``carry_prompt=False``: the same requests (in any order), sync in threads, async as tasks."""
    sync_forms, _ = _requests(make_stt, mock_azure, "sync", carry_prompt=False)
    async_forms, _ = _requests(make_stt, mock_azure, "async", carry_prompt=False)

    def key(form: dict[str, Any]) -> str:
        return str(form["file"][0])

    assert sorted(sync_forms, key=key) == sorted(async_forms, key=key)
    assert {f["prompt"] for f in sync_forms} == {"Glossary:"}
