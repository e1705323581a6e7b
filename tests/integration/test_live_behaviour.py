"""Client behaviour proven against the live emulator: retries, faults, expiry, auth styles."""

from __future__ import annotations

import time
from collections.abc import Iterator

import openai
import pytest
from langchain_core.messages import HumanMessage
from pydantic import SecretStr

from langchain_azure_audio import (
    AuthenticationError,
    AzureAudioChatModel,
    ContentFilterError,
    DeploymentNotFoundError,
    RateLimitError,
    ServiceUnavailableError,
    StreamInterruptedError,
    get_audio,
)
from langchain_azure_audio.emulator import Emulator


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as live:
        yield live


def test_429_is_retried_honouring_retry_after_then_succeeds(emu: Emulator) -> None:
    emu.inject("429", times=2, route="chat")
    reply = emu.chat_model(max_retries=2, modalities=["text"]).invoke("Retry me.")
    assert reply.content == "You said: Retry me."


def test_429_after_retries_raises_rate_limit_with_retry_after(emu: Emulator) -> None:
    emu.inject("429", times=3, route="chat")
    with pytest.raises(RateLimitError) as info:
        emu.chat_model(max_retries=1, modalities=["text"]).invoke("Too fast.")
    assert info.value.retry_after == pytest.approx(0.05)
    assert info.value.request_id
    assert emu.chat_model(modalities=["text"]).invoke("Again.").content == "You said: Again."


def test_server_errors_surface_after_retries(emu: Emulator) -> None:
    emu.inject("503", times=2, route="chat")
    with pytest.raises(ServiceUnavailableError):
        emu.chat_model(max_retries=1, modalities=["text"]).invoke("Down?")


def test_content_filter_names_the_category(emu: Emulator) -> None:
    model = emu.chat_model(default_headers={"x-emulator-fault": "content_filter"})
    with pytest.raises(ContentFilterError) as info:
        model.invoke("Anything.")
    assert info.value.categories == ["violence"]
    assert "content management policy" in str(info.value)


@pytest.mark.parametrize("use_async", [False, True])
async def test_cut_stream_raises_instead_of_returning_a_partial_reply(
    emu: Emulator, use_async: bool
) -> None:
    model = emu.chat_model(default_headers={"x-emulator-fault": "cut_stream"}, max_retries=0)
    with pytest.raises(StreamInterruptedError):  # noqa: PT012 - raised while iterating
        if use_async:
            async for _ in model.astream("Tell me something long."):
                pass
        else:
            for _ in model.stream("Tell me something long."):
                pass


def test_unknown_deployment_and_bad_key(emu: Emulator) -> None:
    with pytest.raises(DeploymentNotFoundError):
        emu.chat_model(
            azure_deployment="no-such-deployment", model="gpt-4o-mini-audio-preview"
        ).invoke("x")
    with pytest.raises(AuthenticationError) as info:
        AzureAudioChatModel(
            azure_endpoint=emu.endpoint,
            api_key=SecretStr("wrong-key"),
            api_version=emu.api_version,
            azure_deployment="gpt-4o-mini-audio-preview",
            max_retries=0,
        ).invoke("x")
    assert "wrong-key" not in str(info.value)


def test_entra_token_provider_is_called_per_request_on_both_url_styles(emu: Emulator) -> None:
    issued: list[str] = []

    def provider() -> str:
        issued.append(f"token-{len(issued)}")
        return issued[-1]

    for api_version in (emu.api_version, "v1"):
        model = AzureAudioChatModel(
            azure_endpoint=emu.endpoint,
            azure_ad_token_provider=provider,
            api_version=api_version,
            azure_deployment="gpt-4o-mini-audio-preview",
            modalities=["text"],
        )
        assert model.invoke("One.").content == "You said: One."
        assert model.invoke("Two.").content == "You said: Two."
    assert len(issued) == 4


def test_expired_audio_reply_is_sent_as_transcript() -> None:
    with Emulator(audio_expiry_seconds=1) as short:
        model = short.chat_model(audio_format="mp3")
        first = model.invoke("Remember the word apple.")
        audio = get_audio(first)
        assert audio is not None and audio.id and audio.expires_at is not None
        time.sleep(1.2)
        # Sent by id, the expired reply is refused (as Azure does) ...
        raw = openai.AzureOpenAI(
            azure_endpoint=short.endpoint, api_key=short.api_key, api_version=short.api_version
        )
        with pytest.raises(openai.BadRequestError):
            raw.chat.completions.create(
                model="gpt-4o-mini-audio-preview",
                messages=[
                    {"role": "user", "content": "Remember the word apple."},
                    {"role": "assistant", "audio": {"id": audio.id}},
                    {"role": "user", "content": "And?"},
                ],
            )
        # ... so the model sends its transcript instead, and the conversation goes on.
        follow_up = [HumanMessage(content="Remember the word apple."), first, HumanMessage("And?")]
        reply = model.invoke(follow_up)
        assert reply.text == "You said: And?"


def test_audio_id_in_history_is_accepted_while_valid(emu: Emulator) -> None:
    model = emu.chat_model(audio_format="mp3")
    first = model.invoke("Remember the word pear.")
    reply = model.invoke(
        [HumanMessage(content="Remember the word pear."), first, HumanMessage("Ok?")]
    )
    assert reply.text == "You said: Ok?"
