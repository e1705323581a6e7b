"""Prompt-size estimates for :class:`~langchain_azure_audio.AzureAudioChatModel`, audio included.

Estimates for budgeting, never a downloaded tokenizer: about four characters a text token and
about 10 tokens a second of input audio. The service's exact counts come back as
``usage_metadata`` on replies.

Example:
    >>> estimate_text_tokens("Hello there")
    3
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.utils.function_calling import convert_to_openai_tool

from langchain_azure_audio.audio import block_bytes, sniff_format, wav_duration
from langchain_azure_audio.errors import AzureAudioError

__all__ = ["estimate_prompt_tokens", "estimate_text_tokens"]

_INPUT_AUDIO_TOKENS_PER_SECOND = 10.0
_CHARS_PER_TOKEN = 4.0


def estimate_text_tokens(text: str) -> int:
    """About four characters a token."""
    return math.ceil(len(text) / _CHARS_PER_TOKEN) if text else 0


def estimate_prompt_tokens(
    messages: Sequence[BaseMessage],
    tools: Sequence[Any] | None = None,
    *,
    count_text: Callable[[str], int] = estimate_text_tokens,
) -> int:
    """Estimate the prompt tokens of ``messages`` and ``tools``; text is counted by ``count_text``.

    Audio whose duration cannot be read counts by size (16 kB a second); unreadable audio
    counts nothing.
    """
    total = 3
    for message in messages:
        total += 4
        content = message.content
        for block in [content] if isinstance(content, str) else content:
            if isinstance(block, str):
                total += count_text(block)
            elif isinstance(block, Mapping):
                total += _block_tokens(block, count_text)
        for call in getattr(message, "tool_calls", None) or []:
            total += count_text(call["name"] + json.dumps(call["args"]))
    for tool in tools or []:
        total += count_text(json.dumps(convert_to_openai_tool(tool)))
    return total


def _block_tokens(block: Mapping[str, Any], count_text: Callable[[str], int]) -> int:
    kind = block.get("type")
    if kind == "text":
        return count_text(str(block.get("text", "")))
    if kind in ("audio", "input_audio"):
        source = block.get("input_audio") if kind == "input_audio" else block
        try:
            raw = block_bytes(source or {})
            seconds = wav_duration(raw) if sniff_format(raw) == "wav" else len(raw) / 16_000
        except (AzureAudioError, ValueError):  # unreadable audio: nothing to estimate
            return 0
        return math.ceil(seconds * _INPUT_AUDIO_TOKENS_PER_SECOND)
    return 0
