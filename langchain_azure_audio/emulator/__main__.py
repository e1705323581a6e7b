"""``python -m langchain_azure_audio.emulator --port 8000``: serve the emulator in the foreground.

Uses only the standard library's argparse, so it works without the ``cli`` extra.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from langchain_azure_audio.emulator.config import (
    DEFAULT_API_KEY,
    DEFAULT_DEPLOYMENTS,
    DEFAULT_MODELS,
    DEFAULT_REALTIME_SESSION_SECONDS,
    DEPLOYMENTS_ENV,
    EmulatorConfig,
    deployments_from_env,
    parse_deployments,
)
from langchain_azure_audio.emulator.responder import Responder
from langchain_azure_audio.emulator.server import serve


def build_parser() -> argparse.ArgumentParser:
    """The command line options (shared names with ``langchain-azure-audio emulator``)."""
    parser = argparse.ArgumentParser(
        prog="python -m langchain_azure_audio.emulator",
        description="Serve a local Azure-OpenAI-compatible audio emulator.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (0: any free port)")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="key clients must send")
    parser.add_argument("--rules", default=None, help="JSON file of responder rules")
    parser.add_argument(
        "--audio-expiry", type=float, default=3600.0, help="lifetime of chat audio ids (s)"
    )
    parser.add_argument(
        "--no-preload", action="store_true", help="load the speech models on first use"
    )
    parser.add_argument(
        "--deployment",
        "-d",
        action="append",
        default=None,
        metavar="NAME=MODEL",
        help="a deployment, e.g. my-audio=gpt-4o-audio-preview (repeatable); without it: the "
        f"{DEPLOYMENTS_ENV} variable (name=model,name=model), else every model under its own "
        f"name: {', '.join(DEFAULT_MODELS)}",
    )
    parser.add_argument(
        "--realtime-session-seconds",
        type=float,
        default=DEFAULT_REALTIME_SESSION_SECONDS,
        help="cap of one realtime session (s)",
    )
    parser.add_argument(
        "--realtime-pace", action="store_true", help="send realtime output audio in real time"
    )
    return parser


def config_from_args(args: argparse.Namespace) -> EmulatorConfig:
    """An :class:`EmulatorConfig` from parsed options (and :data:`DEPLOYMENTS_ENV`)."""
    deployments = (
        parse_deployments(args.deployment)
        if args.deployment
        else deployments_from_env() or dict(DEFAULT_DEPLOYMENTS)
    )
    return EmulatorConfig(
        api_key=args.api_key,
        audio_expiry_seconds=args.audio_expiry,
        responder=Responder.from_json(args.rules) if args.rules else Responder(),
        preload_engines=not args.no_preload,
        deployments=deployments,
        realtime_session_seconds=args.realtime_session_seconds,
        realtime_pace=args.realtime_pace,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Parse ``argv`` and serve until interrupted."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    serve(config, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
