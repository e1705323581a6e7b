"""`parse_reply` gives exactly what a JSON parser gives, and lifts the audio when it can.

The fast path copies the audio's base64 out of the reply instead of JSON-scanning it; every case
here compares its result with `orjson.loads` (or the stdlib) on the same bytes, including the
shapes that must fall back to a whole parse: escaped slashes, a `"data"` key before the audio,
non-ASCII, short audio, duplicate keys, keys named like the audio's, and JSON with spaces.
"""

from __future__ import annotations

import base64
import json
import random
from typing import Any

import pytest

from langchain_azure_audio import fastjson
from langchain_azure_audio.chat_completions import parse_reply

# Seeded, so every run sees the same cases (not for secrets: S311 does not apply).
AUDIO = base64.b64encode(random.Random(7).randbytes(30_000)).decode()  # noqa: S311 - has "/", "+"


def _reply(audio: dict[str, Any] | None, **message: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {"role": "assistant", "content": None, **message}
    if audio is not None:
        msg["audio"] = audio
    return {
        "id": "chatcmpl-1",
        "choices": [{"index": 0, "finish_reason": "stop", "message": msg}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 9},
    }


def _audio(data: str = AUDIO) -> dict[str, Any]:
    return {"id": "audio_1", "data": data, "expires_at": 1, "transcript": "hello there"}


def _lifts(raw: bytes) -> bool:
    """Whether parse_reply took the fast path (it never JSON-parses the whole reply)."""
    sizes: list[int] = []
    original = fastjson.loads

    def counting(data: bytes | str) -> Any:
        sizes.append(len(data))
        return original(data)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fastjson, "loads", counting)
        parse_reply(raw)
    return all(size < len(raw) // 2 for size in sizes)


TOOL_CALL = {
    "id": "c",
    "type": "function",
    "function": {"name": "f", "arguments": '{"data": "' + "A" * 20_000 + '"}'},
}
COMPACT = [
    ("typical Azure reply", _reply(_audio())),
    ("audio first, then text", {"choices": [{"message": {"audio": _audio(), "content": "x"}}]}),
    ("tool call arguments mention data", _reply(_audio(), tool_calls=[TOOL_CALL])),
    ("a 'data' key before the audio", {"data": "B" * 20_000, **_reply(_audio())}),
    ("short audio", _reply(_audio("QUJD"))),
    ("empty audio", _reply(_audio(""))),
    ("no audio", _reply(None, content="just text")),
    ("audio without data", _reply({"id": "audio_1", "transcript": "t"})),
    ("non-ASCII in the audio string", _reply(_audio("é" * 20_000))),
    ("audio is a list", {"choices": [{"message": {"audio": [{"data": "A" * 20_000}]}}]}),
    ("unicode text around", _reply(_audio(), refusal="日本語 \u2028 \x00")),
]


@pytest.mark.parametrize("reply", [pytest.param(r, id=name) for name, r in COMPACT])
@pytest.mark.parametrize("writer", ["orjson", "stdlib", "stdlib indented", "escaped slashes"])
def test_same_result_as_a_json_parser(reply: dict[str, Any], writer: str) -> None:
    raw = _write(reply, writer)
    assert parse_reply(raw) == fastjson.loads(raw) == json.loads(raw)


def _write(reply: dict[str, Any], writer: str) -> bytes:
    if writer == "orjson":
        return fastjson.dumps(reply)
    if writer == "stdlib":
        return json.dumps(reply).encode()
    if writer == "stdlib indented":
        return json.dumps(reply, indent=2, ensure_ascii=False).encode()
    return fastjson.dumps(reply).replace(b"/", b"\\/")  # legal JSON some writers emit


@pytest.mark.parametrize("writer", ["orjson", "stdlib", "stdlib indented"])
def test_the_audio_is_lifted_from_a_typical_reply(writer: str) -> None:
    raw = _write(_reply(_audio()), writer)
    assert _lifts(raw)
    assert parse_reply(raw)["choices"][0]["message"]["audio"]["data"] == AUDIO


@pytest.mark.parametrize(
    "name",
    ["a 'data' key before the audio", "short audio", "non-ASCII in the audio string", "no audio"],
)
def test_shapes_it_cannot_lift_are_parsed_whole(name: str) -> None:
    raw = fastjson.dumps(dict(COMPACT)[name])
    assert not _lifts(raw)


def test_escaped_slashes_are_parsed_whole() -> None:
    raw = fastjson.dumps(_reply(_audio())).replace(b"/", b"\\/")
    assert not _lifts(raw)
    assert parse_reply(raw)["choices"][0]["message"]["audio"]["data"] == AUDIO


def test_duplicate_audio_data_keys_keep_the_parser_s_choice() -> None:
    """JSON's last-one-wins for a repeated key: the lifted value must not override it."""
    body = fastjson.dumps(_reply(_audio()))
    raw = body.replace(b'"data":"', b'"data":"' + AUDIO.encode() + b'","data":"', 1)
    assert parse_reply(raw) == fastjson.loads(raw)


@pytest.mark.parametrize("cut", [-1, -3, 20_000])
def test_a_truncated_reply_is_a_json_error_as_before(cut: int) -> None:
    raw = fastjson.dumps(_reply(_audio()))[:cut]
    with pytest.raises(ValueError, match=r"."):
        fastjson.loads(raw)
    with pytest.raises(ValueError, match=r"."):
        parse_reply(raw)


def test_random_replies_match_the_parser() -> None:
    """Random mixes of the shapes above, with random padding and key order."""
    rng = random.Random(2026)  # noqa: S311 - seeded test data
    for _ in range(200):
        audio = _audio(rng.choice([AUDIO, AUDIO[: rng.randrange(0, 40_000)], "", "é" * 9000]))
        extra = {rng.choice(["data", "x", "audio"]): "C" * rng.randrange(0, 30_000)}
        reply = _reply(audio if rng.random() < 0.9 else None)
        items = list({**extra, **reply}.items()) if rng.random() < 0.5 else list(reply.items())
        rng.shuffle(items)
        raw = _write(dict(items), rng.choice(["orjson", "stdlib", "stdlib indented"]))
        assert parse_reply(raw) == json.loads(raw)


B64 = AUDIO.encode()
PLACEHOLDER_COLLISIONS = [
    # The reply's own "\u0000" where the placeholder would land: the lifted text must not move.
    b'{"x":{"data":"' + B64 + b'"},"choices":[{"message":{"audio":{"data":"\\u0000"}}}]}',
    b'{"choices":[{"message":{"audio":{"data":"' + B64 + b'","data":"\\u0000"}}}]}',
    b'{"choices":[{"message":{"audio":{"data":"' + B64 + b'"}}}],'
    b'"choices":[{"message":{"audio":{"data":"\\u0000"}}}]}',
]


@pytest.mark.parametrize("raw", PLACEHOLDER_COLLISIONS, ids=["other key", "dup key", "dup choices"])
def test_a_reply_holding_the_placeholder_itself_is_parsed_whole(raw: bytes) -> None:
    assert parse_reply(raw) == fastjson.loads(raw) == json.loads(raw)
    assert not _lifts(raw)


def test_invalid_json_after_the_audio_reports_the_parser_s_own_error() -> None:
    raw = fastjson.dumps(_reply(_audio()))[:-2] + b",}"
    with pytest.raises(ValueError, match=r".") as ours:
        parse_reply(raw)
    with pytest.raises(ValueError, match=r".") as theirs:
        fastjson.loads(raw)
    assert str(ours.value) == str(theirs.value)  # same message, same position
