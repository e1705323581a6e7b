"""The ``langchain-azure-audio`` command line (needs the ``cli`` extra: typer).

Subcommands live in :mod:`langchain_azure_audio._cli`, one module each: ``speak``,
``transcribe``, ``translate``, ``chat``, ``realtime``, ``demo`` and ``emulator``. Every command
that talks to the service takes ``--emulator`` (a local emulator for the command's duration) and
reads the same environment variables as the library.

Example (shell)::

    langchain-azure-audio speak "Hello there." --out hello.wav --emulator
    langchain-azure-audio transcribe hello.wav --emulator
    langchain-azure-audio emulator --port 8000
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["app", "main"]

_INSTALL_HINT = 'The command line needs typer: pip install "langchain-azure-audio[cli]"'

try:
    import typer  # noqa: F401

    _HAVE_TYPER = True
except ImportError:  # pragma: no cover - depends on the extra
    _HAVE_TYPER = False

app: Any = None
if _HAVE_TYPER:
    from langchain_azure_audio._cli.app import app


def main() -> None:
    """Entry point of the ``langchain-azure-audio`` script."""
    if not _HAVE_TYPER:
        sys.stderr.write(_INSTALL_HINT + "\n")
        raise SystemExit(1)
    app()


if __name__ == "__main__":
    main()
