"""The audio tools with progress reports: pieces of long text, chunks of long audio.

The tools have no progress callback; these subclasses hook the points where a plan is made
(``_plan`` / ``_job``) and where a request goes out (``_request`` / ``_send``). They change no
behaviour: with no tracker attached they are the tools themselves.
"""

from __future__ import annotations

from typing import Any

from pydantic import PrivateAttr

from langchain_azure_audio.sources import AudioSource
from langchain_azure_audio.tools import (
    AzureAudioTranslationTool,
    AzureSpeechToTextTool,
    AzureTextToSpeechTool,
)
from langchain_azure_audio.tools._audio_to_text import AudioToTextTool
from langchain_azure_audio.tools._speech_plan import SpeechOptions
from langchain_azure_audio.tools._transcript_core import TranscriptionJob
from langchain_azure_audio.tools._transcript_options import TranscriptOptions

from .progress import Tracker

__all__ = ["ProgressSpeechTool", "ProgressTranscriptionTool", "ProgressTranslationTool"]


class ProgressSpeechTool(AzureTextToSpeechTool):
    """:class:`AzureTextToSpeechTool` that reports the pieces of a long text to a tracker."""

    _tracker: Tracker | None = PrivateAttr(default=None)
    _started: int = PrivateAttr(default=0)

    def track(self, tracker: Tracker | None) -> ProgressSpeechTool:
        self._tracker = tracker
        self._started = 0
        return self

    def _plan(
        self,
        text: str,
        voice: str | None,
        speed: float | None,
        instructions: str | None,
        audio_format: str | None,
    ) -> tuple[SpeechOptions, list[str], str]:
        plan = super()._plan(text, voice, speed, instructions, audio_format)
        if self._tracker is not None:
            self._tracker.set_total(len(plan[1]))
        return plan

    def _request(self, text: str, opts: SpeechOptions, wire: str) -> dict[str, Any]:
        if self._tracker is not None:  # pieces go out one after the other (sync calls)
            self._tracker.set_completed(self._started)
            self._started += 1
        return super()._request(text, opts, wire)


class _ChunkProgress(AudioToTextTool):
    """Reports the chunks of a long recording as they are transcribed."""

    _tracker: Tracker | None = PrivateAttr(default=None)

    def track(self, tracker: Tracker | None) -> _ChunkProgress:
        self._tracker = tracker
        return self

    def _job(self, audio: AudioSource, options: TranscriptOptions) -> TranscriptionJob:
        job = super()._job(audio, options)
        if self._tracker is not None:
            self._tracker.set_total(1 if job.whole else len(job.spans))
        return job

    def _send(self, api: Any, body: dict[str, Any]) -> str:
        text = super()._send(api, body)
        if self._tracker is not None:
            self._tracker.advance()
        return text


class ProgressTranscriptionTool(_ChunkProgress, AzureSpeechToTextTool):
    """:class:`AzureSpeechToTextTool` reporting chunks of long audio."""


class ProgressTranslationTool(_ChunkProgress, AzureAudioTranslationTool):
    """:class:`AzureAudioTranslationTool` reporting chunks of long audio."""
