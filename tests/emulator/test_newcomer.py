"""The emulator as a newcomer meets it: own deployment names, Azure's refusal of unknown
arguments, service-worded errors, and quiet handling of clients that hang up."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import openai
import pytest
from typer.testing import CliRunner

from langchain_azure_audio.cli import app as cli_app
from langchain_azure_audio.emulator import DEFAULT_DEPLOYMENTS, Emulator, EmulatorConfig
from langchain_azure_audio.emulator.__main__ import build_parser, config_from_args
from langchain_azure_audio.emulator.config import (
    DEFAULT_MODELS,
    DEPLOYMENTS_ENV,
    deployments_from_env,
    parse_deployments,
)

from .conftest import deployment_url

CHAT = deployment_url("gpt-4o-mini-audio-preview", "chat/completions")
SPEECH = deployment_url("gpt-4o-mini-tts", "audio/speech")
WHISPER = deployment_url("whisper", "audio/transcriptions")
TRANSLATE = deployment_url("whisper", "audio/translations")

# -- deployments of the user's choosing --------------------------------------------------------


def test_parse_deployments() -> None:
    assert parse_deployments(["a=gpt-audio", "b=whisper, c=tts-1"]) == {
        "a": "gpt-audio",
        "b": "whisper",
        "c": "tts-1",
    }
    for bad in (["a"], ["=gpt-audio"], ["a="], ["a=tts-1", "a=whisper"]):
        with pytest.raises(ValueError):  # noqa: PT011 - each malformed mapping is refused
            parse_deployments(bad)


def test_deployments_from_env() -> None:
    assert deployments_from_env({}) is None
    assert deployments_from_env({DEPLOYMENTS_ENV: "  "}) is None
    assert deployments_from_env({DEPLOYMENTS_ENV: "voice=gpt-audio,stt=whisper"}) == {
        "voice": "gpt-audio",
        "stt": "whisper",
    }


def test_config_names_unknown_model_plainly() -> None:
    with pytest.raises(ValueError, match="Deployment 'x' names an unknown model 'nope'") as info:
        EmulatorConfig(deployments={"x": "nope"})
    assert "validate_options" not in str(info.value)
    with pytest.raises(ValueError):  # noqa: PT011 - an empty mapping is refused
        EmulatorConfig(deployments={})


def test_default_deployments_include_every_model() -> None:
    assert dict(DEFAULT_DEPLOYMENTS) == {m: m for m in DEFAULT_MODELS}
    assert {"gpt-realtime", "gpt-realtime-mini", "gpt-4o-mini-audio-preview"} <= set(
        DEFAULT_DEPLOYMENTS
    )


@pytest.fixture(scope="module")
def custom() -> Iterator[Emulator]:
    with Emulator(
        deployments={"my-audio": "gpt-4o-audio-preview", "my-voice": "gpt-4o-mini-tts"}
    ) as emu:
        yield emu


def test_own_deployment_names_serve(custom: Emulator) -> None:
    client = custom.client(max_retries=0)
    reply = client.chat.completions.create(
        model="my-audio", messages=[{"role": "user", "content": "Hello"}]
    )
    assert reply.choices[0].message.content == "You said: Hello"
    assert reply.model == "gpt-4o-audio-preview"
    speech = client.with_options(max_retries=0).audio.speech.create(
        model="my-voice", input="Hi.", voice="coral", response_format="wav"
    )
    assert speech.content[:4] == b"RIFF"
    # Only what was deployed exists, as on Azure.
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(
            model="gpt-4o-mini-audio-preview", messages=[{"role": "user", "content": "x"}]
        )
    assert info.value.code == "DeploymentNotFound"


def test_factories_pick_the_custom_deployments(custom: Emulator) -> None:
    model = custom.chat_model()
    assert model.azure_deployment == "my-audio"
    assert model.invoke("Hello").text == "You said: Hello"
    assert custom.speech_tool().azure_deployment == "my-voice"
    with pytest.raises(LookupError, match="no transcription deployment"):
        custom.transcription_tool()
    assert custom.deployments == {"my-audio": "gpt-4o-audio-preview", "my-voice": "gpt-4o-mini-tts"}


def test_cli_deployment_option_and_help(monkeypatch: pytest.MonkeyPatch) -> None:
    served: dict[str, Any] = {}

    def fake_serve(config: EmulatorConfig, *, host: str, port: int) -> None:
        served["config"] = config

    monkeypatch.setattr("langchain_azure_audio.emulator.serve", fake_serve)
    runner = CliRunner()
    result = runner.invoke(
        cli_app,
        ["emulator", "--no-preload", "-d", "my-audio=gpt-4o-audio-preview", "-d", "stt=whisper"],
    )
    assert result.exit_code == 0, result.output
    assert dict(served["config"].deployments) == {
        "my-audio": "gpt-4o-audio-preview",
        "stt": "whisper",
    }
    monkeypatch.setenv(DEPLOYMENTS_ENV, "env-voice=tts-1")
    assert runner.invoke(cli_app, ["emulator", "--no-preload"]).exit_code == 0
    assert dict(served["config"].deployments) == {"env-voice": "tts-1"}
    monkeypatch.delenv(DEPLOYMENTS_ENV)
    assert runner.invoke(cli_app, ["emulator", "--no-preload"]).exit_code == 0
    assert dict(served["config"].deployments) == dict(DEFAULT_DEPLOYMENTS)
    bad = runner.invoke(cli_app, ["emulator", "--no-preload", "-d", "x=not-a-model"])
    assert bad.exit_code != 0
    help_text = runner.invoke(cli_app, ["emulator", "--help"], env={"COLUMNS": "200"}).output
    assert "--deployment" in help_text
    flat = " ".join(help_text.split())
    for model in DEFAULT_MODELS:
        assert model in flat
    assert DEPLOYMENTS_ENV in flat


def test_python_dash_m_deployment_option(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DEPLOYMENTS_ENV, raising=False)
    args = build_parser().parse_args(["-d", "a=gpt-audio", "--deployment", "b=whisper"])
    assert dict(config_from_args(args).deployments) == {"a": "gpt-audio", "b": "whisper"}
    monkeypatch.setenv(DEPLOYMENTS_ENV, "c=tts-1")
    assert dict(config_from_args(build_parser().parse_args([])).deployments) == {"c": "tts-1"}
    assert "gpt-realtime" in build_parser().format_help()


# -- unknown request arguments -----------------------------------------------------------------


def _error(r: httpx2.Response) -> dict[str, Any]:
    assert r.status_code == 400, r.text
    err: dict[str, Any] = r.json()["error"]
    return err


def test_chat_rejects_unknown_arguments(http: httpx2.Client) -> None:
    body = {"messages": [{"role": "user", "content": "x"}], "bogus": 1}
    err = _error(http.post(CHAT, json=body))
    assert err == {
        "message": "Unrecognized request argument supplied: bogus",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    two = _error(http.post(CHAT, json={**body, "zeta": 2}))
    assert two["message"] == "Unrecognized request arguments supplied: bogus, zeta"


def test_chat_accepts_every_legitimate_field(http: httpx2.Client) -> None:
    body = {
        "model": "gpt-4o-mini-audio-preview",
        "messages": [{"role": "user", "content": "Hello"}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "tool_choice": "auto",
        "tools": [{"type": "function", "function": {"name": "noop", "parameters": {}}}],
        "parallel_tool_calls": True,
        "user": "someone",
        "n": 1,
        "metadata": {"k": "v"},
        "store": False,
        "logprobs": False,
        "top_logprobs": None,
        "response_format": {"type": "text"},
        "max_completion_tokens": 100,
        "temperature": 0.5,
        "top_p": 1,
        "frequency_penalty": 0,
        "presence_penalty": 0,
        "seed": 1,
        "stop": ["\n\n"],
        "logit_bias": {},
        "service_tier": "auto",
        "prompt_cache_key": "k",
        "safety_identifier": "s",
        "reasoning_effort": None,
        "prediction": None,
        "verbosity": None,
        "modalities": ["text"],
        "data_sources": None,
        "user_security_context": None,
    }
    r = http.post(CHAT, json=body)
    assert r.status_code == 200, r.text


def test_sdk_extra_body_is_refused(client: openai.AzureOpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="Unrecognized request argument supplied"):
        client.chat.completions.create(
            model="gpt-4o-mini-audio-preview",
            messages=[{"role": "user", "content": "x"}],
            extra_body={"not_a_field": True},
        )


def test_speech_rejects_unknown_arguments(http: httpx2.Client) -> None:
    ok = {"model": "gpt-4o-mini-tts", "input": "Hi.", "voice": "alloy", "response_format": "wav"}
    full = {**ok, "speed": 1.0, "instructions": "Calm.", "stream_format": "audio"}
    assert http.post(SPEECH, json=full).status_code == 200
    err = _error(http.post(SPEECH, json={**ok, "pitch": 2}))
    assert err["message"] == "Unrecognized request argument supplied: pitch"


def test_transcription_rejects_unknown_fields(http: httpx2.Client, sentence_wav: bytes) -> None:
    files: dict[str, Any] = {"file": ("s.wav", sentence_wav, "audio/wav")}
    fine = {
        "model": "whisper",
        "language": "en",
        "prompt": "",
        "temperature": "0",
        "response_format": "verbose_json",
        "timestamp_granularities[]": "word",
    }
    assert http.post(WHISPER, files=files, data=fine).status_code == 200
    err = _error(http.post(WHISPER, files=files, data={"model": "whisper", "speaker": "A"}))
    assert err["message"] == "Unrecognized request argument supplied: speaker"
    # translations take fewer fields than transcriptions
    err = _error(http.post(TRANSLATE, files=files, data={"model": "whisper", "language": "en"}))
    assert err["message"] == "Unrecognized request argument supplied: language"


# -- service wording, no client-library advice -------------------------------------------------

_ADVICE = ("extra_voices", "validate_options", "save_audio", "invoke()", "pip install", "pass ")


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (CHAT, {"messages": [{"role": "user", "content": "x"}], "modalities": ["text", "audio"],
                "audio": {"voice": "bogus", "format": "wav"}}),
        (CHAT, {"messages": [{"role": "user", "content": "x"}], "modalities": ["text", "audio"],
                "audio": {"voice": "alloy", "format": "wav"}, "stream": True}),
        (CHAT, {"messages": [{"role": "user", "content": "x"}], "modalities": ["text", "audio"],
                "audio": {"voice": "alloy", "format": "ogg"}}),
        (SPEECH, {"input": "x", "voice": "bogus"}),
        (SPEECH, {"input": "x", "voice": "alloy", "response_format": "ogg"}),
        (deployment_url("tts-1", "audio/speech"),
         {"input": "x", "voice": "alloy", "instructions": "Calm."}),
    ],
)  # fmt: skip
def test_error_texts_read_like_azure(http: httpx2.Client, url: str, body: dict[str, Any]) -> None:
    message = _error(http.post(url, json=body))["message"]
    assert not any(advice in message for advice in _ADVICE), message


def test_voice_error_lists_supported_values(http: httpx2.Client) -> None:
    body = {"input": "x", "voice": "bogus"}
    message = _error(http.post(SPEECH, json=body))["message"]
    assert message.startswith("Invalid value: 'bogus'. Supported values are: 'alloy', ")


def test_transcription_format_error_wording(http: httpx2.Client, sentence_wav: bytes) -> None:
    url = deployment_url("gpt-4o-transcribe", "audio/transcriptions")
    files = {"file": ("s.wav", sentence_wav, "audio/wav")}
    message = _error(http.post(url, files=files, data={"response_format": "srt"}))["message"]
    assert message == (
        "response_format 'srt' is not compatible with model 'gpt-4o-transcribe'. "
        "Use 'json' or 'text' instead."
    )


# -- clients that hang up ----------------------------------------------------------------------


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def server_logs() -> Iterator[_Collect]:
    handler = _Collect()
    loggers = [logging.getLogger(n) for n in ("", "uvicorn", "uvicorn.error", "asyncio")]
    for log in loggers:
        log.addHandler(handler)
    yield handler
    for log in loggers:
        log.removeHandler(handler)


def _raw_request(port: int, body: bytes, *, send: int | None = None) -> None:
    head = (
        "POST /openai/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "api-key: emulator-key\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head + body[: len(body) if send is None else send])


def test_client_disconnect_leaves_no_traceback(
    emu: Emulator, server_logs: _Collect, capfd: pytest.CaptureFixture[str]
) -> None:
    body = {
        "model": "gpt-4o-mini-audio-preview",
        "messages": [{"role": "user", "content": "word " * 60}],
        "stream": True,
        "modalities": ["text", "audio"],
        "audio": {"voice": "alloy", "format": "pcm16"},
    }
    with httpx2.Client(base_url=emu.endpoint, headers={"api-key": emu.api_key}, timeout=60) as c:
        for _ in range(2):  # hang up after the first bytes of a long streamed answer
            with c.stream("POST", "/openai/v1/chat/completions", json=body) as r:
                assert next(r.iter_raw()).startswith(b"data: ")
    raw = json.dumps(body).encode()
    _raw_request(emu.port, raw)  # hang up before the answer
    _raw_request(emu.port, raw, send=50)  # hang up half-way through the request body
    # the server is still fine, and has finished with the abandoned requests
    with httpx2.Client(base_url=emu.endpoint, headers={"api-key": emu.api_key}, timeout=60) as c:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert c.get("/emulator/health").status_code == 200
            time.sleep(0.5)
            if not [r for r in server_logs.records if r.name.startswith("uvicorn")]:
                break
        time.sleep(1.5)
    noisy = [
        r
        for r in server_logs.records
        if r.exc_info or r.levelno >= logging.WARNING or "Traceback" in r.getMessage()
    ]
    assert not noisy, [(r.name, r.getMessage()) for r in noisy]
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
