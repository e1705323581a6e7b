"""URL styles and authentication, asserted on the exact requests the SDK sends."""

from __future__ import annotations

import itertools
import time
from types import SimpleNamespace

import pytest
from pydantic import SecretStr

from langchain_azure_audio import AzureAudioChatModel

from .conftest import API_KEY, DEPLOYMENT, ENDPOINT, FakeAzure

DEPLOYMENT_URL = (
    f"{ENDPOINT}/openai/deployments/{DEPLOYMENT}/chat/completions?api-version=2025-04-01-preview"
)
V1_URL = f"{ENDPOINT}/openai/v1/chat/completions"


# -- URL styles ------------------------------------------------------------------------------------


def test_deployment_style_url_and_body(azure: FakeAzure, make_model) -> None:
    model = make_model(api_version="2025-04-01-preview", modalities=["text"])
    reply = model.invoke("hello")
    assert reply.content == "Hello there!"
    assert azure.calls == 1
    assert azure.url() == DEPLOYMENT_URL
    assert azure.last.method == "POST"
    assert azure.body() == {
        "model": DEPLOYMENT,
        "messages": [{"role": "user", "content": "hello"}],
        "modalities": ["text"],
    }


def test_default_api_version_is_2025_04_01_preview(azure: FakeAzure, make_model) -> None:
    make_model(modalities=["text"]).invoke("hi")
    assert azure.last.url.params["api-version"] == "2025-04-01-preview"


def test_trailing_slash_on_endpoint(azure: FakeAzure, make_model) -> None:
    make_model(azure_endpoint=ENDPOINT + "/", modalities=["text"]).invoke("hi")
    assert azure.url() == DEPLOYMENT_URL


def test_deployment_name_differs_from_model(azure: FakeAzure, make_model) -> None:
    model = make_model(azure_deployment="my-voice-bot", model="gpt-4o-mini-audio-preview")
    model.invoke("hi")
    assert azure.url() == (
        f"{ENDPOINT}/openai/deployments/my-voice-bot/chat/completions"
        "?api-version=2025-04-01-preview"
    )
    assert azure.body()["model"] == "my-voice-bot"


def test_v1_url_model_in_body_no_api_version(azure: FakeAzure, make_model) -> None:
    make_model(api_version="v1", voice="coral").invoke("hi")
    req = azure.last
    assert str(req.url) == V1_URL
    assert "api-version" not in req.url.params
    body = azure.body()
    assert body["model"] == DEPLOYMENT
    assert body["modalities"] == ["text", "audio"]
    assert body["audio"] == {"voice": "coral", "format": "wav"}


async def test_async_urls(azure: FakeAzure, make_model) -> None:
    await make_model(modalities=["text"]).ainvoke("hi")
    await make_model(api_version="v1", modalities=["text"]).ainvoke("hi")
    assert azure.url(0) == DEPLOYMENT_URL
    assert azure.url(1) == V1_URL


# -- API key ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("api_version", ["2025-04-01-preview", "v1"])
def test_api_key_header(azure: FakeAzure, make_model, api_version: str) -> None:
    make_model(api_version=api_version, modalities=["text"]).invoke("hi")
    headers = azure.last.headers
    assert headers["api-key"] == API_KEY
    assert "authorization" not in headers


@pytest.mark.parametrize("api_version", ["2025-04-01-preview", "v1"])
async def test_api_key_header_async(azure: FakeAzure, make_model, api_version: str) -> None:
    await make_model(api_version=api_version, modalities=["text"]).ainvoke("hi")
    assert azure.last.headers["api-key"] == API_KEY
    assert "authorization" not in azure.last.headers


def test_default_headers_are_sent(azure: FakeAzure, make_model) -> None:
    make_model(default_headers={"x-ms-client-tag": "unit"}, modalities=["text"]).invoke("hi")
    assert azure.last.headers["x-ms-client-tag"] == "unit"


# -- Microsoft Entra ID ----------------------------------------------------------------------------


def _counting_provider():
    counter = itertools.count(1)
    calls: list[str] = []

    def provider() -> str:
        token = f"entra-token-{next(counter)}"
        calls.append(token)
        return token

    return provider, calls


@pytest.mark.parametrize("api_version", ["2025-04-01-preview", "v1"])
def test_token_provider_called_for_every_request(
    azure: FakeAzure, make_model, api_version: str
) -> None:
    provider, calls = _counting_provider()
    model = make_model(
        api_key=None,
        azure_ad_token_provider=provider,
        api_version=api_version,
        modalities=["text"],
    )
    model.invoke("one")
    model.invoke("two")
    model.invoke("three")
    assert azure.calls == 3
    assert [r.headers["authorization"] for r in azure.requests] == [
        "Bearer entra-token-1",
        "Bearer entra-token-2",
        "Bearer entra-token-3",
    ]
    assert len(calls) == 3
    assert all("api-key" not in r.headers for r in azure.requests)


def test_token_provider_with_streaming(azure: FakeAzure, make_model) -> None:
    from .conftest import audio_stream_events, sse_body

    provider, _ = _counting_provider()
    azure.push(sse_body(audio_stream_events(["hi"], [b"\x00\x01" * 10])))
    model = make_model(api_key=None, azure_ad_token_provider=provider)
    list(model.stream("hi"))
    assert azure.last.headers["authorization"] == "Bearer entra-token-1"


