"""A browser voice page on :class:`~langchain_azure_audio.realtime.AzureRealtimeVoiceAgent`.

Press a button and talk to a LangChain agent: the page captures the microphone (an AudioWorklet
resamples it to 24 kHz mono pcm16 whatever the device rate), streams it to this server over a
WebSocket, and plays the answer gaplessly; when the user speaks over the answer, playback stops
at once and the server truncates the answer at the milliseconds actually played. The tools, the
instructions and the Azure key stay on the server.

Needs ``pip install "langchain-azure-audio[voice-page]"`` (and ``[emulator]`` to run without
Azure). From a shell: ``langchain-azure-audio voice-agent --tools my_module:TOOLS`` or
``python -m langchain_azure_audio.voice_page --tools my_module:TOOLS``.

Example:
    >>> from langchain_azure_audio.voice_page import serve
    >>> serve("my_tools:TOOLS", port=8080)   # doctest: +SKIP
"""

from langchain_azure_audio.voice_page.app import create_app
from langchain_azure_audio.voice_page.server import build_app, load_tools, main, serve, voice_agent

__all__ = ["build_app", "create_app", "load_tools", "main", "serve", "voice_agent"]
