"""Model-level behaviour: construction cost, credentials edge cases, token estimate robustness."""

from __future__ import annotations

import base64
import inspect
import ssl
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from pydantic import SecretStr

from langchain_azure_audio import AzureAudioChatModel, AzureRealtimeChatModel

from .conftest import DEPLOYMENT, ENDPOINT, FakeAzure


def test_construction_does_not_build_ssl_context_per_instance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    original = ssl.SSLContext.load_verify_locations

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting)
    for _ in range(3):
        AzureAudioChatModel(
            azure_deployment=DEPLOYMENT, azure_endpoint=ENDPOINT, api_key=SecretStr("k")
        )
    assert len(calls) <= 2


async def test_async_only_token_provider(azure: FakeAzure) -> None:
    async def provider() -> str:
        return "async-only-token"

    model = AzureAudioChatModel(
        azure_deployment=DEPLOYMENT,
        azure_endpoint=ENDPOINT,
        azure_async_ad_token_provider=provider,
        http_async_client=azure.async_client(),
        modalities=["text"],
    )
    await model.ainvoke("hi")
    assert azure.last.headers["authorization"] == "Bearer async-only-token"


@pytest.mark.parametrize(
    "data",
    [
        base64.b64encode(b"RIFF\x24\x08\x00\x00WAVEjunk" + b"\x00" * 100).decode(),
        "not base64!!",
    ],
    ids=["corrupt-wav", "bad-base64"],
)
def test_num_tokens_never_crashes_on_bad_audio(make_model, data: str) -> None:
    model = make_model()
    block = {"type": "audio", "base64": data, "mime_type": "audio/wav"}
    n = model.get_num_tokens_from_messages([HumanMessage(content=[block])])
    assert n > 0


def test_bind_keeps_clients_and_settings(azure: FakeAzure, make_model) -> None:
    bound = make_model(voice="coral").bind(voice="sage", temperature=0.1)
    bound.invoke("hi")
    body = azure.body()
    assert body["audio"]["voice"] == "sage"
    assert body["temperature"] == 0.1


def test_batch_sends_one_request_per_input(azure: FakeAzure, make_model) -> None:
    replies = make_model(modalities=["text"]).batch(["a", "b", "c"])
    assert len(replies) == 3
    assert sorted(azure.body(i)["messages"][0]["content"] for i in range(3)) == ["a", "b", "c"]


def test_async_only_token_provider_sync_call_refused(azure: FakeAzure) -> None:
    from langchain_azure_audio import ConfigurationError

    async def provider() -> str:
        return "async-only-token"

    model = AzureAudioChatModel(
        azure_deployment=DEPLOYMENT,
        azure_endpoint=ENDPOINT,
        azure_async_ad_token_provider=provider,
        http_client=azure.client(),
        modalities=["text"],
    )
    with pytest.raises(ConfigurationError, match="azure_ad_token_provider"):
        model.invoke("hi")
    assert azure.calls == 0


@pytest.mark.parametrize("cls", [AzureAudioChatModel, AzureRealtimeChatModel])
def test_precomputed_generate_signatures_are_the_real_ones(cls: type[Any]) -> None:
    """LangChain reads `_generate`'s signature per call to decide whether to pass run_manager."""
    for name in ("_generate", "_agenerate"):
        function = getattr(cls, name)
        stored = function.__signature__
        function.__signature__ = None
        try:
            assert inspect.signature(function) == stored
        finally:
            function.__signature__ = stored
        assert "run_manager" in stored.parameters

    class NoRunManager(cls):  # type: ignore[misc]
        def _generate(self, messages: Any, stop: Any = None, **kwargs: Any) -> Any:
            raise NotImplementedError

    assert "run_manager" not in inspect.signature(NoRunManager._generate).parameters
