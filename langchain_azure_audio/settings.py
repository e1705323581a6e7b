"""Connection settings, authentication and the openai SDK clients built from them.

One :class:`AzureAudioSettings` mixin is shared by the chat model and every tool, so all of them
read the same arguments and environment variables and refuse a missing endpoint or credential with
the same message:

=====================  ====================================  ============================
argument               environment variable                  notes
=====================  ====================================  ============================
``azure_endpoint``     ``AZURE_OPENAI_ENDPOINT``             ``https://RESOURCE.openai.azure.com``
``azure_deployment``   (per class default)                   the deployment name
``api_version``        ``OPENAI_API_VERSION``                ``>= 2025-01-01-preview``, or ``"v1"``
``api_key``            ``AZURE_OPENAI_API_KEY``              sent as the ``api-key`` header
``azure_ad_token_provider``  —                               Entra ID, called for every request
``azure_credential``   —                                     an azure-identity credential
=====================  ====================================  ============================

``api_version="v1"`` selects the GA ``{endpoint}/openai/v1`` surface (the deployment goes in the
body's ``model``); any dated version selects ``{endpoint}/openai/deployments/{deployment}``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import ssl
import urllib.parse
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

import httpx2
import openai
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    model_validator,
)

from langchain_azure_audio.capabilities import (
    ModelCapabilities,
    ModelKind,
    check_api_version,
    resolve_model,
)
from langchain_azure_audio.errors import (
    ConfigurationError,
    UnsupportedOptionError,
    from_validation_error,
)
from langchain_azure_audio.sdk_clients import AsyncAzureClient, AsyncV1Client, AzureClient, V1Client

__all__ = ["DEFAULT_API_VERSION", "ENTRA_SCOPE", "AzureAudioSettings", "normalize_endpoint"]

logger = logging.getLogger(__name__)

DEFAULT_API_VERSION = "2025-04-01-preview"
"""Used when neither ``api_version`` nor ``OPENAI_API_VERSION`` is set."""

ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default"
"""The token scope of Azure OpenAI."""

_V1_VERSIONS = frozenset({"v1", "latest", "preview"})

TokenProvider = Callable[[], str]
AsyncTokenProvider = Callable[[], Awaitable[str]]


def _async_only_provider() -> str:
    raise ConfigurationError(
        "Only an async token provider (azure_async_ad_token_provider) was given, so only the "
        "async methods (ainvoke, astream, abatch, arun) can authenticate. Pass "
        "azure_ad_token_provider=... too for sync calls."
    )


@functools.lru_cache(maxsize=1)
def _shared_tls_context() -> ssl.SSLContext:
    """One TLS context for every client: loading the CA bundle costs ~0.1 s per context."""
    return httpx2.create_ssl_context()


@functools.lru_cache(maxsize=8)
def _shared_http_client(timeout: float | None) -> httpx2.Client:
    """One sync connection pool per timeout, shared by every model and tool of the process."""
    return openai.DefaultHttpxClient(timeout=timeout, verify=_shared_tls_context())


def _new_async_http_client(timeout: float | None) -> httpx2.AsyncClient:
    # Async pools are bound to the event loop that opened their connections, so each model or
    # tool gets its own; the TLS context (the expensive part) is still shared.
    return openai.DefaultAsyncHttpxClient(timeout=timeout, verify=_shared_tls_context())


_ENDPOINT_SUFFIXES = ("/openai/v1", "/openai")


def normalize_endpoint(endpoint: str) -> str:
    """The resource root of an Azure OpenAI endpoint, checked before any request.

    Trailing slashes and a trailing ``/openai`` or ``/openai/v1`` (often pasted from the portal or
    from another SDK's ``base_url``) are removed, since this package adds the path itself.

    Example:
        >>> normalize_endpoint("https://res.openai.azure.com/openai/v1/")
        'https://res.openai.azure.com'

    Raises:
        ConfigurationError: not an ``http(s)://host[:port]`` URL.
    """
    value = endpoint.strip().rstrip("/")
    for suffix in _ENDPOINT_SUFFIXES:
        if value.lower().endswith(suffix):
            logger.debug("azure_endpoint ends with %s; using the resource root.", suffix)
            value = value[: -len(suffix)].rstrip("/")
            break
    hint = (
        "Use the resource root, e.g. azure_endpoint='https://<resource>.openai.azure.com' "
        "(or http://127.0.0.1:PORT for the local emulator)."
    )
    try:
        parsed = urllib.parse.urlsplit(value)
        _ = parsed.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise ConfigurationError(
            f"azure_endpoint {endpoint!r} is not a valid URL ({exc}). {hint}"
        ) from None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigurationError(
            f"azure_endpoint {endpoint!r} is not an http(s) URL with a host name. {hint}"
        )
    if parsed.query or parsed.fragment or any(c.isspace() or ord(c) < 32 for c in value):
        raise ConfigurationError(
            f"azure_endpoint {endpoint!r} has a query, fragment or spaces in it. {hint}"
        )
    return value


class _Clients:
    """The SDK clients and the per-request headers that go with them.

    The sync client is shared. Async clients are made per event loop: an async connection pool
    belongs to the loop that opened it, so ``asyncio.run(model.ainvoke(...))`` twice (notebooks,
    test suites) must not reuse a pool bound to a closed loop.
    """

    def __init__(
        self,
        sync: openai.OpenAI,
        make_async: Callable[[], openai.AsyncOpenAI],
        extra_headers: dict[str, Any],
        *,
        share_async: bool = False,
    ) -> None:
        self.sync = sync
        self.extra_headers = extra_headers
        self._make_async = make_async
        self._shared_async: openai.AsyncOpenAI | None = make_async() if share_async else None
        self._per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, openai.AsyncOpenAI] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def async_(self) -> openai.AsyncOpenAI:
        """The async client of the running event loop (one made on first use in each loop)."""
        if self._shared_async is not None:
            return self._shared_async
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # outside a loop: a client nobody shares
            return self._make_async()
        client = self._per_loop.get(loop)
        if client is None:
            client = self._make_async()
            self._per_loop[loop] = client
        return client


class AzureAudioSettings(BaseModel):
    """Endpoint, deployment, api-version and credentials of an Azure OpenAI resource.

    Mixed into :class:`~langchain_azure_audio.AzureAudioChatModel` and the audio tools.
    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    azure_endpoint: str | None = Field(default=None)
    """``https://RESOURCE.openai.azure.com`` or the emulator URL; env AZURE_OPENAI_ENDPOINT."""

    azure_deployment: str | None = Field(default=None)
    """The deployment name to call (defaults to ``model``, else the class's default)."""

    model_name: str | None = Field(default=None, alias="model")
    """The model behind the deployment (decides the valid options); defaults to the deployment."""

    validate_options: bool = True
    """Check options against the model family before sending; ``False`` for newer models."""

    api_version: str | None = Field(default=None)
    """A dated api-version (>= 2025-01-01-preview) or ``"v1"``; env OPENAI_API_VERSION."""

    api_key: SecretStr | None = Field(default=None)
    """Key of the resource; env AZURE_OPENAI_API_KEY. Never logged or shown in reprs."""

    azure_ad_token_provider: TokenProvider | None = Field(default=None, exclude=True, repr=False)
    """A function returning a fresh Microsoft Entra ID token; called for every request."""

    azure_async_ad_token_provider: AsyncTokenProvider | None = Field(
        default=None, exclude=True, repr=False
    )
    """Async twin of ``azure_ad_token_provider``, used by the async client when given."""

    azure_credential: Any | None = Field(default=None, exclude=True, repr=False)
    """An ``azure.identity`` credential (``identity`` extra); its tokens refresh by themselves."""

    max_retries: int = 2
    """Retries of the SDK for 408/409/429/5xx and connection errors; honours retry-after(-ms)."""

    timeout: float | None = 120.0
    """Seconds before a request is abandoned."""

    default_headers: dict[str, str] | None = None
    """Extra headers on every request."""

    http_client: Any | None = Field(default=None, exclude=True, repr=False)
    """An ``httpx2.Client`` for the sync SDK client (proxies, mocked transports in tests)."""

    http_async_client: Any | None = Field(default=None, exclude=True, repr=False)
    """An ``httpx2.AsyncClient`` for the async SDK client."""

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise from_validation_error(exc) from None

    _clients: _Clients | None = PrivateAttr(default=None)
    _caps: ModelCapabilities | None = PrivateAttr(default=None)

    _default_deployment: ClassVar[str | None] = None
    """Deployment used when neither ``azure_deployment`` nor ``model`` is given."""
    _model_kind: ClassVar[ModelKind | None] = None
    """The family kind the class serves; others are refused (unless validation is off)."""
    _model_examples: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _read_environment(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        if values.get("azure_deployment") is None:
            model = values.get("model") or values.get("model_name")
            values["azure_deployment"] = model or cls._default_deployment
        if values.get("azure_endpoint") is None:
            values["azure_endpoint"] = os.environ.get("AZURE_OPENAI_ENDPOINT")
        if values.get("api_version") is None:
            values["api_version"] = os.environ.get("OPENAI_API_VERSION", DEFAULT_API_VERSION)
        has_token = any(
            values.get(k) is not None
            for k in (
                "azure_ad_token_provider",
                "azure_async_ad_token_provider",
                "azure_credential",
            )
        )
        if values.get("api_key") is None and not has_token:
            env_key = os.environ.get("AZURE_OPENAI_API_KEY")
            if env_key:
                values["api_key"] = env_key
        return values

    @model_validator(mode="after")
    def _check_settings(self) -> AzureAudioSettings:
        if self.api_version is not None:
            check_api_version(self.api_version)
        return self

    def _resolve_model(self) -> ModelCapabilities | None:
        """Default ``model`` to the deployment, resolve its family, refuse the wrong kind."""
        if self.model_name is None:
            self.model_name = self.azure_deployment
        if not self.validate_options:
            return None
        caps = resolve_model(self.model_name or "")
        if self._model_kind is not None and caps.kind != self._model_kind:
            raise UnsupportedOptionError(
                f"{self.model_name!r} is a {caps.kind} model; {type(self).__name__} needs a "
                f"{self._model_kind} deployment ({self._model_examples}). If the deployment "
                "name hides the model, pass model='<the model it deploys>'.",
                option="model",
                value=self.model_name,
            )
        self._caps = caps
        return caps

    @property
    def _bundle(self) -> _Clients:
        """The SDK clients, built once (validation already built them)."""
        if self._clients is None:
            self._clients = self._build_clients()
        return self._clients

    # -- clients ---------------------------------------------------------------------------

    def _require_endpoint(self) -> str:
        if not self.azure_endpoint or not self.azure_endpoint.strip():
            raise ConfigurationError(
                "No Azure OpenAI endpoint: pass "
                "azure_endpoint='https://<resource>.openai.azure.com' "
                "or set AZURE_OPENAI_ENDPOINT (for the local emulator: "
                "`langchain-azure-audio emulator` and use its endpoint)."
            )
        return normalize_endpoint(self.azure_endpoint)

    def _require_deployment(self) -> str:
        if not self.azure_deployment:
            raise ConfigurationError(
                "No deployment: pass azure_deployment='<your deployment name>'."
            )
        return self.azure_deployment

    def _token_providers(self) -> tuple[TokenProvider | None, AsyncTokenProvider | None]:
        sync_provider = self.azure_ad_token_provider
        async_provider = self.azure_async_ad_token_provider
        if self.azure_credential is not None and sync_provider is None:
            try:
                from azure.identity import get_bearer_token_provider
            except ImportError as exc:  # pragma: no cover - depends on the environment
                raise ConfigurationError(
                    "azure_credential needs azure-identity: "
                    'pip install "langchain-azure-audio[identity]"'
                ) from exc
            sync_provider = get_bearer_token_provider(self.azure_credential, ENTRA_SCOPE)
        if async_provider is None and sync_provider is not None:
            provider = sync_provider

            async def _async_provider() -> str:
                return provider()

            async_provider = _async_provider
        if sync_provider is None and async_provider is not None:
            sync_provider = _async_only_provider
        return sync_provider, async_provider

    @staticmethod
    def _v1_auth(key: str | None, provider: Any) -> tuple[Any, dict[str, Any]]:
        """The SDK ``api_key`` and the extra headers that carry credentials on ``/openai/v1``."""
        if key is not None:
            # Azure's v1 surface takes the key in `api-key`; keep it out of Authorization.
            return "unused", {"api-key": key, "Authorization": openai.Omit()}
        return provider, {}  # the SDK calls the provider per request (per connect): fresh tokens

    def _v1_async_client(self) -> tuple[openai.AsyncOpenAI, dict[str, Any]]:
        """An async SDK client for the GA ``/openai/v1`` surface (HTTP and the realtime
        WebSocket, ``ws(s)://`` of the same host) and the per-request credential headers."""
        endpoint = self._require_endpoint()
        _sync, async_provider = self._token_providers()
        key = self.api_key.get_secret_value() if self.api_key is not None else None
        api_key, headers = self._v1_auth(key, async_provider)
        base_url = f"{endpoint}/openai/v1"
        client = AsyncV1Client(
            base_url=base_url,
            websocket_base_url="ws" + base_url[4:],
            api_key=api_key,
            max_retries=self.max_retries,
            timeout=self.timeout,
            default_headers=self.default_headers,
            http_client=self.http_async_client or _new_async_http_client(self.timeout),
        )
        return client, headers

    def _build_clients(self) -> _Clients:
        """Create the sync and async SDK clients once; raises before any request is sent."""
        endpoint = self._require_endpoint()
        deployment = self._require_deployment()
        sync_provider, async_provider = self._token_providers()
        key = self.api_key.get_secret_value() if self.api_key is not None else None
        if key is not None and (not key.strip() or key != key.strip()):
            raise ConfigurationError(
                "api_key is empty or has spaces around it: pass the resource's key (Azure "
                "portal > Keys and Endpoint) or set AZURE_OPENAI_API_KEY, or use "
                "azure_ad_token_provider=... / azure_credential=... for Microsoft Entra ID."
            )
        if key is None and sync_provider is None and async_provider is None:
            raise ConfigurationError(
                "No credentials for Azure OpenAI: pass api_key=... or set AZURE_OPENAI_API_KEY, "
                "or pass azure_ad_token_provider=... / azure_credential=... for Microsoft Entra ID."
            )
        api_version = self.api_version or DEFAULT_API_VERSION
        common: dict[str, Any] = {
            "max_retries": self.max_retries,
            "timeout": self.timeout,
            "default_headers": self.default_headers,
        }
        sync_http = self.http_client or _shared_http_client(self.timeout)
        if api_version in _V1_VERSIONS:
            sync_key, extra = self._v1_auth(key, sync_provider)
            return _Clients(
                V1Client(
                    base_url=f"{endpoint}/openai/v1",
                    api_key=sync_key,
                    http_client=sync_http,
                    **common,
                ),
                lambda: self._v1_async_client()[0],
                extra,
                share_async=self.http_async_client is not None,
            )
        auth_sync: dict[str, Any] = (
            {"api_key": key} if key is not None else {"azure_ad_token_provider": sync_provider}
        )
        auth_async: dict[str, Any] = (
            {"api_key": key} if key is not None else {"azure_ad_token_provider": async_provider}
        )

        def make_async() -> openai.AsyncOpenAI:
            return AsyncAzureClient(
                azure_endpoint=endpoint,
                azure_deployment=deployment,
                api_version=api_version,
                http_client=self.http_async_client or _new_async_http_client(self.timeout),
                **auth_async,
                **common,
            )

        return _Clients(
            AzureClient(
                azure_endpoint=endpoint,
                azure_deployment=deployment,
                api_version=api_version,
                http_client=sync_http,
                **auth_sync,
                **common,
            ),
            make_async,
            {},
            share_async=self.http_async_client is not None,
        )
