"""/audio/transcriptions and /audio/translations against the live emulator."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx2
import openai
import pytest

from langchain_azure_audio.audio_codecs import encode_pcm16
from langchain_azure_audio.emulator import Emulator

from .conftest import SENTENCE, deployment_url, words

WHISPER = deployment_url("whisper", "audio/transcriptions")
GPT4O = deployment_url("gpt-4o-transcribe", "audio/transcriptions")
MINI = deployment_url("gpt-4o-mini-transcribe", "audio/transcriptions")


def upload(
    http: httpx2.Client,
    url: str,
    audio: bytes,
    filename: str = "speech.wav",
    **fields: Any,
) -> httpx2.Response:
    return http.post(url, files={"file": (filename, audio)}, data=fields)


def test_json_default(http: httpx2.Client, sentence_wav: bytes) -> None:
    r = upload(http, WHISPER, sentence_wav)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"text"}
    assert words(body["text"]) == words(SENTENCE)


def test_gpt4o_json_has_usage(http: httpx2.Client, sentence_wav: bytes) -> None:
    body = upload(http, GPT4O, sentence_wav).json()
    assert words(body["text"]) == words(SENTENCE)
    usage = body["usage"]
    assert usage["type"] == "tokens"
    assert usage["input_token_details"]["audio_tokens"] > 20
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def test_text_srt_vtt(http: httpx2.Client, sentence_wav: bytes) -> None:
    text = upload(http, WHISPER, sentence_wav, response_format="text")
    assert text.headers["content-type"].startswith("text/plain")
    assert words(text.text) == words(SENTENCE) and text.text.endswith("\n")
    srt = upload(http, WHISPER, sentence_wav, response_format="srt").text
    assert re.match(r"1\n00:00:00,000 --> 00:00:0\d,\d{3}\n\w", srt)
    vtt = upload(http, WHISPER, sentence_wav, response_format="vtt").text
    assert re.match(r"WEBVTT\n\n00:00:00\.000 --> 00:00:0\d\.\d{3}\n\w", vtt)


def test_verbose_json_with_words(http: httpx2.Client, sentence_wav: bytes) -> None:
    # a form field whose name is no identifier; typed as the ``**fields`` it lands in
    granularities: dict[str, Any] = {"timestamp_granularities[]": ["word", "segment"]}
    body = upload(
        http,
        WHISPER,
        sentence_wav,
        response_format="verbose_json",
        **granularities,
    ).json()
    assert body["task"] == "transcribe" and body["language"] == "english"
    assert 2.0 < body["duration"] < 4.0
    seg = body["segments"][0]
    assert set(seg) == {
        "id", "seek", "start", "end", "text", "tokens", "temperature", "avg_logprob",
        "compression_ratio", "no_speech_prob",
    }  # fmt: skip
    assert [w["word"].strip(".").lower() for w in body["words"]] == words(SENTENCE)
    starts = [w["start"] for w in body["words"]]
    assert starts == sorted(starts) and all(w["end"] >= w["start"] for w in body["words"])
    only_segments = upload(http, WHISPER, sentence_wav, response_format="verbose_json").json()
    assert "words" not in only_segments and only_segments["segments"]


def test_stream_with_sdk(client: openai.AzureOpenAI, sentence_wav: bytes) -> None:
    events = list(
        client.audio.transcriptions.create(
            model="gpt-4o-mini-transcribe", file=("s.wav", sentence_wav), stream=True
        )
    )
    deltas = [e for e in events if e.type == "transcript.text.delta"]
    done = events[-1]
    assert done.type == "transcript.text.done"
    assert "".join(d.delta for d in deltas) == done.text
    assert words(done.text) == words(SENTENCE)


def test_mp3_flac_ogg_uploads(http: httpx2.Client, sentence_wav: bytes) -> None:
    from langchain_azure_audio.audio_codecs import decode_to_pcm16

    pcm, rate = decode_to_pcm16(sentence_wav)
    for fmt, name in (("mp3", "a.mp3"), ("flac", "a.flac"), ("opus", "a.ogg")):
        r = upload(http, WHISPER, encode_pcm16(pcm, rate, fmt), filename=name)
        assert words(r.json()["text"]) == words(SENTENCE), fmt


def test_translation_whisper_only(http: httpx2.Client, sentence_wav: bytes, emu: Emulator) -> None:
    r = upload(
        http,
        deployment_url("whisper", "audio/translations"),
        sentence_wav,
        response_format="verbose_json",
    )
    assert r.json()["task"] == "translate"
    assert words(r.json()["text"]) == words(SENTENCE)
    refused = upload(http, deployment_url("gpt-4o-transcribe", "audio/translations"), sentence_wav)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "OperationNotSupported"


def test_v1_style_model_field(emu: Emulator, sentence_wav: bytes) -> None:
    v1 = openai.OpenAI(base_url=emu.endpoint + "/openai/v1", api_key=emu.api_key, max_retries=0)
    result = v1.audio.transcriptions.create(model="whisper", file=("s.wav", sentence_wav))
    assert words(result.text) == words(SENTENCE)


@pytest.mark.parametrize(
    ("url", "fields", "param", "needle"),
    [
        (GPT4O, {"response_format": "srt"}, "response_format", "not compatible"),
        (WHISPER, {"response_format": "diarized_json"}, "response_format", "diarize"),
        (WHISPER, {"response_format": "yaml"}, "response_format", "yaml"),
        (WHISPER, {"timestamp_granularities[]": "word"}, "timestamp_granularities", "verbose_json"),
        (GPT4O, {"timestamp_granularities[]": "word", "response_format": "json"},
         "timestamp_granularities", "not supported"),
        (WHISPER, {"response_format": "verbose_json", "timestamp_granularities[]": "char"},
         "timestamp_granularities", "char"),
        (WHISPER, {"stream": "true"}, "stream", "Streaming"),
        (WHISPER, {"temperature": "7"}, "temperature", "temperature"),
    ],
)  # fmt: skip
def test_option_errors(
    http: httpx2.Client,
    sentence_wav: bytes,
    url: str,
    fields: dict[str, Any],
    param: str,
    needle: str,
) -> None:
    r = upload(http, url, sentence_wav, **fields)
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["param"] == param and err["type"] == "invalid_request_error"
    assert needle in err["message"]


@pytest.mark.parametrize(
    ("audio", "filename", "needle"),
    [
        (b"", "a.wav", "empty"),
        (b"this is not audio" * 100, "a.wav", "decoded"),
        (b"RIFF" + b"\x00" * 100, "a.exe", "format"),
    ],
)
def test_file_errors(http: httpx2.Client, audio: bytes, filename: str, needle: str) -> None:
    r = upload(http, WHISPER, audio, filename=filename)
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["param"] == "file" and needle in err["message"]


def test_missing_file_and_over_25_mb(http: httpx2.Client) -> None:
    r = http.post(WHISPER, files={"response_format": (None, "json")})
    assert r.status_code == 400 and r.json()["error"]["param"] == "file"
    r = http.post(WHISPER, files={"other": ("x.txt", b"x")}, data={"response_format": "json"})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == "Unrecognized request argument supplied: other"
    big = upload(http, WHISPER, b"\x00" * (25 * 1024 * 1024 + 1))
    assert big.status_code == 400
    assert "25 MB" in big.json()["error"]["message"]


def test_transcript_text_delta_sse_shape(http: httpx2.Client, sentence_wav: bytes) -> None:
    r = upload(http, MINI, sentence_wav, stream="true")
    events = [json.loads(b[6:]) for b in r.text.split("\n\n") if b.startswith("data: ")]
    assert events[0]["type"] == "transcript.text.delta" and isinstance(events[0]["delta"], str)
    assert events[-1]["type"] == "transcript.text.done" and "usage" in events[-1]


def test_diarized_json(sentence_wav: bytes) -> None:
    with Emulator(deployments={"diarize": "gpt-4o-transcribe-diarize"}) as emu:
        http = httpx2.Client(base_url=emu.endpoint, headers={"api-key": emu.api_key})
        url = deployment_url("diarize", "audio/transcriptions")
        body = upload(http, url, sentence_wav, response_format="diarized_json").json()
        assert words(body["text"]) == words(SENTENCE)
        seg = body["segments"][0]
        assert seg["type"] == "transcript.text.segment" and seg["speaker"] == "A"
        assert body["usage"]["type"] == "tokens"
        srt = upload(http, url, sentence_wav, response_format="srt")
        assert srt.status_code == 400  # srt/vtt/verbose_json are whisper only
