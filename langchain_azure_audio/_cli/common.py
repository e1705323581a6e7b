"""What every subcommand shares: connection options, ``--emulator``, exit codes, errors, progress.

Exit codes (also in every command's ``--help``):

* ``0`` done;
* ``1`` a batch finished but some files failed (the summary names them and why);
* ``2`` bad usage or input, refused before any request (unknown voice, unreadable file, no
  endpoint...);
* ``3`` the service or the connection failed (unreachable endpoint, 401, 404, 429 after retries);
* ``130`` interrupted (Ctrl+C); nothing partial is left behind.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import openai
import typer

from langchain_azure_audio.errors import (
    AudioValidationError,
    AzureAudioError,
    ConfigurationError,
    ServiceConnectionError,
    UnsupportedOptionError,
)

__all__ = [
    "EXIT_CODES_HELP",
    "EXIT_FAILED_ITEMS",
    "EXIT_INTERRUPTED",
    "EXIT_SERVICE",
    "EXIT_USAGE",
    "Connection",
    "Service",
    "cli_errors",
    "exit_code_for",
    "fail",
    "info",
    "one_line",
]

EXIT_FAILED_ITEMS = 1
EXIT_USAGE = 2
EXIT_SERVICE = 3
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = (
    "Exit codes: 0 done; 1 some files of a batch failed; 2 bad usage or input (nothing was "
    "sent); 3 service or connection error; 130 interrupted. Add --debug for a traceback."
)

ENV_DEPLOYMENT = {
    "chat": "AZURE_OPENAI_CHAT_DEPLOYMENT",
    "speech": "AZURE_OPENAI_TTS_DEPLOYMENT",
    "transcription": "AZURE_OPENAI_STT_DEPLOYMENT",
    "realtime": "AZURE_OPENAI_REALTIME_DEPLOYMENT",
}
"""The environment variable that names each kind's deployment (as in the cookbook)."""

DEFAULT_MODEL = {
    "chat": "gpt-4o-mini-audio-preview",
    "speech": "gpt-4o-mini-tts",
    "transcription": "whisper",
    "realtime": "gpt-realtime",
}
"""The deployment (and model) used when none is named."""

_PANEL = "Connection"

# -- options every service command takes ----------------------------------------------------

EndpointOpt = Annotated[
    str | None,
    typer.Option(
        "--endpoint",
        envvar="AZURE_OPENAI_ENDPOINT",
        help="https://<resource>.openai.azure.com (or an emulator's URL).",
        rich_help_panel=_PANEL,
        show_default=False,
    ),
]
ApiKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar="AZURE_OPENAI_API_KEY",
        help="Key of the resource; prefer the environment variable.",
        rich_help_panel=_PANEL,
        show_default=False,
    ),
]
ApiVersionOpt = Annotated[
    str | None,
    typer.Option(
        "--api-version",
        envvar="OPENAI_API_VERSION",
        help="A dated api-version (>= 2025-01-01-preview) or v1.",
        rich_help_panel=_PANEL,
        show_default=False,
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="The model behind the deployment, when its name does not say (e.g. tts-1-hd).",
        rich_help_panel=_PANEL,
        show_default=False,
    ),
]
EmulatorOpt = Annotated[
    bool,
    typer.Option(
        "--emulator",
        help="Start a local emulator for this command and use it (ignores --endpoint/--api-key).",
        rich_help_panel=_PANEL,
    ),
]
MaxRetriesOpt = Annotated[
    int,
    typer.Option("--max-retries", min=0, help="SDK retries per request.", rich_help_panel=_PANEL),
]
TimeoutOpt = Annotated[
    float,
    typer.Option("--timeout", min=0.1, help="Seconds per request.", rich_help_panel=_PANEL),
]
ProgressOpt = Annotated[
    bool | None,
    typer.Option(
        "--progress/--no-progress",
        help="Progress bars on stderr (default: when stderr is a terminal).",
        show_default=False,
    ),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]


def deployment_option(kind: str) -> Any:
    """``--deployment`` of one kind of deployment, read from its environment variable."""
    return typer.Option(
        "--deployment",
        "-D",
        envvar=ENV_DEPLOYMENT[kind],
        help=f"The deployment to call (default: {DEFAULT_MODEL[kind]}).",
        rich_help_panel=_PANEL,
        show_default=False,
    )


ChatDeploymentOpt = Annotated[str | None, deployment_option("chat")]
SpeechDeploymentOpt = Annotated[str | None, deployment_option("speech")]
SttDeploymentOpt = Annotated[str | None, deployment_option("transcription")]
RealtimeDeploymentOpt = Annotated[str | None, deployment_option("realtime")]


# -- where requests go ------------------------------------------------------------------------


@dataclass
class Connection:
    """The connection options of one command line."""

    endpoint: str | None = None
    api_key: str | None = None
    api_version: str | None = None
    emulator: bool = False
    max_retries: int = 2
    timeout: float = 120.0


