"""Typed exceptions.

Two groups:

* **Refused before any request** (all subclass :class:`ValueError`): :class:`ConfigurationError`
  (missing endpoint or credentials), :class:`UnsupportedOptionError` (a voice, format, model or
  api-version the service would reject) and :class:`AudioValidationError` (empty, corrupt,
  over-size or unsupported audio).
* **Returned by the service**: :class:`AzureAudioServiceError` and its subclasses. Each one is
  also the matching ``openai`` exception (``except openai.RateLimitError`` keeps working) and
  keeps the service's message, error code and request id.
* **On the way**: :class:`ServiceConnectionError` / :class:`ServiceTimeoutError` (the service could
  not be reached; also ``openai.APIConnectionError`` / ``openai.APITimeoutError``), naming the URL
  that was tried; :class:`StreamInterruptedError` (a stream or connection ended before the reply
  was complete); :class:`ChunkTranscriptionError` (a chunk of long audio kept failing).

:func:`service_errors` is the one translator: every call to the service runs inside it.

Example:
    >>> from langchain_azure_audio.errors import AudioValidationError
    >>> issubclass(AudioValidationError, ValueError)
    True
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import httpx2
import openai
import pydantic

__all__ = [
    "AudioValidationError",
    "AuthenticationError",
    "AzureAudioError",
    "AzureAudioServiceError",
    "BadRequestError",
    "ChunkTranscriptionError",
    "ConfigurationError",
    "ContentFilterError",
    "DeploymentNotFoundError",
    "RateLimitError",
    "ServiceConnectionError",
    "ServiceTimeoutError",
    "ServiceUnavailableError",
    "StreamInterruptedError",
    "UnsupportedOptionError",
    "from_openai_error",
    "from_validation_error",
    "service_errors",
]


class AzureAudioError(Exception):
    """Base class of every error this package raises."""


class ConfigurationError(AzureAudioError, ValueError):
    """The client is missing an endpoint, credentials or another setting."""


class UnsupportedOptionError(AzureAudioError, ValueError):
    """An option the chosen model family or api-version does not accept.

    Attributes:
        option: The parameter's name (``"voice"``, ``"audio_format"``, ``"api_version"``...).
        value: The refused value.
    """

    def __init__(self, message: str, *, option: str, value: object) -> None:
        super().__init__(message)
        self.option = option
        self.value = value


class AudioValidationError(AzureAudioError, ValueError):
    """Audio that cannot be sent: empty, corrupt, too large, or in a refused container."""


class StreamInterruptedError(AzureAudioError):
    """The service's stream ended (or the connection dropped) before it was complete.

    A partial reply is never returned as if it were whole; retry the request.
    """


class ChunkTranscriptionError(AzureAudioError):
    """One chunk of a long recording could not be transcribed (after its retries).

    The whole call fails rather than returning a transcript with a hole in it.

    Attributes:
        chunk_index: 0-based position of the chunk.
        start_seconds: Where the chunk starts in the recording.
        end_seconds: Where it ends.
        attempts: How many times it was sent.
    """

    def __init__(
        self,
        message: str,
        *,
        chunk_index: int,
        start_seconds: float,
        end_seconds: float,
        attempts: int,
    ) -> None:
        super().__init__(message)
        self.chunk_index = chunk_index
        self.start_seconds = start_seconds
        self.end_seconds = end_seconds
        self.attempts = attempts


class ServiceConnectionError(AzureAudioError, openai.APIConnectionError):
    """The service could not be reached (connection refused, DNS failure, TLS error).

    Raised after the client's retries. The message names the URL that was tried and what to
    check. Also an ``openai.APIConnectionError``.

    Attributes:
        url: The URL that was tried (without query string).
    """

    def __init__(self, message: str, *, request: httpx2.Request, url: str) -> None:
        openai.APIConnectionError.__init__(self, message=message, request=request)
        self.url = url


class ServiceTimeoutError(ServiceConnectionError, openai.APITimeoutError):
    """The service did not answer within ``timeout`` seconds (after the client's retries)."""


class AzureAudioServiceError(AzureAudioError, openai.APIStatusError):
    """An error response from Azure OpenAI (or the emulator).

    Attributes:
        status_code: HTTP status.
        code: The service's error code (``"content_filter"``, ``"DeploymentNotFound"``...).
        message: The service's own message.
        request_id: ``x-request-id`` / ``apim-request-id`` of the failed request, for support.
        retry_after: Seconds the service asked to wait (``retry-after-ms`` or ``retry-after``;
            429s and some 503s carry it), else ``None``.
    """

    def __init__(self, message: str, *, response: Any, body: object | None) -> None:
        openai.APIStatusError.__init__(self, message, response=response, body=body)
        headers = response.headers
        self.request_id = headers.get("x-request-id") or headers.get("apim-request-id")
        self.retry_after = _retry_after_seconds(headers)
        err = _error_object(body)
        code = err.get("code")
        self.code = str(code) if code is not None else None

    def __str__(self) -> str:
        rid = f" (request id {self.request_id})" if self.request_id else ""
        return f"{self.status_code} {self.code or ''}: {self.message}{rid}".replace("  ", " ")


class AuthenticationError(AzureAudioServiceError, openai.AuthenticationError):
    """401/403: the key or Entra ID token was refused."""


class DeploymentNotFoundError(AzureAudioServiceError, openai.NotFoundError):
    """404: no deployment of that name on this resource (check ``azure_deployment``)."""


class BadRequestError(AzureAudioServiceError, openai.BadRequestError):
    """400: the service refused the request (the message says which parameter)."""


class ContentFilterError(BadRequestError):
    """Azure's content filter blocked the prompt (400 ``content_filter``) or cut the reply.

    A reply the filter cut (a 200 whose ``finish_reason`` is ``content_filter``) raises this too,
    with ``status_code`` 200: a partial answer is never returned as if it were whole.

    Attributes:
        categories: The filter categories that fired (e.g. ``["violence"]``).
        content_filter_result: The full ``innererror.content_filter_result`` object.
    """

    status_code: int  # type: ignore[assignment]  # 400, or 200 for a reply the filter cut

    def __init__(self, message: str, *, response: Any, body: object | None) -> None:
        super().__init__(message, response=response, body=body)
        inner = _error_object(body).get("innererror") or {}
        result = inner.get("content_filter_result") or _reply_filter_results(body)
        self.content_filter_result: dict[str, Any] = dict(result)
        self.categories: list[str] = [
            name
            for name, verdict in result.items()
            if isinstance(verdict, Mapping) and (verdict.get("filtered") or verdict.get("detected"))
        ]

    def __str__(self) -> str:
        fired = ", ".join(self.categories) or "unknown category"
        return f"{super().__str__()} [content filter: {fired}]"

    @classmethod
    def from_reply(cls, response: Any, reply: Mapping[str, Any]) -> ContentFilterError:
        """The error for a 200 reply that the content filter cut (``finish_reason``)."""
        return cls(
            "Azure's content filter stopped the reply (finish_reason 'content_filter'); the "
            "partial answer is withheld. Rephrase the request, or review the deployment's "
            "content filter configuration.",
            response=response,
            body=reply,
        )


def _reply_filter_results(body: object | None) -> Mapping[str, Any]:
    """``choices[0].content_filter_results`` of a (streamed) chat completion, if any."""
    if isinstance(body, Mapping):
        choices = body.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], Mapping):
            result = choices[0].get("content_filter_results")
            if isinstance(result, Mapping):
                return result
    return {}


