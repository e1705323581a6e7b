"""Start the voice page: ``serve(...)``, the command line's ``voice_agent(...)``, ``main(argv)``."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.tools import BaseTool
from pydantic import SecretStr

if TYPE_CHECKING:
    from starlette.applications import Starlette


__all__ = ["build_app", "load_tools", "main", "serve", "voice_agent"]

logger = logging.getLogger(__name__)

_INSTALL_HINT = (
    'The voice page needs starlette and uvicorn: pip install "langchain-azure-audio[voice-page]"'
)
_EMULATOR_HINT = (
    "No AZURE_OPENAI_ENDPOINT is set, so the voice page runs on the local emulator, which needs "
    'its extra: pip install "langchain-azure-audio[emulator,voice-page]" (or set '
    "AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_API_KEY to talk to Azure)."
)
DEFAULT_INSTRUCTIONS = "You are a helpful voice assistant. Answer briefly."


def load_tools(spec: str | None) -> list[Any]:
    """Tools from ``module:attribute`` (a tool, a function, or a list of them; several specs
    may be separated by commas). ``None`` gives the demo tools (``get_weather``, ``get_time``).

    Example:
        >>> [t.name for t in load_tools("langchain_azure_audio.voice_page.demo_tools:TOOLS")]
        ['get_weather', 'get_time']
    """
    if not spec:
        spec = "langchain_azure_audio.voice_page.demo_tools:TOOLS"
    tools: list[Any] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        module_name, sep, attribute = part.partition(":")
        if not sep or not module_name or not attribute:
            raise ValueError(f"--tools takes module:attribute (got {part!r}).")
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())  # tools in the current directory, like uvicorn
        module = importlib.import_module(module_name)
        value: Any = module
        for name in attribute.split("."):
            value = getattr(value, name)
        if isinstance(value, BaseTool) or (callable(value) and not isinstance(value, type)):
            tools.append(value)
        elif isinstance(value, list | tuple):
            tools.extend(value)
        else:
            raise ValueError(
                f"{part} is a {type(value).__name__}: give a tool, a function or a list of them."
            )
    return tools


def _use_emulator(emulator: bool | None) -> bool:
    if emulator is not None:
        return emulator
    return not os.environ.get("AZURE_OPENAI_ENDPOINT")


@contextlib.contextmanager
def build_app(
    tools: Sequence[Any] | str | None = None,
    *,
    emulator: bool | None = None,
    webrtc: bool = False,
    instructions: str | None = DEFAULT_INSTRUCTIONS,
    title: str = "Voice agent",
    **agent_kwargs: Any,
) -> Iterator[Starlette]:
    """The voice page's app, with a local emulator running beside it when needed.

    Args:
        tools: LangChain tools, or a ``module:attribute`` spec (default: the demo tools).
        emulator: ``True``: talk to a local emulator started here; ``False``: talk to Azure
            (``AZURE_OPENAI_*``); ``None`` (default): the emulator when no
            ``AZURE_OPENAI_ENDPOINT`` is set.
        webrtc: Offer the WebRTC mode too (Azure only).
        instructions: The agent's system instructions.
        title: The page's heading.
        agent_kwargs: More :class:`~langchain_azure_audio.realtime.AzureRealtimeVoiceAgent`
            arguments (``azure_deployment``, ``voice``, ``turn_detection``...).
    """
    from langchain_azure_audio.realtime import AzureRealtimeVoiceAgent
    from langchain_azure_audio.voice_page.app import create_app

    tool_list = load_tools(tools) if tools is None or isinstance(tools, str) else list(tools)
    if _use_emulator(emulator):
        try:
            from langchain_azure_audio.emulator import Emulator
        except ImportError as exc:
            raise ImportError(_EMULATOR_HINT) from exc
        # Real-time pacing: the answer arrives as fast as it plays, as from Azure.
        with Emulator(realtime_pace=True) as emu:
            agent = AzureRealtimeVoiceAgent(
                azure_endpoint=emu.endpoint,
                api_key=SecretStr(emu.api_key),
                tools=tool_list,
                instructions=instructions,
                **{"azure_deployment": emu.deployment_for("realtime"), **agent_kwargs},
            )
            logger.info("voice page on the local emulator at %s", emu.endpoint)
            yield create_app(agent, title=title, backend="emulator", webrtc=webrtc)
        return
    agent = AzureRealtimeVoiceAgent(tools=tool_list, instructions=instructions, **agent_kwargs)
    yield create_app(agent, title=title, backend="azure", webrtc=webrtc)


def serve(
    tools: Sequence[Any] | str | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    emulator: bool | None = None,
    webrtc: bool = False,
    instructions: str | None = DEFAULT_INSTRUCTIONS,
    title: str = "Voice agent",
    **agent_kwargs: Any,
) -> None:
    """Serve the voice page until Ctrl+C (open ``http://HOST:PORT/``).

    Browsers allow the microphone only on ``https://`` pages or ``localhost``/``127.0.0.1``:
    to reach the page from another machine, put it behind an HTTPS proxy.

    Example:
        >>> from langchain_core.tools import tool
        >>> @tool
        ... def get_weather(city: str) -> str:
        ...     '''Weather of a city.'''
        ...     return f"It is sunny in {city}."
        >>> serve([get_weather], port=8080)  # doctest: +SKIP
    """
    try:
        import uvicorn
    except ImportError as exc:
        raise ImportError(_INSTALL_HINT) from exc
    with build_app(
        tools,
        emulator=emulator,
        webrtc=webrtc,
        instructions=instructions,
        title=title,
        **agent_kwargs,
    ) as app:
        print_url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"  # noqa: S104
        logger.warning("Voice page: %s", print_url)
        uvicorn.run(app, host=host, port=port, log_level="info", ws="websockets-sansio")


def voice_agent(
    tools: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8080,
    emulator: bool = False,
    azure: bool = False,
    webrtc: bool = False,
    deployment: str | None = None,
    voice: str = "marin",
    instructions: str = DEFAULT_INSTRUCTIONS,
) -> None:
    """Serve a browser voice page on a realtime agent with your LangChain tools.

    TOOLS is module:attribute (a tool, a function or a list of them; default: demo tools).
    The local emulator is used when no AZURE_OPENAI_ENDPOINT is set (or with --emulator);
    --azure insists on Azure. Open http://HOST:PORT/ and press Start talking.
    """
    if emulator and azure:
        raise ValueError("Choose --emulator or --azure, not both.")
    kwargs: dict[str, Any] = {"voice": voice}
    if deployment:
        kwargs["azure_deployment"] = deployment
    serve(
        tools,
        host=host,
        port=port,
        emulator=True if emulator else (False if azure else None),
        webrtc=webrtc,
        instructions=instructions,
        **kwargs,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m langchain_azure_audio.voice_page [--tools module:attribute] ...``."""
    parser = argparse.ArgumentParser(
        prog="langchain-azure-audio voice-agent",
        description="Serve a browser voice page on a realtime agent with your LangChain tools.",
    )
    parser.add_argument("--tools", help="module:attribute (default: demo tools)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--emulator", action="store_true", help="use a local emulator (default without Azure env)"
    )
    where.add_argument("--azure", action="store_true", help="use Azure (AZURE_OPENAI_*)")
    parser.add_argument("--webrtc", action="store_true", help="offer the WebRTC mode (Azure)")
    parser.add_argument("--deployment", help="realtime deployment (default gpt-realtime)")
    parser.add_argument("--voice", default="marin")
    parser.add_argument("--instructions", default=DEFAULT_INSTRUCTIONS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    voice_agent(
        tools=args.tools,
        host=args.host,
        port=args.port,
        emulator=args.emulator,
        azure=args.azure,
        webrtc=args.webrtc,
        deployment=args.deployment,
        voice=args.voice,
        instructions=args.instructions,
    )
    return 0
