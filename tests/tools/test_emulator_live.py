"""The tools, runnables and voice agents against the live local emulator (real speech engines)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from langchain_azure_audio import audio_codecs
from langchain_azure_audio.audio import audio_block, sniff_format, wav_duration
from langchain_azure_audio.runnables import speech_to_text, text_to_speech
from langchain_azure_audio.tools import ChunkTranscriptionError

pytestmark = pytest.mark.emulator

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Please call the weather tool for Paris.",
    "Seven apples fell from the tall green tree.",
]


def _words(text: str) -> list[str]:
    return [w.strip(".,!?").lower() for w in text.split()]


@pytest.mark.parametrize("fmt", ["mp3", "opus", "aac", "flac", "wav", "pcm"])
def test_every_format_is_valid_audio(live: Any, fmt: str) -> None:
    tts = live.speech_tool(azure_deployment="tts-1", audio_format=fmt)
    data = tts.synthesize("Hello there.")
    if fmt == "pcm":
        assert len(data) % 2 == 0 and len(data) > 24000
        return
    assert sniff_format(data) == {"opus": "ogg"}.get(fmt, fmt)
    pcm, rate = audio_codecs.decode_to_pcm16(data)
    assert 0.4 < len(pcm) / (2 * rate) < 3


def test_round_trip_and_timestamps(live: Any) -> None:
    wav = live.speech_tool(audio_format="wav").synthesize(SENTENCES[0])
    stt = live.transcription_tool(
        transcript_format="verbose_json", timestamp_granularities=["word", "segment"]
    )
    msg = stt.invoke({"type": "tool_call", "id": "1", "name": stt.name, "args": {"audio": wav}})
    assert _words(msg.content) == _words(SENTENCES[0])
    assert msg.artifact["words"][0]["start"] == 0.0
    assert msg.artifact["segments"][-1]["end"] <= wav_duration(wav) + 0.1


def test_long_text_duration_is_sum_of_pieces(live: Any) -> None:
    tts = live.speech_tool(audio_format="wav", max_chars=50)
    pieces = [tts.synthesize(s) for s in SENTENCES]
    joined = tts.synthesize(" ".join(SENTENCES))
    assert wav_duration(joined) == pytest.approx(sum(wav_duration(p) for p in pieces), abs=0.05)
    mp3 = live.speech_tool(audio_format="mp3", max_chars=50).synthesize(" ".join(SENTENCES))
    pcm, rate = audio_codecs.decode_to_pcm16(mp3)
    assert len(pcm) / (2 * rate) == pytest.approx(wav_duration(joined), abs=0.15)


def test_long_audio_stitched_monotonic(live: Any) -> None:
    wav = live.speech_tool(audio_format="wav", max_chars=50).synthesize(" ".join(SENTENCES))
    stt = live.transcription_tool(
        max_chunk_seconds=4.5,
        transcript_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )
    art = stt.transcribe(wav)
    assert art["chunks"] >= 2
    starts = [s["start"] for s in art["segments"]]
    for a, b in zip(art["segments"], art["segments"][1:], strict=False):
        assert b["start"] >= a["end"]
    assert starts == sorted(starts)
    assert [w["start"] for w in art["words"]] == sorted(w["start"] for w in art["words"])
    heard = set(_words(art["text"]))
    assert {"fox", "paris", "apples", "tree"} <= heard


def test_failing_chunk_raises(live: Any) -> None:
    wav = live.speech_tool(audio_format="wav", max_chars=50).synthesize(" ".join(SENTENCES[:2]))
    stt = live.transcription_tool(
        max_chunk_seconds=3, chunk_retries=1, chunk_retry_delay=0, max_retries=0
    )
    live.inject("500", times=50, route="transcriptions")
    with pytest.raises(ChunkTranscriptionError, match="chunk 1") as info:
        stt.transcribe(wav)
    assert info.value.attempts == 2


def test_chunk_retry_recovers(live: Any) -> None:
    wav = live.speech_tool(audio_format="wav").synthesize(SENTENCES[1])
    stt = live.transcription_tool(
        chunk_retries=2, chunk_retry_delay=0, max_retries=0, max_chunk_seconds=1.5
    )
    live.inject("503", times=1, route="transcriptions")
    art = stt.transcribe(wav)
    assert art["chunks"] >= 2 and "weather" in _words(art["text"])


async def test_streaming_speech(live: Any) -> None:
    mini = live.speech_tool(audio_format="pcm")
    chunks = [c async for c in mini.astream_audio("Hello there. How are you today?")]
    assert len(chunks) > 1 and sum(map(len, chunks)) > 24000
    raw = live.speech_tool(azure_deployment="tts-1", audio_format="mp3")
    streamed = b"".join(raw.stream_audio("Hello there."))
    assert sniff_format(streamed) == "mp3"


def test_lcel_listen_think_speak(live: Any) -> None:
    from langchain_core.prompts import ChatPromptTemplate

    hear = speech_to_text(live.transcription_tool())
    speak = text_to_speech(live.speech_tool(), audio_format="wav")
    question = speak.invoke("Testing one two three.")
    prompt = ChatPromptTemplate.from_template("{question}")
    chain = hear | prompt | live.chat_model(modalities=["text"]) | speak
    chunks = list(chain.stream(question))
    answer = hear.invoke(b"".join(chunks))
    assert "said" in _words(answer)


def test_tools_in_create_agent(live: Any) -> None:
    from langchain.agents import create_agent

    tts = live.speech_tool(audio_format="wav")
    stt = live.transcription_tool()
    agent = create_agent(live.chat_model(modalities=["text"]), tools=[tts, stt])
    state = agent.invoke(
        {"messages": [HumanMessage(content="Please use text to speech for Good morning everyone")]}
    )
    tool_messages = [m for m in state["messages"] if m.type == "tool"]
    assert tool_messages and tool_messages[0].name == "text_to_speech"
    assert tool_messages[0].artifact["audio"][:4] == b"RIFF"


def _cookbook(name: str) -> ModuleType:
    root = Path(__file__).resolve().parents[2] / "cookbook"
    sys.path.insert(0, str(root))
    try:
        spec = importlib.util.spec_from_file_location(name, root / f"{name}.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(root))


@pytest.fixture
def no_azure_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY", "OPENAI_API_VERSION"):
        monkeypatch.delenv(var, raising=False)


def test_voice_agent_create_agent_cookbook(emu: Any, tmp_path: Path, no_azure_env: None) -> None:
    result = _cookbook("voice_agent_create_agent").run(tmp_path)
    assert [c["name"] for c in result["tool_calls"]] == ["calculator"]
    assert "84" in result["answer"]
    assert "84" in result["heard"]
    assert result["path"].read_bytes()[:4] == b"RIFF"


def test_voice_agent_langgraph_cookbook(emu: Any, tmp_path: Path, no_azure_env: None) -> None:
    state = _cookbook("voice_agent_langgraph").run(tmp_path)
    assert "calculator" in _words(state["transcript"])
    assert "84" in state["messages"][-1].text
    assert Path(state["answer_path"]).parent == tmp_path.resolve()
    assert state["answer_audio"][:4] == b"RIFF"


def test_audio_block_to_chat_model_transcription(live: Any) -> None:
    from langchain_azure_audio.runnables import transcribe_with_chat_model

    wav = live.speech_tool(audio_format="wav").synthesize("Seven apples fell.")
    text = transcribe_with_chat_model(live.chat_model(), audio_block(wav))
    assert "apples" in _words(text)
