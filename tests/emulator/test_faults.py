"""Fault injection: per-request header and queued faults prove client retries and failures."""

from __future__ import annotations

import time
import uuid

import httpx2
import openai
import pytest

from langchain_azure_audio.emulator import Emulator

from .conftest import deployment_url

CHAT = deployment_url("gpt-4o-mini-audio-preview", "chat/completions")
BODY = {"messages": [{"role": "user", "content": "Hello"}]}


def post(http: httpx2.Client, fault: str | None = None, **kw: object) -> httpx2.Response:
    headers = {"x-emulator-fault": fault} if fault else {}
    return http.post(CHAT, json=kw.get("json", BODY), headers=headers)


def test_429_shape(http: httpx2.Client) -> None:
    r = post(http, "429")
    assert r.status_code == 429
    assert r.headers["retry-after-ms"] == "50" and r.headers["retry-after"] == "1"
    err = r.json()["error"]
    assert err["code"] == "429"
    assert "exceeded call rate limit" in err["message"]


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors(http: httpx2.Client, status: int) -> None:
    r = post(http, str(status))
    assert r.status_code == status
    assert r.json()["error"]["message"]


def test_content_filter_shape(http: httpx2.Client) -> None:
    r = post(http, "content_filter")
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "content_filter" and err["param"] == "prompt"
    assert err["message"].startswith("The response was filtered due to the prompt triggering")
    inner = err["innererror"]
    assert inner["code"] == "ResponsibleAIPolicyViolation"
    assert inner["content_filter_result"]["violence"] == {"filtered": True, "severity": "medium"}
    assert inner["content_filter_result"]["hate"] == {"filtered": False, "severity": "safe"}


def test_slow_first_byte(http: httpx2.Client) -> None:
    start = time.monotonic()
    r = post(http, "slow_first_byte:300")
    assert r.status_code == 200
    assert time.monotonic() - start >= 0.3


def test_cut_stream_chat_sse(http: httpx2.Client) -> None:
    body = {**BODY, "stream": True}
    received = b""
    with (  # noqa: PT012 - the stream is read inside: the cut comes mid-body
        pytest.raises(httpx2.RemoteProtocolError),
        http.stream("POST", CHAT, json=body, headers={"x-emulator-fault": "cut_stream"}) as r,
    ):
        assert r.status_code == 200
        for chunk in r.iter_bytes():
            received += chunk
    assert received.startswith(b"data: ")
    assert b"[DONE]" not in received


def test_cut_stream_with_sdk_and_non_streamed(
    client: openai.AzureOpenAI, http: httpx2.Client
) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o-mini-audio-preview",
        messages=[{"role": "user", "content": "one two three four five six"}],
        stream=True,
        extra_headers={"x-emulator-fault": "cut_stream"},
    )
    with pytest.raises((httpx2.HTTPError, openai.APIError)):
        for _ in stream:
            pass
    with pytest.raises(httpx2.RemoteProtocolError):
        post(http, "cut_stream")


def test_unknown_fault_header(http: httpx2.Client) -> None:
    r = post(http, "explode")
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "x-emulator-fault"


def test_queued_429_then_success_with_sdk_retries(emu: Emulator) -> None:
    emu.inject("429", times=2, route="chat")
    client = emu.client(max_retries=2)
    start = time.monotonic()
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini-audio-preview", messages=[{"role": "user", "content": "retry"}]
    )
    reply = raw.parse()
    assert reply.choices[0].message.content == "You said: retry"
    assert raw.retries_taken == 2  # the two 429s were consumed by the first call's retries
    assert emu.faults.pending() == 0
    assert time.monotonic() - start < 5  # retry-after-ms: 50 was honoured


def test_queue_exhausts_retries_and_respects_route(emu: Emulator, http: httpx2.Client) -> None:
    emu.inject("503", times=3)
    client = emu.client(max_retries=2)
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(
            model="gpt-4o-mini-audio-preview", messages=[{"role": "user", "content": "x"}]
        )
    emu.inject("500", route="speech")
    assert post(http).status_code == 200  # chat does not consume a speech fault
    assert emu.faults.pending() == 1
    emu.clear_faults()
    with pytest.raises(ValueError, match="nowhere"):
        emu.inject("429", route="nowhere")


def test_request_ids_on_every_response(http: httpx2.Client) -> None:
    for r in (
        post(http),
        post(http, "429"),
        http.post(CHAT, json=BODY, headers={"api-key": "x"}),
        http.get("/emulator/health"),
        http.get("/nothing-here"),
    ):
        rid = r.headers["x-request-id"]
        assert uuid.UUID(rid) and r.headers["apim-request-id"] == rid
