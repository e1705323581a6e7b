"""AzureAudioChatModel end to end, replayed from cassettes recorded against the emulator.

Re-record with ``LC_AZURE_AUDIO_RECORD=emulator pytest tests/integration`` (or ``=azure`` with
the AZURE_OPENAI_* variables set). Assertions hold for both sources.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
import sys
import time
import wave
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from vcr.cassette import Cassette
from vcr.errors import CannotOverwriteExistingCassetteException

from langchain_azure_audio import AzureAudioChatModel, audio_block, get_audio, save_audio
from langchain_azure_audio.audio import sniff_format
from tests.cassette_support import (
    UNDATED_CASSETTE_TIME,
    Target,
    make_vcr,
    record_mode,
    recording_time,
    replay_clock,
)

CASSETTES = Path(__file__).parent.parent / "cassettes"
A_YEAR = dt.timedelta(days=365)


def get_weather(city: str) -> str:
    """Return the current weather of a city."""
    return f"It is sunny and 21 degrees in {city}."


def _question(clip: Any, *, text: str | None = None) -> HumanMessage:
    blocks: list[Any] = []
    if text:
        blocks.append({"type": "text", "text": text})
    blocks.append(audio_block(clip("weather_question.mp3")))
    return HumanMessage(content=blocks)


def _model(service: Target, **kwargs: Any) -> AzureAudioChatModel:
    return AzureAudioChatModel(**service.settings("chat"), **kwargs)


def _assert_spoken(reply: AIMessage, fmt: str) -> bytes:
    audio = get_audio(reply)
    assert audio is not None, "the reply carries no audio"
    assert audio.transcript and audio.transcript == reply.text
    assert audio.id and audio.expires_at
    assert sniff_format(audio.data) == ("mp3" if fmt == "mp3" else "wav")
    usage = reply.usage_metadata
    assert usage is not None
    assert usage["output_token_details"]["audio"] > 0
    return audio.data


def test_text_to_text_and_audio(service: Target, cassette: Any) -> None:
    reply = _model(service, voice="coral", audio_format="wav").invoke("Hello from the test suite.")
    data = _assert_spoken(reply, "wav")
    with wave.open(io.BytesIO(data)) as wav:
        assert wav.getframerate() == 24000
        assert wav.getnframes() / wav.getframerate() > 0.5
    assert reply.response_metadata["finish_reason"] == "stop"


def test_audio_to_text_and_audio(service: Target, cassette: Any, clip: Any) -> None:
    reply = _model(service, audio_format="mp3").invoke([_question(clip)])
    _assert_spoken(reply, "mp3")
    assert "paris" in reply.text.lower()
    assert reply.usage_metadata["input_token_details"]["audio"] > 0  # type: ignore[index]


def test_audio_to_text(service: Target, cassette: Any, clip: Any) -> None:
    reply = _model(service, modalities=["text"]).invoke([_question(clip)])
    assert isinstance(reply.content, str)
    assert "paris" in reply.content.lower()
    assert get_audio(reply) is None


def test_text_and_audio_to_text_and_audio(service: Target, cassette: Any, clip: Any) -> None:
    message = _question(clip, text="Answer the recorded question.")
    reply = _model(service, audio_format="mp3").invoke([message])
    _assert_spoken(reply, "mp3")
    assert "paris" in reply.text.lower()


def test_text_and_audio_to_text(service: Target, cassette: Any, clip: Any) -> None:
    message = _question(clip, text="Answer the recorded question.")
    reply = _model(service).invoke([message], modalities=["text"])
    assert isinstance(reply.content, str) and "paris" in reply.content.lower()


def test_stream_matches_pcm16_audio(service: Target, cassette: Any, tmp_path: Any) -> None:
    model = _model(service, voice="verse")
    chunks = list(model.stream("Stream a short reply."))
    assert len(chunks) > 3
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    audio = get_audio(full)
    assert audio is not None and audio.format == "pcm16"
    assert len(audio.data) % 2 == 0 and len(audio.data) > 24000  # > 0.5 s of 24 kHz s16le
    assert audio.transcript == full.text and full.text
    path = save_audio(full, tmp_path / "reply.wav")
    with wave.open(str(path)) as wav:
        assert wav.getnframes() * 2 == len(audio.data)
    assert full.usage_metadata and full.usage_metadata["output_token_details"]["audio"] > 0


async def test_async_invoke_and_stream(service: Target, cassette: Any) -> None:
    model = _model(service, audio_format="mp3")
    reply = await model.ainvoke("Async hello.")
    _assert_spoken(reply, "mp3")
    pieces = [c async for c in model.astream("Async stream.")]
    total = pieces[0]
    for piece in pieces[1:]:
        total = total + piece
    audio = get_audio(total)
    assert audio is not None and audio.format == "pcm16" and audio.data


def test_tool_call_round_trip(service: Target, cassette: Any, clip: Any) -> None:
    model = _model(service, audio_format="mp3").bind_tools([get_weather])
    question = _question(clip)
    first = model.invoke([question])
    assert len(first.tool_calls) == 1
    call = first.tool_calls[0]
    assert call["name"] == "get_weather"
    assert "paris" in str(call["args"]["city"]).lower()
    result = ToolMessage(content=get_weather(**call["args"]), tool_call_id=call["id"])
    final = model.invoke([question, first, result])
    _assert_spoken(final, "mp3")
    assert "sunny" in final.text.lower()


def test_multi_turn_sends_audio_id(service: Target, cassette: Any) -> None:
    model = _model(service, audio_format="mp3")
    first_q = HumanMessage(content="Remember the word apple.")
    first = model.invoke([first_q])
    audio = get_audio(first)
    assert audio is not None and audio.id
    second = model.invoke([first_q, first, HumanMessage(content="What word was it?")])
    assert second.text
    sent = cassette.requests[-1].body
    assert audio.id.encode() in (sent if isinstance(sent, bytes) else sent.encode())


@pytest.mark.parametrize("fmt", ["wav", "mp3", "flac", "opus", "aac", "pcm16"])
def test_every_output_format(service: Target, cassette: Any, fmt: str) -> None:
    reply = _model(service, audio_format=fmt).invoke("Format check.")
    audio = get_audio(reply)
    assert audio is not None and audio.format == fmt and audio.data
    expected = {"wav": "wav", "mp3": "mp3", "flac": "flac", "opus": "ogg", "aac": "aac"}
    if fmt in expected:
        assert sniff_format(audio.data) == expected[fmt]
    assert audio.to_wav()[:4] == b"RIFF"


# -- the replay clock: cassettes replay the same on any day ----------------------------------------


def _multi_turn(model: AzureAudioChatModel) -> None:
    first_q = HumanMessage(content="Remember the word apple.")
    first = model.invoke([first_q])
    model.invoke([first_q, first, HumanMessage(content="What word was it?")])


def _replay_multi_turn(service: Target, *, freeze: bool) -> list[Any]:
    """Replay the multi-turn cassette outside the fixture; return the requests it matched."""
    recorder = make_vcr(str(CASSETTES / "test_chat_cassettes"))
    with recorder.use_cassette("test_multi_turn_sends_audio_id.yaml") as cass:
        if freeze:
            with replay_clock(cass):
                _multi_turn(_model(service, audio_format="mp3"))
        else:
            _multi_turn(_model(service, audio_format="mp3"))
        return list(cass.requests)


replay_only = pytest.mark.skipif(
    record_mode() is not None, reason="checks replayed cassettes, not a recording"
)


@replay_only
def test_replay_clock_is_the_recording_time(service: Target) -> None:
    cass = Cassette.load(path=str(CASSETTES / "test_chat_cassettes" / "test_audio_to_text.yaml"))
    body = cass.responses[0]["body"]["string"]
    created = json.loads(body)["created"]
    assert recording_time(cass) == created
    with replay_clock(cass) as recorded:
        assert recorded == created
        assert created <= time.time() < created + 60
        assert abs(dt.datetime.now(dt.timezone.utc).timestamp() - created) < 60
    assert time.time() > created + 60  # the real clock is back


@replay_only
def test_multi_turn_replays_a_year_ahead(service: Target) -> None:
    """The time bomb of 2026-11-25: with the clock a year on, the cassette still replays."""
    with time_machine.travel(dt.datetime.now(dt.timezone.utc) + A_YEAR, tick=True):
        requests = _replay_multi_turn(service, freeze=True)
        sent = requests[-1].body
        assert b'"audio": {"id": "audio_' in (sent if isinstance(sent, bytes) else sent.encode())


@replay_only
def test_without_the_replay_clock_the_audio_id_expires(service: Target) -> None:
    """Guard that the test above can fail: a year on, the unfrozen replay sends the transcript."""
    with (
        time_machine.travel(dt.datetime.now(dt.timezone.utc) + A_YEAR, tick=True),
        pytest.raises(CannotOverwriteExistingCassetteException),
    ):
        _replay_multi_turn(service, freeze=False)


def _cassette_files() -> list[Path]:
    return sorted(CASSETTES.rglob("*.yaml"))


@replay_only
@pytest.mark.parametrize("path", _cassette_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_recorded_time_expires_during_replay(path: Path) -> None:
    """Every expiry a cassette holds lies well after its replay clock starts (10 min margin)."""
    cass = Cassette.load(path=str(path))
    start = recording_time(cass)
    for response in cass.responses:
        body = response["body"]["string"]
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        for key, value in re.findall(r'"(expires_at|expires_on)"\s*:\s*(\d+)', text):
            assert int(value) > start + 600, f"{key}={value} is not after {start} + 10 min"


def _fake_cassette(responses: list[dict[str, Any]], metadata: dict[str, Any] | None = None) -> Any:
    from vcr.errors import MissingMetadataError

    def get_metadata(key: str, default: Any) -> Any:
        if metadata and key in metadata:
            return metadata[key]
        raise MissingMetadataError(cassette=fake, key=key)

    # record_mode and _path are what MissingMetadataError reads.
    fake = SimpleNamespace(
        responses=responses,
        path="fake.yaml",
        _path="fake.yaml",
        record_mode="none",
        get_metadata=get_metadata,
    )
    return fake


def _reply(body: bytes, **headers: str) -> dict[str, Any]:
    return {"headers": {k: [v] for k, v in headers.items()}, "body": {"string": body}}


def test_recording_time_sources_in_order() -> None:
    created = b'{"created": 1795643478, "audio": {"expires_at": 1795647079}}'
    date = "Wed, 25 Nov 2026 21:51:00 GMT"
    stamped = _fake_cassette([_reply(created, Date=date)], {"recorded_at": 1_700_000_000})
    assert recording_time(stamped) == 1_700_000_000
    dated = _fake_cassette([_reply(b"audio bytes"), _reply(created, Date=date)])
    at_date = dt.datetime(2026, 11, 25, 21, 51, tzinfo=dt.timezone.utc).timestamp()
    assert recording_time(dated) == at_date
    assert recording_time(_fake_cassette([_reply(created)])) == 1795643478
    sse = b'data: {"choices":[]}\n\ndata: {"id":"c","created":1795643477,"choices":[]}\n\n'
    assert recording_time(_fake_cassette([_reply(sse)])) == 1795643477
    assert recording_time(_fake_cassette([_reply(b"RIFF....")])) == UNDATED_CASSETTE_TIME
    with pytest.raises(ValueError, match="expiry time but no recording time"):
        recording_time(_fake_cassette([_reply(b'{"audio": {"expires_at": 1795647079}}')]))


_CLOCK_PROBE = """
import time

def test_probe():
    start = time.time()
    time.sleep(0.2)
    with open("seen.txt", "a") as f:
        f.write(f"{start} {time.time() - start}\\n")
"""


def test_clock_shift_option_moves_the_session_clock(tmp_path: Path) -> None:
    """``--clock-shift-days`` (tests/conftest.py; CI uses it) really moves the clock, ticking."""
    shutil.copyfile(Path(__file__).parent.parent / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_probe.py").write_text(_CLOCK_PROBE)
    for args in ([], ["--clock-shift-days=365"]):
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stdout + run.stderr
    (real, real_tick), (moved, moved_tick) = (
        map(float, line.split()) for line in (tmp_path / "seen.txt").read_text().splitlines()
    )
    assert abs((moved - real) - A_YEAR.total_seconds()) < 120
    assert real_tick >= 0.15 and moved_tick >= 0.15  # the shifted clock keeps ticking
