"""Progress bars for the audio tools, through their public ``on_progress`` callback."""

from __future__ import annotations

from typing import TypeVar

from langchain_azure_audio.tools import (
    AzureAudioTranslationTool,
    AzureSpeechToTextTool,
    AzureTextToSpeechTool,
)

from .progress import Tracker

__all__ = ["track"]

_Tool = TypeVar("_Tool", AzureTextToSpeechTool, AzureSpeechToTextTool, AzureAudioTranslationTool)


def track(tool: _Tool, tracker: Tracker | None) -> _Tool:
    """Report ``tool``'s pieces of long text / chunks of long audio to ``tracker``."""
    if tracker is None:
        tool.on_progress = None
        return tool

    def report(done: int, total: int) -> None:
        tracker.set_total(total)
        tracker.set_completed(done)

    tool.on_progress = report
    return tool
