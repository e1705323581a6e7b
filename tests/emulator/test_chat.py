"""/chat/completions against the live emulator: replies, audio, history, tools, streaming."""

from __future__ import annotations

import base64
import io
import json
import time
from typing import Any, Literal, cast

import av
import httpx2
import openai
import pytest
from openai.types.chat import (
    ChatCompletionAssistantMessageParam,
    ChatCompletionContentPartInputAudioParam,
    ChatCompletionFunctionToolParam,
    ChatCompletionMessageParam,
)

from langchain_azure_audio.audio_codecs import decode_to_pcm16
from langchain_azure_audio.emulator import Emulator

from .conftest import SENTENCE, deployment_url, words

CHAT = deployment_url("gpt-4o-mini-audio-preview", "chat/completions")
AUDIO_OUT = {"modalities": ["text", "audio"], "audio": {"voice": "alloy", "format": "wav"}}
WEATHER_TOOL: ChatCompletionFunctionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
CALC_TOOL: ChatCompletionFunctionToolParam = {
    "type": "function",
    "function": {
        "name": "calculator",
        "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}},
    },
}


def user(text: str) -> list[ChatCompletionMessageParam]:
    return [{"role": "user", "content": text}]


def audio_part(
    b64: str, fmt: Literal["wav", "mp3"] = "wav"
) -> ChatCompletionContentPartInputAudioParam:
    return {"type": "input_audio", "input_audio": {"data": b64, "format": fmt}}


def sse_events(response: httpx2.Response) -> list[Any]:
    events = []
    for block in response.text.split("\n\n"):
        if block.startswith("data: "):
            data = block[len("data: ") :]
            events.append(data if data == "[DONE]" else json.loads(data))
    return events


def error_of(response: httpx2.Response, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    return body


def test_text_reply_shape(http: httpx2.Client) -> None:
    r = http.post(CHAT, json={"messages": user("Hello there")})
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "chat.completion"
    assert body["id"].startswith("chatcmpl-")
    assert body["model"] == "gpt-4o-mini-audio-preview"
    assert body["prompt_filter_results"][0]["content_filter_results"]["hate"] == {
        "filtered": False,
        "severity": "safe",
    }
    choice = body["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert choice["message"] == {
        "role": "assistant",
        "content": "You said: Hello there",
        "refusal": None,
    }
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["completion_tokens_details"]["audio_tokens"] == 0


def test_tts_stt_round_trip_through_chat(client: openai.AzureOpenAI, sentence_b64: str) -> None:
    """Audio in -> the real recognizer hears it -> audio out -> the recognizer hears the reply."""
    first = client.chat.completions.create(
        model="gpt-4o-mini-audio-preview",
        messages=[{"role": "user", "content": [audio_part(sentence_b64)]}],
        modalities=["text", "audio"],
        audio={"voice": "coral", "format": "wav"},
    )
    message = first.choices[0].message
    assert message.content is None
    assert message.audio is not None
    assert words(message.audio.transcript) == words("You said: " + SENTENCE)
    assert message.audio.expires_at > time.time() + 3000
    assert first.usage is not None and first.usage.prompt_tokens_details is not None
    assert (first.usage.prompt_tokens_details.audio_tokens or 0) > 20  # ~10 tokens/s of input
    assert first.usage.completion_tokens_details is not None
    assert (first.usage.completion_tokens_details.audio_tokens or 0) > 40  # ~20 tokens/s out

    # the spoken reply, sent back as input, is heard word for word
    second = client.chat.completions.create(
        model="gpt-4o-mini-audio-preview",
        messages=[{"role": "user", "content": [audio_part(message.audio.data)]}],
    )
    assert words(second.choices[0].message.content or "") == words(
        "You said: You said: " + SENTENCE
    )


def test_text_and_audio_parts_are_joined(http: httpx2.Client, sentence_b64: str) -> None:
    content = [{"type": "text", "text": "Listen."}, audio_part(sentence_b64)]
    r = http.post(CHAT, json={"messages": [{"role": "user", "content": content}]})
    assert words(r.json()["choices"][0]["message"]["content"]) == words(
        "You said: Listen. " + SENTENCE
    )


@pytest.mark.parametrize(
    ("fmt", "codec"),
    [("wav", "pcm_s16le"), ("mp3", "mp3"), ("flac", "flac"), ("opus", "opus"), ("aac", "aac")],
)
def test_every_output_format_decodes(http: httpx2.Client, fmt: str, codec: str) -> None:
    body = {
        "messages": user("Format check."),
        "modalities": ["text", "audio"],
        "audio": {"voice": "ash", "format": fmt},
    }
    audio = http.post(CHAT, json=body).json()["choices"][0]["message"]["audio"]
    data = base64.b64decode(audio["data"])
    with av.open(io.BytesIO(data)) as container:
        assert container.streams.audio[0].codec_context.name.startswith(codec[:3])
    pcm, _ = decode_to_pcm16(data, sample_rate=24000)
    assert len(pcm) > 24000  # more than half a second of speech
    assert audio["transcript"] == "You said: Format check."


def test_pcm16_output_is_raw_24khz(http: httpx2.Client) -> None:
    body = {
        "messages": user("Raw."),
        "modalities": ["text", "audio"],
        "audio": {"voice": "alloy", "format": "pcm16"},
    }
    pcm16 = base64.b64decode(
        http.post(CHAT, json=body).json()["choices"][0]["message"]["audio"]["data"]
    )
    body["audio"] = {"voice": "alloy", "format": "wav"}
    wav = base64.b64decode(
        http.post(CHAT, json=body).json()["choices"][0]["message"]["audio"]["data"]
    )
    assert decode_to_pcm16(wav) == (pcm16, 24000)


def test_audio_id_history(client: openai.AzureOpenAI) -> None:
    first = client.chat.completions.create(
        model="gpt-4o-mini-audio-preview",
        messages=user("Remember me."),
        modalities=["text", "audio"],
        audio={"voice": "alloy", "format": "wav"},
    )
    audio = first.choices[0].message.audio
    assert audio is not None
    history: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": "Remember me."},
        {"role": "assistant", "audio": {"id": audio.id}},
        {"role": "user", "content": "Again."},
    ]
    again = client.chat.completions.create(model="gpt-4o-mini-audio-preview", messages=history)
    assert again.choices[0].message.content == "You said: Again."
    history[1] = {"role": "assistant", "audio": {"id": "audio_unknown"}}
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="gpt-4o-mini-audio-preview", messages=history)
    assert "expired or was not found" in str(info.value)
    assert isinstance(info.value.body, dict)
    assert info.value.body["param"] == "messages[1].audio.id"


