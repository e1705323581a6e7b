"""Bad input is refused before any request: the fake service must see zero calls."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import SecretStr

from langchain_azure_audio import (
    AudioValidationError,
    AzureAudioChatModel,
    ConfigurationError,
    UnsupportedOptionError,
    audio_codecs,
)
from langchain_azure_audio.capabilities import MAX_CHAT_AUDIO_BYTES

from .conftest import (
    DEPLOYMENT,
    ENDPOINT,
    FakeAzure,
    audio_stream_events,
    make_pcm,
    make_wav,
    sse_body,
)


def _ask(block: dict[str, Any]) -> list[HumanMessage]:
    return [HumanMessage(content=[{"type": "text", "text": "what is this?"}, block])]


# -- configuration ---------------------------------------------------------------------------------


def test_missing_endpoint(azure: FakeAzure) -> None:
    with pytest.raises(ConfigurationError, match="AZURE_OPENAI_ENDPOINT"):
        AzureAudioChatModel(
            azure_deployment=DEPLOYMENT, api_key=SecretStr("k"), http_client=azure.client()
        ).invoke("hi")
    assert azure.calls == 0


def test_missing_credentials_names_env_vars(azure: FakeAzure) -> None:
    with pytest.raises(ConfigurationError) as info:
        AzureAudioChatModel(
            azure_deployment=DEPLOYMENT, azure_endpoint=ENDPOINT, http_client=azure.client()
        ).invoke("hi")
    assert "AZURE_OPENAI_API_KEY" in str(info.value)
    assert "azure_ad_token_provider" in str(info.value)
    assert azure.calls == 0


def test_missing_deployment() -> None:
    with pytest.raises(ConfigurationError, match="azure_deployment"):
        AzureAudioChatModel(azure_endpoint=ENDPOINT, api_key=SecretStr("k"))


CONSTRUCTION_ERRORS: dict[str, tuple[type[Exception], dict[str, Any]]] = {
    "no-endpoint": (ConfigurationError, {"azure_endpoint": None}),
    "no-credentials": (ConfigurationError, {"api_key": None}),
    "old-api-version": (UnsupportedOptionError, {"api_version": "2024-10-21"}),
    "bad-voice": (UnsupportedOptionError, {"voice": "fable"}),
    "bad-format": (UnsupportedOptionError, {"audio_format": "ogg"}),
    "tts-model": (UnsupportedOptionError, {"azure_deployment": "gpt-4o-mini-tts"}),
}


@pytest.mark.parametrize("case", sorted(CONSTRUCTION_ERRORS))
def test_construction_errors_are_typed(make_model, case: str) -> None:
    cls, kwargs = CONSTRUCTION_ERRORS[case]
    with pytest.raises(cls):
        make_model(**kwargs)


def test_configuration_errors_are_value_errors() -> None:
    assert issubclass(ConfigurationError, ValueError)
    assert issubclass(UnsupportedOptionError, ValueError)
    assert issubclass(AudioValidationError, ValueError)


@pytest.mark.parametrize("version", ["2024-10-21", "2024-12-01-preview", "2024-02-15-preview"])
def test_old_api_version_refused(azure: FakeAzure, make_model, version: str) -> None:
    with pytest.raises(UnsupportedOptionError) as info:
        make_model(api_version=version)
    assert info.value.option == "api_version"
    assert info.value.value == version
    assert "2025-01-01-preview" in str(info.value)
    assert azure.calls == 0


def test_old_api_version_from_env_refused(
    azure: FakeAzure, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_VERSION", "2024-06-01")
    with pytest.raises(UnsupportedOptionError):
        AzureAudioChatModel(
            azure_deployment=DEPLOYMENT, azure_endpoint=ENDPOINT, api_key=SecretStr("k")
        )


@pytest.mark.parametrize("version", ["2025-01-01-preview", "2025-04-01-preview", "v1"])
def test_supported_api_versions(make_model, version: str) -> None:
    assert make_model(api_version=version).api_version == version


def test_malformed_api_version_refused(make_model) -> None:
    with pytest.raises(UnsupportedOptionError, match="not an Azure OpenAI api-version"):
        make_model(api_version="April 2025")


# -- voices and formats ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_name", "voice"),
    [
        ("gpt-4o-audio-preview", "marin"),
        ("gpt-4o-mini-audio-preview", "cedar"),
        ("gpt-audio", "fable"),
        ("gpt-audio-mini", "onyx"),
        ("gpt-4o-audio-preview", "not-a-voice"),
    ],
)
def test_unsupported_voice_at_init(azure: FakeAzure, make_model, model_name, voice) -> None:
    with pytest.raises(UnsupportedOptionError) as info:
        make_model(azure_deployment=model_name, voice=voice)
    assert info.value.option == "voice"
    assert info.value.value == voice
    assert "extra_voices" in str(info.value)
    assert azure.calls == 0


def test_unsupported_voice_per_call(azure: FakeAzure, make_model) -> None:
    model = make_model(azure_deployment="gpt-4o-audio-preview")
    with pytest.raises(UnsupportedOptionError):
        model.invoke("hi", voice="marin")
    assert azure.calls == 0


@pytest.mark.parametrize(("model_name", "voice"), [("gpt-audio", "marin"), ("gpt-audio", "cedar")])
def test_new_voices_on_gpt_audio(azure: FakeAzure, make_model, model_name, voice) -> None:
    make_model(azure_deployment=model_name, voice=voice).invoke("hi")
    assert azure.body()["audio"]["voice"] == voice


def test_extra_voices_escape_hatch(azure: FakeAzure, make_model) -> None:
    model = make_model(
        azure_deployment="gpt-4o-audio-preview", voice="marin", extra_voices=["marin"]
    )
    model.invoke("hi")
    assert azure.body()["audio"] == {"voice": "marin", "format": "wav"}


def test_validate_options_false_escape_hatch(azure: FakeAzure, make_model) -> None:
    model = make_model(
        azure_deployment="my-future-model",
        voice="brand-new-voice",
        audio_format="ogg-vorbis",
        validate_options=False,
    )
    model.invoke("hi")
    assert azure.body()["model"] == "my-future-model"
    assert azure.body()["audio"] == {"voice": "brand-new-voice", "format": "ogg-vorbis"}


def test_unknown_deployment_name_needs_model(azure: FakeAzure, make_model) -> None:
    with pytest.raises(UnsupportedOptionError, match="model="):
        make_model(azure_deployment="prod-voicebot")
    model = make_model(azure_deployment="prod-voicebot", model="gpt-audio", voice="marin")
    model.invoke("hi")
    assert "/deployments/prod-voicebot/" in azure.url()


@pytest.mark.parametrize("fmt", ["ogg", "m4a", "pcm", "webm"])
def test_unsupported_output_format(azure: FakeAzure, make_model, fmt: str) -> None:
    with pytest.raises(UnsupportedOptionError) as info:
        make_model(audio_format=fmt)
    assert info.value.option == "audio_format"
    model = make_model()
    with pytest.raises(UnsupportedOptionError):
        model.invoke("hi", audio_format=fmt)
    assert azure.calls == 0


@pytest.mark.parametrize("fmt", ["wav", "mp3", "flac", "opus", "aac", "pcm16"])
def test_supported_output_formats_sent(azure: FakeAzure, make_model, fmt: str) -> None:
    make_model(audio_format=fmt).invoke("hi")
    assert azure.body()["audio"]["format"] == fmt


@pytest.mark.parametrize("fmt", ["wav", "mp3", "opus"])
def test_stream_refuses_explicit_non_pcm16(azure: FakeAzure, make_model, fmt: str) -> None:
    model = make_model()
    with pytest.raises(UnsupportedOptionError, match="pcm16"):
        list(model.stream("hi", audio_format=fmt))
    assert azure.calls == 0


async def test_astream_refuses_explicit_non_pcm16(azure: FakeAzure, make_model) -> None:
    model = make_model()
    with pytest.raises(UnsupportedOptionError, match="pcm16"):
        async for _ in model.astream("hi", audio_format="mp3"):
            pass
    assert azure.calls == 0


def test_stream_uses_pcm16_when_model_default_is_mp3(azure: FakeAzure, make_model) -> None:
    azure.push(sse_body(audio_stream_events(["hi"], [make_pcm(10)])))
    list(make_model(audio_format="mp3").stream("hi"))
    assert azure.body()["audio"]["format"] == "pcm16"


@pytest.mark.parametrize(
    "tts", ["gpt-4o-mini-tts", "tts-1", "tts-1-hd", "whisper", "gpt-4o-transcribe"]
)
def test_non_chat_model_refused(azure: FakeAzure, make_model, tts: str) -> None:
    with pytest.raises(UnsupportedOptionError) as info:
        make_model(azure_deployment=tts)
    assert info.value.option == "model"
    assert "AzureAudioChatModel" in str(info.value)


@pytest.mark.parametrize("modalities", [["audio"], ["text", "image"], []])
def test_bad_modalities(azure: FakeAzure, make_model, modalities) -> None:
    model = make_model()
    with pytest.raises(UnsupportedOptionError):
        model.invoke("hi", modalities=modalities)
    assert azure.calls == 0


# -- audio input -----------------------------------------------------------------------------------


def test_audio_over_20_mb_bytes(azure: FakeAzure, make_model) -> None:
    big = make_wav(0.01)
    big = (
        big[:40]
        + (MAX_CHAT_AUDIO_BYTES + 10).to_bytes(4, "little")
        + b"\x00" * (MAX_CHAT_AUDIO_BYTES + 10)
    )
    from langchain_azure_audio import audio_block

    with pytest.raises(AudioValidationError, match="20 MB"):
        make_model().invoke(_ask(audio_block(big)))
    assert azure.calls == 0


def test_audio_over_20_mb_base64(azure: FakeAzure, make_model) -> None:
    header = make_wav(0.01)[:44]
    data = base64.b64encode(header + b"\x00" * (MAX_CHAT_AUDIO_BYTES + 3)).decode()
    with pytest.raises(AudioValidationError, match="20 MB"):
        make_model().invoke(_ask({"type": "audio", "base64": data, "mime_type": "audio/wav"}))
    assert azure.calls == 0


def test_audio_exactly_at_limit_is_accepted(azure: FakeAzure, make_model) -> None:
    header = make_wav(0.01)[:44]
    raw = header + b"\x00" * (MAX_CHAT_AUDIO_BYTES - 44)
    assert len(raw) == MAX_CHAT_AUDIO_BYTES
    data = base64.b64encode(raw).decode()
    make_model().invoke(_ask({"type": "audio", "base64": data, "mime_type": "audio/wav"}))
    assert azure.calls == 1


@pytest.mark.parametrize(
    "block",
    [
        {"type": "audio", "base64": "", "mime_type": "audio/wav"},
        {"type": "input_audio", "input_audio": {"data": "", "format": "wav"}},
        {"type": "audio", "source_type": "base64", "data": "", "mime_type": "audio/wav"},
    ],
    ids=["v1", "input_audio", "v0"],
)
def test_empty_audio(azure: FakeAzure, make_model, block) -> None:
    # langchain-core itself normalizes an empty ``input_audio`` part first and raises a plain
    # ValueError ("Must provide one of: url, base64, or file_id"); either way nothing is sent.
    expected = ValueError if block["type"] == "input_audio" else AudioValidationError
    with pytest.raises(expected):
        make_model().invoke(_ask(block))
    assert azure.calls == 0


def test_empty_audio_bytes(azure: FakeAzure, make_model, tmp_path) -> None:
    from langchain_azure_audio import audio_block

    with pytest.raises(AudioValidationError, match="empty"):
        audio_block(b"")
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioValidationError, match="empty"):
        make_model().invoke(_ask({"type": "audio", "url": (tmp_path / "empty.wav").as_uri()}))
    assert azure.calls == 0


def test_wav_with_no_samples(azure: FakeAzure, make_model) -> None:
    silent = make_wav(0.0)
    with pytest.raises(AudioValidationError, match="no samples"):
        make_model().invoke(
            _ask(
                {
                    "type": "audio",
                    "base64": base64.b64encode(silent).decode(),
                    "mime_type": "audio/wav",
                }
            )
        )
    assert azure.calls == 0


@pytest.mark.parametrize("as_base64", [True, False])
def test_corrupt_wav_header(azure: FakeAzure, make_model, as_base64: bool) -> None:
    corrupt = b"RIFF\x24\x08\x00\x00WAVEjunk" + b"\x00" * 200
    if as_base64:
        block = {
            "type": "audio",
            "base64": base64.b64encode(corrupt).decode(),
            "mime_type": "audio/wav",
        }
    else:
        from langchain_azure_audio import audio_block

        block = audio_block(corrupt)
    with pytest.raises(AudioValidationError, match=r"[Cc]orrupt wav"):
        make_model().invoke(_ask(block))
    assert azure.calls == 0


@pytest.mark.parametrize(
    "payload", [b"%PDF-1.7\n" + b"x" * 300, b"hello, this is plain text " * 20, bytes(range(256))]
)
def test_non_audio_bytes(azure: FakeAzure, make_model, payload: bytes) -> None:
    block = {
        "type": "audio",
        "base64": base64.b64encode(payload).decode(),
        "mime_type": "audio/wav",
    }
    with pytest.raises(AudioValidationError, match="not audio"):
        make_model().invoke(_ask(block))
    assert azure.calls == 0


def test_invalid_base64(azure: FakeAzure, make_model) -> None:
    block = {"type": "audio", "base64": "this is *not* base64!!", "mime_type": "audio/wav"}
    with pytest.raises(AudioValidationError, match="base64"):
        make_model().invoke(_ask(block))
    assert azure.calls == 0


def test_file_id_block_refused(azure: FakeAzure, make_model) -> None:
    with pytest.raises(AudioValidationError, match="file_id"):
        make_model().invoke(_ask({"type": "audio", "file_id": "file-abc123"}))
    assert azure.calls == 0


@pytest.mark.parametrize(
    "block",
    [
        {"type": "audio", "url": "https://example.invalid/clip.wav"},
        {"type": "audio", "url": "http://example.invalid/clip.mp3"},
        {"type": "audio", "source_type": "url", "url": "https://example.invalid/clip.wav"},
    ],
)
def test_remote_url_refused(azure: FakeAzure, make_model, block) -> None:
    with pytest.raises(AudioValidationError, match="Remote audio URLs"):
        make_model().invoke(_ask(block))
    assert azure.calls == 0


def test_missing_local_file(azure: FakeAzure, make_model, tmp_path) -> None:
    url = (tmp_path / "nope.wav").as_uri()
    with pytest.raises(AudioValidationError, match="No audio file"):
        make_model().invoke(_ask({"type": "audio", "url": url}))
    assert azure.calls == 0


def test_block_without_data(azure: FakeAzure, make_model) -> None:
    with pytest.raises(AudioValidationError, match="without data"):
        make_model().invoke(_ask({"type": "audio", "mime_type": "audio/wav"}))
    assert azure.calls == 0


def test_audio_in_system_message_refused(azure: FakeAzure, make_model) -> None:
    wav = base64.b64encode(make_wav()).decode()
    msgs = [
        SystemMessage(
            content=[
                {"type": "text", "text": "be nice"},
                {"type": "audio", "base64": wav, "mime_type": "audio/wav"},
            ]
        ),
        HumanMessage(content="hi"),
    ]
    with pytest.raises(AudioValidationError, match="system"):
        make_model().invoke(msgs)
    assert azure.calls == 0


def _flac_bytes() -> bytes:
    if not audio_codecs.codecs_available():
        pytest.skip("PyAV not installed: cannot build a flac fixture")
    return audio_codecs.encode_pcm16(make_pcm(4800), 24_000, "flac")


def _ogg_bytes() -> bytes:
    if not audio_codecs.codecs_available():
        pytest.skip("PyAV not installed: cannot build an ogg fixture")
    return audio_codecs.encode_pcm16(make_pcm(9600), 24_000, "opus")


@pytest.mark.parametrize("maker", [_flac_bytes, _ogg_bytes], ids=["flac", "ogg"])
def test_unsupported_container_without_codecs(
    azure: FakeAzure, make_model, monkeypatch: pytest.MonkeyPatch, maker
) -> None:
    raw = maker()
    monkeypatch.setattr(audio_codecs, "codecs_available", lambda: False)
    block = {"type": "audio", "base64": base64.b64encode(raw).decode(), "mime_type": "audio/flac"}
    with pytest.raises(AudioValidationError, match=r"langchain-azure-audio\[codecs\]"):
        make_model().invoke(_ask(block))
    assert azure.calls == 0


def test_flac_converted_to_wav_with_codecs(azure: FakeAzure, make_model) -> None:
    pcm = make_pcm(4800)
    flac = _flac_bytes()
    assert flac[:4] == b"fLaC"
    make_model().invoke(
        _ask(
            {"type": "audio", "base64": base64.b64encode(flac).decode(), "mime_type": "audio/flac"}
        )
    )
    part = azure.body()["messages"][0]["content"][1]
    assert part["type"] == "input_audio"
    assert part["input_audio"]["format"] == "wav"
    sent = base64.b64decode(part["input_audio"]["data"])
    import io
    import wave

    with wave.open(io.BytesIO(sent)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        rate = w.getframerate()
        frames = w.readframes(w.getnframes())
    assert rate == 24_000
    assert frames == pcm  # flac is lossless


def test_ogg_converted_to_wav_with_codecs(azure: FakeAzure, make_model) -> None:
    ogg = _ogg_bytes()
    make_model().invoke(
        _ask({"type": "audio", "base64": base64.b64encode(ogg).decode(), "mime_type": "audio/ogg"})
    )
    part = azure.body()["messages"][0]["content"][1]["input_audio"]
    assert part["format"] == "wav"
    assert base64.b64decode(part["data"])[:4] == b"RIFF"


def test_audio_over_20_mb_from_file(azure: FakeAzure, make_model, tmp_path) -> None:
    header = make_wav(0.01)[:44]
    path = tmp_path / "long.wav"
    path.write_bytes(header + b"\x00" * MAX_CHAT_AUDIO_BYTES)
    with pytest.raises(AudioValidationError, match="20 MB"):
        make_model().invoke(_ask({"type": "audio", "url": path.as_uri()}))
    assert azure.calls == 0


def test_prepare_input_audio_bytes_limit() -> None:
    from langchain_azure_audio.audio import prepare_input_audio

    header = make_wav(0.01)[:44]
    with pytest.raises(AudioValidationError, match="20 MB"):
        prepare_input_audio(header + b"\x00" * MAX_CHAT_AUDIO_BYTES)
    ok = prepare_input_audio(make_wav(0.1))
    assert (ok.format, ok.size) == ("wav", len(make_wav(0.1)))
