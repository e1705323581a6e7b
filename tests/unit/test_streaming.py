"""Streaming (sync and async): transcript and pcm16 audio pieces, usage, interruptions, tools."""

from __future__ import annotations

import base64
import binascii
import json
import wave

import httpx2
import pytest
from langchain_core.messages import AIMessageChunk

from langchain_azure_audio import StreamInterruptedError, get_audio, save_audio
from langchain_azure_audio.audio import PCM16_MIME_TYPE

from .conftest import (
    MODEL_VERSION,
    FakeAzure,
    audio_stream_events,
    chunk,
    make_pcm,
    sse_body,
    sse_response,
    usage,
)

TRANSCRIPT = ["Once ", "upon ", "a ", "time."]
SIZES = [1001, 3999, 7, 2, 4800, 1]
PCM = [make_pcm(n, seed=i) for i, n in enumerate(SIZES)]
# Uneven piece sizes: total must still be whole samples for the service; make it even.
if sum(SIZES) % 2:
    PCM.append(b"\x05")
ALL_PCM = b"".join(PCM)


def _body(**kwargs) -> bytes:
    return sse_body(audio_stream_events(TRANSCRIPT, PCM, **kwargs))


def _sum(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    total = chunks[0]
    for c in chunks[1:]:
        total = total + c
    return total


def _check_chunks(chunks: list[AIMessageChunk]) -> None:
    """Every intermediate chunk's base64 must decode on its own."""
    for c in chunks:
        if isinstance(c.content, str):
            continue
        for block in c.content:
            if isinstance(block, dict) and block.get("type") == "audio" and block.get("base64"):
                try:
                    base64.b64decode(block["base64"], validate=True)
                except binascii.Error as exc:  # pragma: no cover - failure path
                    pytest.fail(f"chunk base64 does not decode: {exc}")


def _check_full(full: AIMessageChunk) -> None:
    assert isinstance(full.content, list)
    blocks = [b for b in full.content if isinstance(b, dict)]
    assert len(blocks) == len(full.content), "every block is a dict"
    texts = [b for b in blocks if b.get("type") == "text"]
    audios = [b for b in blocks if b.get("type") == "audio"]
    assert blocks[0]["type"] == "text"
    assert len(texts) == 1
    assert texts[0]["text"] == "".join(TRANSCRIPT)
    assert len(audios) == 1
    audio = audios[0]
    assert base64.b64decode(audio["base64"], validate=True) == ALL_PCM
    assert audio["mime_type"] == PCM16_MIME_TYPE
    assert "pcm" in audio["mime_type"]
    assert audio["id"] == "audio_stream01"
    assert full.text == "".join(TRANSCRIPT)
    assert full.usage_metadata is not None
    assert full.usage_metadata["output_token_details"]["audio"] == 48
    assert full.usage_metadata["total_tokens"] == usage()["total_tokens"]
    assert full.response_metadata["model_name"] == MODEL_VERSION
    assert full.response_metadata["finish_reason"] == "stop"


def test_sync_stream(azure: FakeAzure, make_model) -> None:
    azure.push(_body())
    chunks = [c for c in make_model(voice="coral").stream("Tell me a story")]
    body = azure.body()
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["audio"] == {"voice": "coral", "format": "pcm16"}
    assert body["modalities"] == ["text", "audio"]
    _check_chunks(chunks)
    _check_full(_sum(chunks))


async def test_async_stream(azure: FakeAzure, make_model) -> None:
    azure.push(_body())
    chunks = [c async for c in make_model().astream("Tell me a story")]
    assert azure.body()["audio"]["format"] == "pcm16"
    _check_chunks(chunks)
    _check_full(_sum(chunks))


def test_invoke_with_streaming_true_assembles_same_message(azure: FakeAzure, make_model) -> None:
    azure.push(_body())
    msg = make_model(streaming=True).invoke("story")
    assert azure.body()["stream"] is True
    audio = get_audio(msg)
    assert audio is not None
    assert audio.data == ALL_PCM
    assert audio.format == "pcm16"
    assert audio.transcript == "".join(TRANSCRIPT)


async def test_ainvoke_with_streaming_true(azure: FakeAzure, make_model) -> None:
    azure.push(_body())
    msg = await make_model(streaming=True).ainvoke("story")
    audio = get_audio(msg)
    assert audio is not None and audio.data == ALL_PCM


def test_streamed_audio_saves_as_wav(azure: FakeAzure, make_model, tmp_path) -> None:
    azure.push(_body())
    full = _sum(list(make_model().stream("story")))
    out = save_audio(full, tmp_path / "story.wav")
    with wave.open(str(out)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 24_000)
        assert w.readframes(w.getnframes()) == ALL_PCM


def test_model_name_not_duplicated(azure: FakeAzure, make_model) -> None:
    azure.push(_body())
    full = _sum(list(make_model().stream("story")))
    assert full.response_metadata["model_name"] == MODEL_VERSION
    assert full.response_metadata.get("model_provider") in (None, "azure_openai")


def test_prompt_filter_results_kept(azure: FakeAzure, make_model) -> None:
    azure.push(_body())
    chunks = list(make_model().stream("story"))
    full = _sum(chunks)
    assert full.response_metadata["prompt_filter_results"][0]["prompt_index"] == 0


def test_additional_kwargs_audio_sums_to_full_audio(azure: FakeAzure, make_model) -> None:
    azure.push(_body())
    full = _sum(list(make_model().stream("story")))
    legacy = full.additional_kwargs["audio"]
    assert legacy["id"] == "audio_stream01"
    assert base64.b64decode(legacy["data"]) == ALL_PCM
    assert legacy["transcript"] == "".join(TRANSCRIPT)


@pytest.mark.parametrize("sizes", [[1], [3, 3, 3], [5, 1], [6, 6], [1, 1, 1, 1, 1, 1, 2]])
def test_odd_piece_sizes(azure: FakeAzure, make_model, sizes: list[int]) -> None:
    pieces = [make_pcm(n, seed=n + i) for i, n in enumerate(sizes)]
    azure.push(sse_body(audio_stream_events(["x"], pieces)))
    chunks = list(make_model().stream("hi"))
    _check_chunks(chunks)
    audio = get_audio(_sum(chunks))
    assert audio is not None and audio.data == b"".join(pieces)


def test_stream_without_done_raises(azure: FakeAzure, make_model) -> None:
    events = audio_stream_events(TRANSCRIPT, PCM)[:6]
    azure.push(sse_body(events, done=False))
    with pytest.raises(StreamInterruptedError, match="DONE"):
        list(make_model().stream("story"))


async def test_astream_without_done_raises(azure: FakeAzure, make_model) -> None:
    azure.push(sse_body(audio_stream_events(TRANSCRIPT, PCM), done=False))
    with pytest.raises(StreamInterruptedError):
        async for _ in make_model().astream("story"):
            pass


def test_invoke_streaming_without_done_raises(azure: FakeAzure, make_model) -> None:
    azure.push(sse_body(audio_stream_events(TRANSCRIPT, PCM), done=False))
    with pytest.raises(StreamInterruptedError):
        make_model(streaming=True).invoke("story")


def test_mid_stream_error_event_raises(azure: FakeAzure, make_model) -> None:
    from langchain_azure_audio import AzureAudioError

    events = [*audio_stream_events(["a"], [make_pcm(10)])[:4], {"error": {"message": "boom"}}]
    azure.push(sse_body(events, done=False))
    with pytest.raises(AzureAudioError, match="boom"):
        list(make_model().stream("hi"))


def test_stream_usage_off(azure: FakeAzure, make_model) -> None:
    events = [e for e in audio_stream_events(["a"], [make_pcm(10)]) if e.get("usage") is None]
    azure.push(sse_body(events))
    full = _sum(list(make_model(stream_usage=False).stream("hi")))
    assert "stream_options" not in azure.body()
    assert full.usage_metadata is None


def test_text_only_stream(azure: FakeAzure, make_model) -> None:
    events = [
        {"choices": [], "id": "", "model": "", "prompt_filter_results": []},
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": "Hel"}),
        chunk({"content": "lo"}),
        chunk({}, finish_reason="stop"),
        chunk(None, usage=usage(prompt=5, completion=2, audio_out=0)),
    ]
    azure.push(sse_body(events))
    chunks = list(make_model(modalities=["text"]).stream("hi"))
    full = _sum(chunks)
    assert full.content == "Hello"
    assert "audio" not in azure.body()
    assert full.usage_metadata is not None and full.usage_metadata["output_tokens"] == 2


def test_tool_call_stream(azure: FakeAzure, make_model) -> None:
    def get_weather(city: str) -> str:
        """Weather of a city."""
        return "sunny"

    events = [
        {"choices": [], "id": "", "model": "", "prompt_filter_results": []},
        chunk(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": ""},
                    }
                ],
            }
        ),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"ci'}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'ty": "Paris"}'}}]}),
        chunk(
            {
                "tool_calls": [
                    {
                        "index": 1,
                        "id": "call_2",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                    }
                ]
            }
        ),
        chunk({}, finish_reason="tool_calls"),
        chunk(None, usage=usage(completion=20, audio_out=0)),
    ]
    azure.push(sse_body(events))
    model = make_model(modalities=["text"]).bind_tools([get_weather])
    full = _sum(list(model.stream("Weather in Paris and Oslo?")))
    assert [(tc["name"], tc["args"], tc["id"]) for tc in full.tool_calls] == [
        ("get_weather", {"city": "Paris"}, "call_1"),
        ("get_weather", {"city": "Oslo"}, "call_2"),
    ]
    assert full.response_metadata["finish_reason"] == "tool_calls"
    assert azure.body()["tools"][0]["function"]["name"] == "get_weather"


