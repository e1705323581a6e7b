"""The langchain-tests standard unit suite (the ecosystem's contract for chat models)."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_azure_audio import AzureAudioChatModel

ENDPOINT = "https://test-resource.openai.azure.com"


class TestAzureAudioChatModelStandard(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[AzureAudioChatModel]:
        return AzureAudioChatModel

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {
            "azure_deployment": "gpt-4o-mini-audio-preview",
            "azure_endpoint": ENDPOINT,
            "api_key": "test-key",
        }

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {
                "AZURE_OPENAI_ENDPOINT": ENDPOINT,
                "AZURE_OPENAI_API_KEY": "env-test-key",
                "OPENAI_API_VERSION": "2025-01-01-preview",
            },
            {"azure_deployment": "gpt-4o-mini-audio-preview"},
            {
                "azure_endpoint": ENDPOINT,
                "api_key": "env-test-key",
                "api_version": "2025-01-01-preview",
                "azure_deployment": "gpt-4o-mini-audio-preview",
                "model_name": "gpt-4o-mini-audio-preview",
            },
        )

    @property
    def supports_audio_inputs(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return False

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True
