"""The templated request build sends exactly what the SDK's own build sends.

Each case runs the same calls through a stock openai client and through ours, both on an
in-process transport that records every request, and compares the requests field by field
(method, URL, every header in order, body, timeout). The calls cover the templated shape (a
POST of JSON bytes: first call builds the template, later ones reuse it), a retry (429 then
200: the retry-count header must be current), per-call headers, a refreshed Entra token, and
shapes that must fall back to the SDK (JSON bodies, per-call timeout and params).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

import httpx2
import openai
import pytest

from langchain_azure_audio.sdk_clients import (
    AsyncAzureClient,
    AsyncV1Client,
    AzureClient,
    V1Client,
)

ENDPOINT = "http://127.0.0.1:9"
REPLY = b'{"id":"c","object":"chat.completion","created":0,"model":"m","choices":[]}'

Recorded = tuple[str, str, list[tuple[bytes, bytes]], bytes, dict[str, Any]]


class _Recorder:
    """A transport handler that records requests; the first request to ``/flaky`` gets a 429."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._flaky_seen = False

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body = request.read()
        self.requests.append(
            (
                request.method,
                str(request.url),
                list(request.headers.raw),  # names as sent, in order
                body,
                dict(request.extensions),  # timeout, and Azure's auth origin
            )
        )
        if request.url.path.endswith("/flaky") and not self._flaky_seen:
            self._flaky_seen = True
            return httpx2.Response(429, headers={"retry-after-ms": "1"}, json={"error": {}})
        return httpx2.Response(200, content=REPLY, headers={"content-type": "application/json"})


def _header(recorded: Recorded, name: str) -> str:
    return httpx2.Headers(recorded[2])[name]


def _tokens() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"token-{next(counter)}"


def _atokens() -> Callable[[], Any]:
    counter = itertools.count(1)

    async def provider() -> str:
        return f"token-{next(counter)}"

    return provider


AZURE: dict[str, Any] = {
    "azure_endpoint": ENDPOINT,
    "api_version": "2025-04-01-preview",
    "azure_deployment": "d",
}
V1 = {"base_url": f"{ENDPOINT}/openai/v1"}

SYNC_CASES: list[tuple[str, type[Any], type[Any], Callable[[], dict[str, Any]]]] = [
    ("azure key", openai.AzureOpenAI, AzureClient, lambda: {**AZURE, "api_key": "k"}),
    (
        "azure entra token refreshed per request",
        openai.AzureOpenAI,
        AzureClient,
        lambda: {**AZURE, "azure_ad_token_provider": _tokens()},
    ),
    (
        "azure key, default headers, timeout, retries",
        openai.AzureOpenAI,
        AzureClient,
        lambda: {
            **AZURE,
            "api_key": "k",
            "default_headers": {"x-app": "a"},
            "timeout": 12.5,
            "max_retries": 3,
        },
    ),
    ("v1 key", openai.OpenAI, V1Client, lambda: {**V1, "api_key": "k"}),
    ("v1 token provider", openai.OpenAI, V1Client, lambda: {**V1, "api_key": _tokens()}),
]


JSON = {"Content-Type": "application/json"}
OMIT = openai.Omit()

# (path, body, extra request options) of every raw POST the cases make, in order.
POSTS: list[tuple[str, bytes, dict[str, Any]]] = [
    ("/chat/completions", b'{"a":1}', {}),  # builds the template
    ("/chat/completions", b'{"a":1}', {}),  # reuses it
    ("/chat/completions", b'{"much":"longer body than before"}', {}),  # new Content-Length
    ("/chat/completions", b"{}", {"headers": {**JSON, "x-ms-client-request-id": "r1"}}),
    # The v1 surface's credential headers (settings._v1_auth): a key, and Authorization omitted.
    ("/chat/completions", b"{}", {"headers": {**JSON, "api-key": "k1", "Authorization": OMIT}}),
    ("/flaky", b"{}", {}),  # 429 then 200: the retry's count header must be current
    ("/flaky", b"{}", {}),
    ("/chat/completions", b"{}", {"timeout": 3.0}),  # per-call timeout: the SDK's path
    ("/chat/completions", b"{}", {"params": {"x": "1"}}),  # per-call params: the SDK's path
]
MESSAGES = [{"role": "user", "content": "hi"}]


def _sync_calls(client: Any) -> None:
    for path, body, options in POSTS:
        client.post(
            path, cast_to=httpx2.Response, content=body, options={"headers": JSON, **options}
        )
    client.chat.completions.create(model="d", messages=MESSAGES)  # a JSON body: the SDK's path


