# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Streaming: write the audio as it arrives (time to first audio)
#
# `model.stream(...)` yields the transcript and 24 kHz mono pcm16 audio chunk by chunk. This
# recipe appends each audio chunk to a wav file as it arrives (the header is kept up to date,
# so a player can open the file while it grows), prints the transcript as it comes, and reports
# the time to the first text and the first audio. The file is written as `answer.wav.part` and
# renamed to `answer.wav` only when the stream completed: an interrupted stream (a dropped
# connection raises `StreamInterruptedError`, or Ctrl-C) leaves nothing half-written behind.
#
# Offline the emulator echoes the prompt (`You said: …`) with real speech; against Azure a
# real model answers.
#
# Run: `python cookbook/streaming_to_wav.py [--prompt "..."] [--out ...]`

# %%
"""Streaming: write audio as it arrives, report time to first audio."""

from __future__ import annotations

import os
import time
import wave
from pathlib import Path

from _common import parse_args, recipe_parser, report, service

from langchain_azure_audio import AzureAudioChatModel, get_audio
from langchain_azure_audio.audio import PCM16_SAMPLE_RATE, atomic_write

parser = recipe_parser(__doc__, "streaming_to_wav")
parser.add_argument(
    "--prompt", default="Tell me a two sentence story about a lighthouse keeper and a storm."
)
args = parse_args(parser)
out_dir: Path = args.out
out_dir.mkdir(parents=True, exist_ok=True)
final = out_dir / "answer.wav"
partial = out_dir / "answer.wav.part"

# %% [markdown]
# Each chunk may carry text, audio, both or neither (the last one carries usage). `get_audio`
# decodes a chunk's audio; `chunk.text` is its piece of the transcript.

# %%
# Offline, the emulator loads its speech engines up front (`preload_engines`), so that the first
# request's time measures speech, not loading models.
with service(preload_engines=True) as (where, settings):
    print(f"Running against {where}")
    model = AzureAudioChatModel(**settings["chat"], voice="sage")
    transcript: list[str] = []
    first_text = first_audio = None
    audio_bytes = chunks = 0
    started = time.perf_counter()
    try:
        with wave.open(str(partial), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(PCM16_SAMPLE_RATE)
            for chunk in model.stream(args.prompt):
                chunks += 1
                if chunk.text:
                    first_text = first_text or time.perf_counter() - started
                    transcript.append(chunk.text)
                    print(chunk.text, end="", flush=True)
                audio = get_audio(chunk)
                if audio and audio.data:
                    first_audio = first_audio or time.perf_counter() - started
                    wav.writeframes(audio.data)  # appends and rewrites the header's sizes
                    audio_bytes += len(audio.data)
        with open(partial, "rb+") as fh:
            os.fsync(fh.fileno())  # on disk before it gets its final name
        os.replace(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    total = time.perf_counter() - started

# %%
print()
seconds = audio_bytes / (2 * PCM16_SAMPLE_RATE)
print(f"{chunks} chunks, {seconds:.2f} s of audio in {total:.2f} s")
print(f"time to first text:  {first_text or 0:.3f} s")
print(f"time to first audio: {first_audio or 0:.3f} s")
text_path = atomic_write(out_dir / "answer.txt", "".join(transcript).encode())
report(out_dir, [final, text_path])
