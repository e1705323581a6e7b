# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Audiobook: a chapter of text → one mp3 (text → text + audio)
#
# The speech tool reads a chapter paragraph by paragraph (a progress bar counts them), the
# pieces are joined with a short pause between paragraphs and encoded **once** into
# `chapter.mp3`. Next to it, `chapter.json` holds the text with where each paragraph starts in the
# audio, so a player can show the text along with the sound.
#
# Offline it runs against the local emulator (piper speech); with `AZURE_OPENAI_ENDPOINT` and
# `AZURE_OPENAI_API_KEY` set it runs against Azure (`AZURE_OPENAI_TTS_DEPLOYMENT`, default
# gpt-4o-mini-tts). Needs the `codecs` extra (PyAV) for the mp3.
#
# Run: `python cookbook/audiobook.py [--text chapter.txt] [--out cookbook-output/audiobook]`

# %%
"""Audiobook: a chapter of text to one mp3 with chapter progress (text -> text + audio)."""

from __future__ import annotations

import json
from pathlib import Path

from _common import parse_args, progress, recipe_parser, report, service

from langchain_azure_audio import AzureTextToSpeechTool, MessageAudio
from langchain_azure_audio.audio import PCM16_SAMPLE_RATE, atomic_write

# A short chapter (kept short so that CI stays quick); pass `--text` for your own, with
# paragraphs separated by blank lines.
CHAPTER = """\
Chapter One. The Lighthouse.

Every evening, Mara climbed the hundred steps of the lighthouse to light the lamp.

One night the lamp would not light, and a small boat was coming home.

Mara held her lantern high until the boat was safe.
"""

PAUSE_SECONDS = 0.6  # silence between paragraphs
BYTES_PER_SECOND = PCM16_SAMPLE_RATE * 2  # 24 kHz mono, 16-bit

parser = recipe_parser(__doc__, "audiobook")
parser.add_argument("--text", type=Path, help="a chapter as a text file (default: a sample)")
parser.add_argument("--voice", default="fable")
args = parse_args(parser)
out_dir: Path = args.out
out_dir.mkdir(parents=True, exist_ok=True)
chapter = args.text.read_text(encoding="utf-8") if args.text else CHAPTER

# %% [markdown]
# Split the chapter into paragraphs (one speech request each; the tool itself would also split
# text longer than 4096 characters, at sentences).

# %%
paragraphs = [" ".join(p.split()) for p in chapter.split("\n\n") if p.strip()]
print(f"{len(paragraphs)} paragraphs, {sum(len(p) for p in paragraphs)} characters")

# %% [markdown]
# Speak each paragraph as raw pcm (24 kHz mono 16-bit), so that the pieces join without gaps or
# repeated headers, and remember where each paragraph starts.

# %%
with service() as (where, settings):
    print(f"Running against {where}")
    tts = AzureTextToSpeechTool(**settings["tts"], voice=args.voice, audio_format="pcm")
    pcm = bytearray()
    marks = []
    for paragraph in progress(paragraphs, total=len(paragraphs), desc="chapter"):
        if pcm:
            pcm += b"\0" * (int(PAUSE_SECONDS * PCM16_SAMPLE_RATE) * 2)
        start = len(pcm) / BYTES_PER_SECOND
        pcm += tts.synthesize(paragraph)
        marks.append({"start": round(start, 3), "end": round(len(pcm) / BYTES_PER_SECOND, 3)})

# %% [markdown]
# Encode the whole chapter once into mp3 and write it atomically (a crash never leaves half a
# file behind), with the text and its timings as JSON.

# %%
mp3 = MessageAudio(data=bytes(pcm), format="pcm16").convert("mp3")
audio_path = atomic_write(out_dir / "chapter.mp3", mp3)
text_path = atomic_write(
    out_dir / "chapter.json",
    json.dumps(
        {
            "duration_seconds": round(len(pcm) / BYTES_PER_SECOND, 3),
            "paragraphs": [{"text": p, **m} for p, m in zip(paragraphs, marks, strict=True)],
        },
        indent=2,
    ).encode(),
)
print(f"chapter: {len(pcm) / BYTES_PER_SECOND:.1f} s of audio, {len(mp3)} bytes of mp3")
report(out_dir, [audio_path, text_path])