async def _async_calls(client: Any) -> None:
    for path, body, options in POSTS:
        await client.post(
            path, cast_to=httpx2.Response, content=body, options={"headers": JSON, **options}
        )
    await client.chat.completions.create(model="d", messages=MESSAGES)


def _mock(cls: type[Any], handler: _Recorder) -> Any:
    return cls(transport=httpx2.MockTransport(handler))


@pytest.mark.parametrize(
    ("stock_cls", "ours_cls", "kwargs"),
    [pytest.param(s, o, k, id=name) for name, s, o, k in SYNC_CASES],
)
def test_sync_requests_identical_to_the_sdk(
    stock_cls: type[Any], ours_cls: type[Any], kwargs: Callable[[], dict[str, Any]]
) -> None:
    stock_rec, ours_rec = _Recorder(), _Recorder()
    stock = stock_cls(**kwargs(), http_client=_mock(httpx2.Client, stock_rec))
    ours = ours_cls(**kwargs(), http_client=_mock(httpx2.Client, ours_rec))
    _sync_calls(stock)
    _sync_calls(ours)
    assert len(ours_rec.requests) == len(stock_rec.requests) == 11
    for got, want in zip(ours_rec.requests, stock_rec.requests, strict=True):
        assert got == want
    omitted = httpx2.Headers(ours_rec.requests[4][2])
    assert omitted["api-key"] == "k1"
    assert "authorization" not in omitted
    retry_counts = [_header(r, "x-stainless-retry-count") for r in ours_rec.requests[5:8]]
    assert retry_counts == ["0", "1", "0"]  # the 429 was retried once, with the count current


ASYNC_CASES: list[tuple[str, type[Any], type[Any], Callable[[], dict[str, Any]]]] = [
    ("azure key", openai.AsyncAzureOpenAI, AsyncAzureClient, lambda: {**AZURE, "api_key": "k"}),
    (
        "azure entra token refreshed per request",
        openai.AsyncAzureOpenAI,
        AsyncAzureClient,
        lambda: {**AZURE, "azure_ad_token_provider": _atokens()},
    ),
    ("v1 key", openai.AsyncOpenAI, AsyncV1Client, lambda: {**V1, "api_key": "k"}),
]


@pytest.mark.parametrize(
    ("stock_cls", "ours_cls", "kwargs"),
    [pytest.param(s, o, k, id=name) for name, s, o, k in ASYNC_CASES],
)
def test_async_requests_identical_to_the_sdk(
    stock_cls: type[Any], ours_cls: type[Any], kwargs: Callable[[], dict[str, Any]]
) -> None:
    async def run() -> tuple[list[Recorded], list[Recorded]]:
        stock_rec, ours_rec = _Recorder(), _Recorder()
        stock = stock_cls(**kwargs(), http_client=_mock(httpx2.AsyncClient, stock_rec))
        ours = ours_cls(**kwargs(), http_client=_mock(httpx2.AsyncClient, ours_rec))
        await _async_calls(stock)
        await _async_calls(ours)
        return stock_rec.requests, ours_rec.requests

    stock_requests, ours_requests = asyncio.run(run())
    assert len(ours_requests) == len(stock_requests) == 11
    for got, want in zip(ours_requests, stock_requests, strict=True):
        assert got == want


