"""Reading the service's transcription responses and rendering the tools' artifacts.

Example:
    >>> artifact_from_response('{"text": " Hi. "}', "json")["text"]
    'Hi.'
"""

from __future__ import annotations

import json
from typing import Any

from langchain_azure_audio.errors import AzureAudioError
from langchain_azure_audio.subtitles import parse_subtitles, render_srt, render_vtt
from langchain_azure_audio.tools._chunking import ChunkSpan
from langchain_azure_audio.tools._stitching import ChunkTranscript, StitchedTranscript
from langchain_azure_audio.tools._types import TranscriptionArtifact

__all__ = ["artifact_from_chunks", "artifact_from_response", "chunk_transcript"]


def _parse_json(raw: str) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise AzureAudioError(f"The service returned invalid JSON: {raw[:200]!r}") from exc
    if not isinstance(data, dict):
        raise AzureAudioError(f"Unexpected transcription response: {raw[:200]!r}")
    return data


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _fields(data: dict[str, Any]) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """Text, segments and words of a json / verbose_json response."""
    return (
        str(data.get("text") or ""),
        [dict(s) for s in data.get("segments") or []],
        [dict(w) for w in data.get("words") or []],
    )


def chunk_transcript(span: ChunkSpan, raw: str) -> ChunkTranscript:
    """The json / verbose_json response to one chunk."""
    data = _parse_json(raw)
    text, segments, words = _fields(data)
    return ChunkTranscript(
        span=span,
        text=text,
        segments=segments,
        words=words,
        language=data.get("language"),
        duration=_float(data.get("duration")),
    )


def artifact_from_response(raw: str, fmt: str) -> TranscriptionArtifact:
    """The artifact of a single request's response in ``fmt``."""
    segments: list[dict[str, Any]] = []
    words: list[dict[str, Any]] = []
    language: str | None = None
    duration: float | None = None
    if fmt in ("json", "verbose_json"):
        data = _parse_json(raw)
        text, segments, words = _fields(data)
        language = data.get("language")
        duration = _float(data.get("duration"))
    elif fmt in ("srt", "vtt"):
        segments = parse_subtitles(raw)
        text = " ".join(s["text"] for s in segments)
        duration = segments[-1]["end"] if segments else None
    else:
        text = raw
    return {
        "text": text.strip(),
        "transcript_format": fmt,
        "document": raw,
        "language": language,
        "duration_seconds": duration,
        "segments": segments,
        "words": words,
        "chunks": 1,
    }


def _document(stitched: StitchedTranscript, fmt: str) -> str:
    """The stitched transcript rendered as the service would have answered in ``fmt``."""
    if fmt == "srt":
        return render_srt(stitched.segments)
    if fmt == "vtt":
        return render_vtt(stitched.segments)
    if fmt == "verbose_json":
        body: dict[str, Any] = {
            "task": "transcribe",
            "language": stitched.language,
            "duration": stitched.duration,
            "text": stitched.text,
            "segments": stitched.segments,
        }
        if stitched.words:
            body["words"] = stitched.words
        return json.dumps(body)
    if fmt == "json":
        return json.dumps({"text": stitched.text})
    return stitched.text


def artifact_from_chunks(
    stitched: StitchedTranscript, fmt: str, chunks: int
) -> TranscriptionArtifact:
    """The artifact of a long recording's stitched chunk transcripts."""
    return {
        "text": stitched.text,
        "transcript_format": fmt,
        "document": _document(stitched, fmt),
        "language": stitched.language,
        "duration_seconds": stitched.duration,
        "segments": stitched.segments,
        "words": stitched.words,
        "chunks": chunks,
    }
