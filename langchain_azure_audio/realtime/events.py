"""Typed events of a realtime voice session.

:meth:`RealtimeSession.events() <langchain_azure_audio.realtime.RealtimeSession.events>` yields
these instead of the service's raw JSON. Output audio stays base64 until someone reads
:attr:`OutputAudio.audio`, so the event-reading path never decodes audio nobody plays.

Example:
    >>> from langchain_azure_audio.realtime.events import OutputAudio
    >>> OutputAudio(base64="AAABAA==", item_id="item_1", response_id="resp_1").audio
    b'\\x00\\x00\\x01\\x00'
    >>> OutputAudio(base64="AAABAA==", item_id="i", response_id="r").duration_ms
    0.08333333333333333
"""

from __future__ import annotations

import base64 as _b64
import functools
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.messages.ai import UsageMetadata

from langchain_azure_audio.audio import PCM16_SAMPLE_RATE

__all__ = [
    "FunctionCallRequested",
    "InputTranscript",
    "Interrupted",
    "OutputAudio",
    "OutputTranscriptDelta",
    "OutputTranscriptDone",
    "RealtimeEvent",
    "Reconnected",
    "ResponseDone",
    "ResponseStarted",
    "ServiceError",
    "SessionStarted",
    "SpeechStarted",
    "SpeechStopped",
    "ToolFinished",
    "ToolStarted",
]

_BYTES_PER_MS = PCM16_SAMPLE_RATE * 2 / 1000.0


@dataclass(frozen=True)
class SessionStarted:
    """The service opened the session (first connect only; renewals send :class:`Reconnected`).

    Attributes:
        session_id: The service's session id.
        expires_at: Unix time at which the service closes the session (Azure: 30 minutes).
    """

    session_id: str | None
    expires_at: float | None
    type: Literal["session_started"] = "session_started"


@dataclass
class OutputAudio:
    """A piece of the assistant's speech: pcm16, 24 kHz, mono, little-endian.

    Attributes:
        base64: The piece as the service sent it.
        item_id: The assistant message item the audio belongs to (needed to truncate it).
        response_id: The response that produced it.
    """

    base64: str
    item_id: str
    response_id: str
    content_index: int = 0
    type: Literal["output_audio"] = "output_audio"

    @functools.cached_property
    def audio(self) -> bytes:
        """The decoded pcm16 bytes (decoded on first access, once)."""
        return _b64.b64decode(self.base64)

    @property
    def duration_ms(self) -> float:
        """Playback length of the piece in milliseconds."""
        return len(self.audio) / _BYTES_PER_MS


@dataclass(frozen=True)
class OutputTranscriptDelta:
    """A piece of what the assistant says (the transcript of its audio, or its text)."""

    text: str
    item_id: str
    response_id: str
    type: Literal["output_transcript_delta"] = "output_transcript_delta"


@dataclass(frozen=True)
class OutputTranscriptDone:
    """The full transcript of one assistant message."""

    text: str
    item_id: str
    response_id: str
    type: Literal["output_transcript_done"] = "output_transcript_done"


@dataclass(frozen=True)
class InputTranscript:
    """What the service heard the user say (input audio transcription)."""

    text: str
    item_id: str
    type: Literal["input_transcript"] = "input_transcript"


@dataclass(frozen=True)
class SpeechStarted:
    """Server VAD heard the user start speaking."""

    audio_start_ms: int
    item_id: str | None
    type: Literal["speech_started"] = "speech_started"


@dataclass(frozen=True)
class SpeechStopped:
    """Server VAD heard the user stop speaking (the turn is committed next)."""

    audio_end_ms: int
    item_id: str | None
    type: Literal["speech_stopped"] = "speech_stopped"


@dataclass(frozen=True)
class Interrupted:
    """The user spoke over the assistant: stop playing its audio now.

    Attributes:
        item_id: The assistant message that was cut.
        audio_end_ms: Where it was truncated (what the user heard), or ``None`` when no
            truncation was needed (the whole message had been played).
    """

    item_id: str | None
    audio_end_ms: int | None
    type: Literal["interrupted"] = "interrupted"


@dataclass(frozen=True)
class ResponseStarted:
    """The service started a response."""

    response_id: str
    type: Literal["response_started"] = "response_started"


@dataclass(frozen=True)
class FunctionCallRequested:
    """The model asked for a function the session does not run itself (no matching tool)."""

    call_id: str
    name: str
    arguments: str
    response_id: str | None
    type: Literal["function_call_requested"] = "function_call_requested"


@dataclass(frozen=True)
class ToolStarted:
    """A LangChain tool started running for a function call of the model."""

    call_id: str
    name: str
    args: dict[str, Any]
    type: Literal["tool_started"] = "tool_started"


@dataclass(frozen=True)
class ToolFinished:
    """A tool finished; ``output`` is what the model was told (the error text if it raised)."""

    call_id: str
    name: str
    output: str
    error: str | None = None
    duration_s: float = 0.0
    artifact: Any = None
    type: Literal["tool_finished"] = "tool_finished"


@dataclass(frozen=True)
class ResponseDone:
    """A response finished.

    Attributes:
        response_id: The response's id.
        status: ``completed``, ``cancelled``, ``incomplete`` or ``failed``.
        usage: Tokens of this response (``input_token_details.audio`` /
            ``output_token_details.audio`` / ``cache_read``), or ``None`` when not reported.
        transcript: What the assistant said in this response.
        function_calls: ``(call_id, name, arguments)`` of the calls the model made.
        raw_usage: The service's ``usage`` object as sent.
    """

    response_id: str
    status: str
    usage: UsageMetadata | None
    transcript: str = ""
    function_calls: tuple[tuple[str, str, str], ...] = ()
    status_details: dict[str, Any] | None = None
    raw_usage: dict[str, Any] | None = field(default=None, repr=False)
    type: Literal["response_done"] = "response_done"


@dataclass(frozen=True)
class ServiceError:
    """An ``error`` event of the service; the session goes on.

    Attributes:
        message: The service's message (e.g. Azure's "Audio content of Xms is already shorter
            than Yms").
        code: The service's error code, if any.
        error_type: ``invalid_request_error``, ``server_error``...
        event_id: The client event that caused it, if the service said.
    """

    message: str
    code: str | None = None
    error_type: str | None = None
    param: str | None = None
    event_id: str | None = None
    type: Literal["error"] = "error"


@dataclass(frozen=True)
class Reconnected:
    """The session moved to a new connection; the conversation was replayed into it.

    Attributes:
        reason: ``"renewal"`` (the session cap was near) or ``"dropped"`` (the socket closed).
        replayed_items: How many conversation items were sent to the new connection.
        attempt: 1 for the first try of this reconnection.
        expires_at: When the new session expires.
    """

    reason: Literal["renewal", "dropped"]
    replayed_items: int
    attempt: int = 1
    expires_at: float | None = None
    type: Literal["reconnected"] = "reconnected"


RealtimeEvent = (
    SessionStarted
    | OutputAudio
    | OutputTranscriptDelta
    | OutputTranscriptDone
    | InputTranscript
    | SpeechStarted
    | SpeechStopped
    | Interrupted
    | ResponseStarted
    | FunctionCallRequested
    | ToolStarted
    | ToolFinished
    | ResponseDone
    | ServiceError
    | Reconnected
)
"""Every event :meth:`RealtimeSession.events` yields; match on the class or on ``.type``."""