class RateLimitError(AzureAudioServiceError, openai.RateLimitError):
    """429 after the client's retries ran out (``retry_after`` says how long to wait)."""


class ServiceUnavailableError(AzureAudioServiceError, openai.InternalServerError):
    """5xx after the client's retries ran out."""


def _error_object(body: object | None) -> Mapping[str, Any]:
    """The ``error`` object of an Azure error body (key-auth and Entra shapes both)."""
    if isinstance(body, Mapping):
        inner = body.get("error")
        if isinstance(inner, Mapping):
            return inner
        return body
    return {}


def _retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return float(ms) / 1000.0
        except ValueError:
            pass
    sec = headers.get("retry-after")
    if sec is not None:
        try:
            return float(sec)
        except ValueError:
            return None
    return None


_TWINS: dict[type[openai.APIStatusError], type[AzureAudioServiceError]] = {}


def _typed_twin(base: type[openai.APIStatusError]) -> type[AzureAudioServiceError]:
    """A subclass of both this package's base error and ``base`` (e.g. openai.ConflictError)."""
    if base is openai.APIStatusError:
        return AzureAudioServiceError
    twin = _TWINS.get(base)
    if twin is None:
        twin = type(f"Azure{base.__name__}", (AzureAudioServiceError, base), {})
        _TWINS[base] = twin
    return twin


def from_openai_error(exc: openai.APIStatusError) -> AzureAudioServiceError:
    """Translate an ``openai`` status error into the matching typed error of this package."""
    if isinstance(exc, AzureAudioServiceError):
        return exc
    body = exc.body
    err = _error_object(body)
    message = str(err.get("message") or exc.message)
    code = str(err.get("code") or "")
    status = exc.status_code
    cls: type[AzureAudioServiceError]
    if status == 404:
        request = _request_of(exc.response)
        url = _url_without_query(request)
        method = request.method if request is not None else "POST"
        message = f"{message} ({method} {url}).{_not_found_hint(url)}"
    if status in (401, 403):
        cls = AuthenticationError
    elif status == 404:
        cls = DeploymentNotFoundError
    elif status == 429:
        cls = RateLimitError
    elif status == 400 and code == "content_filter":
        cls = ContentFilterError
    elif status == 400:
        cls = BadRequestError
    elif status >= 500:
        cls = ServiceUnavailableError
    else:
        cls = _typed_twin(type(exc))
    new = cls(message, response=exc.response, body=body)
    new.__cause__ = exc
    return new


def _request_of(response: Any) -> httpx2.Request | None:
    try:
        request = response.request
    except (AttributeError, RuntimeError):  # a response built without its request
        return None
    return request if isinstance(request, httpx2.Request) else None


