"""Clients wired to a local emulator: the client side of :mod:`langchain_azure_audio.emulator`.

The emulator is a server and knows nothing of the LangChain classes; these typed factories build
them against a running :class:`~langchain_azure_audio.emulator.Emulator` (its endpoint, key,
api-version, and a deployment of the right kind). ``emu.chat_model()`` and friends call them.

Example:
    >>> from langchain_azure_audio.emulator import Emulator  # doctest: +SKIP
    >>> from langchain_azure_audio.testing import chat_model  # doctest: +SKIP
    >>> with Emulator() as emu:  # doctest: +SKIP
    ...     chat_model(emu, voice="coral").invoke("Hello there").text
    'You said: Hello there'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_azure_audio.chat_models import AzureAudioChatModel
from langchain_azure_audio.tools import AzureSpeechToTextTool, AzureTextToSpeechTool

if TYPE_CHECKING:
    from langchain_azure_audio.emulator import Emulator

__all__ = ["chat_model", "connection", "speech_tool", "transcription_tool"]


def connection(emu: Emulator, kind: str, preferred: str, kw: dict[str, Any]) -> dict[str, Any]:
    """Constructor arguments for a client of ``kind`` on ``emu`` (``kw`` wins where given)."""
    deployment = kw.pop("azure_deployment", None) or emu.deployment_for(kind, preferred)
    out: dict[str, Any] = {
        "azure_endpoint": emu.endpoint,
        "api_key": emu.api_key,
        "api_version": emu.api_version,
        "azure_deployment": deployment,
    }
    if "model" not in kw and "model_name" not in kw and deployment in emu.deployments:
        out["model"] = emu.deployments[deployment]
    return {**out, **kw}


def chat_model(emu: Emulator, **kw: Any) -> AzureAudioChatModel:
    """An :class:`AzureAudioChatModel` on the emulator's chat deployment."""
    return AzureAudioChatModel(**connection(emu, "chat", "gpt-4o-mini-audio-preview", kw))


def speech_tool(emu: Emulator, **kw: Any) -> AzureTextToSpeechTool:
    """An :class:`AzureTextToSpeechTool` on the emulator's speech deployment."""
    return AzureTextToSpeechTool(**connection(emu, "speech", "gpt-4o-mini-tts", kw))


def transcription_tool(emu: Emulator, **kw: Any) -> AzureSpeechToTextTool:
    """An :class:`AzureSpeechToTextTool` on the emulator's transcription deployment."""
    return AzureSpeechToTextTool(**connection(emu, "transcription", "whisper", kw))
