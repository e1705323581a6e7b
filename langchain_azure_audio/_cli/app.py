"""The typer application: one module per subcommand, registered here."""

from __future__ import annotations

import typer

from . import common

app = typer.Typer(
    name="langchain-azure-audio",
    help=(
        "Speak, transcribe, translate and chat through Azure OpenAI's audio models (or a local "
        "emulator: add --emulator to any command). Settings come from AZURE_OPENAI_ENDPOINT, "
        "AZURE_OPENAI_API_KEY, OPENAI_API_VERSION and AZURE_OPENAI_{CHAT,TTS,STT,REALTIME}"
        "_DEPLOYMENT, or the matching options."
    ),
    epilog=common.EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Speak, transcribe, translate and chat through Azure OpenAI's audio models."""


def _register() -> None:
    from . import chat, demo, listen, realtime, speak

    app.command(epilog=speak.EPILOG)(speak.speak)
    app.command(epilog=listen.TRANSCRIBE_EPILOG)(listen.transcribe)
    app.command(epilog=listen.TRANSLATE_EPILOG)(listen.translate)
    app.command(epilog=chat.EPILOG)(chat.chat)
    app.command(epilog=realtime.EPILOG)(realtime.realtime)
    app.command(epilog=demo.EPILOG)(demo.demo)
    # The voice page imports Starlette lazily: the command exists without the voice-page extra.
    from langchain_azure_audio.voice_page import voice_agent

    app.command("voice-agent")(voice_agent)
    try:
        from . import emulator_cmd
    except ImportError as exc:  # the emulator extra is not installed
        missing = str(exc)

        @app.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
        def emulator() -> None:
            """Serve the local emulator (needs the emulator extra)."""
            raise common.fail(
                f'the emulator needs: pip install "langchain-azure-audio[emulator]" ({missing}).'
            )

        return
    app.command(epilog=emulator_cmd.EPILOG)(emulator_cmd.emulator)


_register()
