# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Questions about a recording, with structured output (text + audio → text)
#
# The model hears a short conversation and answers questions about it: once in free text, once
# as a pydantic object through `with_structured_output` (the language, how many people speak,
# and what they ask for). Audio chat models reject `json_schema` response formats, so the
# package asks for the schema as a forced tool call and parses its arguments.
#
# Offline the emulator's scripted responder cannot understand anything: it echoes what it hears,
# and fills the schema from the words it hears (an enum value the text names, else the first;
# the first number in the text, else 0; empty lists). Against Azure a real model answers.
#
# Run: `python cookbook/recording_questions.py [--audio conversation.wav] [--out ...]`

# %%
"""Questions about a recording with structured output (text + audio -> text)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from _common import parse_args, recipe_parser, report, service
from langchain_core.messages import HumanMessage
from pydantic import BaseModel, Field

from langchain_azure_audio import (
    AzureAudioChatModel,
    AzureTextToSpeechTool,
    audio_block,
    pcm16_to_wav,
)
from langchain_azure_audio.audio import PCM16_SAMPLE_RATE, atomic_write

# Two people, two voices.
CONVERSATION = [
    ("alloy", "Hi Maria, could you send me the slides for the Friday meeting?"),
    ("nova", "Sure. Could you book the big meeting room for us?"),
]


class RecordingFacts(BaseModel):
    """Facts about a recorded conversation."""

    language: Literal["en", "de", "fr", "es", "other"] = Field(
        description="The language spoken, as an ISO-639-1 code"
    )
    speakers: int = Field(description="How many different people speak")
    asks: list[str] = Field(description="Each request one speaker makes of another, briefly")


parser = recipe_parser(__doc__, "recording_questions")
parser.add_argument("--audio", type=Path, help="a recording (default: a conversation is spoken)")
args = parse_args(parser)
out_dir: Path = args.out
out_dir.mkdir(parents=True, exist_ok=True)

# %%
with service() as (where, settings):
    print(f"Running against {where}")
    if args.audio:
        recording = args.audio
    else:
        # Speak each line with its own voice (raw pcm) and join them with a short pause.
        tts = AzureTextToSpeechTool(**settings["tts"], audio_format="pcm")
        pause = b"\0" * int(0.5 * PCM16_SAMPLE_RATE) * 2
        pcm = pause.join(tts.synthesize(line, voice=voice) for voice, line in CONVERSATION)
        recording = atomic_write(out_dir / "conversation.wav", pcm16_to_wav(pcm))
    print(f"recording: {recording}")

    model = AzureAudioChatModel(**settings["chat"], modalities=["text"], temperature=0)

    def ask(question: str) -> HumanMessage:
        """One user message: the question (text) and the recording (audio)."""
        return HumanMessage(content=[{"type": "text", "text": question}, audio_block(recording)])

    # A free-text answer.
    answer = model.invoke([ask("What does the second speaker want? Answer briefly.")])
    print(f"answer: {answer.text}")

    # The same recording, answered as a typed object.
    facts = model.with_structured_output(RecordingFacts).invoke(
        [ask("Listen to the recording and fill in the facts about the conversation.")]
    )
    assert isinstance(facts, RecordingFacts)
    print(f"facts: {facts!r}")

# %%
written = [
    recording,
    atomic_write(out_dir / "answer.txt", answer.text.encode()),
    atomic_write(out_dir / "facts.json", facts.model_dump_json(indent=2).encode()),
]
report(out_dir, written)
