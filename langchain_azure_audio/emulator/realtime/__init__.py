"""The GA realtime API of the emulator: ``ws://HOST:PORT/openai/v1/realtime?model=DEPLOYMENT``.

The same wire protocol as Azure OpenAI's gpt-realtime deployments (GA event names and shapes),
built on the emulator's real engines: server VAD (:mod:`~langchain_azure_audio.emulator.vad`,
Silero), Whisper transcription of the user's committed audio, the scripted
:class:`~langchain_azure_audio.emulator.responder.Responder` in place of the model (it calls
tools the user mentions and reports their results), and Piper speaking the reply as 24 kHz pcm16
in ~100 ms ``response.output_audio.delta`` pieces.

Where each behaviour lives:

* :mod:`.endpoint`: the WebSocket route: auth (keys, tokens, ``ek_`` keys, the browser
  subprotocol), refusals before the upgrade, the connection loop and event dispatch,
  ``session.update``, the session cap (``session_expired``), the handshake's fault header.
* :mod:`._secrets`: ``POST /openai/v1/realtime/client_secrets`` (ephemeral keys).
* :mod:`._session`: the session defaults; ``session.update`` checked and merged.
* :mod:`._turns`: ``input_audio_buffer.*``, server / semantic VAD turns, commits, Whisper
  transcripts (``conversation.item.input_audio_transcription.completed``).
* :mod:`._conversation`: ``conversation.item.create`` / ``retrieve`` / ``delete`` / ``truncate``.
* :mod:`._responses`: ``response.create`` / ``cancel``, what the responder is asked, response
  faults, ``response.done`` and its usage.
* :mod:`._output`: function calls, text deltas, Piper's paced audio deltas, ``cut_stream``.
* :mod:`._core`: the session's state (items, input buffer, active response) and ``send``.
* :mod:`._protocol`: ids, audio units, field sets, ``RealtimeError`` and Azure's wording.

Client events: ``session.update`` (``session.type`` must be ``"realtime"``),
``input_audio_buffer.append`` / ``commit`` / ``clear``, ``conversation.item.create`` /
``retrieve`` / ``truncate`` / ``delete``, ``response.create``, ``response.cancel``.

Server events: ``session.created`` / ``session.updated``, ``input_audio_buffer.speech_started`` /
``speech_stopped`` / ``committed`` / ``cleared``, ``conversation.item.added`` / ``done`` /
``retrieved`` / ``truncated`` / ``deleted``,
``conversation.item.input_audio_transcription.completed`` (when ``audio.input.transcription`` is
set), ``response.created``, ``response.output_item.added`` / ``done``,
``response.content_part.added`` / ``done``, ``response.output_audio.delta`` / ``done``,
``response.output_audio_transcript.delta`` / ``done``, ``response.output_text.delta`` / ``done``,
``response.function_call_arguments.delta`` / ``done``, ``response.done`` (with usage) and
``error``.

Errors as the service words them: ``conversation_already_has_active_response`` for a
``response.create`` during a response, ``Audio content of Xms is already shorter than Yms`` for a
truncate past the audio, ``cannot_update_voice`` once audio was produced, ``session_expired`` when
the session cap (``EmulatorConfig.realtime_session_seconds``, Azure: 30 minutes) is reached, after
which the socket closes.

Faults (queued with ``emu.inject(fault, route="realtime")`` or the ``x-emulator-fault`` header of
the WebSocket handshake, which applies to the session's first response): ``cut_stream`` drops the
socket half-way through a response (close code 1011), ``500``/``503``/``429`` answer a response
with an ``error`` event and a failed ``response.done``, ``content_filter`` ends it ``incomplete``
with reason ``content_filter``, ``slow_first_byte:MS`` delays its first delta.

Example (the raw openai SDK's GA client)::

    client = openai.AsyncOpenAI(api_key=emu.api_key, base_url=f"{emu.endpoint}/openai/v1",
                                websocket_base_url=emu.ws_url)
    async with client.realtime.connect(model="gpt-realtime") as conn:
        await conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
        ...
"""

from langchain_azure_audio.emulator.realtime._protocol import RealtimeError
from langchain_azure_audio.emulator.realtime._secrets import client_secrets
from langchain_azure_audio.emulator.realtime._session import merge_session
from langchain_azure_audio.emulator.realtime.endpoint import (
    RealtimeSession,
    deprecated_realtime_socket,
    realtime_socket,
)

__all__ = [
    "RealtimeError",
    "RealtimeSession",
    "client_secrets",
    "deprecated_realtime_socket",
    "merge_session",
    "realtime_socket",
]
