"""Authentication: api-key and Entra-style bearer tokens, Azure-shaped 401 bodies."""

from __future__ import annotations

import httpx2
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from langchain_azure_audio.emulator import Emulator

from .conftest import deployment_url

CHAT = deployment_url("gpt-4o-mini-audio-preview", "chat/completions")
MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hello"}]
BODY = {"messages": MESSAGES}
KEY_MESSAGE = "Access denied due to invalid subscription key or wrong API endpoint."
TOKEN_401 = {
    "statusCode": 401,
    "message": "Unauthorized. Access token is missing, invalid, audience is incorrect, or have "
    "expired.",
}


def test_key_auth(emu: Emulator) -> None:
    with httpx2.Client(base_url=emu.endpoint) as http:
        assert http.post(CHAT, json=BODY, headers={"api-key": emu.api_key}).status_code == 200
        for headers in ({"api-key": "wrong"}, {}):
            r = http.post(CHAT, json=BODY, headers=headers)
            assert r.status_code == 401
            assert r.json()["error"]["code"] == "401"
            assert r.json()["error"]["message"].startswith(KEY_MESSAGE)


def test_sdk_wrong_key_raises_authentication_error(emu: Emulator) -> None:
    client = emu.client(api_key="not-the-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model="gpt-4o-mini-audio-preview", messages=MESSAGES)


def test_bearer_tokens_default_accepts_any(emu: Emulator) -> None:
    calls = []

    def provider() -> str:
        calls.append(1)
        return "entra-token"

    client = openai.AzureOpenAI(
        azure_endpoint=emu.endpoint,
        api_version=emu.api_version,
        azure_ad_token_provider=provider,
        max_retries=0,
    )
    reply = client.chat.completions.create(model="gpt-4o-mini-audio-preview", messages=MESSAGES)
    assert reply.choices[0].message.content == "You said: Hello"
    assert calls
    with httpx2.Client(base_url=emu.endpoint) as http:
        for auth in ("Bearer", "Basic abc"):
            r = http.post(CHAT, json=BODY, headers={"authorization": auth})
            assert r.status_code == 401 and r.json() == TOKEN_401


def test_bearer_token_validator() -> None:
    with (
        Emulator(bearer_token_validator=lambda t: t == "good") as emu,
        httpx2.Client(base_url=emu.endpoint) as http,
    ):
        ok = http.post(CHAT, json=BODY, headers={"authorization": "Bearer good"})
        assert ok.status_code == 200
        bad = http.post(CHAT, json=BODY, headers={"authorization": "Bearer bad"})
        assert bad.status_code == 401 and bad.json() == TOKEN_401
        # the api key works as a bearer token (the /openai/v1 style of the openai client)
        v1 = http.post(
            "/openai/v1/chat/completions",
            json={**BODY, "model": "gpt-audio"},
            headers={"authorization": f"Bearer {emu.api_key}"},
        )
        assert v1.status_code == 200


def test_custom_key_and_deployments() -> None:
    with Emulator(
        api_key="custom", deployments={"my-voice-bot": "gpt-4o-mini-audio-preview"}
    ) as emu:
        client = emu.client(max_retries=0)
        reply = client.chat.completions.create(model="my-voice-bot", messages=MESSAGES)
        assert reply.model == "gpt-4o-mini-audio-preview"
        with pytest.raises(openai.NotFoundError):
            client.chat.completions.create(model="whisper", messages=MESSAGES)
        assert "custom" not in repr(emu.config)
