"""Transcription and translation tools on a mock transport."""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

from langchain_azure_audio import audio_codecs
from langchain_azure_audio.audio import audio_block
from langchain_azure_audio.errors import (
    AudioValidationError,
    AuthenticationError,
    UnsupportedOptionError,
)
from langchain_azure_audio.tools import (
    AzureAudioTranslationTool,
    AzureSpeechToTextTool,
    ChunkTranscriptionError,
)

from .conftest import Recorder, call_schema, multipart_fields, silence, tone, wav_of

MakeStt = Callable[..., AzureSpeechToTextTool]
WAV = wav_of(tone(1.0))
CALL = {"type": "tool_call", "id": "call-1", "name": "speech_to_text"}


def _json(text: str = "hello world") -> Callable[[httpx2.Request], httpx2.Response]:
    return lambda r: httpx2.Response(200, json={"text": text})


def test_multipart_fields(mock_azure: Callable[..., Recorder], make_stt: MakeStt) -> None:
    rec = mock_azure(_json())
    stt = make_stt(rec, azure_deployment="whisper", temperature=0.2, prompt="Contoso")
    msg = stt.invoke({**CALL, "args": {"audio": WAV, "language": "en"}})
    assert msg.content == "hello world"
    assert rec.last.url.path == "/openai/deployments/whisper/audio/transcriptions"
    fields = multipart_fields(rec.last)
    assert fields["file"] == ("audio.wav", WAV, "audio/wav")
    assert {k: v for k, v in fields.items() if k != "file"} == {
        "model": "whisper",
        "response_format": "json",
        "language": "en",
        "prompt": "Contoso",
        "temperature": "0.2",
    }
    assert msg.artifact["text"] == "hello world" and msg.artifact["chunks"] == 1


def test_verbose_json_timestamps(mock_azure: Callable[..., Recorder], make_stt: MakeStt) -> None:
    body = {
        "task": "transcribe",
        "language": "english",
        "duration": 1.0,
        "text": "Hi there.",
        "segments": [{"id": 0, "start": 0.0, "end": 1.0, "text": " Hi there."}],
        "words": [
            {"word": "Hi", "start": 0.0, "end": 0.4},
            {"word": "there", "start": 0.4, "end": 0.9},
        ],
    }
    rec = mock_azure(lambda r: httpx2.Response(200, json=body))
    stt = make_stt(
        rec, transcript_format="verbose_json", timestamp_granularities=["word", "segment"]
    )
    art = stt.transcribe(WAV)
    fields = multipart_fields(rec.last)
    assert fields["response_format"] == "verbose_json"
    assert fields["timestamp_granularities[]"] == ["word", "segment"]
    assert art["language"] == "english" and art["duration_seconds"] == 1.0
    assert art["words"][1]["word"] == "there" and art["segments"][0]["end"] == 1.0


@pytest.mark.parametrize(
    ("fmt", "document", "text"),
    [
        ("text", "Hello world.\n", "Hello world."),
        ("json", '{"text": "Hello world."}', "Hello world."),
        ("srt", "1\n00:00:00,000 --> 00:00:01,000\nHello world.\n\n", "Hello world."),
        ("vtt", "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello world.\n\n", "Hello world."),
    ],
)
def test_every_transcript_format(
    fmt: str, document: str, text: str, mock_azure: Callable[..., Recorder], make_stt: MakeStt
) -> None:
    rec = mock_azure(lambda r: httpx2.Response(200, text=document))
    art = make_stt(rec).transcribe(WAV, transcript_format=fmt)  # type: ignore[arg-type]
    assert multipart_fields(rec.last)["response_format"] == fmt
    assert art["text"] == text and art["document"] == document
    if fmt in ("srt", "vtt"):
        assert art["segments"][0]["end"] == 1.0