@dataclass
class Service:
    """Constructor arguments for clients of each kind, for one command's duration."""

    where: str
    base: dict[str, Any]
    deployments: dict[str, str] = field(default_factory=dict)
    """Deployment name -> model, when known (the emulator's)."""

    def settings(
        self, kind: str, deployment: str | None = None, model: str | None = None
    ) -> dict[str, Any]:
        """``azure_endpoint``, ``api_key``... and the deployment (and model) of ``kind``."""
        out = dict(self.base)
        name = deployment or DEFAULT_MODEL[kind]
        out["azure_deployment"] = name
        model = model or self.deployments.get(name)
        if model is not None:
            out["model"] = model
        return out


@contextlib.contextmanager
def open_service(
    conn: Connection, wanted: Mapping[str, tuple[str | None, str | None]] | None = None
) -> Iterator[Service]:
    """Azure (or whatever ``--endpoint`` names), or a local emulator for the block's duration.

    ``wanted`` maps a kind to the ``(deployment, model)`` the command will ask for, so that an
    emulator serves deployments of those names too.
    """
    common: dict[str, Any] = {"max_retries": conn.max_retries, "timeout": conn.timeout}
    if not conn.emulator:
        base = dict(common)
        for key, value in (
            ("azure_endpoint", conn.endpoint),
            ("api_key", conn.api_key),
            ("api_version", conn.api_version),
        ):
            if value:
                base[key] = value
        yield Service(conn.endpoint or os.environ.get("AZURE_OPENAI_ENDPOINT") or "?", base)
        return
    try:
        from langchain_azure_audio.emulator import DEFAULT_DEPLOYMENTS, Emulator
    except ImportError as exc:
        raise ConfigurationError(
            '--emulator needs the emulator extra: pip install "langchain-azure-audio[emulator]" '
            f"({exc})."
        ) from None
    deployments = dict(DEFAULT_DEPLOYMENTS)
    for kind, (name, model) in (wanted or {}).items():
        if name and name not in deployments:
            deployments[name] = model or DEFAULT_MODEL[kind]
    info("Starting a local emulator...")
    with Emulator(deployments=deployments, preload_engines=False) as emu:
        info(f"Local emulator at {emu.endpoint}")
        base = {
            **common,
            "azure_endpoint": emu.endpoint,
            "api_key": emu.api_key,
            "api_version": emu.api_version,
        }
        yield Service(f"the local emulator at {emu.endpoint}", base, dict(emu.deployments))


# -- messages and exit codes --------------------------------------------------------------------


def info(message: str) -> None:
    """A line on stderr (stdout is kept for results)."""
    typer.echo(message, err=True)


def one_line(exc: BaseException) -> str:
    """An exception's message on one line."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    """Print ``error: message`` on stderr and return the exit to raise."""
    info(f"error: {message}")
    return typer.Exit(code)


def exit_code_for(exc: BaseException) -> int:
    """2 for what was refused before any request, 3 for the service and the connection."""
    if isinstance(
        exc, (ConfigurationError, UnsupportedOptionError, AudioValidationError, OSError, ValueError)
    ) and not isinstance(exc, openai.OpenAIError):
        return EXIT_USAGE
    return EXIT_SERVICE


def _hint(exc: BaseException) -> str:
    if isinstance(exc, ConfigurationError) and "endpoint" in str(exc).lower():
        return " Or add --emulator to use a local emulator."
    if isinstance(exc, ServiceConnectionError):
        return " (Or add --emulator to use a local emulator.)"
    return ""


@contextlib.contextmanager
def cli_errors(debug: bool = False) -> Iterator[None]:
    """Turn the package's typed errors into one line on stderr and an exit code."""
    try:
        yield
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        info("interrupted: nothing partial was left behind.")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except (AzureAudioError, openai.OpenAIError, OSError, ValueError) as exc:
        if debug:
            raise
        code = exit_code_for(exc)
        if isinstance(exc, FileNotFoundError):
            message = f"no such file: {exc.filename}"
        elif isinstance(exc, OSError) and exc.filename:
            message = f"{exc.strerror or one_line(exc)}: {exc.filename}"
        else:
            message = one_line(exc)
        raise fail(message + _hint(exc), code) from None
    except Exception as exc:
        if debug:
            raise
        raise fail(
            f"unexpected {type(exc).__name__}: {one_line(exc)} (run again with --debug and "
            "report it)",
            EXIT_SERVICE,
        ) from None


def progress_enabled(flag: bool | None) -> bool:
    """``--progress``/``--no-progress``, else whether stderr is a terminal."""
    if flag is not None:
        return flag
    return sys.stderr.isatty()


def read_text(path: Path) -> str:
    """A UTF-8 text file (exit 2 with the file named when it is not)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise fail(f"{path} is not UTF-8 text.") from None
