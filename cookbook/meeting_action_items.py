# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # A recording → action items → a spoken summary (audio chained with other tools)
#
# One LCEL chain: the transcription tool hears the meeting, the chat model extracts the action
# items as typed objects (`with_structured_output`), plain Python writes the summary, and the
# speech tool says it:
#
# `speech_to_text | prompt | model.with_structured_output(ActionItems) | summary | text_to_speech`
#
# Offline, the emulator's scripted responder cannot read a transcript for tasks, so this recipe
# gives it one scripted rule (a `Responder` callable, below): when asked for `ActionItems` it
# returns every "<Name> will <task> by <day>" sentence it hears. Against Azure the real model
# does the extraction and the rule is not used.
#
# Run: `python cookbook/meeting_action_items.py [--audio meeting.mp3] [--out ...]`

# %%
"""Audio chained with other tools: recording -> action items (structured) -> spoken summary."""

from __future__ import annotations

import json
import re
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

from _common import on_azure, parse_args, recipe_parser, report, service
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough
from pydantic import BaseModel, Field

from langchain_azure_audio import (
    AzureAudioChatModel,
    AzureSpeechToTextTool,
    AzureTextToSpeechTool,
    pcm16_to_wav,
    speech_to_text,
    text_to_speech,
)
from langchain_azure_audio.audio import PCM16_SAMPLE_RATE, atomic_write

if TYPE_CHECKING:  # the emulator (an extra) is only imported when it runs
    from langchain_azure_audio.emulator import Responder, Turn

MEETING = [
    ("alloy", "Thanks for joining, everyone. Maria will send the budget by Friday."),
    ("nova", "Good. Tom will book the venue by Monday. See you next week."),
]


class ActionItem(BaseModel):
    """One task agreed in the meeting."""

    owner: str = Field(description="Who does it (a first name)")
    task: str = Field(description="What they will do, in a few words")
    due: str = Field(description="When it is due, as said in the meeting")


class ActionItems(BaseModel):
    """The action items of a meeting."""

    items: list[ActionItem]


def offline_responder() -> Responder:
    """The emulator's stand-in for the extraction (offline only): a regular expression."""
    from langchain_azure_audio.emulator import Reply, Responder, ToolCall

    def scripted_action_items(turn: Turn) -> Reply | None:
        if not any(t.get("function", {}).get("name") == "ActionItems" for t in turn.tools):
            return None  # not our request: the default script answers
        found = re.findall(r"([A-Z][a-z]+) will ([^.,?!]+?) by (\w+)", turn.heard)
        items = [{"owner": o, "task": t, "due": d} for o, t, d in found]
        return Reply(tool_calls=(ToolCall("ActionItems", {"items": items}),))

    return Responder([scripted_action_items])


def spoken_summary(actions: ActionItems) -> str:
    """A short text to say out loud."""
    if not actions.items:
        return "No action items were agreed in this meeting."
    lines = [f"{a.owner} will {a.task} by {a.due}." for a in actions.items]
    count = len(actions.items)
    return f"{count} action item{'s' * (count != 1)}. " + " ".join(lines)


parser = recipe_parser(__doc__, "meeting_action_items")
parser.add_argument("--audio", type=Path, help="a meeting recording (default: one is spoken)")
args = parse_args(parser)
out_dir: Path = args.out
out_dir.mkdir(parents=True, exist_ok=True)

# %%
emulator_options = {} if on_azure() else {"responder": offline_responder()}
with service(**emulator_options) as (where, settings):
    print(f"Running against {where}")
    stt = AzureSpeechToTextTool(**settings["stt"])
    tts = AzureTextToSpeechTool(**settings["tts"], voice="coral", audio_format="mp3")
    model = AzureAudioChatModel(**settings["chat"], temperature=0)

    if args.audio:
        recording = args.audio
    else:  # two people, two voices, joined with a pause
        pause = b"\0" * int(0.5 * PCM16_SAMPLE_RATE) * 2
        pcm = pause.join(
            tts.synthesize(line, voice=voice, audio_format="pcm") for voice, line in MEETING
        )
        recording = atomic_write(out_dir / "meeting.wav", pcm16_to_wav(pcm))
    print(f"recording: {recording}")

    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "You extract the action items (owner, task, due date) from meetings."),
            ("human", "Meeting transcript:\n{transcript}"),
        ]
    )
    chain = (
        {"transcript": speech_to_text(stt)}
        | RunnablePassthrough.assign(actions=prompt | model.with_structured_output(ActionItems))
        | RunnablePassthrough.assign(summary=itemgetter("actions") | RunnableLambda(spoken_summary))
        | RunnablePassthrough.assign(audio=itemgetter("summary") | text_to_speech(tts))
    )
    result = chain.invoke(str(recording))

# %%
print(f"transcript: {result['transcript']}")
for item in result["actions"].items:
    print(f"action: {item.owner}: {item.task} (due {item.due})")
print(f"summary: {result['summary']}")
written = [
    recording,
    atomic_write(out_dir / "transcript.txt", result["transcript"].encode()),
    atomic_write(
        out_dir / "action_items.json",
        json.dumps(result["actions"].model_dump(), indent=2).encode(),
    ),
    atomic_write(out_dir / "summary.txt", result["summary"].encode()),
    atomic_write(out_dir / "summary.mp3", result["audio"]),
]
report(out_dir, written)
