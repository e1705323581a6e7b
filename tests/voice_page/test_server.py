"""The voice page's server side: tool loading, the page's routes, the WebSocket protocol, the
WebRTC mode's key minting (no browser needed)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from langchain_core.tools import tool

from langchain_azure_audio.realtime import (
    AzureRealtimeVoiceAgent,
    Interrupted,
    SpeechStarted,
    ToolFinished,
)
from langchain_azure_audio.voice_page import create_app, load_tools, main
from langchain_azure_audio.voice_page.app import event_message
from tests.voice_page.conftest import ServedApp

starlette_testclient = pytest.importorskip("starlette.testclient")


@tool
def get_weather(city: str) -> str:
    """Weather of a city."""
    return f"It is sunny in {city}."


TOOLS = [get_weather]


def agent(**kw: Any) -> AzureRealtimeVoiceAgent:
    params: dict[str, Any] = {
        "azure_endpoint": "http://127.0.0.1:9",
        "api_key": "not-used",
        "tools": TOOLS,
    }
    params.update(kw)
    return AzureRealtimeVoiceAgent(**params)


def test_load_tools_from_module_attribute_specs() -> None:
    assert [t.name for t in load_tools(None)] == ["get_weather", "get_time"]
    spec = "tests.voice_page.test_server:TOOLS,tests.voice_page.test_server:get_weather"
    assert [t.name for t in load_tools(spec)] == ["get_weather", "get_weather"]
    with pytest.raises(ValueError, match="module:attribute"):
        load_tools("tests.voice_page.test_server")
    with pytest.raises(ValueError, match="a tool, a function or a list"):
        load_tools("tests.voice_page.test_server:starlette_testclient")


def test_main_parses_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_serve(tools: Any, **kw: Any) -> None:
        seen.update(kw, tools=tools)

    monkeypatch.setattr("langchain_azure_audio.voice_page.server.serve", fake_serve)
    assert main(["--tools", "m:TOOLS", "--port", "9001", "--azure", "--voice", "cedar"]) == 0
    assert seen["tools"] == "m:TOOLS" and seen["port"] == 9001 and seen["emulator"] is False
    assert seen["voice"] == "cedar"
    main(["--emulator"])
    assert seen["emulator"] is True and seen["tools"] is None
    main([])
    assert seen["emulator"] is None  # decided by AZURE_OPENAI_ENDPOINT


def test_event_messages_carry_what_the_page_shows() -> None:
    assert event_message(SpeechStarted(120, "item_1")) == {
        "type": "speech_started",
        "audio_start_ms": 120,
        "item_id": "item_1",
    }
    assert event_message(Interrupted("item_2", 830)) == {
        "type": "interrupted",
        "item_id": "item_2",
        "audio_end_ms": 830,
    }
    finished = event_message(ToolFinished("c1", "get_weather", "sunny", duration_s=0.0125))
    assert finished is not None and finished["duration_ms"] == 12.5


def test_page_static_files_and_config_without_secrets() -> None:
    app = create_app(agent(), title="Ask <me>")
    with starlette_testclient.TestClient(app) as client:
        page = client.get("/")
        assert page.status_code == 200 and "Ask &lt;me&gt;" in page.text
        assert 'aria-pressed="false"' in page.text
        for name, kind in [
            ("app.js", "javascript"),
            ("capture-worklet.js", "javascript"),
            ("playback-worklet.js", "javascript"),
            ("resampler.js", "javascript"),
            ("style.css", "css"),
        ]:
            got = client.get(f"/static/{name}")
            assert got.status_code == 200 and kind in got.headers["content-type"], name
        assert client.get("/static/..%2Fapp.py").status_code == 404
        assert client.get("/static/missing.js").status_code == 404
        config = client.get("/api/config").json()
        assert config["tools"] == ["get_weather"] and config["webrtc"] is False
        assert "not-used" not in json.dumps(config)  # the key never reaches the browser
        off = client.post("/api/client-secret")
        assert off.status_code == 404 and "--webrtc" in off.json()["error"]


@pytest.mark.emulator
def test_webrtc_mode_mints_an_ephemeral_key_with_the_agents_session() -> None:
    from langchain_azure_audio.emulator import Emulator

    with Emulator(preload_engines=False) as emu:
        app = create_app(
            agent(azure_endpoint=emu.endpoint, api_key=emu.api_key, instructions="Be brief."),
            webrtc=True,
        )
        with starlette_testclient.TestClient(app) as client:
            secret = client.post("/api/client-secret").json()
            assert secret["value"].startswith("ek_") and secret["value"] != emu.api_key
            assert secret["calls_url"] == f"{emu.endpoint}/openai/v1/realtime/calls"
            assert client.post("/api/calls/not%20an%20id").status_code == 400
            # The emulator serves no WebRTC calls: joining one fails with a clear 502.
            assert client.post("/api/calls/rtc_123").status_code == 502


async def _messages(ws: Any, until: str, timeout: float = 40.0) -> list[Any]:
    got: list[Any] = []

    async def read() -> list[Any]:
        while True:
            raw = await ws.recv()
            got.append(raw if isinstance(raw, bytes) else json.loads(raw))
            last = got[-1]
            if (
                isinstance(last, dict)
                and last.get("type") == until
                and (until != "response_done" or not last["tool_calls"])
            ):
                return got

    return await asyncio.wait_for(read(), timeout)


@pytest.mark.emulator
async def test_websocket_protocol_text_turn_tool_and_audio(voice_page: ServedApp) -> None:
    import websockets

    async with websockets.connect(f"ws://127.0.0.1:{voice_page.port}/ws") as ws:
        ready = json.loads(await ws.recv())
        assert ready["type"] == "ready" and ready["backend"] == "emulator"
        await ws.send(b"\x00")  # half a sample: refused, the conversation goes on
        await ws.send(json.dumps({"type": "text", "text": "What is the weather in Paris?"}))
        got = await _messages(ws, "response_done")
    kinds = [m["type"] if isinstance(m, dict) else "audio" for m in got]
    assert kinds[0] == "error" and "whole pcm16" in got[0]["message"]
    assert kinds.index("tool_started") < kinds.index("tool_finished") < kinds.index("audio_item")
    assert kinds.index("audio_item") < kinds.index("audio")
    finished = next(m for m in got if isinstance(m, dict) and m["type"] == "tool_finished")
    assert finished["name"] == "get_weather" and "Paris" in finished["output"]
    audio = b"".join(m for m in got if isinstance(m, bytes))
    assert len(audio) > 24000 * 2 and len(audio) % 2 == 0
    done = got[-1]
    assert "21 degrees" in done["transcript"]
    assert done["total_usage"]["output_audio_tokens"] > 0 and done["responses"] == 2
