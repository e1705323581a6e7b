"""The langchain-tests standard integration suite for AzureRealtimeChatModel, on the live emulator.

Each call opens a GA realtime WebSocket session on the local emulator (scripted responder, real
Piper speech and Whisper recognition), on loopback only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel

from langchain_azure_audio.realtime import AzureRealtimeChatModel

pytest.importorskip("starlette")
from langchain_azure_audio.emulator import Emulator
from tests.standard_live import EmulatorStandardTests

pytestmark = pytest.mark.emulator


@pytest.fixture(scope="module")
def live_emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


class TestAzureRealtimeChatModelStandardLive(EmulatorStandardTests):
    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return AzureRealtimeChatModel

    def emulator_params(self, emu: Emulator) -> dict[str, Any]:
        return {
            "azure_endpoint": emu.endpoint,
            "api_key": emu.api_key,
            "azure_deployment": "gpt-realtime",
            "modalities": ["text"],
        }
