# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # A spoken question, answered in text and speech (audio → text + audio)
#
# The audio chat model *hears* a recording (an audio content block, no separate transcription
# step) and answers with a transcript **and** speech in one reply.
#
# The question is recorded with the speech tool (or read from `--audio`, any wav/mp3). Offline
# the emulator's scripted responder transcribes what it hears and echoes it (`You said: …`);
# against Azure (`AZURE_OPENAI_CHAT_DEPLOYMENT`, default gpt-4o-mini-audio-preview) a real model
# answers.
#
# Run: `python cookbook/spoken_question.py [--audio question.wav] [--out ...]`

# %%
"""A spoken question answered in text and speech (audio -> text + audio)."""

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

QUESTION = "Why is the sky blue? Please answer in one sentence."

parser = recipe_parser(__doc__, "spoken_question")
parser.add_argument("--audio", type=Path, help="a recorded question (default: one is spoken)")
args = parse_args(parser)
out_dir: Path = args.out
out_dir.mkdir(parents=True, exist_ok=True)

# %%
with service() as (where, settings):
    print(f"Running against {where}")

    # The question: your recording, or one spoken by the speech tool.
    if args.audio:
        question_path = args.audio
    else:
        tts = AzureTextToSpeechTool(**settings["tts"], voice="alloy", audio_format="wav")
        question_path = atomic_write(out_dir / "question.wav", tts.synthesize(QUESTION))
    print(f"question: {question_path}")

    # The model hears the recording and answers in text + speech (mp3 here).
    model = AzureAudioChatModel(**settings["chat"], voice="coral", audio_format="mp3")
    reply = model.invoke(
        [
            SystemMessage("You are a friendly voice assistant. Answer in one or two sentences."),
            HumanMessage(content=[audio_block(question_path)]),
        ]
    )

# %% [markdown]
# The reply holds both: `reply.text` is the transcript, `save_audio` writes the speech. Its
# `usage_metadata` counts audio and text tokens separately.

# %%
print(f"answer (text): {reply.text}")
answer_text = atomic_write(out_dir / "answer.txt", reply.text.encode())
answer_audio = save_audio(reply, out_dir / "answer.mp3")
usage = reply.usage_metadata
if usage is not None:
    print(
        f"usage: {usage['input_tokens']} tokens in "
        f"(audio {usage.get('input_token_details', {}).get('audio', 0)}), "
        f"{usage['output_tokens']} out "
        f"(audio {usage.get('output_token_details', {}).get('audio', 0)})"
    )
report(out_dir, [question_path, answer_text, answer_audio])