def test_audio_id_expires() -> None:
    with Emulator(audio_expiry_seconds=0.5) as short:
        http = httpx2.Client(base_url=short.endpoint, headers={"api-key": short.api_key})
        body = {"messages": user("Brief."), **AUDIO_OUT}
        audio = http.post(CHAT, json=body).json()["choices"][0]["message"]["audio"]
        assert audio["expires_at"] <= time.time() + 2
        history = [
            *user("Brief."),
            {"role": "assistant", "audio": {"id": audio["id"]}},
            *user("Still there?"),
        ]
        assert http.post(CHAT, json={"messages": history}).status_code == 200
        time.sleep(0.6)
        err = error_of(http.post(CHAT, json={"messages": history}))
        assert err["code"] == "invalid_value"
        assert "expired" in err["message"]


def test_tool_call_then_tool_result(client: openai.AzureOpenAI) -> None:
    first = client.chat.completions.create(
        model="gpt-4o-mini-audio-preview",
        messages=user("What is the weather in Paris?"),
        tools=[WEATHER_TOOL],
        modalities=["text", "audio"],
        audio={"voice": "alloy", "format": "wav"},
    )
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.audio is None  # no audio with a tool call
    assert choice.message.tool_calls
    call = choice.message.tool_calls[0]
    assert call.type == "function"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    # the SDK's reply message, sent back as it came (a dump of it is an assistant message param)
    reply = cast(ChatCompletionAssistantMessageParam, choice.message.model_dump(exclude_none=True))
    second = client.chat.completions.create(
        model="gpt-4o-mini-audio-preview",
        messages=[
            *user("What is the weather in Paris?"),
            reply,
            {"role": "tool", "tool_call_id": call.id, "content": "Sunny and 21 degrees"},
        ],
        tools=[WEATHER_TOOL],
    )
    assert second.choices[0].message.content == (
        "The get_weather tool returned: Sunny and 21 degrees."
    )


