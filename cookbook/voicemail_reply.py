# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Summarise a voicemail and answer it in speech (text + audio → text + audio)
#
# One user message carries an instruction (text) **and** the voicemail (audio). The model
# replies with a short written summary for you (text only), then with a spoken answer for the
# caller (text + audio).
#
# Offline the emulator's scripted responder transcribes what it hears and echoes it
# (`You said: <instruction> <voicemail>`); against Azure a real model summarises and answers.
#
# Run: `python cookbook/voicemail_reply.py [--audio voicemail.mp3] [--out ...]`

# %%
"""Summarise a voicemail and answer it in speech (text + audio -> text + audio)."""

from __future__ import annotations

from pathlib import Path

from _common import parse_args, recipe_parser, report, service
from langchain_core.messages import HumanMessage, SystemMessage

from langchain_azure_audio import (
    AzureAudioChatModel,
    AzureTextToSpeechTool,
    audio_block,
    save_audio,
)
from langchain_azure_audio.audio import atomic_write

VOICEMAIL = "Hi, this is Sam from the garage. Your car is ready, please call me back before six."
SYSTEM = "You are an assistant who handles the user's voicemail. Be brief and friendly."

parser = recipe_parser(__doc__, "voicemail_reply")
parser.add_argument("--audio", type=Path, help="a voicemail recording (default: one is spoken)")
args = parse_args(parser)
out_dir: Path = args.out
out_dir.mkdir(parents=True, exist_ok=True)

# %%
with service() as (where, settings):
    print(f"Running against {where}")
    if args.audio:
        voicemail = args.audio
    else:
        tts = AzureTextToSpeechTool(**settings["tts"], voice="onyx", audio_format="wav")
        voicemail = atomic_write(out_dir / "voicemail.wav", tts.synthesize(VOICEMAIL))
    print(f"voicemail: {voicemail}")

    model = AzureAudioChatModel(**settings["chat"], voice="coral", audio_format="mp3")

    # 1. A written summary for you: text + audio in, text out.
    summary = model.invoke(
        [
            SystemMessage(SYSTEM),
            HumanMessage(
                content=[
                    {"type": "text", "text": "Summarise this voicemail in one sentence."},
                    audio_block(voicemail),
                ]
            ),
        ],
        modalities=["text"],
    )
    print(f"summary: {summary.text}")

    # 2. A spoken answer for the caller: text + audio in, text + audio out.
    answer = model.invoke(
        [
            SystemMessage(SYSTEM),
            HumanMessage(
                content=[
                    {
                        "type": "text",
                        "text": "Answer the caller in one short spoken sentence.",
                    },
                    audio_block(voicemail),
                ]
            ),
        ]
    )
    print(f"answer: {answer.text}")

# %%
written = [
    voicemail,
    atomic_write(out_dir / "summary.txt", summary.text.encode()),
    atomic_write(out_dir / "answer.txt", answer.text.encode()),
    save_audio(answer, out_dir / "answer.mp3"),
]
report(out_dir, written)
