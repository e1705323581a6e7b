# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # A multi-turn voice conversation: audio ids, then transcripts once they expire
#
# An audio reply carries an **id** (and `expires_at`). Sending the history back, the package
# refers to an earlier spoken reply by that id while it is valid (the service does not need the
# audio again), and by its **transcript** once it has expired (or is about to: less than
# `AUDIO_EXPIRY_MARGIN_SECONDS`, 30 s, left), so a conversation can go on after any pause.
#
# Offline the emulator is started with a short audio lifetime (33 s: an id is sent by the
# package for about 3 s), so the recipe waits a few seconds between turns 2 and 3. Azure keeps
# audio for about an hour; there the recipe marks the earlier replies as expired instead of
# waiting, which is exactly what the history looks like when a user comes back later.
#
# Run: `python cookbook/voice_conversation.py [--out ...]`

# %%
"""A multi-turn voice conversation: audio ids reused, transcripts after they expire."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from _common import on_azure, parse_args, recipe_parser, report, service
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from langchain_azure_audio import (
    AzureAudioChatModel,
    AzureTextToSpeechTool,
    audio_block,
    get_audio,
    save_audio,
)
from langchain_azure_audio.audio import atomic_write
from langchain_azure_audio.messages import AUDIO_EXPIRY_MARGIN_SECONDS, convert_messages

AUDIO_LIFETIME_SECONDS = 33  # the emulator's lifetime of audio ids (Azure's is about an hour)

parser = recipe_parser(__doc__, "voice_conversation")
args = parse_args(parser)
out_dir: Path = args.out
out_dir.mkdir(parents=True, exist_ok=True)
written: list[Path] = []
log: list[dict[str, Any]] = []

# %% [markdown]
# One turn: add the user's message, show how each earlier spoken reply will be sent, ask, keep
# the reply (with its audio) in the history.

# %%
history: list[BaseMessage] = [
    SystemMessage("You are a friendly voice assistant. Keep every answer to one sentence.")
]


def how_replies_are_sent(messages: list[BaseMessage]) -> list[str]:
    """How the package will send each earlier assistant reply: by audio id, or as transcript."""
    wire = convert_messages(messages)  # the chat-completions messages, as they will be sent
    return ["audio id" if "audio" in m else "transcript" for m in wire if m["role"] == "assistant"]


def turn(model: AzureAudioChatModel, user: HumanMessage) -> AIMessage:
    history.append(user)
    sent_as = how_replies_are_sent(history)
    for i, how in enumerate(sent_as, 1):
        print(f"   reply {i} goes back by {how}")
    reply = model.invoke(history)
    history.append(reply)
    n = len(sent_as) + 1
    path = save_audio(reply, out_dir / f"reply_{n}.wav")
    audio = get_audio(reply)
    print(f"   reply {n}: {reply.text!r} (audio id expires at {audio and audio.expires_at})")
    written.append(path)
    said = user.text or "(spoken)"
    log.append({"turn": n, "user": said, "reply": reply.text, "earlier_replies": sent_as})
    return reply


# %%
with service(audio_expiry_seconds=AUDIO_LIFETIME_SECONDS) as (where, settings):
    print(f"Running against {where}")
    model = AzureAudioChatModel(**settings["chat"], voice="verse", audio_format="wav")
    tts = AzureTextToSpeechTool(**settings["tts"], voice="alloy", audio_format="wav")

    print("\nTurn 1 (spoken):")
    spoken = atomic_write(
        out_dir / "user_1.wav", tts.synthesize("Hi, my name is Peter and I love sailing.")
    )
    written.append(spoken)
    turn(model, HumanMessage(content=[audio_block(spoken)]))

    print("\nTurn 2 (typed), right away: the first reply is still valid")
    turn(model, HumanMessage("What do I love doing?"))

    # Later: the audio ids have expired (or are about to).
    if on_azure():
        print("\n(Azure keeps audio an hour: marking the replies as expired instead of waiting)")
        for message in history:
            for block in message.content if isinstance(message, AIMessage) else []:
                if isinstance(block, dict) and block.get("type") == "audio":
                    block.setdefault("extras", {})["expires_at"] = 0
    else:
        last = max(a.expires_at or 0 for m in history if (a := get_audio(m)))
        wait = last - AUDIO_EXPIRY_MARGIN_SECONDS - time.time() + 0.2
        print(f"\n(waiting {max(wait, 0):.1f} s until the audio ids are too close to expiry)")
        time.sleep(max(wait, 0))

    print("\nTurn 3 (typed), later: earlier replies go back as transcripts")
    turn(model, HumanMessage("Please say my name once more."))

# %%
written.append(atomic_write(out_dir / "conversation.json", json.dumps(log, indent=2).encode()))
report(out_dir, written)
