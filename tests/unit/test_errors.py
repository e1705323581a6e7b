"""Service errors map to typed (and matching ``openai``) exceptions; secrets stay hidden."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai
import pytest

from langchain_azure_audio import (
    AuthenticationError,
    AzureAudioServiceError,
    ContentFilterError,
    DeploymentNotFoundError,
    RateLimitError,
    ServiceUnavailableError,
)

from .conftest import API_KEY, FakeAzure, audio_stream_events, make_pcm, sse_body

CONTENT_FILTER_BODY = {
    "error": {
        "message": "The response was filtered due to the prompt triggering Azure OpenAI's content "
        "management policy. Please modify your prompt and retry.",
        "type": None,
        "param": "prompt",
        "code": "content_filter",
        "status": 400,
        "innererror": {
            "code": "ResponsibleAIPolicyViolation",
            "content_filter_result": {
                "hate": {"filtered": False, "severity": "safe"},
                "jailbreak": {"filtered": False, "detected": False},
                "self_harm": {"filtered": False, "severity": "safe"},
                "sexual": {"filtered": False, "severity": "safe"},
                "violence": {"filtered": True, "severity": "medium"},
            },
        },
    }
}
KEY_401_BODY = {
    "error": {
        "code": "401",
        "message": "Access denied due to invalid subscription key or wrong API endpoint. Make sure "
        "to provide a valid key for an active subscription and use a correct regional API "
        "endpoint for your resource.",
    }
}
ENTRA_401_BODY = {
    "statusCode": 401,
    "message": "Unauthorized. Access token is missing, invalid, audience is incorrect "
    "(https://cognitiveservices.azure.com), or have expired.",
}
NOT_FOUND_BODY = {
    "error": {
        "code": "DeploymentNotFound",
        "message": "The API deployment for this resource does not exist. If you created the "
        "deployment within the last 5 minutes, please wait a moment and try again.",
    }
}
RATE_LIMIT_BODY = {
    "error": {
        "code": "429",
        "message": "Requests to the ChatCompletions_Create Operation under Azure OpenAI API "
        "version 2025-04-01-preview have exceeded token rate limit of your current OpenAI S0 "
        "pricing tier. Please retry after 1 second.",
    }
}


def _err(status: int, body: dict[str, Any], request_id: str = "req-0001", **headers: str):
    return httpx2.Response(
        status,
        json=body,
        headers={"x-request-id": request_id, "apim-request-id": "apim-1", **headers},
    )


def _rate_limited(ms: str = "10"):
    return _err(429, RATE_LIMIT_BODY, "req-429", **{"retry-after-ms": ms, "retry-after": "1"})


def test_content_filter(azure: FakeAzure, make_model) -> None:
    azure.push(_err(400, CONTENT_FILTER_BODY, "req-cf-42"))
    with pytest.raises(ContentFilterError) as info:
        make_model().invoke("something violent")
    exc = info.value
    assert exc.categories == ["violence"]
    assert exc.content_filter_result["violence"] == {"filtered": True, "severity": "medium"}
    assert exc.request_id == "req-cf-42"
    assert exc.status_code == 400
    assert exc.code == "content_filter"
    assert "content management policy" in exc.message
    assert "req-cf-42" in str(exc)
    assert "violence" in str(exc)
    assert isinstance(exc, openai.BadRequestError)
    assert isinstance(exc, AzureAudioServiceError)
    assert isinstance(exc.__cause__, openai.BadRequestError)
    assert azure.calls == 1  # 400 is not retried


async def test_content_filter_async(azure: FakeAzure, make_model) -> None:
    azure.push(_err(400, CONTENT_FILTER_BODY, "req-cf-43"))
    with pytest.raises(ContentFilterError) as info:
        await make_model().ainvoke("x")
    assert info.value.categories == ["violence"]
    assert info.value.request_id == "req-cf-43"


def test_jailbreak_detected_category(azure: FakeAzure, make_model) -> None:
    body = json.loads(json.dumps(CONTENT_FILTER_BODY))
    result = body["error"]["innererror"]["content_filter_result"]
    result["violence"] = {"filtered": False, "severity": "safe"}
    result["jailbreak"] = {"filtered": True, "detected": True}
    azure.push(_err(400, body))
    with pytest.raises(ContentFilterError) as info:
        make_model().invoke("x")
    assert info.value.categories == ["jailbreak"]


@pytest.mark.parametrize("body", [KEY_401_BODY, ENTRA_401_BODY], ids=["key", "entra"])
def test_401_both_shapes(azure: FakeAzure, make_model, body: dict[str, Any]) -> None:
    azure.push(_err(401, body, "req-401"))
    with pytest.raises(AuthenticationError) as info:
        make_model().invoke("hi")
    exc = info.value
    assert isinstance(exc, openai.AuthenticationError)
    assert exc.status_code == 401
    assert exc.request_id == "req-401"
    expected = body.get("message") or body["error"]["message"]
    assert exc.message == expected
    assert azure.calls == 1


def test_401_key_shape_code(azure: FakeAzure, make_model) -> None:
    azure.push(_err(401, KEY_401_BODY))
    with pytest.raises(AuthenticationError) as info:
        make_model().invoke("hi")
    assert info.value.code == "401"


def test_403_is_authentication_error(azure: FakeAzure, make_model) -> None:
    azure.push(_err(403, {"error": {"code": "PermissionDenied", "message": "no role"}}))
    with pytest.raises(AuthenticationError):
        make_model().invoke("hi")


def test_deployment_not_found(azure: FakeAzure, make_model) -> None:
    azure.push(_err(404, NOT_FOUND_BODY, "req-404"))
    with pytest.raises(DeploymentNotFoundError) as info:
        make_model().invoke("hi")
    exc = info.value
    assert isinstance(exc, openai.NotFoundError)
    assert exc.code == "DeploymentNotFound"
    assert exc.request_id == "req-404"
    assert "does not exist" in str(exc)


def test_apim_request_id_fallback(azure: FakeAzure, make_model) -> None:
    azure.push(httpx2.Response(404, json=NOT_FOUND_BODY, headers={"apim-request-id": "apim-77"}))
    with pytest.raises(DeploymentNotFoundError) as info:
        make_model().invoke("hi")
    assert info.value.request_id == "apim-77"


def test_429_retried_then_rate_limit_error(azure: FakeAzure, make_model) -> None:
    azure.push(_rate_limited(), _rate_limited())
    with pytest.raises(RateLimitError) as info:
        make_model(max_retries=1).invoke("hi")
    assert azure.calls == 2
    assert azure.requests[1].headers["x-stainless-retry-count"] == "1"
    exc = info.value
    assert exc.retry_after == pytest.approx(0.01)
    assert isinstance(exc, openai.RateLimitError)
    assert exc.code == "429"
    assert exc.request_id == "req-429"


def test_429_retry_after_ms_is_honoured(azure: FakeAzure, make_model) -> None:
    import time

    azure.push(_rate_limited(ms="150"))
    start = time.perf_counter()
    make_model(max_retries=1, modalities=["text"]).invoke("hi")
    assert time.perf_counter() - start >= 0.14
    assert azure.calls == 2


def test_429_retry_after_seconds_only(azure: FakeAzure, make_model) -> None:
    azure.push(_err(429, RATE_LIMIT_BODY, **{"retry-after": "7"}))
    with pytest.raises(RateLimitError) as info:
        make_model(max_retries=0).invoke("hi")
    assert info.value.retry_after == 7.0
    assert azure.calls == 1


def test_429_then_200_succeeds(azure: FakeAzure, make_model) -> None:
    azure.push(_rate_limited())
    reply = make_model(max_retries=1, modalities=["text"]).invoke("hi")
    assert reply.content == "Hello there!"
    assert azure.calls == 2
    assert azure.body(0) == azure.body(1)


async def test_429_then_200_async(azure: FakeAzure, make_model) -> None:
    azure.push(_rate_limited())
    reply = await make_model(max_retries=1, modalities=["text"]).ainvoke("hi")
    assert reply.content == "Hello there!"
    assert azure.calls == 2


def test_429_on_stream_retried(azure: FakeAzure, make_model) -> None:
    azure.push(_rate_limited(), sse_body(audio_stream_events(["ok"], [make_pcm(20)])))
    chunks = list(make_model(max_retries=1).stream("hi"))
    assert azure.calls == 2
    assert any(c.text for c in chunks)


def test_500_retried_then_service_unavailable(azure: FakeAzure, make_model) -> None:
    body = {"error": {"code": "InternalServerError", "message": "The server had an error."}}
    azure.push(
        _err(500, body, **{"retry-after-ms": "5"}), _err(500, body, **{"retry-after-ms": "5"})
    )
    with pytest.raises(ServiceUnavailableError) as info:
        make_model(max_retries=1).invoke("hi")
    assert isinstance(info.value, openai.InternalServerError)
    assert azure.calls == 2


def test_plain_400_is_still_openai_bad_request(azure: FakeAzure, make_model) -> None:
    body = {"error": {"code": "invalid_value", "message": "Invalid value: 'x'.", "param": "voice"}}
    azure.push(_err(400, body, "req-400"))
    with pytest.raises(openai.BadRequestError) as info:
        make_model().invoke("hi")
    assert isinstance(info.value, AzureAudioServiceError)
    assert info.value.request_id == "req-400"


@pytest.mark.parametrize(
    ("status", "openai_cls"),
    [(409, openai.ConflictError), (422, openai.UnprocessableEntityError)],
)
def test_other_statuses_keep_openai_class(azure: FakeAzure, make_model, status, openai_cls) -> None:
    azure.push(_err(status, {"error": {"code": str(status), "message": "nope"}}, "req-x"))
    with pytest.raises(openai_cls) as info:
        make_model().invoke("hi")
    assert isinstance(info.value, AzureAudioServiceError)
    assert info.value.request_id == "req-x"


def test_plain_400_keeps_message_and_request_id(azure: FakeAzure, make_model) -> None:
    body = {"error": {"code": "invalid_value", "message": "Invalid value: 'x'.", "param": "voice"}}
    azure.push(_err(400, body, "req-400"))
    with pytest.raises(AzureAudioServiceError) as info:
        make_model().invoke("hi")
    assert isinstance(info.value, openai.APIStatusError)
    assert info.value.code == "invalid_value"
    assert info.value.request_id == "req-400"
    assert "Invalid value" in str(info.value)


def test_connection_error_not_wrapped(make_model) -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused", request=request)

    model = make_model(http_client=httpx2.Client(transport=httpx2.MockTransport(refuse)))
    with pytest.raises(openai.APIConnectionError):
        model.invoke("hi")


# -- secrets ---------------------------------------------------------------------------------------


def test_api_key_not_in_repr_str_or_dump(make_model) -> None:
    model = make_model()
    assert API_KEY not in repr(model)
    assert API_KEY not in str(model)
    assert API_KEY not in str(model.model_dump())
    assert API_KEY not in json.dumps(model.model_dump(mode="json"))
    assert API_KEY not in model.model_dump_json()


def test_api_key_not_in_dumpd(make_model) -> None:
    from langchain_core.load import dumpd, dumps

    model = make_model()
    assert API_KEY not in json.dumps(dumpd(model), default=str)
    assert API_KEY not in dumps(model)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, CONTENT_FILTER_BODY),
        (401, KEY_401_BODY),
        (404, NOT_FOUND_BODY),
        (429, RATE_LIMIT_BODY),
    ],
)
def test_api_key_not_in_exception_messages(azure: FakeAzure, make_model, status, body) -> None:
    azure.push(_err(status, body))
    with pytest.raises(AzureAudioServiceError) as info:
        make_model().invoke("hi")
    exc = info.value
    for text in (str(exc), repr(exc), exc.message, str(exc.args), str(exc.__cause__)):
        assert API_KEY not in text


def test_api_key_not_in_configuration_errors(azure: FakeAzure, make_model) -> None:
    with pytest.raises(ValueError, match="no-such-voice") as info:
        make_model(voice="no-such-voice")
    assert API_KEY not in str(info.value)


def test_api_key_not_in_traced_params(make_model) -> None:
    model = make_model()
    assert API_KEY not in str(model._identifying_params)
    assert API_KEY not in str(model._get_ls_params())
