"""Run the emulator in a background thread (:class:`Emulator`) or the foreground (:func:`serve`)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

from langchain_azure_audio.emulator.app import create_app
from langchain_azure_audio.emulator.config import EmulatorConfig
from langchain_azure_audio.emulator.engines import default_engines
from langchain_azure_audio.emulator.faults import FaultQueue

if TYPE_CHECKING:
    import openai
    from starlette.applications import Starlette

    from langchain_azure_audio.chat_models import AzureAudioChatModel
    from langchain_azure_audio.tools import AzureSpeechToTextTool, AzureTextToSpeechTool

__all__ = ["Emulator", "serve"]

logger = logging.getLogger("langchain_azure_audio.emulator")

_INCOMPLETE = "ASGI callable returned without completing response"
_WS_IMPL = "websockets-sansio"
"""uvicorn's WebSocket protocol on the ``websockets`` package's sans-I/O core (websockets >= 13)."""


class _QuietCutStream(logging.Filter):
    """Hide uvicorn's error line for connections the ``cut_stream`` fault drops on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return _INCOMPLETE not in record.getMessage()


def _install_log_filter() -> None:
    log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietCutStream) for f in log.filters):
        log.addFilter(_QuietCutStream())


class Emulator:
    """A local Azure OpenAI audio service on ``127.0.0.1``, served from a background thread.

    Args:
        config: Settings; keyword arguments override its fields
            (``Emulator(audio_expiry_seconds=1)``).
        host: Interface to bind (loopback by default).
        port: Port to bind; ``0`` picks a free one (read it from :attr:`port`).

    Example:
        >>> with Emulator() as emu:                                  # doctest: +SKIP
        ...     client = emu.client()
        ...     reply = client.chat.completions.create(
        ...         model="gpt-4o-mini-audio-preview",
        ...         messages=[{"role": "user", "content": "Hello"}])
        ...     reply.choices[0].message.content
        'You said: Hello'

    Retry tests queue faults for the next requests::

        emu.inject("429", times=2, route="chat")   # two 429s, then success

    Realtime (the raw openai SDK's GA client)::

        client = openai.AsyncOpenAI(api_key=emu.api_key, base_url=f"{emu.endpoint}/openai/v1",
                                    websocket_base_url=emu.ws_url)
        async with client.realtime.connect(model="gpt-realtime") as conn:
            ...

    Own deployment names: ``Emulator(deployments={"my-audio": "gpt-4o-audio-preview"})``;
    the session cap: ``Emulator(realtime_session_seconds=3)``; real-time pacing of realtime
    audio: ``Emulator(realtime_pace=True)``.
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        **overrides: Any,
    ) -> None:
        config = config or EmulatorConfig()
        if overrides:
            config = dataclasses.replace(config, **overrides)
        self.config = config
        self.faults = FaultQueue()
        self.app: Starlette = create_app(config, faults=self.faults)
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, timeout: float = 30.0) -> Emulator:
        """Start serving; return once the server accepts connections."""
        if self._thread is not None:
            return self
        import uvicorn

        if self.config.preload_engines:
            (self.config.engines or default_engines()).preload()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        self._port = int(sock.getsockname()[1])
        _install_log_filter()
        uv_config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws=_WS_IMPL,
            timeout_graceful_shutdown=2,
        )
        server = uvicorn.Server(uv_config)
        self._server = server

        def run() -> None:
            try:
                server.run(sockets=[sock])
            except BaseException as exc:  # surfaced by start()
                self._error = exc
            finally:
                sock.close()

        self._thread = threading.Thread(target=run, name="azure-audio-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if self._error is not None or not self._thread.is_alive():
                self._thread = None
                raise RuntimeError(f"The emulator failed to start: {self._error!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("The emulator did not start in time.")
            time.sleep(0.01)
        logger.info("Emulator listening on %s", self.endpoint)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the server thread to end."""
        if self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._thread = None
        self._server = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Emulator:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)

    # -- addresses -------------------------------------------------------------------------
    @property
    def port(self) -> int:
        """The bound port (after :meth:`start`)."""
        if self._port is None:
            raise RuntimeError("The emulator is not running; use `with Emulator() as emu:`.")
        return self._port

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:PORT``, the ``azure_endpoint`` to give clients."""
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """``ws://127.0.0.1:PORT/openai/v1``: the ``websocket_base_url`` of an ``openai`` client
        (the SDK appends ``/realtime?model=DEPLOYMENT``)."""
        return f"ws://{self.host}:{self.port}/openai/v1"

    @property
    def realtime_url(self) -> str:
        """``ws://127.0.0.1:PORT/openai/v1/realtime``: the GA realtime WebSocket (add
        ``?model=DEPLOYMENT``)."""
        return f"{self.ws_url}/realtime"

    @property
    def deployments(self) -> dict[str, str]:
        """Deployment name -> model name, as served."""
        return dict(self.config.deployments)

    def deployment_for(self, kind: str, preferred: str | None = None) -> str:
        """A deployment serving ``kind`` (``chat``, ``speech``, ``transcription``, ``realtime``):
        ``preferred`` when it is deployed, else the first deployment of that kind.

        Raises:
            LookupError: no deployment of that kind.
        """
        from langchain_azure_audio.capabilities import resolve_model

        if preferred is not None and preferred in self.config.deployments:
            return preferred
        for name, model in self.config.deployments.items():
            if resolve_model(model).kind == kind:
                return name
        raise LookupError(f"The emulator has no {kind} deployment; deployed: {self.deployments}.")

    @property
    def api_key(self) -> str:
        """The key clients send in the ``api-key`` header."""
        return self.config.api_key

    @property
    def api_version(self) -> str:
        """The api-version clients should use."""
        return self.config.api_version

    # -- faults ----------------------------------------------------------------------------
    def inject(self, fault: str, *, times: int = 1, route: str | None = None) -> None:
        """Fail the next ``times`` requests (on ``route`` only, when given) with ``fault``.

        ``fault`` is ``"429"``, ``"500"``, ``"503"``, ``"content_filter"``, ``"cut_stream"`` or
        ``"slow_first_byte:MS"``; ``route`` is ``chat``, ``speech``, ``transcriptions``,
        ``translations`` or ``realtime`` (where ``cut_stream`` drops the socket mid-response,
        ``500``/``503``/``429``/``content_filter`` send an ``error`` event instead of a response,
        see :mod:`langchain_azure_audio.emulator.realtime`).
        """
        self.faults.inject(fault, times=times, route=route)

    def clear_faults(self) -> None:
        """Drop every queued fault."""
        self.faults.clear()

    # -- clients ---------------------------------------------------------------------------
    def _client_kwargs(self, kw: dict[str, Any]) -> dict[str, Any]:
        kw.setdefault("azure_endpoint", self.endpoint)
        kw.setdefault("api_key", self.api_key)
        kw.setdefault("api_version", self.api_version)
        return kw

    def client(self, **kw: Any) -> openai.AzureOpenAI:
        """An ``openai.AzureOpenAI`` client for this emulator."""
        import openai

        return openai.AzureOpenAI(**self._client_kwargs(kw))

    def async_client(self, **kw: Any) -> openai.AsyncAzureOpenAI:
        """An ``openai.AsyncAzureOpenAI`` client for this emulator."""
        import openai

        return openai.AsyncAzureOpenAI(**self._client_kwargs(kw))

    # Clients: the factories live client-side (langchain_azure_audio.testing); the server itself
    # never imports a LangChain class. These delegate, imported on first use.
    def chat_model(self, **kw: Any) -> AzureAudioChatModel:
        """An ``AzureAudioChatModel`` wired to this emulator (see :mod:`..testing`)."""
        from langchain_azure_audio import testing

        return testing.chat_model(self, **kw)

    def speech_tool(self, **kw: Any) -> AzureTextToSpeechTool:
        """An ``AzureTextToSpeechTool`` wired to this emulator."""
        from langchain_azure_audio import testing

        return testing.speech_tool(self, **kw)

    def transcription_tool(self, **kw: Any) -> AzureSpeechToTextTool:
        """An ``AzureSpeechToTextTool`` wired to this emulator."""
        from langchain_azure_audio import testing

        return testing.transcription_tool(self, **kw)

    def __repr__(self) -> str:
        where = self.endpoint if self._port is not None else "not running"
        return f"Emulator({where})"


def serve(
    config: EmulatorConfig | None = None, *, host: str = "127.0.0.1", port: int = 8000
) -> None:
    """Serve the emulator in the foreground until interrupted (Ctrl+C).

    Example:
        >>> serve(port=8123)  # doctest: +SKIP
    """
    import uvicorn

    config = config or EmulatorConfig()
    if config.preload_engines:
        (config.engines or default_engines()).preload()
    _install_log_filter()
    uvicorn.run(
        create_app(config), host=host, port=port, log_level="info", lifespan="off", ws=_WS_IMPL
    )
