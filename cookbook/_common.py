"""What the cookbook recipes share: where to send requests.

Azure OpenAI when ``AZURE_OPENAI_ENDPOINT`` and ``AZURE_OPENAI_API_KEY`` are set (deployments named
by ``AZURE_OPENAI_CHAT_DEPLOYMENT``, ``AZURE_OPENAI_TTS_DEPLOYMENT``,
``AZURE_OPENAI_STT_DEPLOYMENT``), otherwise a local emulator started for the recipe's duration.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def service() -> Iterator[tuple[str, dict[str, dict[str, Any]]]]:
    """Settings per kind (chat, tts, stt): Azure when configured, else a local emulator."""
    if os.environ.get("AZURE_OPENAI_ENDPOINT") and os.environ.get("AZURE_OPENAI_API_KEY"):
        yield (
            "Azure OpenAI",
            {
                "chat": {
                    "azure_deployment": os.environ.get(
                        "AZURE_OPENAI_CHAT_DEPLOYMENT", "gpt-4o-mini-audio-preview"
                    )
                },
                "tts": {
                    "azure_deployment": os.environ.get(
                        "AZURE_OPENAI_TTS_DEPLOYMENT", "gpt-4o-mini-tts"
                    )
                },
                "stt": {
                    "azure_deployment": os.environ.get("AZURE_OPENAI_STT_DEPLOYMENT", "whisper")
                },
            },
        )
        return
    from langchain_azure_audio.emulator import Emulator

    with Emulator() as emu:
        base = {
            "azure_endpoint": emu.endpoint,
            "api_key": emu.api_key,
            "api_version": emu.api_version,
        }
        yield (
            f"the local emulator at {emu.endpoint}",
            {
                "chat": {**base, "azure_deployment": "gpt-4o-mini-audio-preview"},
                "tts": {**base, "azure_deployment": "gpt-4o-mini-tts"},
                "stt": {**base, "azure_deployment": "whisper"},
            },
        )
