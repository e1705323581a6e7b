"""The voice page in a real browser (headless Chromium, fake microphone), on the local emulator.

Tested as a person would use it: press the talk button, ask about the weather in Paris into the
microphone, see your words, the tool call and the answer, hear the answer (the page counts the
samples its playback worklet actually played), talk over it and hear it stop; then the same page
on a phone-sized screen, by keyboard.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.voice_page.conftest import (
    ServedApp,
    browser_skip_reason,
    chromium,
    fake_mic_wav,
    wav_base64,
)

_reason = browser_skip_reason()
pytestmark = [
    pytest.mark.emulator,
    pytest.mark.skipif(_reason is not None, reason=f"browser tests skipped: {_reason}"),
    pytest.mark.timeout(120),
]

STATS = "window.voicePage.stats"


async def until(
    check: Callable[[], Awaitable[Any]], what: str, timeout: float = 40.0, every: float = 0.1
) -> Any:
    """Poll ``check`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(every)


async def test_ask_hear_the_tool_answer_and_talk_over_it(
    voice_page: ServedApp, tmp_path: Path
) -> None:
    mic = fake_mic_wav(tmp_path / "mic.wav", (1.0, "weather_question.wav"), (90.0, None))
    async with chromium(mic) as page:
        await page.goto(voice_page.url)
        await page.wait_for_selector("body[data-ready=true]")
        assert "Local emulator" in await page.inner_text("#backend")
        await page.get_by_role("button", name="Start talking").click()

        # What the user said, the tool call (with its arguments and result), the spoken answer.
        user = page.locator("#log li.user").first
        await user.filter(has_text="weather in Paris").wait_for(timeout=40_000)
        tool = page.locator("#log li.tool").first
        await tool.filter(has_text="sunny and 21 degrees").wait_for(timeout=40_000)
        assert 'get_weather({"city":"Paris"})' in await tool.inner_text()

        # The answer plays: wait until a second of it has actually been played.
        async def answer_playing() -> Any:
            return await page.evaluate(
                f"""() => {{
                const s = {STATS};
                const item = Object.keys(s.playedByItem).find((k) => s.playedByItem[k] >= 24000);
                return item || null;
            }}"""
            )

        item = await until(answer_playing, "a second of the answer to be played")
        assert await page.locator("#log li.agent").first.inner_text() != ""

        # Talk over it: a second voice into the microphone path ("Hello there.").
        await page.evaluate("(b64) => window.voicePage.speakIntoMic(b64)", wav_base64("hello.wav"))

        async def cut() -> Any:
            return await page.evaluate(
                f"""(item) => {{
                const s = {STATS};
                const stop = s.stops.find((x) => x.item === item);
                const cut = s.interruptions.find((x) => x.item === item);
                return stop && cut ? {{stop, cut, played: s.playedByItem[item]}} : null;
            }}""",
                item,
            )

        state = await until(cut, "the answer to be interrupted", timeout=20)
        stop, interruption = state["stop"], state["cut"]
        assert stop["reason"] in ("speech_started", "interrupted")
        played_ms = stop["playedMs"]
        # The answer was cut short of its end, after the second that was heard.
        assert 1000 <= played_ms < stop["receivedMs"] + stop["droppedMs"] + 1
        # The server truncated the answer where the page said playback was (the page reports
        # progress every ~20 ms; the stop lands one event round trip after the server's cut).
        end_ms = interruption["audioEndMs"]
        print(f"barge-in: page stopped at {played_ms:.0f} ms, server truncated at {end_ms} ms")
        assert end_ms is not None and end_ms <= played_ms + 1, (end_ms, played_ms)
        assert played_ms - end_ms < 750, (end_ms, played_ms)
        # Playback stays stopped: nothing more of the cut answer is played.
        await asyncio.sleep(1.0)
        later = await page.evaluate(f"(item) => {STATS}.playedByItem[item]", item)
        assert later * 1000 / 24000 == pytest.approx(played_ms, abs=1)
        await page.locator("#log li.agent.cut").first.wait_for(timeout=5_000)

        # The agent hears the second utterance and answers it (with audio, played).
        answer = page.locator("#log li.agent").filter(has_text="Hello there")
        await answer.first.wait_for(timeout=40_000)
        stats = await page.evaluate(f"() => {STATS}")
        assert stats["playedSamples"] > 24000
        assert stats["sentSamples"] > 24000 * 3
        assert not stats["errors"], stats["errors"]
        assert not page.errors

        # Usage of the responses, with audio tokens both ways.
        await until(
            lambda: page.evaluate(
                "() => Number(document.getElementById('u-responses').textContent)"
            ),
            "usage",
            timeout=20,
        )
        assert int(await page.inner_text("#u-output-audio")) > 0
        assert int(await page.inner_text("#u-input-audio")) > 0

        shot = tmp_path / "voice_page.png"
        await page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        await page.get_by_role("button", name="Stop talking").click()
        assert await page.evaluate("() => window.voicePage.state") == "idle"


async def test_phone_viewport_keyboard_and_labels(voice_page: ServedApp, tmp_path: Path) -> None:
    async with chromium(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    ) as page:
        await page.goto(voice_page.url)
        await page.wait_for_selector("body[data-ready=true]")
        # Nothing wider than the screen; the talk button is a comfortable tap target.
        widths = await page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], widths
        talk = page.get_by_role("button", name="Start talking")
        box = await talk.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 300
        # Landmarks and labels: every form control has a label, the log and status are live.
        unlabeled = await page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea')]
                .filter((el) => !el.labels || el.labels.length === 0).map((el) => el.id)"""
        )
        assert unlabeled == []
        assert await page.get_by_role("log").count() == 1
        assert await page.get_by_role("status").count() == 1
        assert await page.get_by_label("Type a message").count() == 1
        assert await page.get_by_role("heading", name="Conversation").count() == 1
        await page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)

        # Keyboard only: Tab to the talk button, Enter starts, Space stops.
        await page.keyboard.press("Tab")
        focused = await page.evaluate("() => document.activeElement.id")
        assert focused == "talk"
        await page.keyboard.press("Enter")
        await until(
            lambda: page.evaluate("() => window.voicePage.state === 'listening'"), "listening"
        )
        assert await page.get_attribute("#talk", "aria-pressed") == "true"
        assert await page.get_by_role("button", name="Stop talking").count() == 1
        assert await page.is_enabled("#text-input")
        await page.keyboard.press("Space")
        assert await page.get_attribute("#talk", "aria-pressed") == "false"
        assert await page.evaluate("() => window.voicePage.state") == "idle"
        await page.screenshot(path=str(tmp_path / "phone-after.png"))
        assert not page.errors


async def test_a_16_khz_device_is_resampled_to_24_khz_and_understood(
    voice_page: ServedApp, tmp_path: Path
) -> None:
    mic = fake_mic_wav(tmp_path / "mic.wav", (0.5, "weather_question.wav"), (30.0, None))
    async with chromium(mic) as page:
        await page.goto(f"{voice_page.url}/?sampleRate=16000")
        await page.wait_for_selector("body[data-ready=true]")
        await page.click("#talk")
        await until(lambda: page.evaluate("() => window.voicePage.state === 'listening'"), "ready")
        t0 = time.monotonic()
        sent0 = await page.evaluate(f"() => {STATS}.sentSamples")
        await page.locator("#log li.tool").filter(has_text="Paris").first.wait_for(timeout=40_000)
        sent = await page.evaluate(f"() => {STATS}.sentSamples") - sent0
        elapsed = time.monotonic() - t0
        assert await page.evaluate(f"() => {STATS}.sampleRate") == 16000
        # 24 000 samples a second reach the server whatever the device rate (40 ms frames).
        assert sent / elapsed == pytest.approx(24000, rel=0.15)
        assert "weather in paris" in (await page.locator("#log li.user").first.inner_text()).lower()


async def test_resampler_keeps_speech_band_and_removes_aliases(voice_page: ServedApp) -> None:
    async with chromium() as page:
        await page.goto(voice_page.url)
        result = await page.evaluate(
            """async () => {
            const { StreamResampler } = await import('/static/resampler.js');
            const run = (rate, freq) => {
              const r = new StreamResampler(rate, 24000);
              const n = rate * 2;
              const out = [];
              for (let i = 0; i < n; i += 128) {
                const block = new Float32Array(Math.min(128, n - i));
                for (let j = 0; j < block.length; j++) {
                  block[j] = 0.5 * Math.sin((2 * Math.PI * freq * (i + j)) / rate);
                }
                out.push(...r.process(block));
              }
              const tail = out.slice(2400);  // past the filter's start
              const rms = Math.sqrt(tail.reduce((a, x) => a + x * x, 0) / tail.length);
              let crossings = 0;
              for (let i = 1; i < tail.length; i++) {
                if ((tail[i - 1] < 0) !== (tail[i] < 0)) crossings++;
              }
              return { length: out.length, rms, freq: crossings / 2 / (tail.length / 24000) };
            };
            return {
              r44: run(44100, 1000), r48: run(48000, 1000), r16: run(16000, 1000),
              r96: run(96000, 440), alias48: run(48000, 15000), alias44: run(44100, 18000),
            };
        }"""
        )
    for key in ("r44", "r48", "r16", "r96"):
        r = result[key]
        assert abs(r["length"] - 48000) < 64, (key, r)  # 2 s at 24 kHz, whatever the input rate
        assert r["rms"] == pytest.approx(0.5 / 2**0.5, rel=0.03), (key, r)
    assert result["r44"]["freq"] == pytest.approx(1000, rel=0.01)
    assert result["r96"]["freq"] == pytest.approx(440, rel=0.01)
    # Tones above 12 kHz would fold back into the speech band: they are filtered out.
    assert result["alias48"]["rms"] < 0.02
    assert result["alias44"]["rms"] < 0.02
