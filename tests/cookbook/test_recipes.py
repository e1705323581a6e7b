"""Every cookbook recipe runs end to end against the local emulator, and produces what it says.

Each recipe runs as its users run it (``python cookbook/<recipe>.py --out DIR``), in a subprocess
with the ``AZURE_OPENAI_*`` variables removed (so it starts its own emulator) and a guard that
refuses any non-loopback connection. The recipes run in parallel (they are mostly waiting on
their emulator's speech engines); each test then checks the files its recipe wrote: audio that
decodes, of a plausible duration, that says the expected words (heard back by the emulator's
Whisper), well-formed srt/vtt, and JSON of the documented shape.

A new recipe without a check here fails ``test_every_recipe_has_a_check``, unless it has a test
module of its own (``test_<recipe>.py`` next to this one).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import wave
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from langchain_azure_audio.audio import sniff_format

pytestmark = pytest.mark.emulator

ROOT = Path(__file__).resolve().parents[2]
COOKBOOK = ROOT / "cookbook"
GUARD = Path(__file__).resolve().parent / "_loopback_only"
RECIPES = sorted(
    p.stem
    for p in COOKBOOK.glob("*.py")
    if not p.name.startswith("_") and not (Path(__file__).parent / f"test_{p.stem}.py").exists()
)
"""Recipes checked here; one with its own ``test_<recipe>.py`` (e.g. batch_ray) is checked there."""
TIMEOUT = 240


# -- running the recipes -------------------------------------------------------------------------


@dataclass
class Run:
    out: Path
    stdout: str
    stderr: str
    returncode: int

    def ok(self) -> Run:
        assert self.returncode == 0, f"exit {self.returncode}\n{self.stdout}\n{self.stderr[-4000:]}"
        return self


def recipe_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AZURE_OPENAI_") and k not in ("OPENAI_API_VERSION", "PYTHONPATH")
    }
    env["PYTHONPATH"] = str(GUARD)  # sitecustomize: loopback only
    env["HF_HUB_OFFLINE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def recipe_args(recipe: str, out: Path) -> list[str]:
    if recipe == "realtime_voice_agent":  # its --out names the answer file
        return ["--out", str(out / "answer.wav")]
    return ["--out", str(out)]


def run_recipe(recipe: str, out: Path) -> Run:
    out.mkdir(parents=True)
    proc = subprocess.run(
        [sys.executable, str(COOKBOOK / f"{recipe}.py"), *recipe_args(recipe, out)],
        cwd=out,  # a recipe's default output folder never lands in the repository
        env=recipe_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return Run(out, proc.stdout, proc.stderr, proc.returncode)


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[Run]]]:
    """Start every selected recipe at once (a few at a time); tests wait for their own."""
    selected = [
        str(item.callspec.params["recipe"])
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.module is request.module
        and hasattr(item, "callspec")
        and "recipe" in item.callspec.params
    ]
    base = tmp_path_factory.mktemp("cookbook")
    workers = max(2, min(4, os.cpu_count() or 2))
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        yield {r: pool.submit(run_recipe, r, base / r) for r in dict.fromkeys(selected)}
    finally:  # after a failure with -x, recipes that have not started yet never start
        pool.shutdown(wait=True, cancel_futures=True)


# -- looking at what they wrote ------------------------------------------------------------------


def wav_seconds(path: Path, rate: int | None = 24000) -> float:
    assert sniff_format(path.read_bytes()[:64]) == "wav", path
    with wave.open(str(path), "rb") as wav:
        assert wav.getsampwidth() == 2 and wav.getnchannels() == 1
        if rate is not None:
            assert wav.getframerate() == rate
        seconds = wav.getnframes() / wav.getframerate()
        header = path.stat().st_size - 2 * wav.getnframes()
    assert 44 <= header < 1024, "the header's sizes match the samples in the file"
    return seconds


def mp3_seconds(path: Path) -> float:
    import av

    assert sniff_format(path.read_bytes()[:64]) == "mp3", path
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples: int = sum(frame.samples for frame in container.decode(stream))
        rate: int = stream.codec_context.sample_rate
    return samples / rate


def audio_seconds(path: Path) -> float:
    return mp3_seconds(path) if path.suffix == ".mp3" else wav_seconds(path, rate=None)


@pytest.fixture(scope="module")
def hear() -> Iterator[Callable[[Path], str]]:
    """Transcribe a file with the emulator's Whisper (in this process), lower-cased."""
    from langchain_azure_audio.emulator import Emulator

    with Emulator() as emu:
        stt = emu.transcription_tool()
        yield lambda path: str(stt.transcribe(path)["text"]).lower()


