"""``emulator``: serve the local Azure-OpenAI-compatible audio emulator in the foreground."""

from __future__ import annotations

import logging

import typer

from langchain_azure_audio.emulator.config import DEFAULT_MODELS, DEPLOYMENTS_ENV

_DEPLOYMENT_HELP = (
    "A deployment NAME=MODEL, e.g. my-audio=gpt-4o-audio-preview (repeatable). "
    "Default: the environment variable below, else the default deployments."
)
EPILOG = (
    "Default deployments (each model under its own name): "
    + ", ".join(DEFAULT_MODELS)
    + f". Environment variable: {DEPLOYMENTS_ENV}=name=model,name=model."
    " Realtime: ws://HOST:PORT/openai/v1/realtime?model=gpt-realtime\n\n"
    "Examples:\n\n"
    "  langchain-azure-audio emulator --port 8765\n\n"
    "  langchain-azure-audio emulator -d my-audio=gpt-4o-audio-preview -d stt=whisper\n\n"
    "Then: langchain-azure-audio speak 'Hi' --endpoint http://127.0.0.1:8765 "
    "--api-key emulator-key --out hi.wav (or add --emulator to any command instead)."
)


def emulator(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="Port to bind (0: any free port)."),
    api_key: str = typer.Option(
        "emulator-key", help="Key clients must send in the api-key header."
    ),
    rules: str | None = typer.Option(None, help="JSON file of responder rules."),
    audio_expiry: float = typer.Option(3600.0, help="Lifetime of chat audio ids (s)."),
    preload: bool = typer.Option(True, help="Load the speech models at start-up."),
    deployment: list[str] | None = typer.Option(  # noqa: B008
        None, "--deployment", "-d", help=_DEPLOYMENT_HELP, show_default=False
    ),
    realtime_session_seconds: float = typer.Option(
        1800.0, help="Cap of one realtime session (s); Azure's is 30 minutes."
    ),
    realtime_pace: bool = typer.Option(
        False, help="Send realtime output audio in real time (as fast as it plays)."
    ),
) -> None:
    """Serve the local Azure-OpenAI-compatible audio emulator until Ctrl+C."""
    from langchain_azure_audio import emulator as emulator_module
    from langchain_azure_audio.emulator import EmulatorConfig, Responder
    from langchain_azure_audio.emulator.config import (
        DEFAULT_DEPLOYMENTS,
        deployments_from_env,
        parse_deployments,
    )

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        deployments = (
            parse_deployments(deployment)
            if deployment
            else deployments_from_env() or dict(DEFAULT_DEPLOYMENTS)
        )
        config = EmulatorConfig(
            api_key=api_key,
            audio_expiry_seconds=audio_expiry,
            responder=Responder.from_json(rules) if rules else Responder(),
            preload_engines=preload,
            deployments=deployments,
            realtime_session_seconds=realtime_session_seconds,
            realtime_pace=realtime_pace,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--deployment") from None
    logging.getLogger("langchain_azure_audio.emulator").info(
        "Deployments: %s",
        ", ".join(f"{name}={model}" for name, model in config.deployments.items()),
    )
    emulator_module.serve(config, host=host, port=port)
