# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Transcripts and subtitles; translation to English (audio → text)
#
# The transcription tool turns a recording into plain text, timed segments (verbose_json), and
# subtitles (`srt`, `vtt`); the translation tool turns speech in any language into English text.
# Long recordings are split at pauses and stitched by the tools, with continuous timestamps.
#
# srt, vtt, verbose_json and translation need a **whisper** deployment
# (`AZURE_OPENAI_STT_DEPLOYMENT`, default `whisper`); gpt-4o-transcribe gives json and text.
# Offline the emulator runs Whisper tiny.en: it translates English to English, so try
# `--audio` with a recording in another language against Azure.
#
# Run: `python cookbook/transcribe_and_translate.py [--audio talk.mp3] [--out ...]`

# %%
"""Transcription to text, srt and vtt; translation to English (audio -> text)."""

from __future__ import annotations

import json
from pathlib import Path

from _common import parse_args, recipe_parser, report, service

from langchain_azure_audio import (
    AzureAudioTranslationTool,
    AzureSpeechToTextTool,
    AzureTextToSpeechTool,
)
from langchain_azure_audio.audio import atomic_write

# A short talk with pauses between sentences, so that the subtitles get several cues.
TALK = "Welcome to the harbour tour. On your right, the fishing boats come home every evening."

parser = recipe_parser(__doc__, "transcribe_and_translate")
parser.add_argument("--audio", type=Path, help="a recording (default: a short talk is spoken)")
args = parse_args(parser)
out_dir: Path = args.out
out_dir.mkdir(parents=True, exist_ok=True)
written: list[Path] = []

# %%
with service() as (where, settings):
    print(f"Running against {where}")
    if args.audio:
        recording = args.audio
    else:
        tts = AzureTextToSpeechTool(**settings["tts"], voice="echo", audio_format="mp3")
        recording = atomic_write(out_dir / "talk.mp3", tts.synthesize(TALK))
        written.append(recording)
    print(f"recording: {recording}")

    stt = AzureSpeechToTextTool(**settings["stt"])

    # The transcript with timed segments and the detected language (verbose_json); its plain
    # text is also what `transcript_format="text"` (or the default "json") returns.
    verbose = stt.transcribe(recording, transcript_format="verbose_json")
    written.append(atomic_write(out_dir / "transcript.txt", verbose["text"].encode()))
    print(f"transcript: {verbose['text']}")
    segments = [
        {"start": s["start"], "end": s["end"], "text": s["text"].strip()}
        for s in verbose["segments"]
    ]
    summary = {
        "language": verbose["language"],
        "duration_seconds": verbose["duration_seconds"],
        "segments": segments,
    }
    as_json = json.dumps(summary, indent=2).encode()
    written.append(atomic_write(out_dir / "transcript.json", as_json))
    print(f"language: {verbose['language']}, {len(segments)} segments")

    # Subtitles: the service's document (re-rendered by the tool if the audio was split).
    for fmt in ("srt", "vtt"):
        document = stt.transcribe(recording, transcript_format=fmt)["document"]
        written.append(atomic_write(out_dir / f"transcript.{fmt}", document.encode()))
    print("subtitles:", (out_dir / "transcript.srt").read_text().splitlines()[:3])

    # Translation into English (whisper only).
    translator = AzureAudioTranslationTool(**settings["stt"])
    english = translator.translate(recording)["text"]
    written.append(atomic_write(out_dir / "translation.txt", english.encode()))
    print(f"English: {english}")

# %%
report(out_dir, written)