def test_parallel_forced_and_spoken_tool_calls(http: httpx2.Client) -> None:
    heard = "Use the calculator for 12 times 7 and the weather in Oslo"
    body: dict[str, Any] = {"messages": user(heard), "tools": [WEATHER_TOOL, CALC_TOOL]}
    calls = http.post(CHAT, json=body).json()["choices"][0]["message"]["tool_calls"]
    assert [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls] == [
        ("get_weather", {"city": "Oslo"}),
        ("calculator", {"expression": "12 * 7"}),
    ]
    body["parallel_tool_calls"] = False
    assert len(http.post(CHAT, json=body).json()["choices"][0]["message"]["tool_calls"]) == 1
    body = {
        "messages": user("hi"),
        "tools": [WEATHER_TOOL, CALC_TOOL],
        "tool_choice": {"type": "function", "function": {"name": "calculator"}},
    }
    forced = http.post(CHAT, json=body).json()["choices"][0]["message"]["tool_calls"]
    assert [c["function"]["name"] for c in forced] == ["calculator"]
    body["tool_choice"] = "none"
    assert http.post(CHAT, json=body).json()["choices"][0]["message"]["content"] == "You said: hi"


def test_max_tokens_truncates(http: httpx2.Client) -> None:
    r = http.post(CHAT, json={"messages": user("one two three four five six"), "max_tokens": 4})
    choice = r.json()["choices"][0]
    assert choice["finish_reason"] == "length"
    assert choice["message"]["content"] == "You said: one"


def test_stream_audio_chunks(http: httpx2.Client) -> None:
    body = {
        "messages": user("Stream this sentence please."),
        "stream": True,
        "stream_options": {"include_usage": True},
        "modalities": ["text", "audio"],
        "audio": {"voice": "verse", "format": "pcm16"},
    }
    r = http.post(CHAT, json=body)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = sse_events(r)
    assert events[-1] == "[DONE]"
    first = events[0]
    assert first["choices"] == [] and first["id"] == "" and first["prompt_filter_results"]
    chunks = events[1:-1]
    usage_chunk = chunks[-1]
    assert usage_chunk["choices"] == [] and usage_chunk["usage"]["total_tokens"] > 0
    deltas = [c["choices"][0]["delta"] for c in chunks[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert deltas[0]["role"] == "assistant"
    audio_deltas = [d["audio"] for d in deltas if "audio" in d]
    assert audio_deltas[0]["id"].startswith("audio_") and audio_deltas[0]["transcript"] == ""
    assert "expires_at" in audio_deltas[-1]
    transcript = "".join(a.get("transcript", "") for a in audio_deltas)
    assert transcript == "You said: Stream this sentence please."
    pieces = [a["data"] for a in audio_deltas if "data" in a]
    assert len(pieces) > 3
    assert any(p.endswith("=") for p in pieces) and any(not p.endswith("=") for p in pieces)
    # concatenated base64 is not valid: decode piece by piece (binascii.Error is a ValueError)
    with pytest.raises(ValueError):  # noqa: PT011
        base64.b64decode("".join(pieces), validate=True)
    pcm = b"".join(base64.b64decode(p) for p in pieces)
    # interleaved: some transcript pieces arrive after the first data piece
    kinds = ["t" if "transcript" in a else "d" for a in audio_deltas[1:-1]]
    assert "dt" in "".join(kinds)
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"

    # the summed stream equals the non-streamed pcm16 audio
    body.pop("stream"), body.pop("stream_options")
    whole = http.post(CHAT, json=body).json()["choices"][0]["message"]["audio"]
    assert base64.b64decode(whole["data"]) == pcm


def test_stream_text_and_tool_calls_with_sdk(client: openai.AzureOpenAI) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o-mini-audio-preview",
        messages=user("Say hi to all"),
        stream=True,
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "You said: Say hi to all"

    stream = client.chat.completions.create(
        model="gpt-4o-mini-audio-preview",
        messages=user("weather in Rome"),
        stream=True,
        tools=[WEATHER_TOOL],
    )
    names, args, finish = [], "", None
    for chunk in stream:
        if not chunk.choices:
            continue
        for tc in chunk.choices[0].delta.tool_calls or []:
            if tc.function and tc.function.name:
                names.append(tc.function.name)
            args += (tc.function.arguments or "") if tc.function else ""
        finish = chunk.choices[0].finish_reason or finish
    assert names == ["get_weather"]
    assert json.loads(args) == {"city": "Rome"}
    assert finish == "tool_calls"


def test_v1_url_style(emu: Emulator) -> None:
    v1 = openai.OpenAI(base_url=emu.endpoint + "/openai/v1", api_key=emu.api_key, max_retries=0)
    reply = v1.chat.completions.create(model="gpt-audio-mini", messages=user("v1 works"))
    assert reply.choices[0].message.content == "You said: v1 works"
    assert reply.model == "gpt-audio-mini"
    with pytest.raises(openai.NotFoundError) as info:
        v1.chat.completions.create(model="missing", messages=user("x"))
    assert isinstance(info.value.body, dict)
    assert info.value.body["code"] == "DeploymentNotFound"


# -- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patch", "param", "needle"),
    [
        ({"audio": {"voice": "bogus", "format": "wav"}}, "audio.voice", "bogus"),
        ({"audio": {"voice": "marin", "format": "wav"}}, "audio.voice", "marin"),  # preview model
        ({"audio": {"voice": "alloy", "format": "ogg"}}, "audio.format", "ogg"),
        ({"audio": None}, "audio", "audio"),
        ({"stream": True}, "audio.format", "pcm16"),  # streaming needs pcm16
        ({"modalities": ["audio"]}, "modalities", "modalities"),
        ({"tool_choice": "sometimes"}, "tool_choice", "sometimes"),
        ({"max_tokens": 0}, "max_completion_tokens", "max_tokens"),
        ({"messages": []}, "messages", "messages"),
        ({"messages": [{"role": "wizard", "content": "x"}]}, "messages[0].role", "role"),
    ],
)
def test_validation_errors(
    http: httpx2.Client, patch: dict[str, Any], param: str, needle: str
) -> None:
    body: dict[str, Any] = {"messages": user("x"), **AUDIO_OUT, **patch}
    err = error_of(http.post(CHAT, json=body))
    assert err["param"] == param
    assert err["type"] == "invalid_request_error"
    assert err["code"] == "invalid_value"
    assert needle in err["message"]


def test_marin_is_fine_on_gpt_audio(http: httpx2.Client) -> None:
    url = deployment_url("gpt-audio", "chat/completions")
    body = {
        "messages": user("x"),
        "modalities": ["text", "audio"],
        "audio": {"voice": "marin", "format": "pcm16"},
    }
    assert http.post(url, json=body).status_code == 200


@pytest.mark.parametrize(
    ("audio", "param", "needle"),
    [
        ({"data": "AAAA", "format": "flac"}, "messages[0].content[0].input_audio.format", "flac"),
        (
            {"data": "not base64!!", "format": "wav"},
            "messages[0].content[0].input_audio.data",
            "base64",
        ),
        (
            {"data": base64.b64encode(b"RIFF garbage" * 30).decode(), "format": "wav"},
            "messages[0].content[0].input_audio.data",
            "decoded",
        ),
        ({"data": "", "format": "wav"}, "messages[0].content[0].input_audio.data", "empty"),
    ],
)
def test_input_audio_errors(
    http: httpx2.Client, audio: dict[str, Any], param: str, needle: str
) -> None:
    body = {
        "messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": audio}]}]
    }
    err = error_of(http.post(CHAT, json=body))
    assert err["param"] == param
    assert needle in err["message"]


