"""AzureTextToSpeechTool on a mock transport: request bodies, validation, long text, streams."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest
from langchain_core.messages import ToolMessage

from langchain_azure_audio import audio_codecs
from langchain_azure_audio.audio import sniff_format, wav_duration
from langchain_azure_audio.errors import (
    DeploymentNotFoundError,
    RateLimitError,
    StreamInterruptedError,
    UnsupportedOptionError,
)
from langchain_azure_audio.tools import AzureTextToSpeechTool, SpeechInput

from .conftest import Recorder, call_schema, speech_handler, tone, wav_of

MakeTts = Callable[..., AzureTextToSpeechTool]
CALL = {"type": "tool_call", "id": "call-1", "name": "text_to_speech"}


def test_request_body_and_tool_message(
    mock_azure: Callable[..., Recorder], make_tts: MakeTts
) -> None:
    rec = mock_azure(speech_handler())
    tts = make_tts(rec, azure_deployment="gpt-4o-mini-tts", voice="coral", audio_format="wav")
    msg = tts.invoke(
        {**CALL, "args": {"text": "Hello there.", "speed": 1.5, "instructions": "Calm."}}
    )
    assert isinstance(msg, ToolMessage)
    req = rec.last
    assert req.url.path == "/openai/deployments/gpt-4o-mini-tts/audio/speech"
    assert req.url.params["api-version"] == "2025-04-01-preview"
    assert req.headers["api-key"] == "test-key"
    assert json.loads(req.content) == {
        "model": "gpt-4o-mini-tts",
        "input": "Hello there.",
        "voice": "coral",
        "response_format": "wav",
        "speed": 1.5,
        "instructions": "Calm.",
    }
    assert isinstance(msg.content, str)
    assert msg.content.startswith("Spoke 12 characters as wav audio (0.1 s, voice coral)")
    art = msg.artifact
    assert art["format"] == "wav" and art["mime_type"] == "audio/wav" and art["path"] is None
    assert art["audio"][:4] == b"RIFF" and art["pieces"] == 1
    assert art["duration_seconds"] == pytest.approx(0.12, abs=0.01)


def test_v1_surface_sends_deployment_as_model(
    mock_azure: Callable[..., Recorder], make_tts: MakeTts
) -> None:
    rec = mock_azure(speech_handler())
    tts = make_tts(rec, azure_deployment="my-voice", model="tts-1-hd", api_version="v1")
    tts.synthesize("Hi.", audio_format="pcm")
    assert rec.last.url.path == "/openai/v1/audio/speech"
    assert json.loads(rec.last.content)["model"] == "my-voice"
    assert rec.last.headers["api-key"] == "test-key"


@pytest.mark.parametrize("fmt", ["mp3", "opus", "aac", "flac", "wav", "pcm"])
def test_every_format_single_request(
    fmt: str, mock_azure: Callable[..., Recorder], make_tts: MakeTts
) -> None:
    rec = mock_azure(speech_handler())
    tts = make_tts(rec, azure_deployment="tts-1", audio_format=fmt)
    data = tts.synthesize("One short sentence.")
    assert json.loads(rec.last.content)["response_format"] == fmt
    expected = {"mp3": "mp3", "opus": "ogg", "aac": "aac", "flac": "flac", "wav": "wav"}
    assert sniff_format(data) == expected.get(fmt)


def test_schema_hides_instructions_for_tts1(
    mock_azure: Callable[..., Recorder], make_tts: MakeTts
) -> None:
    rec = mock_azure()
    assert "instructions" not in call_schema(make_tts(rec, azure_deployment="tts-1")).model_fields
    mini = make_tts(rec, azure_deployment="gpt-4o-mini-tts")
    assert isinstance(mini.args_schema, type) and issubclass(mini.args_schema, SpeechInput)
    props = call_schema(mini).model_json_schema()["properties"]
    assert set(props) == {"text", "voice", "speed", "instructions"}
    assert all(p.get("description") for p in props.values())


def test_schema_lists_the_familys_voices_as_an_enum(
    mock_azure: Callable[..., Recorder], make_tts: MakeTts
) -> None:
    """The model sees exactly the voices the deployment speaks (tts-1 has no marin)."""

    def voices(tool: Any) -> list[str]:
        voice = call_schema(tool).model_json_schema()["properties"]["voice"]
        return next(o["enum"] for o in voice["anyOf"] if "enum" in o)

    rec = mock_azure()
    tts1 = voices(make_tts(rec, azure_deployment="tts-1"))
    assert "onyx" in tts1 and "marin" not in tts1
    mini = voices(make_tts(rec, azure_deployment="gpt-4o-mini-tts", extra_voices=["aurora"]))
    assert {"marin", "cedar", "aurora"} <= set(mini)


@pytest.mark.parametrize(
    ("init", "call", "option"),
    [
        ({"azure_deployment": "tts-1"}, {"instructions": "Whisper."}, "instructions"),
        ({"azure_deployment": "tts-1"}, {"voice": "marin"}, "voice"),
        ({"azure_deployment": "gpt-4o-mini-tts"}, {"voice": "nobody"}, "voice"),
        ({"azure_deployment": "gpt-4o-mini-tts"}, {"speed": 4.5}, "speed"),
        ({"azure_deployment": "gpt-4o-mini-tts"}, {"speed": 0.1}, "speed"),
        ({"azure_deployment": "gpt-4o-mini-tts"}, {"audio_format": "ogg"}, "audio_format"),
        ({"azure_deployment": "gpt-4o-mini-tts"}, {"text": "   "}, "text"),
    ],
)
def test_bad_arguments_refused_before_any_request(
    init: dict[str, Any],
    call: dict[str, Any],
    option: str,
    mock_azure: Callable[..., Recorder],
    make_tts: MakeTts,
) -> None:
    rec = mock_azure()  # any request fails the test
    tts = make_tts(rec, **init)
    text = call.pop("text", "Hello.")
    with pytest.raises(UnsupportedOptionError) as info:
        tts.synthesize(text, **call)
    assert info.value.option == option
    assert rec.requests == []


@pytest.mark.parametrize(
    "init",
    [
        {"azure_deployment": "whisper"},
        {"azure_deployment": "tts-1", "instructions": "Loud."},
        {"azure_deployment": "tts-1", "voice": "cedar"},
        {"azure_deployment": "tts-1", "speed": 9},
        {"azure_deployment": "unknown-model"},
    ],
)
def test_bad_construction_refused(
    init: dict[str, Any], mock_azure: Callable[..., Recorder], make_tts: MakeTts
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - typed errors and pydantic's are ValueErrors
        make_tts(mock_azure(), **init)


def test_new_voice_with_extra_voices(
    mock_azure: Callable[..., Recorder], make_tts: MakeTts
) -> None:
    rec = mock_azure(speech_handler())
    tts = make_tts(rec, azure_deployment="tts-1", extra_voices=["brandnew"], voice="brandnew")
    tts.synthesize("Hi.")
    assert json.loads(rec.last.content)["voice"] == "brandnew"


def _long_text(n: int) -> str:
    return " ".join(
        f"This is sentence number {i} of a very long audiobook chapter." for i in range(n)
    )


@pytest.mark.parametrize("fmt", ["wav", "pcm", "mp3", "opus", "aac", "flac"])
def test_long_text_joined_into_one_valid_file(
    fmt: str, mock_azure: Callable[..., Recorder], make_tts: MakeTts
) -> None:
    rec = mock_azure(speech_handler(seconds_per_char=0.002))
    tts = make_tts(rec, azure_deployment="tts-1-hd", audio_format=fmt)
    text = _long_text(150)  # ~9,500 characters -> 3 requests
    msg = tts.invoke({**CALL, "args": {"text": text}})
    bodies = rec.json_bodies()
    assert len(bodies) == 3 == msg.artifact["pieces"]
    assert all(len(b["input"]) <= 4096 for b in bodies)
    assert all(b["input"].endswith("chapter.") for b in bodies)
    assert " ".join(b["input"] for b in bodies) == text
    expected = sum(round(len(b["input"]) * 0.002 * 24000) for b in bodies) / 24000
    data = msg.artifact["audio"]
    if fmt == "pcm":
        assert all(b["response_format"] == "pcm" for b in bodies)
        assert len(data) / 48000 == pytest.approx(expected, abs=0.01)
        return
    assert all(b["response_format"] == "wav" for b in bodies)
    if fmt == "wav":
        assert wav_duration(data) == pytest.approx(expected, abs=0.01)
    pcm, rate = audio_codecs.decode_to_pcm16(data)
    assert len(pcm) / (2 * rate) == pytest.approx(expected, abs=0.1)
    assert msg.artifact["duration_seconds"] == pytest.approx(expected, abs=0.01)


async def test_async_long_text_bounded_concurrency(
    mock_azure: Callable[..., Recorder], make_tts: MakeTts
) -> None:
    active = 0
    peak = 0
    inner = speech_handler(seconds_per_char=0.001)

    async def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.02)
        active -= 1
        return inner(request)

    seen: list[str] = []

    async def transport(request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        seen.append(json.loads(request.content)["input"])
        return await handler(request)

    rec = mock_azure()
    tts = make_tts(
        rec,
        azure_deployment="tts-1",
        audio_format="wav",
        max_chars=300,
        max_concurrency=2,
        http_async_client=httpx2.AsyncClient(transport=httpx2.MockTransport(transport)),
    )
    text = _long_text(30)
    data = await tts.asynthesize(text)
    assert len(seen) > 4 and peak == 2
    assert wav_duration(data) == pytest.approx(
        sum(round(len(s) * 0.001 * 24000) for s in seen) / 24000, abs=0.001
    )
    msg = await tts.ainvoke({**CALL, "args": {"text": "Short."}})
    assert msg.artifact["pieces"] == 1


def test_output_dir_files_are_generated_inside(
    tmp_path: Path, mock_azure: Callable[..., Recorder], make_tts: MakeTts
) -> None:
    rec = mock_azure(speech_handler())
    out = tmp_path / "speech"
    tts = make_tts(rec, azure_deployment="tts-1", audio_format="wav", output_dir=str(out))
    msg = tts.invoke({**CALL, "args": {"text": "../../etc/passwd"}})
    path = Path(msg.artifact["path"])
    assert path.parent == out.resolve() and path.suffix == ".wav"
    assert path.read_bytes() == msg.artifact["audio"]
    assert path.name in msg.content
    assert not list(out.glob("*.part"))
    second = tts.invoke({**CALL, "args": {"text": "Again."}})
    assert second.artifact["path"] != msg.artifact["path"]


def _sse(events: list[dict[str, Any]]) -> bytes:
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events)


def test_stream_sse_on_mini_tts(mock_azure: Callable[..., Recorder], make_tts: MakeTts) -> None:
    pieces = [tone(0.05, 24000), tone(0.05, 24000, freq=440)]
    events = [
        {"type": "speech.audio.delta", "audio": base64.b64encode(p).decode()} for p in pieces
    ] + [{"type": "speech.audio.done", "usage": {"input_tokens": 3}}]
    rec = mock_azure(
        lambda r: httpx2.Response(
            200, content=_sse(events), headers={"content-type": "text/event-stream"}
        )
    )
    tts = make_tts(rec, azure_deployment="gpt-4o-mini-tts", audio_format="pcm")
    chunks = list(tts.stream_audio("Hello."))
    assert chunks == pieces
    body = json.loads(rec.last.content)
    assert body["stream_format"] == "sse" and body["response_format"] == "pcm"


def test_stream_sse_without_done_raises(
    mock_azure: Callable[..., Recorder], make_tts: MakeTts
) -> None:
    events = [{"type": "speech.audio.delta", "audio": base64.b64encode(b"\x00\x00").decode()}]
    rec = mock_azure(lambda r: httpx2.Response(200, content=_sse(events)))
    tts = make_tts(rec, azure_deployment="gpt-4o-mini-tts", audio_format="pcm")
    with pytest.raises(StreamInterruptedError):
        list(tts.stream_audio("Hello."))


async def test_stream_raw_chunks_on_tts1(
    mock_azure: Callable[..., Recorder], make_tts: MakeTts
) -> None:
    audio = tone(0.5, 24000)
    rec = mock_azure(lambda r: httpx2.Response(200, content=audio))
    tts = make_tts(rec, azure_deployment="tts-1", audio_format="pcm", stream_chunk_size=4096)
    chunks = list(tts.stream_audio("Hello."))
    assert b"".join(chunks) == audio
    assert "stream_format" not in json.loads(rec.last.content)
    achunks = [c async for c in tts.astream_audio("Hello.")]
    assert b"".join(achunks) == audio


def test_stream_long_text_as_wav_has_one_header(
    mock_azure: Callable[..., Recorder], make_tts: MakeTts
) -> None:
    rec = mock_azure(speech_handler(seconds_per_char=0.001))
    tts = make_tts(rec, azure_deployment="tts-1", audio_format="wav", max_chars=100)
    data = b"".join(tts.stream_audio(_long_text(5)))
    bodies = rec.json_bodies()
    assert len(bodies) > 1 and all(b["response_format"] == "pcm" for b in bodies)
    assert data[:4] == b"RIFF" and data.count(b"RIFF") == 1
    pcm, rate = audio_codecs.decode_to_pcm16(data)
    assert rate == 24000
    assert len(pcm) == sum(round(len(b["input"]) * 0.001 * 24000) * 2 for b in bodies)
    with pytest.raises(UnsupportedOptionError):
        tts.stream_audio(_long_text(5), audio_format="flac")


def test_service_errors_are_typed(mock_azure: Callable[..., Recorder], make_tts: MakeTts) -> None:
    rec = mock_azure(
        lambda r: httpx2.Response(
            404, json={"error": {"code": "DeploymentNotFound", "message": "No such deployment."}}
        )
    )
    tts = make_tts(rec, azure_deployment="tts-1")
    with pytest.raises(DeploymentNotFoundError, match="No such deployment"):
        tts.synthesize("Hi.")
    rec429 = mock_azure(
        lambda r: httpx2.Response(
            429,
            headers={"retry-after-ms": "1500"},
            json={"error": {"code": "429", "message": "Slow down."}},
        )
    )
    with pytest.raises(RateLimitError) as info:
        list(make_tts(rec429, azure_deployment="tts-1").stream_audio("Hi."))
    assert info.value.retry_after == 1.5


def test_pcm_bytes_join_matches_wav(mock_azure: Callable[..., Recorder], make_tts: MakeTts) -> None:
    rec = mock_azure(speech_handler(seconds_per_char=0.001))
    tts = make_tts(rec, azure_deployment="tts-1", max_chars=100)
    wav = tts.synthesize(_long_text(4), audio_format="wav")
    pcm = tts.synthesize(_long_text(4), audio_format="pcm")
    assert wav == wav_of(pcm, 24000)
