"""The langchain-tests standard integration suite for AzureRealtimeChatModel, on the live emulator.

Each call opens a GA realtime WebSocket session on the local emulator (scripted responder, real
Piper speech and Whisper recognition), on loopback only.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.integration_tests import chat_models as standard

from langchain_azure_audio import audio_block
from langchain_azure_audio.realtime import AzureRealtimeChatModel

pytest.importorskip("starlette")
from langchain_azure_audio.emulator import Emulator

pytestmark = pytest.mark.emulator

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture(scope="module")
def live_emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


class TestAzureRealtimeChatModelStandardLive(ChatModelIntegrationTests):
    @pytest.fixture(autouse=True)
    def _endpoint(self, live_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
        self._emu = live_emulator
        # test_audio_inputs downloads a clip from the internet; serve a local one instead.
        local = base64.b64encode((DATA / "hello.wav").read_bytes()).decode()
        monkeypatch.setattr(standard, "_get_base64_from_url", lambda _url: local)

    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return AzureRealtimeChatModel

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            "azure_endpoint": self._emu.endpoint,
            "api_key": self._emu.api_key,
            "azure_deployment": "gpt-realtime",
            "modalities": ["text"],
        }

    @property
    def supports_audio_inputs(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return False

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supported_usage_metadata_details(self) -> dict[Any, Any]:
        return {"invoke": ["audio_input", "audio_output"], "stream": ["audio_input"]}

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return False  # realtime sessions have no response_format

    def invoke_with_audio_input(self, *, stream: bool = False) -> AIMessage:
        model = AzureRealtimeChatModel(**self.chat_model_params)
        message = HumanMessage(content=[audio_block(DATA / "hello.wav")])
        if not stream:
            return model.invoke([message])
        full: Any = None
        for chunk in model.stream([message]):
            full = chunk if full is None else full + chunk
        return cast(AIMessage, full)

    def invoke_with_audio_output(self, *, stream: bool = False) -> AIMessage:
        params = {**self.chat_model_params, "modalities": ["text", "audio"]}
        model = AzureRealtimeChatModel(**params)
        if not stream:
            return model.invoke("Say hello.")
        full: Any = None
        for chunk in model.stream("Say hello."):
            full = chunk if full is None else full + chunk
        return cast(AIMessage, full)

    @pytest.mark.xfail(
        reason="the emulator's scripted responder takes tool arguments from the prompt's words; "
        "it cannot translate a request into Chinese text",
        strict=True,
    )
    def test_unicode_tool_call_integration(
        self,
        model: BaseChatModel,
        *,
        tool_choice: str | None = None,  # noqa: PT028 - langchain-tests' own signature
        force_tool_call: bool = True,  # noqa: PT028
    ) -> None:
        super().test_unicode_tool_call_integration(
            model, tool_choice=tool_choice, force_tool_call=force_tool_call
        )