def _url_without_query(request: httpx2.Request | None) -> str:
    if request is None:
        return "the service"
    url = request.url
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}{url.path}"


def _not_found_hint(url: str) -> str:
    path = url.split("://", 1)[-1]
    path = path[path.find("/") :] if "/" in path else ""
    if "/openai/openai/" in path:
        return (
            " The endpoint seems to include '/openai' already: set azure_endpoint to the "
            "resource root, e.g. https://<resource>.openai.azure.com."
        )
    if path.rstrip("/").endswith("/realtime"):
        return (
            " Check that the deployment named in ?model= exists on this resource and deploys a "
            "realtime model (gpt-realtime, gpt-realtime-mini), and that azure_endpoint is the "
            "resource root."
        )
    if "/deployments/" in path:
        deployment = path.split("/deployments/", 1)[1].split("/", 1)[0]
        return (
            f" Check that a deployment named {deployment!r} exists on this resource (Azure "
            "portal > Deployments; names are case-sensitive), that azure_endpoint is the "
            "resource root, and that the api_version serves this route."
        )
    return (
        " Check azure_endpoint (the resource root, e.g. https://<resource>.openai.azure.com) "
        "and the deployment name sent as the body's model."
    )


def _connection_error(exc: openai.APIConnectionError) -> ServiceConnectionError:
    request: httpx2.Request | None = getattr(exc, "request", None)
    url = _url_without_query(request)
    cause = exc.__cause__ or exc.__context__
    detail = f" ({type(cause).__name__}: {cause})" if cause is not None else ""
    if isinstance(exc, openai.APITimeoutError):
        message = (
            f"Timed out waiting for {url}{detail}. The service is slow or unreachable: raise "
            "timeout=..., check the network, or retry later."
        )
        cls: type[ServiceConnectionError] = ServiceTimeoutError
    else:
        message = (
            f"Could not connect to {url}{detail}. Check azure_endpoint (scheme, host name and "
            "port; AZURE_OPENAI_ENDPOINT), the network or proxy, and — for the local emulator — "
            "that it is running (`langchain-azure-audio emulator`) on that port."
        )
        cls = ServiceConnectionError
    new = cls(message, request=request or httpx2.Request("POST", url), url=url)
    new.__cause__ = exc
    return new


def translate_error(exc: BaseException) -> BaseException:
    """The typed error of this package for an exception raised while talking to the service.

    Status errors become :class:`AzureAudioServiceError` subclasses, connection failures
    :class:`ServiceConnectionError` / :class:`ServiceTimeoutError`, and transport errors while a
    response body was being read (mid-stream) :class:`StreamInterruptedError`. Anything else is
    returned unchanged.
    """
    if isinstance(exc, AzureAudioError):
        return exc
    if isinstance(exc, openai.APIStatusError):
        return from_openai_error(exc)
    if isinstance(exc, openai.APIConnectionError):
        return _connection_error(exc)
    if isinstance(exc, httpx2.TransportError):
        # Raised while reading a body the SDK already handed over: the reply is incomplete.
        new = StreamInterruptedError(
            f"The connection dropped mid-response ({type(exc).__name__}: {exc}); the reply is "
            "incomplete. Retry the request."
        )
        new.__cause__ = exc
        return new
    return exc


@contextlib.contextmanager
def service_errors() -> Iterator[None]:
    """Run a call to the service; re-raise what it raises as this package's typed errors."""
    try:
        yield
    except Exception as exc:
        new = translate_error(exc)
        if new is exc:
            raise
        raise new from exc


def from_validation_error(exc: pydantic.ValidationError) -> AzureAudioError:
    """The typed error for a pydantic ValidationError raised while building a model or tool.

    Validators raise this package's typed errors and pydantic wraps them: those are unwrapped (so
    ``.option`` / ``.value`` survive). A value of the wrong type or out of range becomes an
    :class:`UnsupportedOptionError` naming the argument, what was given and what is expected.
    """
    details = exc.errors()
    for detail in details:
        cause = (detail.get("ctx") or {}).get("error")
        if isinstance(cause, AzureAudioError):
            return cause
    first: Mapping[str, Any] = details[0] if details else {}
    loc = first.get("loc") or ("value",)
    option = str(loc[0])
    value = first.get("input")
    secret = any(word in option.lower() for word in ("key", "token", "secret", "credential"))
    if secret:
        value = None
    shown = "<redacted>" if secret else repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    if first.get("type") == "extra_forbidden":
        return UnsupportedOptionError(
            f"{option!r} is not accepted by {exc.title}: it is not one of its arguments (or not "
            "supported by this model).",
            option=option,
            value=value,
        )
    problems = (
        "; ".join(
            f"{'.'.join(str(p) for p in d.get('loc') or ()) or option}: {d.get('msg')}"
            for d in details[:3]
            if not secret or d.get("loc", ("",))[0] != loc[0]
        )
        or f"{option}: wrong type"
    )
    return UnsupportedOptionError(
        f"{option}={shown} is not valid ({problems}). Check the argument's type and allowed "
        f"values in the {exc.title} docs.",
        option=option,
        value=value,
    )