@pytest.mark.parametrize(
    ("init", "call", "option"),
    [
        (
            {"azure_deployment": "gpt-4o-transcribe"},
            {"transcript_format": "srt"},
            "transcript_format",
        ),
        (
            {"azure_deployment": "gpt-4o-mini-transcribe"},
            {"transcript_format": "verbose_json"},
            "transcript_format",
        ),
        ({}, {"timestamp_granularities": ["word"]}, "timestamp_granularities"),
        (
            {},
            {"transcript_format": "verbose_json", "timestamp_granularities": ["line"]},
            "timestamp_granularities",
        ),
        (
            {"azure_deployment": "gpt-4o-transcribe"},
            {"transcript_format": "json", "timestamp_granularities": ["word"]},
            "timestamp_granularities",
        ),
        ({}, {"temperature": 1.5}, "temperature"),
        ({}, {"language": "English please"}, "language"),
        ({}, {"transcript_format": "docx"}, "transcript_format"),
    ],
)
def test_bad_options_refused_before_any_request(
    init: dict[str, Any],
    call: dict[str, Any],
    option: str,
    mock_azure: Callable[..., Recorder],
    make_stt: MakeStt,
) -> None:
    rec = mock_azure()
    stt = make_stt(rec, **init)
    with pytest.raises(UnsupportedOptionError) as info:
        stt.transcribe(WAV, **call)
    assert info.value.option == option
    assert rec.requests == []


@pytest.mark.parametrize(
    ("audio", "message"),
    [
        (b"", "empty"),
        (b"just some text, not audio at all", "not audio"),
        (wav_of(b""), "no samples"),
        (b"ID3" + b"\x00" * 20, "too short"),
        ("https://example.invalid/a.mp3", "allow_remote_urls"),
        ({"type": "audio", "url": "http://example.invalid/a.wav"}, "allow_remote_urls"),
        ({"type": "image", "base64": "AAAA"}, "not audio"),
        ("/definitely/not/here.wav", "No audio file"),
    ],
)
def test_bad_audio_refused_before_any_request(
    audio: Any, message: str, mock_azure: Callable[..., Recorder], make_stt: MakeStt
) -> None:
    rec = mock_azure()
    with pytest.raises(AudioValidationError, match=message):
        make_stt(rec).transcribe(audio)
    assert rec.requests == []


def test_input_forms(
    tmp_path: Path, mock_azure: Callable[..., Recorder], make_stt: MakeStt
) -> None:
    rec = mock_azure(_json())
    stt = make_stt(rec)
    path = tmp_path / "clip.wav"
    path.write_bytes(WAV)
    b64 = base64.b64encode(WAV).decode()
    for source in (
        str(path),
        path,
        f"file://{path}",
        f"data:audio/wav;base64,{b64}",
        audio_block(WAV),
        {"type": "audio", "source_type": "base64", "data": b64, "mime_type": "audio/wav"},
        {"type": "input_audio", "input_audio": {"data": b64, "format": "wav"}},
    ):
        assert stt.transcribe(source)["text"] == "hello world"
    assert all(f["file"][1] == WAV for f in rec.forms())


def test_input_dir_blocks_traversal(
    tmp_path: Path, mock_azure: Callable[..., Recorder], make_stt: MakeStt
) -> None:
    inside = tmp_path / "in"
    inside.mkdir()
    (inside / "ok.wav").write_bytes(WAV)
    (tmp_path / "secret.wav").write_bytes(WAV)
    rec = mock_azure(_json())
    stt = make_stt(rec, input_dir=str(inside))
    assert stt.invoke({"audio": "ok.wav"}) == "hello world"
    for bad in ("../secret.wav", str(tmp_path / "secret.wav")):
        with pytest.raises(AudioValidationError, match="input_dir"):
            stt.invoke({"audio": bad})
    assert len(rec.requests) == 1


