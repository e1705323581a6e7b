"""The openai SDK clients the package sends through, with a cheaper request build.

Every request still goes through the SDK's ``request()`` loop: its retries and back-off, its
auth (``api-key``, Entra ID token providers called per attempt), its ``x-stainless-*`` headers and
its status-code errors. Only ``_build_request`` is shortened, and only for the one shape the chat
model sends (a POST of pre-serialised JSON bytes, no per-call params, files or timeout): the SDK
builds such a request by parsing and merging the same URL four times and re-normalising every
header, about 15 % of a whole ``invoke`` of a 1 MB audio reply. Here the first request to a path is
built by the SDK itself and its URL and extensions (the timeout, the Azure client's auth origin
that its redirect hook needs to drop the ``api-key`` off-origin) are kept as a template; later
requests reuse them and only rebuild the headers (through the SDK's own ``_build_headers``, so a
refreshed token or a retry count is always current). Anything else takes the SDK's own path
unchanged: the audio, speech and transcription resources' JSON and multipart requests, per-call
params or timeouts, header values that are not ``str``, client cookies or params, an httpx client
class that builds requests its own way, a legacy ``httpx`` client.

``tests/unit/test_sdk_clients.py`` checks that both paths build the same request (method, URL,
every header, body, extensions) for keys, token providers, retries, default headers, the v1
client, client headers and subclasses, sync and async, and that a cross-origin redirect never
carries the key, so a change in the SDK shows up as a failing test, not as a wrong request.

Example:
    >>> client = AzureClient(azure_endpoint="http://127.0.0.1:9", api_key="k",
    ...                      api_version="2025-01-01-preview", azure_deployment="d")
    >>> isinstance(client, openai.AzureOpenAI)
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import httpx2
import openai

if TYPE_CHECKING:
    from openai._base_client import BaseClient
    from openai._models import FinalRequestOptions

    _Base = BaseClient[Any, Any]
else:
    _Base = object

__all__ = ["AsyncAzureClient", "AsyncV1Client", "AzureClient", "V1Client"]


@dataclass(frozen=True)
class _Template:
    """What the SDK built for the first request to one path, valid while its inputs stay."""

    base_url: object
    timeout: object
    http_client: object
    url: httpx2.URL
    extensions: dict[str, Any]
    """All of them: the timeout, and e.g. the Azure client's auth origin, which its redirect hook
    needs to drop the ``api-key`` when a redirect leaves the resource's origin."""


def _own_extensions(extensions: dict[str, Any]) -> dict[str, Any]:
    """A copy that shares no dict (the timeout) with another request."""
    return {k: dict(v) if isinstance(v, dict) else v for k, v in extensions.items()}


_MAX_TEMPLATES = 64


class _TemplatedRequests(_Base):
    """Build a plain pre-serialised POST from a per-path template (see the module docstring)."""

    _sdk_name: ClassVar[str] = "OpenAI"
    __templates: dict[str, _Template] | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._sdk_name = next(
            c.__name__ for c in cls.__mro__ if c.__module__.partition(".")[0] == "openai"
        )

    @property
    def user_agent(self) -> str:
        """The SDK's own ``User-Agent`` (it names the client class: the SDK's, not ours)."""
        return f"{self._sdk_name}/Python {self._version}"

    def _build_request(
        self, options: FinalRequestOptions, *, retries_taken: int = 0, **kwargs: Any
    ) -> httpx2.Request:
        client: object = self._client
        content = options.content
        if (
            kwargs
            or not isinstance(content, bytes)
            or not isinstance(client, (httpx2.Client, httpx2.AsyncClient))
            or not _builds_like_httpx(type(client))
            or not _plain_post(options)
            or client.cookies
            or client.params
        ):
            return super()._build_request(options, retries_taken=retries_taken, **kwargs)
        templates = self.__templates
        if templates is None or len(templates) > _MAX_TEMPLATES:
            templates = self.__templates = {}
        template = templates.get(options.url)
        if (
            template is None
            or template.base_url is not self.base_url
            or template.timeout is not self.timeout
            or template.http_client is not client
        ):
            request = super()._build_request(options, retries_taken=retries_taken)
            templates[options.url] = _Template(
                self.base_url,
                self.timeout,
                client,
                request.url,
                _own_extensions(request.extensions),
            )
            return request
        built = self._build_headers(options, retries_taken=retries_taken)
        if built.get("content-type", "").startswith("multipart/form-data"):
            return super()._build_request(options, retries_taken=retries_taken)  # its refusal
        # What the SDK then httpx do (the SDK's headers with lower-cased names replace the
        # client's of the same name), on raw pairs instead of a lookup per header.
        sdk_headers = [(key.lower(), value) for key, value in built.raw]
        replaced = {key for key, _ in sdk_headers}
        headers = [pair for pair in client.headers.raw if pair[0].lower() not in replaced]
        headers += sdk_headers
        return httpx2.Request(
            options.method.upper(),
            template.url,
            headers=headers,
            content=content,
            extensions=_own_extensions(template.extensions),
        )


def _plain_post(options: FinalRequestOptions) -> bool:
    """A POST with no JSON to merge, no files, no per-call params or timeout, str headers."""
    custom = options.headers
    return (
        options.method.lower() == "post"
        and options.json_data is None
        and options.extra_json is None
        and options.files is None
        and not options.params
        and isinstance(options.timeout, openai.NotGiven)
        and (
            not isinstance(custom, Mapping)
            or all(isinstance(v, str | openai.Omit) for v in custom.values())
        )
    )


_HTTPX_BUILD = (
    "build_request",
    "_merge_url",
    "_merge_headers",
    "_merge_cookies",
    "_merge_queryparams",
)


_BUILDS_LIKE_HTTPX: dict[type[Any], bool] = {}


def _builds_like_httpx(cls: type[Any]) -> bool:
    """Whether an httpx client class builds requests with httpx's own code (a subclass that
    signs or tags requests in ``build_request`` must keep getting its say)."""
    known = _BUILDS_LIKE_HTTPX.get(cls)
    if known is None:
        base = httpx2.AsyncClient if issubclass(cls, httpx2.AsyncClient) else httpx2.Client
        known = all(getattr(cls, name, None) is getattr(base, name) for name in _HTTPX_BUILD)
        _BUILDS_LIKE_HTTPX[cls] = known
    return known


class AzureClient(_TemplatedRequests, openai.AzureOpenAI):
    """:class:`openai.AzureOpenAI` with the templated request build."""


class AsyncAzureClient(_TemplatedRequests, openai.AsyncAzureOpenAI):
    """:class:`openai.AsyncAzureOpenAI` with the templated request build."""


class V1Client(_TemplatedRequests, openai.OpenAI):
    """:class:`openai.OpenAI` (Azure's ``/openai/v1`` surface) with the templated request build."""


class AsyncV1Client(_TemplatedRequests, openai.AsyncOpenAI):
    """:class:`openai.AsyncOpenAI` (``/openai/v1``) with the templated request build."""