def test_template_is_used_and_follows_client_changes() -> None:
    """Later plain POSTs skip the SDK's build; a new timeout or base URL rebuilds the template."""
    rec = _Recorder()
    client = AzureClient(**AZURE, api_key="k", http_client=_mock(httpx2.Client, rec))
    stock_builds: list[str] = []
    original = openai.AzureOpenAI._build_request

    def counting(self: Any, options: Any, **kw: Any) -> httpx2.Request:
        stock_builds.append(options.url)
        return original(self, options, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(openai.AzureOpenAI, "_build_request", counting)
        for _ in range(3):
            client.post("/chat/completions", cast_to=httpx2.Response, content=b"{}")
        assert stock_builds == ["/chat/completions"]
        client.timeout = 7.0
        client.post("/chat/completions", cast_to=httpx2.Response, content=b"{}")
        client.post("/chat/completions", cast_to=httpx2.Response, content=b"{}")
        assert len(stock_builds) == 2
        assert rec.requests[-1][4]["timeout"]["read"] == 7.0
        assert _header(rec.requests[-1], "x-stainless-read-timeout") == "7.0"
        client.base_url = httpx2.URL("http://127.0.0.1:10/openai/deployments/e/")
        client.post("/chat/completions", cast_to=httpx2.Response, content=b"{}")
        client.post("/chat/completions", cast_to=httpx2.Response, content=b"{}")
    assert len(stock_builds) == 3
    assert rec.requests[-1][1].startswith(
        "http://127.0.0.1:10/openai/deployments/e/chat/completions?"
    )


def test_client_cookies_take_the_sdk_path() -> None:
    """A client with cookies is built by the SDK (the cookie header must follow the jar)."""
    rec = _Recorder()
    http = httpx2.Client(transport=httpx2.MockTransport(rec), cookies={"affinity": "a"})
    client = AzureClient(**AZURE, api_key="k", http_client=http)
    client.post("/chat/completions", cast_to=httpx2.Response, content=b"{}")
    http.cookies.set("affinity", "b")
    client.post("/chat/completions", cast_to=httpx2.Response, content=b"{}")
    assert [_header(r, "cookie") for r in rec.requests] == ["affinity=a", "affinity=b"]


def test_http_client_headers_merge_like_httpx() -> None:
    """A caller's http_client headers: kept, in place, unless the SDK sets the same name."""
    headers = {"X-Proxy-Route": "eu", "Accept": "text/plain", "user-agent": "mine"}
    stock_rec, ours_rec = _Recorder(), _Recorder()
    stock_http = httpx2.Client(transport=httpx2.MockTransport(stock_rec), headers=headers)
    ours_http = httpx2.Client(transport=httpx2.MockTransport(ours_rec), headers=headers)
    _sync_calls(openai.AzureOpenAI(**AZURE, api_key="k", http_client=stock_http))
    _sync_calls(AzureClient(**AZURE, api_key="k", http_client=ours_http))
    assert ours_rec.requests == stock_rec.requests
    assert _header(ours_rec.requests[1], "x-proxy-route") == "eu"
    assert _header(ours_rec.requests[1], "accept") == "application/json"


@pytest.mark.parametrize("cls", [openai.AzureOpenAI, AzureClient])
def test_a_cross_origin_redirect_never_carries_the_key(cls: type[Any]) -> None:
    """The SDK's redirect hook drops `api-key` off-origin; it needs the auth-origin extension."""
    seen: list[tuple[str, str | None]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append((request.url.host, request.headers.get("api-key")))
        if request.url.host == "127.0.0.1":
            return httpx2.Response(307, headers={"location": "http://other.invalid/collect"})
        return httpx2.Response(200, json={})

    http = openai.DefaultHttpxClient(transport=httpx2.MockTransport(handler))  # follows redirects
    client = cls(**AZURE, api_key="secret-key", http_client=http, max_retries=0)
    for _ in range(3):  # the first builds the template, the others use it
        client.post("/chat/completions", cast_to=httpx2.Response, content=b"{}")
    assert seen == [("127.0.0.1", "secret-key"), ("other.invalid", None)] * 3


def test_an_http_client_that_builds_its_own_way_is_left_to_build() -> None:
    """A caller's httpx subclass that signs requests in build_request keeps signing them all."""

    class Signing(httpx2.Client):
        def build_request(self, *args: Any, **kwargs: Any) -> httpx2.Request:
            request = super().build_request(*args, **kwargs)
            request.headers["x-signature"] = "signed"
            return request

    rec = _Recorder()
    client = AzureClient(
        **AZURE, api_key="k", http_client=Signing(transport=httpx2.MockTransport(rec))
    )
    for _ in range(3):
        client.post("/chat/completions", cast_to=httpx2.Response, content=b"{}")
    assert [_header(r, "x-signature") for r in rec.requests] == ["signed"] * 3


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "multipart/form-data; boundary=x"},  # with bytes content
        {"x-raw": "é".encode()},  # a bytes header value the SDK cannot re-encode
    ],
    ids=["multipart content type", "non-ascii bytes header"],
)
def test_what_the_sdk_refuses_is_refused_on_the_fast_path_too(headers: dict[str, Any]) -> None:
    outcomes: list[type[Exception] | None] = []
    options: Any = {"headers": headers}
    for cls in (openai.AzureOpenAI, AzureClient):
        client = cls(**AZURE, api_key="k", http_client=_mock(httpx2.Client, _Recorder()))
        client.post("/chat/completions", cast_to=httpx2.Response, content=b"{}")  # template
        try:
            client.post(
                "/chat/completions", cast_to=httpx2.Response, content=b"{}", options=options
            )
        except Exception as exc:
            outcomes.append(type(exc))
        else:
            outcomes.append(None)
    assert outcomes[0] is not None
    assert outcomes[1] is outcomes[0]
