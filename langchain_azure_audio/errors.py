"""Typed exceptions.

Two groups:

* **Refused before any request** (all subclass :class:`ValueError`): :class:`ConfigurationError`
  (missing endpoint or credentials), :class:`UnsupportedOptionError` (a voice, format, model or
  api-version the service would reject) and :class:`AudioValidationError` (empty, corrupt,
  over-size or unsupported audio).
* **Returned by the service**: :class:`AzureAudioServiceError` and its subclasses. Each one is
  also the matching ``openai`` exception (``except openai.RateLimitError`` keeps working) and
  keeps the service's message, error code and request id.

Example:
    >>> from langchain_azure_audio.errors import AudioValidationError
    >>> issubclass(AudioValidationError, ValueError)
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import openai

__all__ = [
    "AudioValidationError",
    "AuthenticationError",
    "AzureAudioError",
    "AzureAudioServiceError",
    "BadRequestError",
    "ConfigurationError",
    "ContentFilterError",
    "DeploymentNotFoundError",
    "RateLimitError",
    "ServiceUnavailableError",
    "UnsupportedOptionError",
    "from_openai_error",
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


class AzureAudioServiceError(AzureAudioError, openai.APIStatusError):
    """An error response from Azure OpenAI (or the emulator).

    Attributes:
        status_code: HTTP status.
        code: The service's error code (``"content_filter"``, ``"DeploymentNotFound"``...).
        message: The service's own message.
        request_id: ``x-request-id`` / ``apim-request-id`` of the failed request, for support.
    """

    def __init__(self, message: str, *, response: Any, body: object | None) -> None:
        openai.APIStatusError.__init__(self, message, response=response, body=body)
        headers = response.headers
        self.request_id = headers.get("x-request-id") or headers.get("apim-request-id")
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
    """400 ``content_filter``: Azure's content filter blocked the prompt.

    Attributes:
        categories: The filter categories that fired (e.g. ``["violence"]``).
        content_filter_result: The full ``innererror.content_filter_result`` object.
    """

    def __init__(self, message: str, *, response: Any, body: object | None) -> None:
        super().__init__(message, response=response, body=body)
        inner = _error_object(body).get("innererror") or {}
        result = inner.get("content_filter_result") or {}
        self.content_filter_result: dict[str, Any] = dict(result)
        self.categories: list[str] = [
            name
            for name, verdict in result.items()
            if isinstance(verdict, Mapping) and (verdict.get("filtered") or verdict.get("detected"))
        ]

    def __str__(self) -> str:
        fired = ", ".join(self.categories) or "unknown category"
        return f"{super().__str__()} [content filter: {fired}]"


class RateLimitError(AzureAudioServiceError, openai.RateLimitError):
    """429 after the client's retries ran out.

    Attributes:
        retry_after: Seconds the service asked to wait (from ``retry-after-ms`` or ``retry-after``).
    """

    def __init__(self, message: str, *, response: Any, body: object | None) -> None:
        super().__init__(message, response=response, body=body)
        self.retry_after = _retry_after_seconds(response.headers)


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
