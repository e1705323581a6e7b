"""/audio/speech against the live emulator: formats, voices, speed, SSE, validation."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from typing import Any

import av
import httpx2
import openai
import pytest

from langchain_azure_audio.audio_codecs import decode_to_pcm16
from langchain_azure_audio.emulator.engines import VOICE_STYLES

from .conftest import deployment_url

SPEECH = deployment_url("gpt-4o-mini-tts", "audio/speech")
TTS1 = deployment_url("tts-1", "audio/speech")


def speech(http: httpx2.Client, url: str = SPEECH, **fields: Any) -> httpx2.Response:
    body = {"input": "Hello from the emulator.", "voice": "alloy", **fields}
    return http.post(url, json=body)


@pytest.mark.parametrize(
    ("fmt", "content_type", "codec"),
    [
        ("mp3", "audio/mpeg", "mp3"),
        ("opus", "audio/opus", "opus"),
        ("aac", "audio/aac", "aac"),
        ("flac", "audio/flac", "flac"),
        ("wav", "audio/wav", "pcm_s16le"),
    ],
)
def test_each_format_decodes(http: httpx2.Client, fmt: str, content_type: str, codec: str) -> None:
    r = speech(http, response_format=fmt)
    assert r.status_code == 200
    assert r.headers["content-type"] == content_type
    with av.open(io.BytesIO(r.content)) as container:
        assert container.streams.audio[0].codec_context.name.startswith(codec[:3])
    pcm, _ = decode_to_pcm16(r.content, sample_rate=24000)
    assert len(pcm) / 2 / 24000 > 1.0


def test_default_mp3_and_raw_pcm(http: httpx2.Client) -> None:
    assert speech(http).headers["content-type"] == "audio/mpeg"
    pcm = speech(http, response_format="pcm")
    assert pcm.headers["content-type"] == "audio/pcm"
    wav = speech(http, response_format="wav").content
    assert decode_to_pcm16(wav) == (pcm.content, 24000)


def test_deterministic_and_voices_distinct(http: httpx2.Client) -> None:
    a = speech(http, response_format="pcm").content
    assert a == speech(http, response_format="pcm").content
    digests = {
        hashlib.sha256(speech(http, response_format="pcm", voice=v, input="Hi.").content).digest()
        for v in VOICE_STYLES
    }
    assert len(digests) == len(VOICE_STYLES)


def test_speed_changes_duration(http: httpx2.Client) -> None:
    normal = len(speech(http, response_format="pcm").content)
    fast = len(speech(http, response_format="pcm", speed=2.0).content)
    slow = len(speech(http, response_format="pcm", speed=0.5).content)
    assert fast < 0.7 * normal < normal < slow / 1.5


def test_sse_stream(http: httpx2.Client) -> None:
    r = speech(http, response_format="pcm", stream_format="sse")
    assert r.headers["content-type"].startswith("text/event-stream")
    events = [json.loads(b[6:]) for b in r.text.split("\n\n") if b.startswith("data: ")]
    assert {e["type"] for e in events[:-1]} == {"speech.audio.delta"}
    done = events[-1]
    assert done["type"] == "speech.audio.done"
    assert done["usage"]["total_tokens"] == (
        done["usage"]["input_tokens"] + done["usage"]["output_tokens"]
    )
    pcm = b"".join(base64.b64decode(e["audio"]) for e in events[:-1])
    assert pcm == speech(http, response_format="pcm").content


def test_sdk_and_v1_style(client: openai.AzureOpenAI, emu: Any) -> None:
    spoken = client.audio.speech.create(
        model="tts-1-hd", input="Software development kit.", voice="onyx", response_format="wav"
    )
    assert spoken.content[:4] == b"RIFF"
    v1 = openai.OpenAI(base_url=emu.endpoint + "/openai/v1", api_key="any-entra-token")
    assert v1.audio.speech.create(model="tts-1", input="v1", voice="nova").content[:3] in (
        b"ID3",
        b"\xff\xf3",
        b"\xff\xfb",
    )


@pytest.mark.parametrize(
    ("url", "fields", "param", "needle"),
    [
        (SPEECH, {"voice": "bogus"}, "voice", "bogus"),
        (TTS1, {"voice": "marin"}, "voice", "marin"),  # tts-1 lacks the new voices
        (SPEECH, {"response_format": "ogg"}, "response_format", "ogg"),
        (SPEECH, {"speed": 4.5}, "speed", "speed"),
        (SPEECH, {"speed": 0.2}, "speed", "speed"),
        (SPEECH, {"input": "x" * 4097}, "input", "4096"),
        (SPEECH, {"input": ""}, "input", "input"),
        (TTS1, {"instructions": "Speak cheerfully."}, "instructions", "instructions"),
        (TTS1, {"stream_format": "sse"}, "stream_format", "sse"),
        (SPEECH, {"stream_format": "chunks"}, "stream_format", "chunks"),
    ],
)
def test_validation_errors(
    http: httpx2.Client, url: str, fields: dict[str, Any], param: str, needle: str
) -> None:
    r = speech(http, url, **fields)
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert (err["param"], err["code"], err["type"]) == (
        param,
        "invalid_value",
        "invalid_request_error",
    )
    assert needle in err["message"]


def test_instructions_ok_on_mini_tts(http: httpx2.Client) -> None:
    assert speech(http, instructions="Speak cheerfully.").status_code == 200


def test_speech_to_transcription_deployment_is_refused(http: httpx2.Client) -> None:
    r = speech(http, deployment_url("whisper", "audio/speech"))
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "OperationNotSupported"
