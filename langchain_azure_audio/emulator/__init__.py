"""A local, Azure-OpenAI-compatible audio service for tests, demos and offline development.

It speaks the same wire protocol as Azure OpenAI's audio models (URLs, ``api-key``/Bearer auth,
JSON shapes, SSE chunks, error bodies) with real speech synthesis (Piper) and real speech
recognition (Whisper tiny.en), both from pip packages, and a deterministic scripted
:class:`Responder` in place of the language model. It also injects faults on request.

It also serves the GA realtime WebSocket, ``ws://127.0.0.1:PORT/openai/v1/realtime?model=gpt-realtime``
(:attr:`Emulator.realtime_url`; server VAD, Whisper, tool calls, spoken replies; see
:mod:`langchain_azure_audio.emulator.realtime`) and ``POST /openai/v1/realtime/client_secrets``.

Deployments carry names of your choosing: ``Emulator(deployments={"my-audio":
"gpt-4o-audio-preview"})``; by default every model is deployed under its own name
(:data:`DEFAULT_DEPLOYMENTS`).

Needs ``pip install "langchain-azure-audio[emulator]"``.

Example:
    >>> from langchain_azure_audio.emulator import Emulator
    >>> with Emulator() as emu:                                        # doctest: +SKIP
    ...     speech = emu.client().audio.speech.create(
    ...         model="gpt-4o-mini-tts", input="Hello there.", voice="coral",
    ...         response_format="wav")
    ...     speech.content[:4]
    b'RIFF'

From a shell: ``python -m langchain_azure_audio.emulator --port 8000`` or
``langchain-azure-audio emulator --port 8000 --deployment my-audio=gpt-4o-audio-preview``.
"""

from langchain_azure_audio.emulator.app import create_app
from langchain_azure_audio.emulator.config import (
    DEFAULT_API_KEY,
    DEFAULT_API_VERSION,
    DEFAULT_DEPLOYMENTS,
    EmulatorConfig,
)
from langchain_azure_audio.emulator.engines import Engines, default_engines
from langchain_azure_audio.emulator.faults import FAULT_HEADER, Fault, FaultQueue
from langchain_azure_audio.emulator.responder import Reply, Responder, Rule, ToolCall, Turn
from langchain_azure_audio.emulator.server import Emulator, serve

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_API_VERSION",
    "DEFAULT_DEPLOYMENTS",
    "FAULT_HEADER",
    "Emulator",
    "EmulatorConfig",
    "Engines",
    "Fault",
    "FaultQueue",
    "Reply",
    "Responder",
    "Rule",
    "ToolCall",
    "Turn",
    "create_app",
    "default_engines",
    "serve",
]
