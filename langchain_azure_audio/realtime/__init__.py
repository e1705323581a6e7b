"""Realtime voice on Azure OpenAI (gpt-realtime, gpt-realtime-mini) over the GA WebSocket API.

* :class:`AzureRealtimeVoiceAgent`: a voice agent with LangChain tools; ``agent.connect()`` opens a
  :class:`RealtimeSession` (send audio/text, read typed events, interrupt), ``agent.arun(frames)``
  runs a whole conversation.
* :class:`AzureRealtimeChatModel`: the same deployment as a LangChain chat model.

Needs ``websockets`` (``pip install "langchain-azure-audio[realtime]"``).
"""

from langchain_azure_audio.realtime._audio import (
    aiter_frames,
    pcm16_frames,
    read_pcm16,
    to_session_pcm16,
)
from langchain_azure_audio.realtime.agent import AzureRealtimeVoiceAgent
from langchain_azure_audio.realtime.chat_model import AzureRealtimeChatModel
from langchain_azure_audio.realtime.conversation import RealtimeConversation
from langchain_azure_audio.realtime.events import (
    FunctionCallRequested,
    InputTranscript,
    Interrupted,
    OutputAudio,
    OutputTranscriptDelta,
    OutputTranscriptDone,
    RealtimeEvent,
    Reconnected,
    ResponseDone,
    ResponseStarted,
    ServiceError,
    SessionStarted,
    SpeechStarted,
    SpeechStopped,
    ToolFinished,
    ToolStarted,
)
from langchain_azure_audio.realtime.session import RealtimeSession, realtime_usage
from langchain_azure_audio.realtime.settings import (
    ClientSecret,
    normalize_turn_detection,
    realtime_tool_spec,
)

__all__ = [
    "AzureRealtimeChatModel",
    "AzureRealtimeVoiceAgent",
    "ClientSecret",
    "FunctionCallRequested",
    "InputTranscript",
    "Interrupted",
    "OutputAudio",
    "OutputTranscriptDelta",
    "OutputTranscriptDone",
    "RealtimeConversation",
    "RealtimeEvent",
    "RealtimeSession",
    "Reconnected",
    "ResponseDone",
    "ResponseStarted",
    "ServiceError",
    "SessionStarted",
    "SpeechStarted",
    "SpeechStopped",
    "ToolFinished",
    "ToolStarted",
    "aiter_frames",
    "normalize_turn_detection",
    "pcm16_frames",
    "read_pcm16",
    "realtime_tool_spec",
    "realtime_usage",
    "to_session_pcm16",
]
