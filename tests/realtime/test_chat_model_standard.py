"""The langchain-tests standard unit suite for AzureRealtimeChatModel."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_azure_audio.realtime import AzureRealtimeChatModel

ENDPOINT = "https://test-resource.openai.azure.com"


class TestAzureRealtimeChatModelStandard(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[AzureRealtimeChatModel]:
        return AzureRealtimeChatModel

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            "azure_deployment": "gpt-realtime",
            "azure_endpoint": ENDPOINT,
            "api_key": "test-key",
        }

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {"AZURE_OPENAI_ENDPOINT": ENDPOINT, "AZURE_OPENAI_API_KEY": "env-test-key"},
            {"azure_deployment": "gpt-realtime-mini"},
            {
                "azure_endpoint": ENDPOINT,
                "api_key": "env-test-key",
                "azure_deployment": "gpt-realtime-mini",
                "model_name": "gpt-realtime-mini",
            },
        )

    @property
    def supports_audio_inputs(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return False

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True