def has_words(text: str, *words: str) -> None:
    lowered = text.lower()
    missing = [w for w in words if w.lower() not in lowered]
    assert not missing, f"{missing} not in {text!r}"


SRT_TIME = r"(\d{2}):(\d{2}):(\d{2}),(\d{3})"
VTT_TIME = r"(?:(\d{2}):)?(\d{2}):(\d{2})\.(\d{3})"


def _seconds(h: str | None, m: str, s: str, ms: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def srt_cues(document: str) -> list[tuple[float, float, str]]:
    """Parse an srt document strictly: numbered cues, 'start --> end', text, blank line."""
    cues = []
    blocks = [b for b in document.strip().replace("\r\n", "\n").split("\n\n") if b.strip()]
    for n, block in enumerate(blocks, 1):
        lines = block.split("\n")
        assert lines[0].strip() == str(n), block
        match = re.fullmatch(rf"{SRT_TIME} --> {SRT_TIME}", lines[1].strip())
        assert match, block
        g = match.groups()
        cues.append((_seconds(*g[:4]), _seconds(*g[4:]), " ".join(lines[2:]).strip()))
    return cues


def vtt_cues(document: str) -> list[tuple[float, float, str]]:
    """Parse a WebVTT document: the header, then cues ('start --> end' and text)."""
    assert document.startswith("WEBVTT"), document[:40]
    cues = []
    for block in document.replace("\r\n", "\n").split("\n\n")[1:]:
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        timing = next(i for i, line in enumerate(lines) if "-->" in line)
        match = re.match(rf"{VTT_TIME} --> {VTT_TIME}", lines[timing].strip())
        assert match, block
        g = match.groups()
        cues.append((_seconds(*g[:4]), _seconds(*g[4:]), " ".join(lines[timing + 1 :]).strip()))
    return cues


def check_cues(cues: list[tuple[float, float, str]], duration: float) -> None:
    assert cues
    previous_end = 0.0
    for start, end, text in cues:
        assert text
        assert previous_end - 0.01 <= start < end <= duration + 0.5
        previous_end = end


# -- the checks, one per recipe ------------------------------------------------------------------


def check_audiobook(run: Run, hear: Callable[[Path], str]) -> None:
    seconds = mp3_seconds(run.out / "chapter.mp3")
    chapter = json.loads((run.out / "chapter.json").read_text())
    paragraphs = chapter["paragraphs"]
    assert len(paragraphs) == 4
    starts = [p["start"] for p in paragraphs]
    assert starts == sorted(starts) and starts[0] == 0
    assert all(p["start"] < p["end"] for p in paragraphs)
    assert 6 < chapter["duration_seconds"] < 60
    assert abs(seconds - chapter["duration_seconds"]) < 0.2  # the mp3 holds the whole chapter
    has_words(hear(run.out / "chapter.mp3"), "lighthouse", "lantern", "boat")
    assert "chapter:" in run.stderr  # the progress bar
    assert str(run.out / "chapter.mp3") in run.stdout


def check_spoken_question(run: Run, hear: Callable[[Path], str]) -> None:
    assert 1 < wav_seconds(run.out / "question.wav") < 10
    answer = (run.out / "answer.txt").read_text()
    has_words(answer, "sky", "blue")  # the emulator echoes what it heard
    assert 1 < mp3_seconds(run.out / "answer.mp3") < 20
    has_words(hear(run.out / "answer.mp3"), "sky", "blue")
    assert re.search(r"usage: \d+ tokens in \(audio [1-9]\d*\)", run.stdout)


def check_transcribe_and_translate(run: Run, hear: Callable[[Path], str]) -> None:
    duration = mp3_seconds(run.out / "talk.mp3")
    assert 3 < duration < 20
    has_words((run.out / "transcript.txt").read_text(), "harbo", "tour", "fishing boats")
    verbose = json.loads((run.out / "transcript.json").read_text())
    assert verbose["language"] in ("en", "english")
    assert verbose["segments"] and abs(verbose["duration_seconds"] - duration) < 0.5
    srt = srt_cues((run.out / "transcript.srt").read_text())
    vtt = vtt_cues((run.out / "transcript.vtt").read_text())
    check_cues(srt, duration)
    check_cues(vtt, duration)
    assert [c[:2] for c in srt] == [c[:2] for c in vtt]
    has_words(" ".join(c[2] for c in srt), "fishing boats")
    has_words((run.out / "translation.txt").read_text(), "fishing boats")


def check_voicemail_reply(run: Run, hear: Callable[[Path], str]) -> None:
    assert 2 < wav_seconds(run.out / "voicemail.wav") < 15
    summary = (run.out / "summary.txt").read_text()
    has_words(summary, "summarise this voicemail", "garage", "call me back")
    answer = (run.out / "answer.txt").read_text()
    has_words(answer, "answer the caller", "garage")
    assert 2 < mp3_seconds(run.out / "answer.mp3") < 30
    has_words(hear(run.out / "answer.mp3"), "garage")


def check_recording_questions(run: Run, hear: Callable[[Path], str]) -> None:
    assert 3 < wav_seconds(run.out / "conversation.wav") < 15
    has_words((run.out / "answer.txt").read_text(), "second speaker", "slides", "meeting room")
    facts = json.loads((run.out / "facts.json").read_text())
    assert set(facts) == {"language", "speakers", "asks"}
    # The scripted responder fills the schema from the words it hears (see the recipe).
    assert facts == {"language": "en", "speakers": 0, "asks": []}


def check_streaming_to_wav(run: Run, hear: Callable[[Path], str]) -> None:
    assert 2 < wav_seconds(run.out / "answer.wav") < 20
    assert not (run.out / "answer.wav.part").exists()
    has_words((run.out / "answer.txt").read_text(), "lighthouse keeper", "storm")
    first = re.search(r"time to first audio: ([\d.]+) s", run.stdout)
    assert first and 0 < float(first.group(1)) < 30
    chunks = re.search(r"(\d+) chunks, ([\d.]+) s of audio", run.stdout)
    assert chunks and int(chunks.group(1)) > 2
    assert abs(float(chunks.group(2)) - wav_seconds(run.out / "answer.wav")) < 0.01
    has_words(hear(run.out / "answer.wav"), "lighthouse", "storm")


def check_voice_conversation(run: Run, hear: Callable[[Path], str]) -> None:
    assert 1 < wav_seconds(run.out / "user_1.wav") < 10
    for n in (1, 2, 3):
        assert 1 < wav_seconds(run.out / f"reply_{n}.wav") < 15
    turns = json.loads((run.out / "conversation.json").read_text())
    assert [t["earlier_replies"] for t in turns] == [
        [],
        ["audio id"],  # turn 2: the first reply is referred to by its id
        ["transcript", "transcript"],  # turn 3: both ids expired, the transcripts are sent
    ]
    has_words(turns[0]["reply"], "sailing")
    has_words(turns[2]["reply"], "my name once more")
    has_words(hear(run.out / "reply_1.wav"), "sailing")


def check_meeting_action_items(run: Run, hear: Callable[[Path], str]) -> None:
    assert 3 < wav_seconds(run.out / "meeting.wav") < 20
    has_words((run.out / "transcript.txt").read_text(), "budget", "venue")
    items = json.loads((run.out / "action_items.json").read_text())["items"]
    assert [(i["owner"], i["due"]) for i in items] == [("Maria", "Friday"), ("Tom", "Monday")]
    has_words(items[0]["task"], "budget")
    has_words(items[1]["task"], "venue")
    summary = (run.out / "summary.txt").read_text()
    assert summary.startswith("2 action items.")
    assert 3 < mp3_seconds(run.out / "summary.mp3") < 30
    has_words(hear(run.out / "summary.mp3"), "budget", "friday", "venue", "monday")


def check_demo(run: Run, hear: Callable[[Path], str]) -> None:
    assert "the model called get_weather({'city': 'Paris'})" in run.stdout
    assert 1 < mp3_seconds(run.out / "question.mp3") < 10
    assert 1 < mp3_seconds(run.out / "answer.mp3") < 20
    assert 1 < wav_seconds(run.out / "answer_streamed.wav") < 20
    heard = run.stdout.split("heard:", 1)[1].splitlines()[0]  # the demo listens itself
    has_words(heard, "paris", "sunny")


def check_voice_agent_create_agent(run: Run, hear: Callable[[Path], str]) -> None:
    assert "tool call: calculator({'expression': '12 * 7'})" in run.stdout
    assert 1 < wav_seconds(run.out / "question.wav") < 10
    assert 1 < wav_seconds(run.out / "answer.wav") < 20
    heard_back = run.stdout.split("heard back:", 1)[1].splitlines()[0]  # the recipe listens
    has_words(heard_back, "84")


def check_voice_agent_langgraph(run: Run, hear: Callable[[Path], str]) -> None:
    assert "tool call: calculator({'expression': '12 * 7'})" in run.stdout
    (answer,) = run.out.glob("*.wav")  # the speech tool names its file
    assert 1 < wav_seconds(answer) < 20
    has_words(hear(answer), "84")


def check_realtime_voice_agent(run: Run, hear: Callable[[Path], str]) -> None:
    assert "tool call: get_weather({'city': 'Paris'})" in run.stdout
    assert 1 < wav_seconds(run.out / "answer.wav") < 20
    has_words(hear(run.out / "answer.wav"), "paris", "sunny")


CHECKS: dict[str, Callable[[Run, Callable[[Path], str]], None]] = {
    name.removeprefix("check_"): fn
    for name, fn in list(globals().items())
    if name.startswith("check_") and name != "check_cues"
}


# -- the tests -----------------------------------------------------------------------------------


def test_every_recipe_has_a_check() -> None:
    assert sorted(CHECKS) == RECIPES


@pytest.mark.parametrize("recipe", RECIPES)
def test_recipe(recipe: str, runs: dict[str, Future[Run]], hear: Callable[[Path], str]) -> None:
    run = runs[recipe].result(timeout=TIMEOUT * len(RECIPES)).ok()
    CHECKS[recipe](run, hear)


NOTEBOOKS = [r for r in RECIPES if "format_name: percent" in (COOKBOOK / f"{r}.py").read_text()]


@pytest.mark.parametrize("recipe", NOTEBOOKS)
def test_recipe_opens_as_a_notebook(recipe: str) -> None:
    """jupytext "percent" format: a header, markdown cells and code cells (``# %%``)."""
    source = (COOKBOOK / f"{recipe}.py").read_text(encoding="utf-8")
    assert source.startswith("# ---\n# jupyter:")
    cells = re.findall(r"^# %%(.*)$", source, flags=re.MULTILINE)
    assert "" in cells and " [markdown]" in cells, cells


def test_default_output_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(COOKBOOK))
    import _common

    parser = _common.recipe_parser("A recipe.\n\nMore.", "some_recipe")
    assert parser.parse_args([]).out == Path("cookbook-output") / "some_recipe"
    assert parser.parse_args(["--out", "x"]).out == Path("x")
    assert parser.description == "A recipe."


def test_recipe_subprocesses_cannot_leave_loopback(tmp_path: Path) -> None:
    code = "import socket; socket.create_connection(('192.0.2.1', 80), timeout=5)"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=recipe_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode != 0
    assert "loopback only" in proc.stderr