def test_remote_url_opt_in(
    mock_azure: Callable[..., Recorder], make_stt: MakeStt, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetched: list[str] = []

    def serve(self: Any, request: httpx2.Request) -> httpx2.Response:
        fetched.append(str(request.url))
        return httpx2.Response(200, content=WAV)

    monkeypatch.setattr(httpx2.HTTPTransport, "handle_request", serve)
    rec = mock_azure(_json())
    stt = make_stt(rec, allow_remote_urls=True)
    assert stt.transcribe("https://example.invalid/q.wav")["text"] == "hello world"
    assert fetched == ["https://example.invalid/q.wav"]


def test_converts_unsupported_container(
    mock_azure: Callable[..., Recorder], make_stt: MakeStt
) -> None:
    aac = audio_codecs.encode_pcm16(tone(0.5), 16000, "aac")
    rec = mock_azure(_json())
    make_stt(rec).transcribe(aac)
    name, data, ctype = multipart_fields(rec.last)["file"]
    assert name == "audio.wav" and data[:4] == b"RIFF" and ctype == "audio/wav"


def test_service_error_typed(mock_azure: Callable[..., Recorder], make_stt: MakeStt) -> None:
    rec = mock_azure(
        lambda r: httpx2.Response(401, json={"error": {"code": "401", "message": "Bad key."}})
    )
    with pytest.raises(AuthenticationError, match="Bad key"):
        make_stt(rec).transcribe(WAV)


# -- long audio ---------------------------------------------------------------------------------


def _long_recording() -> bytes:
    """~26 s: speech-like tone blocks separated by pauses, one 9 s block without a pause."""
    return wav_of(
        tone(4) + silence(0.6) + tone(4) + silence(0.6) + tone(9) + silence(0.6) + tone(7)
    )


def _chunk_handler(calls: list[dict[str, Any]]) -> Callable[[httpx2.Request], httpx2.Response]:
    def handle(request: httpx2.Request) -> httpx2.Response:
        fields = multipart_fields(request)
        calls.append(fields)
        n = len(calls)
        _, data, _ = fields["file"]
        pcm = data[44:]
        dur = len(pcm) / 32000
        words: list[dict[str, Any]] = [
            {
                "word": f"w{n}_{i}",
                "start": round(i * dur / 4, 3),
                "end": round((i + 0.8) * dur / 4, 3),
            }
            for i in range(4)
        ]
        return httpx2.Response(
            200,
            json={
                "text": " ".join(w["word"] for w in words),
                "language": "english",
                "duration": dur,
                "segments": [
                    {
                        "id": 0,
                        "start": 0.0,
                        "end": dur / 2,
                        "text": " ".join(w["word"] for w in words[:2]),
                    },
                    {
                        "id": 1,
                        "start": dur / 2,
                        "end": dur,
                        "text": " ".join(w["word"] for w in words[2:]),
                    },
                ],
                "words": words,
            },
        )

    return handle


@pytest.mark.parametrize("fmt", ["verbose_json", "srt", "vtt", "json", "text"])
def test_long_audio_split_and_stitched(
    fmt: str, mock_azure: Callable[..., Recorder], make_stt: MakeStt
) -> None:
    calls: list[dict[str, Any]] = []
    rec = mock_azure(_chunk_handler(calls))
    stt = make_stt(
        rec,
        max_chunk_seconds=6,
        prompt="Glossary:",
        transcript_format=fmt,
        timestamp_granularities=["word", "segment"] if fmt == "verbose_json" else None,
    )
    art = stt.transcribe(_long_recording())
    assert art["chunks"] == len(calls) >= 5
    for f in calls:
        _, data, ctype = f["file"]
        assert ctype == "audio/wav" and len(data) - 44 <= 6 * 32000
        assert f["response_format"] == ("json" if fmt in ("json", "text") else "verbose_json")
    # prompt carry-over: each chunk after the first gets the previous chunk's text
    assert calls[0]["prompt"] == "Glossary:"
    for i in range(1, len(calls)):
        assert calls[i]["prompt"].startswith("Glossary: ")
        assert calls[i]["prompt"].endswith(f"w{i}_3")
    if fmt in ("json", "text"):
        assert art["text"].startswith("w1_0 w1_1 w1_2 w1_3 w2_0")
        return
    segs = art["segments"]
    for a, b in itertools.pairwise(segs):
        assert b["start"] >= a["end"] >= a["start"]
    assert segs[-1]["end"] == pytest.approx(25.8, abs=0.05)
    if fmt == "verbose_json":
        words = art["words"]
        assert [w["start"] for w in words] == sorted(w["start"] for w in words)
        assert json.loads(art["document"])["segments"] == segs
    if fmt == "srt":
        assert art["document"].startswith("1\n00:00:00,000 --> ")
    if fmt == "vtt":
        assert art["document"].startswith("WEBVTT")


def test_oversize_file_split_by_bytes(
    mock_azure: Callable[..., Recorder], make_stt: MakeStt
) -> None:
    calls: list[dict[str, Any]] = []
    rec = mock_azure(_chunk_handler(calls))
    stt = make_stt(rec, max_chunk_bytes=100_000)  # ~3 s of 16 kHz wav
    art = stt.transcribe(wav_of(tone(10)))
    assert art["chunks"] == len(calls) >= 4
    assert all(len(f["file"][1]) <= 100_000 for f in calls)


def test_failing_chunk_raises_naming_the_chunk(
    mock_azure: Callable[..., Recorder], make_stt: MakeStt
) -> None:
    calls: list[dict[str, Any]] = []
    ok = _chunk_handler(calls)

    def handle(request: httpx2.Request) -> httpx2.Response:
        if len(calls) == 2:
            return httpx2.Response(
                429,
                headers={"retry-after-ms": "0"},
                json={"error": {"code": "429", "message": "Throttled."}},
            )
        return ok(request)

    rec = mock_azure(handle)
    with pytest.raises(ChunkTranscriptionError, match="chunk 3") as info:
        make_stt(rec, max_chunk_seconds=6, chunk_retries=1).transcribe(_long_recording())
    assert info.value.chunk_index == 2 and info.value.attempts == 2
    assert info.value.start_seconds > 0


def test_non_transient_chunk_error_not_retried(
    mock_azure: Callable[..., Recorder], make_stt: MakeStt
) -> None:
    rec = mock_azure(
        lambda r: httpx2.Response(
            400, json={"error": {"code": "invalid_value", "message": "Nope."}}
        )
    )
    with pytest.raises(ChunkTranscriptionError, match="chunk 1") as info:
        make_stt(rec, max_chunk_seconds=6, chunk_retries=3).transcribe(_long_recording())
    assert info.value.attempts == 1 and len(rec.requests) == 1


async def test_async_long_audio_concurrent_without_prompt_carry(
    mock_azure: Callable[..., Recorder], make_stt: MakeStt
) -> None:
    calls: list[dict[str, Any]] = []
    rec = mock_azure(_chunk_handler(calls))
    stt = make_stt(rec, max_chunk_seconds=6, carry_prompt=False, transcript_format="verbose_json")
    art = await stt.atranscribe(_long_recording())
    assert art["chunks"] == len(calls) >= 5
    assert all("prompt" not in f for f in calls)
    starts = [s["start"] for s in art["segments"]]
    assert starts == sorted(starts)
    msg = await stt.ainvoke({**CALL, "args": {"audio": WAV}})
    assert msg.content


# -- translation --------------------------------------------------------------------------------


def test_translation_whisper_only(
    mock_azure: Callable[..., Recorder], make_translate: Callable[..., AzureAudioTranslationTool]
) -> None:
    with pytest.raises(UnsupportedOptionError, match="whisper"):
        make_translate(mock_azure(), azure_deployment="gpt-4o-transcribe")
    rec = mock_azure(_json("Good morning."))
    tool = make_translate(rec, azure_deployment="whisper")
    msg = tool.invoke(
        {"type": "tool_call", "id": "1", "name": tool.name, "args": {"audio": WAV, "prompt": "Hi"}}
    )
    assert msg.content == "Good morning."
    assert rec.last.url.path == "/openai/deployments/whisper/audio/translations"
    fields = multipart_fields(rec.last)
    assert fields["prompt"] == "Hi" and "language" not in fields
    assert set(call_schema(tool).model_json_schema()["properties"]) == {"audio", "prompt"}


def test_transcription_schema_is_model_friendly(
    mock_azure: Callable[..., Recorder], make_stt: MakeStt
) -> None:
    schema = call_schema(make_stt(mock_azure())).model_json_schema()
    assert schema["properties"]["audio"]["type"] == "string"
    assert schema["required"] == ["audio"]
    assert isinstance(make_stt(mock_azure()), AzureSpeechToTextTool)
