"""Bad input, bad settings and bad days: every refusal is typed, named, and sent nowhere.

Each case here was once a bare ``TypeError`` / ``OSError`` / pydantic ``ValidationError`` from
inside the package, a silent drop, or a message nobody could act on. The generated cases at the
bottom throw a few thousand wrong values at every argument and assert that each one is refused
with one of the package's documented exceptions before any request is sent.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import socket
import stat
import struct
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from langchain_core.messages import HumanMessage
from pydantic import SecretStr

from langchain_azure_audio import (
    AudioValidationError,
    AzureAudioChatModel,
    AzureAudioError,
    AzureSpeechToTextTool,
    AzureTextToSpeechTool,
    ConfigurationError,
    ContentFilterError,
    DeploymentNotFoundError,
    ServiceConnectionError,
    UnsupportedOptionError,
    audio_block,
    save_audio,
)
from langchain_azure_audio.audio import atomic_write, pcm16_to_wav
from tests.unit.conftest import (
    API_KEY,
    DEPLOYMENT,
    ENDPOINT,
    FakeAzure,
    audio_stream_events,
    b64,
    b64_block,
    chunk,
    completion,
    json_response,
    make_pcm,
    make_wav,
    sse_body,
    text_completion,
)

TYPED = (ConfigurationError, UnsupportedOptionError, AudioValidationError)


def _ask(*blocks: Any) -> list[HumanMessage]:
    return [HumanMessage(content=[{"type": "text", "text": "Listen."}, *blocks])]


# -- connection and service errors a person can act on ---------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused_names_url_and_what_to_check() -> None:
    port = _closed_port()
    model = AzureAudioChatModel(
        azure_endpoint=f"http://127.0.0.1:{port}",
        api_key=SecretStr("k"),
        azure_deployment=DEPLOYMENT,
        max_retries=0,
    )
    with pytest.raises(ServiceConnectionError) as info:
        model.invoke("hello")
    err = info.value
    assert isinstance(err, openai.APIConnectionError) and isinstance(err, AzureAudioError)
    message = str(err)
    assert f"http://127.0.0.1:{port}/openai/deployments/{DEPLOYMENT}/chat/completions" in message
    assert "azure_endpoint" in message and "emulator" in message
    assert "api-version" not in message  # the query string is not repeated


async def test_connection_refused_async_and_stream() -> None:
    model = AzureAudioChatModel(
        azure_endpoint=f"http://127.0.0.1:{_closed_port()}",
        api_key=SecretStr("k"),
        azure_deployment=DEPLOYMENT,
        max_retries=0,
    )
    with pytest.raises(ServiceConnectionError, match="Could not connect"):
        await model.ainvoke("hello")
    with pytest.raises(ServiceConnectionError, match="Could not connect"):
        list(model.stream("hello"))


def test_404_names_url_deployment_and_cause(
    azure: FakeAzure, make_model: Callable[..., Any]
) -> None:
    body = {
        "error": {
            "code": "DeploymentNotFound",
            "message": "The API deployment for this resource does not exist.",
        }
    }
    azure.push(json_response(body, status=404))
    with pytest.raises(DeploymentNotFoundError) as info:
        make_model().invoke("hello")
    message = str(info.value)
    assert "does not exist" in message
    assert f"/openai/deployments/{DEPLOYMENT}/chat/completions" in message
    assert f"deployment named {DEPLOYMENT!r}" in message and "resource root" in message


@pytest.mark.parametrize(
    "endpoint",
    [
        f"{ENDPOINT}/openai",
        f"{ENDPOINT}/openai/",
        f"{ENDPOINT}/openai/v1",
        f"  {ENDPOINT}//  ",
    ],
)
def test_endpoint_with_openai_suffix_is_normalised(
    endpoint: str, azure: FakeAzure, make_model: Callable[..., Any]
) -> None:
    make_model(azure_endpoint=endpoint).invoke("hello")
    assert azure.last.url.path == f"/openai/deployments/{DEPLOYMENT}/chat/completions"


@pytest.mark.parametrize(
    "endpoint",
    [
        "test-resource.openai.azure.com",
        "ftp://host",
        "https://",
        "http://host:99999",
        "https://a b",
    ],
)
def test_bad_endpoint_refused_before_any_request(
    endpoint: str, azure: FakeAzure, make_model: Callable[..., Any]
) -> None:
    with pytest.raises(ConfigurationError, match="azure_endpoint"):
        make_model(azure_endpoint=endpoint)
    assert azure.calls == 0


@pytest.mark.parametrize("key", ["", "   ", " key-with-spaces "])
def test_blank_api_key_is_not_a_key(
    key: str, azure: FakeAzure, make_model: Callable[..., Any]
) -> None:
    with pytest.raises(ConfigurationError, match="api_key") as info:
        make_model(api_key=key)
    assert key.strip() == "" or key.strip() not in str(info.value)


@pytest.mark.parametrize("version", ["2025-04-01-preview\n", " 2025-04-01-preview", "2025-4-1"])
def test_api_version_is_matched_whole(version: str, make_model: Callable[..., Any]) -> None:
    with pytest.raises(UnsupportedOptionError) as info:
        make_model(api_version=version)
    assert info.value.option == "api_version"


def test_secret_never_echoed_in_type_errors(make_model: Callable[..., Any]) -> None:
    with pytest.raises(UnsupportedOptionError) as info:
        make_model(api_key=["sk-secret-value-123"])
    assert "sk-secret-value-123" not in str(info.value)
    assert info.value.value is None


def test_200_content_filter_finish_raises(azure: FakeAzure, make_model: Callable[..., Any]) -> None:
    body = completion(content="Here is how to", finish_reason="content_filter")
    body["choices"][0]["content_filter_results"] = {
        "violence": {"filtered": True, "severity": "medium"},
        "hate": {"filtered": False, "severity": "safe"},
    }
    azure.push(body)
    with pytest.raises(ContentFilterError) as info:
        make_model().invoke("hello")
    assert info.value.categories == ["violence"]
    assert info.value.status_code == 200
    assert "content filter" in str(info.value)


def test_streamed_content_filter_finish_raises(
    azure: FakeAzure, make_model: Callable[..., Any]
) -> None:
    events = [
        chunk({"role": "assistant", "content": "Here"}),
        chunk({}, finish_reason="content_filter"),
    ]
    events[1]["choices"][0]["content_filter_results"] = {"sexual": {"filtered": True}}
    azure.push(sse_body(events))
    seen: list[Any] = []
    with pytest.raises(ContentFilterError) as info:  # noqa: PT012 - raised mid-stream
        for piece in make_model().stream("hello", modalities=["text"]):
            seen.append(piece)
    assert info.value.categories == ["sexual"]
    assert [c.text for c in seen] == ["Here"]


# -- one request path ---------------------------------------------------------------------------


def test_stream_and_invoke_send_the_same_body(
    azure: FakeAzure, make_model: Callable[..., Any]
) -> None:
    model = make_model(model_kwargs={"user": "u-1", "metadata": {"run": "7"}})
    model.invoke("hello", audio_format="pcm16", logprobs=False)
    azure.push(sse_body(audio_stream_events(["Hi"], [make_pcm(600)])))
    list(model.stream("hello", audio_format="pcm16", logprobs=False))
    invoked, streamed = azure.body(0), azure.body(1)
    assert streamed.pop("stream") is True
    assert streamed.pop("stream_options") == {"include_usage": True}
    assert invoked == streamed
    assert invoked["user"] == "u-1" and invoked["logprobs"] is False
    assert azure.requests[0].url == azure.requests[1].url


async def test_astream_takes_call_kwargs(azure: FakeAzure, make_model: Callable[..., Any]) -> None:
    azure.push(sse_body(audio_stream_events(["Hi"], [make_pcm(600)])))
    pieces = [c async for c in make_model().astream("hello", user="u-2")]
    assert pieces and azure.body()["user"] == "u-2"


def test_unserialisable_content_is_typed(azure: FakeAzure, make_model: Callable[..., Any]) -> None:
    with pytest.raises(UnsupportedOptionError, match="JSON"):
        make_model().invoke([HumanMessage(content=[{"type": "text", "text": object()}])])
    with pytest.raises(UnsupportedOptionError, match="JSON"):
        make_model(model_kwargs={"metadata": {1, 2}}).invoke("hi")
    assert azure.calls == 0


# -- async across event loops ------------------------------------------------------------------


class _Canned(BaseHTTPRequestHandler):
    """A real HTTP/1.1 keep-alive server on loopback answering every POST with one completion."""

    protocol_version = "HTTP/1.1"
    body = json.dumps(text_completion("pong")).encode()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def canned_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_asyncio_run_twice_on_one_model(canned_server: str) -> None:
    model = AzureAudioChatModel(
        azure_endpoint=canned_server,
        api_key=SecretStr("k"),
        azure_deployment=DEPLOYMENT,
        max_retries=0,
    )
    for _ in range(3):  # each asyncio.run closes its loop; a pool bound to it must not be reused
        assert asyncio.run(model.ainvoke("ping")).text == "pong"
    assert model.invoke("ping").text == "pong"


def test_asyncio_run_twice_on_one_tool(canned_server: str) -> None:
    class _Speech(_Canned):
        body = pcm16_to_wav(make_pcm(4800))

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Speech)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        tts = AzureTextToSpeechTool(
            azure_endpoint=f"http://127.0.0.1:{server.server_address[1]}",
            api_key=SecretStr("k"),
            audio_format="wav",
            max_retries=0,
        )
        for _ in range(2):
            assert asyncio.run(tts.asynthesize("Hello."))[:4] == b"RIFF"
    finally:
        server.shutdown()
        server.server_close()


# -- bad audio refused before a request ------------------------------------------------------------


def _wav_with(
    *,
    tag: int = 1,
    channels: int = 1,
    rate: int = 24000,
    bits: int = 16,
    fmt_size: int = 16,
    data_size: int | None = None,
) -> bytes:
    pcm = make_pcm(4800)
    fmt = struct.pack("<HHIIHH", tag, channels, rate, (rate * 2) % 2**32, 2, bits)[:fmt_size]
    fmt_chunk = b"fmt " + struct.pack("<I", fmt_size) + fmt.ljust(fmt_size, b"\0")
    size = len(pcm) if data_size is None else data_size
    data_chunk = b"data" + struct.pack("<I", size) + pcm
    body = b"WAVE" + fmt_chunk + data_chunk
    return b"RIFF" + struct.pack("<I", len(body)) + body


BAD_WAVS = {
    "zero-channels": _wav_with(channels=0),
    "zero-rate": _wav_with(rate=0),
    "huge-rate": _wav_with(rate=2**31),
    "zero-bits": _wav_with(bits=0),
    "odd-bits": _wav_with(bits=12),
    "short-fmt": _wav_with(fmt_size=12),
    "unknown-tag": _wav_with(tag=0x1234),
    "data-past-end": _wav_with(data_size=10_000_000),
}


@pytest.mark.parametrize("name", sorted(BAD_WAVS))
@pytest.mark.parametrize("as_base64", [True, False])
def test_impossible_wav_headers_refused_by_chat(
    name: str, as_base64: bool, azure: FakeAzure, make_model: Callable[..., Any]
) -> None:
    raw = BAD_WAVS[name]
    block = b64_block(raw) if as_base64 else audio_block(raw)
    with pytest.raises(AudioValidationError, match=r"[Cc]orrupt wav"):
        make_model().invoke(_ask(block))
    assert azure.calls == 0


def _recording(
    sent: list[httpx2.Request], reply: Callable[[], httpx2.Response]
) -> httpx2.MockTransport:
    """A transport that keeps every request in ``sent`` and answers each with ``reply()``."""

    def handle(request: httpx2.Request) -> httpx2.Response:
        sent.append(request)
        return reply()

    return httpx2.MockTransport(handle)


@pytest.mark.parametrize("name", sorted(BAD_WAVS))
def test_impossible_wav_headers_refused_by_transcription(name: str) -> None:
    requests: list[httpx2.Request] = []
    stt = AzureSpeechToTextTool(
        azure_endpoint=ENDPOINT,
        api_key=SecretStr(API_KEY),
        http_client=httpx2.Client(transport=_recording(requests, lambda: httpx2.Response(500))),
    )
    with pytest.raises(AudioValidationError, match=r"[Cc]orrupt wav"):
        stt.transcribe(BAD_WAVS[name])
    assert requests == []


def test_tiny_audio_same_minimum_everywhere(
    azure: FakeAzure, make_model: Callable[..., Any]
) -> None:
    tiny_mp3 = b"ID3" + b"\x00" * 100  # 103 bytes: under the one minimum of 128
    with pytest.raises(AudioValidationError, match="too short"):
        make_model().invoke(_ask(audio_block(tiny_mp3)))
    stt = AzureSpeechToTextTool(azure_endpoint=ENDPOINT, api_key=SecretStr(API_KEY))
    with pytest.raises(AudioValidationError, match="too short"):
        stt.transcribe(tiny_mp3)


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_corrupt_base64_anywhere_is_refused(
    where: str, azure: FakeAzure, make_model: Callable[..., Any]
) -> None:
    text = b64(make_wav(seconds=60))  # ~3.8 MB of base64: several validation slices
    pos = {"start": 5000, "middle": len(text) // 2, "end": len(text) - 10}[where]
    corrupt = text[:pos] + "!" + text[pos + 1 :]
    with pytest.raises(AudioValidationError, match="not valid base64"):
        make_model().invoke(_ask({"type": "audio", "base64": corrupt, "mime_type": "audio/wav"}))
    padded_middle = text[:pos] + "=" + text[pos + 1 :]
    with pytest.raises(AudioValidationError, match="not valid base64"):
        make_model().invoke(_ask({"type": "audio", "base64": padded_middle}))
    assert azure.calls == 0


def test_valid_base64_with_trailing_newline_still_sent(
    azure: FakeAzure, make_model: Callable[..., Any]
) -> None:
    make_model().invoke(_ask({"type": "audio", "base64": b64(make_wav()) + "\n"}))
    assert azure.calls == 1


def test_huge_file_refused_from_its_size_without_reading(
    tmp_path: Path,
    azure: FakeAzure,
    make_model: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    big = tmp_path / "big.wav"
    with big.open("wb") as fh:  # sparse: 200 MB on paper, nothing on disk
        fh.write(make_wav()[:44])
        fh.truncate(200 * 1024 * 1024)

    def no_reading(self: Path) -> bytes:
        raise AssertionError(f"{self} was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    for block in (
        {"type": "audio", "url": big.as_uri()},
        {"type": "audio", "source_type": "url", "url": big.as_uri()},
    ):
        with pytest.raises(AudioValidationError, match=r"200\.0 MB"):
            make_model().invoke(_ask(block))
    assert azure.calls == 0


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a" * 5000 + ".wav", "not a usable file path"),
        ("clip\x00.wav", "not a usable file path"),
        ("file://%ff%fe.wav", "does not name a valid path"),
        ("file:///no/such/dir/clip.wav", "No audio file"),
        ("s3://bucket/clip.wav", "scheme 's3'"),
    ],
)
def test_bad_paths_are_typed(
    source: str, message: str, azure: FakeAzure, make_model: Callable[..., Any]
) -> None:
    with pytest.raises(AudioValidationError, match=message):
        make_model().invoke(_ask({"type": "audio", "url": source}))
    with pytest.raises(AudioValidationError):
        audio_block(source)
    stt = AzureSpeechToTextTool(azure_endpoint=ENDPOINT, api_key=SecretStr(API_KEY))
    with pytest.raises(AudioValidationError):
        stt.transcribe(source)
    assert azure.calls == 0


# -- tools: every refusal typed ----------------------------------------------------------------


def _tts(**kw: Any) -> tuple[AzureTextToSpeechTool, list[httpx2.Request]]:
    sent: list[httpx2.Request] = []
    client = httpx2.Client(
        transport=_recording(sent, lambda: httpx2.Response(200, content=make_wav()))
    )
    params: dict[str, Any] = {
        "azure_endpoint": ENDPOINT,
        "api_key": API_KEY,
        "http_client": client,
        **kw,
    }
    return AzureTextToSpeechTool(**params), sent


@pytest.mark.parametrize(
    ("init", "option"),
    [
        ({"audio_format": "m4a"}, "audio_format"),
        ({"speed": "fast"}, "speed"),
        ({"speed": 9}, "speed"),
        ({"voice": ["coral"]}, "voice"),
        ({"voice": "jenny"}, "voice"),
        ({"azure_deployment": "tts-1", "instructions": "Warmly"}, "instructions"),
    ],
)
def test_tts_construction_refusals_are_typed(init: dict[str, Any], option: str) -> None:
    with pytest.raises(UnsupportedOptionError) as info:
        _tts(**init)
    assert info.value.option == option


@pytest.mark.parametrize(
    ("call", "option"),
    [
        ({"text": None}, "text"),
        ({"text": 42}, "text"),
        ({"text": "Hi", "speed": "fast"}, "speed"),
        ({"text": "Hi", "voice": ["coral"]}, "voice"),
        ({"text": "Hi", "audio_format": "m4a"}, "audio_format"),
        ({"text": "Hi", "instructions": 3}, "instructions"),
    ],
)
def test_tts_call_refusals_are_typed(call: dict[str, Any], option: str) -> None:
    tts, sent = _tts()
    with pytest.raises(UnsupportedOptionError) as info:
        tts.synthesize(**call)
    assert info.value.option == option and sent == []


def test_tts1_tool_call_with_instructions_is_refused_not_dropped() -> None:
    tts, sent = _tts(azure_deployment="tts-1")
    with pytest.raises(UnsupportedOptionError, match="instructions") as info:
        tts.invoke({"text": "Hello.", "instructions": "Whisper it."})
    assert info.value.option == "instructions" and sent == []
    tts.invoke({"text": "Hello."})
    assert len(sent) == 1 and "instructions" not in json.loads(sent[0].content)


@pytest.mark.parametrize("language", ["en\n", "English", "e", ["en"], 7])
def test_transcription_language_matched_whole(language: Any) -> None:
    stt = AzureSpeechToTextTool(azure_endpoint=ENDPOINT, api_key=SecretStr(API_KEY))
    with pytest.raises(UnsupportedOptionError) as info:
        stt.transcribe(make_wav(), language=language)
    assert info.value.option == "language"


def test_transcription_tool_args_typed() -> None:
    stt = AzureSpeechToTextTool(azure_endpoint=ENDPOINT, api_key=SecretStr(API_KEY))
    with pytest.raises(UnsupportedOptionError) as info:
        stt.invoke({"audio": 12.5})
    assert info.value.option == "audio"
    with pytest.raises(UnsupportedOptionError):
        stt.transcribe(make_wav(), temperature="hot")  # type: ignore[arg-type]


# -- files ---------------------------------------------------------------------------------------


def test_saved_files_respect_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        path = atomic_write(tmp_path / "a.wav", b"RIFF")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    os.umask(0o022)
    try:
        reply_path = tmp_path / "reply.wav"
        from langchain_core.messages import AIMessage

        message = AIMessage(
            content=[
                {"type": "text", "text": "x"},
                {
                    "type": "audio",
                    "base64": base64.b64encode(make_wav()).decode(),
                    "mime_type": "audio/wav",
                },
            ]
        )
        save_audio(message, reply_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(reply_path.stat().st_mode) == 0o644


# -- generated bad values: every one typed, none sent ---------------------------------------------

_BAD_VALUES: list[Any] = [
    None,
    "",
    " ",
    "\n",
    "x" * 5000,
    "\x00",
    -1,
    0,
    1e309,
    float("nan"),
    True,
    [],
    ["coral"],
    {},
    {"a": 1},
    object(),
    b"bytes",
    ("t",),
    {1, 2},
]

_MODEL_FIELDS = [
    "voice",
    "audio_format",
    "modalities",
    "temperature",
    "max_tokens",
    "seed",
    "top_p",
    "api_version",
    "azure_deployment",
    "azure_endpoint",
    "api_key",
    "timeout",
    "max_retries",
    "extra_voices",
    "stop",
    "model_kwargs",
]

_CALL_KWARGS = ["voice", "audio_format", "modalities"]


def _expect_typed_or_ok(build: Callable[[], Any]) -> str:
    try:
        build()
    except TYPED:
        return "refused"
    except AzureAudioError as exc:  # pragma: no cover - a service error means it was sent
        raise AssertionError(f"sent instead of refused: {exc!r}") from exc
    return "accepted"


def test_generated_bad_constructor_and_call_values(
    azure: FakeAzure, make_model: Callable[..., Any]
) -> None:
    """Hundreds of wrong values: each is refused with a documented error, or accepted and sent."""
    refused = accepted_calls = 0
    for field, value in itertools.product(_MODEL_FIELDS, _BAD_VALUES):
        try:
            make_model(**{field: value}) if value is not None else make_model()
        except TYPED:
            refused += 1
    model = make_model()
    calls: list[tuple[Any, dict[str, Any]]] = [
        ("hi", {kwarg: value})
        for kwarg, value in itertools.product(_CALL_KWARGS, _BAD_VALUES)
        if value is not None
    ]
    for value in _BAD_VALUES:  # message content
        calls += [
            (_ask({"type": "audio", "base64": value}), {}),
            (_ask({"type": "audio", "url": value}), {}),
            (_ask({"type": "input_audio", "input_audio": {"data": value, "format": "wav"}}), {}),
            (_ask({"type": "audio", "base64": b64(make_wav()), "mime_type": value}), {}),
            (_ask({"type": "audio", "source_type": "base64", "data": value}), {}),
        ]
    core_refusals: list[str] = []
    for messages, kwargs in calls:
        try:
            model.invoke(messages, **kwargs)
        except TYPED:
            refused += 1
        except ValueError as exc:
            # langchain-core's own message normalisation refuses an empty v0 block before the
            # model sees it (a ValueError too); nothing is sent either way.
            core_refusals.append(str(exc))
            refused += 1
        else:
            accepted_calls += 1
    assert azure.calls == accepted_calls  # what was refused was never sent
    assert all("Must provide one of" in text for text in core_refusals)
    assert refused > 300


def _stt(**kw: Any) -> tuple[AzureSpeechToTextTool, list[httpx2.Request]]:
    sent: list[httpx2.Request] = []
    client = httpx2.Client(
        transport=_recording(sent, lambda: httpx2.Response(200, json={"text": "hi"}))
    )
    tool = AzureSpeechToTextTool(
        azure_endpoint=ENDPOINT, api_key=SecretStr(API_KEY), http_client=client, max_retries=0, **kw
    )
    return tool, sent


def test_generated_bad_tool_values() -> None:
    refused = 0
    for value in _BAD_VALUES:
        for call in (
            {"text": value},
            {"text": "Hi", "voice": value},
            {"text": "Hi", "speed": value},
            {"text": "Hi", "audio_format": value},
            {"text": "Hi", "instructions": value},
        ):
            tts, sent = _tts()
            try:
                tts.synthesize(**call)
            except TYPED:
                refused += 1
                assert sent == []
        for audio_call in (
            {"audio": value},
            {"audio": make_wav(), "language": value},
            {"audio": make_wav(), "prompt": value},
            {"audio": make_wav(), "temperature": value},
            {"audio": make_wav(), "timestamp_granularities": value},
            {"audio": make_wav(), "transcript_format": value},
        ):
            stt, sent = _stt()
            try:
                stt.transcribe(**audio_call)
            except TYPED:
                refused += 1
                assert sent == []
    assert refused > 150