@pytest.mark.parametrize("api_version", ["2025-04-01-preview", "v1"])
async def test_async_token_provider_used_for_async_calls(
    azure: FakeAzure, make_model, api_version: str
) -> None:
    sync_calls: list[int] = []
    async_calls: list[int] = []

    def sync_provider() -> str:
        sync_calls.append(1)
        return "sync-token"

    async def async_provider() -> str:
        async_calls.append(1)
        return f"async-token-{len(async_calls)}"

    model = make_model(
        api_key=None,
        azure_ad_token_provider=sync_provider,
        azure_async_ad_token_provider=async_provider,
        api_version=api_version,
        modalities=["text"],
    )
    await model.ainvoke("one")
    await model.ainvoke("two")
    assert [r.headers["authorization"] for r in azure.requests] == [
        "Bearer async-token-1",
        "Bearer async-token-2",
    ]
    assert sync_calls == []
    model.invoke("three")
    assert azure.last.headers["authorization"] == "Bearer sync-token"


async def test_sync_provider_serves_async_calls_when_alone(azure: FakeAzure, make_model) -> None:
    provider, calls = _counting_provider()
    model = make_model(api_key=None, azure_ad_token_provider=provider, modalities=["text"])
    await model.ainvoke("one")
    await model.ainvoke("two")
    assert [r.headers["authorization"] for r in azure.requests] == [
        "Bearer entra-token-1",
        "Bearer entra-token-2",
    ]
    assert calls == ["entra-token-1", "entra-token-2"]


class FakeCredential:
    """Duck-typed azure-identity credential: ``get_token(*scopes)`` → ``.token``/``.expires_on``."""

    def __init__(self, lifetime: int = 3600) -> None:
        self.lifetime = lifetime
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: object) -> SimpleNamespace:
        self.scopes.append(scopes)
        n = len(self.scopes)
        return SimpleNamespace(token=f"cred-token-{n}", expires_on=int(time.time()) + self.lifetime)


def test_azure_credential(azure: FakeAzure, make_model) -> None:
    pytest.importorskip("azure.identity")
    cred = FakeCredential()
    model = make_model(api_key=None, azure_credential=cred, modalities=["text"])
    model.invoke("hi")
    assert azure.last.headers["authorization"] == "Bearer cred-token-1"
    assert cred.scopes == [("https://cognitiveservices.azure.com/.default",)]
    assert "api-key" not in azure.last.headers


def test_azure_credential_refreshes_expiring_token(azure: FakeAzure, make_model) -> None:
    pytest.importorskip("azure.identity")
    cred = FakeCredential(lifetime=5)  # inside azure-core's refresh window: fetched again
    model = make_model(api_key=None, azure_credential=cred, modalities=["text"])
    model.invoke("one")
    model.invoke("two")
    assert [r.headers["authorization"] for r in azure.requests] == [
        "Bearer cred-token-1",
        "Bearer cred-token-2",
    ]


async def test_azure_credential_async(azure: FakeAzure, make_model) -> None:
    pytest.importorskip("azure.identity")
    cred = FakeCredential()
    model = make_model(api_key=None, azure_credential=cred, modalities=["text"])
    await model.ainvoke("hi")
    assert azure.last.headers["authorization"] == "Bearer cred-token-1"


# -- environment -----------------------------------------------------------------------------------


def test_environment_variables(azure: FakeAzure, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://test-env-resource.openai.azure.com")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "env-key")
    monkeypatch.setenv("OPENAI_API_VERSION", "2025-01-01-preview")
    model = AzureAudioChatModel(
        azure_deployment=DEPLOYMENT, http_client=azure.client(), modalities=["text"]
    )
    assert model.azure_endpoint == "https://test-env-resource.openai.azure.com"
    assert model.api_version == "2025-01-01-preview"
    assert model.api_key is not None and model.api_key.get_secret_value() == "env-key"
    model.invoke("hi")
    assert azure.url() == (
        "https://test-env-resource.openai.azure.com/openai/deployments/"
        f"{DEPLOYMENT}/chat/completions?api-version=2025-01-01-preview"
    )
    assert azure.last.headers["api-key"] == "env-key"


def test_arguments_win_over_environment(azure: FakeAzure, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://test-env-resource.openai.azure.com")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "env-key")
    monkeypatch.setenv("OPENAI_API_VERSION", "2025-01-01-preview")
    model = AzureAudioChatModel(
        azure_deployment=DEPLOYMENT,
        azure_endpoint=ENDPOINT,
        api_key=SecretStr("arg-key"),
        api_version="v1",
        http_client=azure.client(),
        modalities=["text"],
    )
    model.invoke("hi")
    assert azure.url() == V1_URL
    assert azure.last.headers["api-key"] == "arg-key"


def test_env_key_not_used_when_token_provider_given(
    azure: FakeAzure, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "env-key")
    model = AzureAudioChatModel(
        azure_deployment=DEPLOYMENT,
        azure_endpoint=ENDPOINT,
        azure_ad_token_provider=lambda: "tok",
        http_client=azure.client(),
        modalities=["text"],
    )
    model.invoke("hi")
    assert azure.last.headers["authorization"] == "Bearer tok"
    assert "api-key" not in azure.last.headers