def test_input_audio_over_20_mb(http: httpx2.Client) -> None:
    big = base64.b64encode(b"\x00" * (20 * 1024 * 1024 + 3)).decode()
    err = error_of(
        http.post(CHAT, json={"messages": [{"role": "user", "content": [audio_part(big)]}]})
    )
    assert "20 MB" in err["message"]


def test_deployment_and_version_errors(http: httpx2.Client) -> None:
    body = {"messages": user("x")}
    nf = error_of(http.post(deployment_url("nope", "chat/completions"), json=body), 404)
    assert nf["code"] == "DeploymentNotFound"
    assert nf["message"].startswith("The API deployment for this resource does not exist.")
    wrong = error_of(http.post(deployment_url("tts-1", "chat/completions"), json=body))
    assert wrong["code"] == "OperationNotSupported"
    old = error_of(
        http.post(
            deployment_url("gpt-4o-audio-preview", "chat/completions", "2024-10-21"), json=body
        )
    )
    assert "predates audio support" in old["message"]
    missing = error_of(
        http.post("/openai/deployments/gpt-4o-audio-preview/chat/completions", json=body)
    )
    assert "api-version" in missing["message"]
    bad_json = error_of(
        http.post(CHAT, content=b"{not json", headers={"content-type": "application/json"})
    )
    assert bad_json["code"] == "BadRequest"