def test_stream_sse_with_crlf_and_comments(azure: FakeAzure, make_model) -> None:
    events = audio_stream_events(["ok"], [make_pcm(12)])
    text = ": keep-alive\r\n\r\n" + "".join(f"data: {json.dumps(e)}\r\n\r\n" for e in events)
    text += "data: [DONE]\r\n\r\n"
    azure.push(sse_response(text.encode()))
    audio = get_audio(_sum(list(make_model().stream("hi"))))
    assert audio is not None and audio.data == make_pcm(12)


def test_stream_http_error_before_body(azure: FakeAzure, make_model) -> None:
    from langchain_azure_audio import DeploymentNotFoundError

    azure.push(
        httpx2.Response(
            404,
            json={"error": {"code": "DeploymentNotFound", "message": "no such deployment"}},
        )
    )
    with pytest.raises(DeploymentNotFoundError):
        list(make_model().stream("hi"))


def test_connection_drop_mid_stream(azure: FakeAzure, make_model) -> None:
    events = audio_stream_events(TRANSCRIPT, PCM)

    def body():
        yield sse_body(events[:5], done=False)
        raise httpx2.RemoteProtocolError("peer closed connection without complete body")

    azure.push(
        lambda req: httpx2.Response(
            200, content=body(), headers={"content-type": "text/event-stream"}
        )
    )
    with pytest.raises(StreamInterruptedError, match="dropped"):
        list(make_model().stream("story"))


async def test_connection_drop_mid_astream(azure: FakeAzure, make_model) -> None:
    events = audio_stream_events(TRANSCRIPT, PCM)

    async def body():
        yield sse_body(events[:5], done=False)
        raise httpx2.ReadError("connection reset by peer")

    azure.push(
        lambda req: httpx2.Response(
            200, content=body(), headers={"content-type": "text/event-stream"}
        )
    )
    with pytest.raises(StreamInterruptedError, match="dropped"):
        async for _ in make_model().astream("story"):
            pass
