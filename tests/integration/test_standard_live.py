"""The langchain-tests standard integration suite for AzureAudioChatModel, on the live emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel

from langchain_azure_audio import AzureAudioChatModel
from langchain_azure_audio.emulator import Emulator
from tests.standard_live import EmulatorStandardTests


@pytest.fixture(scope="module")
def live_emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


class TestAzureAudioChatModelStandard(EmulatorStandardTests):
    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return AzureAudioChatModel

    def emulator_params(self, emu: Emulator) -> dict[str, Any]:
        return {
            "azure_endpoint": emu.endpoint,
            "api_key": emu.api_key,
            "api_version": emu.api_version,
            "azure_deployment": "gpt-4o-mini-audio-preview",
            "modalities": ["text"],
            "max_retries": 0,
        }
