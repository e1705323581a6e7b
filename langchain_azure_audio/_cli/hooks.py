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
from langchain_azure_audio.tools._speech_plan import SpeechOptions, SpeechPlan
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
    ) -> SpeechPlan:
        plan = super()._plan(text, voice, speed, instructions, audio_format)
        if self._tracker is not None:
            self._tracker.set_total(len(plan.pieces))
        return plan

    def _request(self, text: str, opts: SpeechOptions, wire: str) -> dict[str, Any]:
        if self._tracker is not None:  # pieces go out one after the other (sync calls)
            self._tracker.set_completed(self._started)
            self._started += 1
        return super()._request(text, opts, wire)


def _planned(tracker: Tracker | None, job: TranscriptionJob) -> TranscriptionJob:
    if tracker is not None:
        tracker.set_total(1 if job.whole else len(job.spans))
    return job


def _sent(tracker: Tracker | None, text: str) -> str:
    if tracker is not None:
        tracker.advance()
    return text


class ProgressTranscriptionTool(AzureSpeechToTextTool):
    """:class:`AzureSpeechToTextTool` reporting the chunks of long audio as they are done."""

    _tracker: Tracker | None = PrivateAttr(default=None)

    def track(self, tracker: Tracker | None) -> ProgressTranscriptionTool:
        self._tracker = tracker
        return self

    def _job(self, audio: AudioSource, options: TranscriptOptions) -> TranscriptionJob:
        return _planned(self._tracker, super()._job(audio, options))

    def _send(self, api: Any, body: dict[str, Any]) -> str:
        return _sent(self._tracker, super()._send(api, body))


class ProgressTranslationTool(AzureAudioTranslationTool):
    """:class:`AzureAudioTranslationTool` reporting the chunks of long audio as they are done."""

    _tracker: Tracker | None = PrivateAttr(default=None)

    def track(self, tracker: Tracker | None) -> ProgressTranslationTool:
        self._tracker = tracker
        return self

    def _job(self, audio: AudioSource, options: TranscriptOptions) -> TranscriptionJob:
        return _planned(self._tracker, super()._job(audio, options))

    def _send(self, api: Any, body: dict[str, Any]) -> str:
        return _sent(self._tracker, super()._send(api, body))
