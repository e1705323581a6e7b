"""The Ray Data recipe (``cookbook/batch_ray.py``) in Ray's local mode, against the emulator.

The recipe runs as its users run it, in a subprocess without ``RAY_ADDRESS`` (so it starts a
private local Ray on 127.0.0.1) and without the ``AZURE_OPENAI_*`` variables (so it starts its own
emulator), under the cookbook tests' loopback-only guard. One run voices a small catalogue and
transcribes the clips it made, with more workers (3) than the per-deployment bound (2) and one
transcription throttled (429 with retry-after); a second run must skip everything.

The bound is checked from the recipe's own record: each worker notes when each request started
and ended (inside its lease) in ``manifest.json``; at no instant may more than ``--concurrency``
of them overlap on one deployment.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ray.data", reason="needs the distributed extra (ray[data])")

pytestmark = pytest.mark.emulator

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "cookbook" / "batch_ray.py"
GUARD = Path(__file__).resolve().parent / "_loopback_only"
TIMEOUT = 180
BOUND = 2
WORKERS = 3

CATALOGUE = {
    "lighthouse": ("The lighthouse keeper lit the lamp at dusk.", ["lighthouse", "lamp"]),
    "market": ("Fresh bread is sold at the market every Saturday.", ["bread", "market"]),
    "garden": ("Please water the garden before the sun goes down.", ["garden", "water"]),
    "football": ("Our team won the football match yesterday.", ["football", "match"]),
    "library": ("The library closes early on Sunday afternoon.", ["library", "sunday"]),
}


@dataclass
class Run:
    stdout: str
    stderr: str
    returncode: int
    seconds: float
    manifest: dict[str, Any]

    def ok(self) -> Run:
        assert self.returncode == 0, f"exit {self.returncode}\n{self.stdout}\n{self.stderr[-4000:]}"
        return self


def recipe_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AZURE_OPENAI_", "RAY_"))
        and k not in ("OPENAI_API_VERSION", "PYTHONPATH")
    }
    env["PYTHONPATH"] = str(GUARD)  # sitecustomize: loopback only
    env["HF_HUB_OFFLINE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_recipe(out: Path, catalogue: Path) -> Run:
    started = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            str(RECIPE),
            "--out",
            str(out),
            "--catalogue",
            str(catalogue),
            "--workers",
            str(WORKERS),
            "--concurrency",
            str(BOUND),
            "--emulator-throttle",
            "1",
        ],
        cwd=out.parent,
        env=recipe_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    manifest_path = out / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    return Run(proc.stdout, proc.stderr, proc.returncode, time.monotonic() - started, manifest)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Run, Path]:
    """The first run, the second run (over the first one's outputs), and the output folder."""
    base = tmp_path_factory.mktemp("batch_ray")
    catalogue = base / "catalogue.jsonl"
    catalogue.write_text(
        "".join(json.dumps({"id": k, "text": t}) + "\n" for k, (t, _) in CATALOGUE.items())
    )
    out = base / "out"
    first = run_recipe(out, catalogue)
    second = run_recipe(out, catalogue)
    return first, second, out


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """The most intervals open at one instant (one that ends as another starts: not both)."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    # At equal times the end (-1) sorts before the start (+1).
    most = current = 0
    for _, step in events:
        current += step
        most = max(most, current)
    return most


def test_transcripts_say_the_catalogue(runs: tuple[Run, Run, Path]) -> None:
    first, _, out = runs
    first.ok()
    for ident, (_, words) in CATALOGUE.items():
        with wave.open(str(out / "voiced" / f"{ident}.wav"), "rb") as wav:
            assert 1 < wav.getnframes() / wav.getframerate() < 10
        text = (out / "transcripts" / f"{ident}.txt").read_text().lower()
        missing = [w for w in words if w not in text]
        assert not missing, f"{missing} not in {text!r}"
    assert not list(out.rglob("*.part")), "every output was renamed into place"
    for stage in ("voice", "transcribe"):
        assert first.manifest["stages"][stage]["counts"] == {
            "done": len(CATALOGUE),
            "skipped": 0,
            "failed": 0,
        }
    assert "voice: 5 done, 0 skipped, 0 failed" in first.stdout
    assert "transcribe: 5 done, 0 skipped, 0 failed" in first.stdout


def test_concurrency_per_deployment_stays_within_the_bound(runs: tuple[Run, Run, Path]) -> None:
    first, _, _ = runs
    first.ok()
    for stage in first.manifest["stages"].values():
        items = stage["items"]
        intervals = [(r["start"], r["end"]) for item in items for r in item["requests"]]
        assert all(start <= end for start, end in intervals)
        assert 1 <= max_overlap(intervals) <= BOUND, stage["deployment"]
        limiter = stage["limiter"]
        assert limiter["limit"] == BOUND
        assert 1 <= limiter["max_in_flight"] <= BOUND
        assert limiter["leases"] == len(intervals)  # a lease per request, none unrecorded
        workers = {item["worker"] for item in items}
        assert 1 <= len(workers) <= WORKERS
    deployments = {s["deployment"] for s in first.manifest["stages"].values()}
    assert deployments == {"gpt-4o-mini-tts", "whisper"}  # one bound each


def test_throttling_pauses_for_the_services_retry_after(runs: tuple[Run, Run, Path]) -> None:
    first, _, _ = runs
    first.ok()
    stage = first.manifest["stages"]["transcribe"]
    (throttled,) = [item for item in stage["items"] if item["attempts"] > 1]
    refused, retried = throttled["requests"]
    assert refused["outcome"] == "RateLimitError"
    assert refused["pause"] == pytest.approx(0.05)  # the emulator's retry-after-ms: 50
    assert retried["outcome"] == "ok"
    assert retried["start"] - refused["end"] >= 0.05
    assert stage["limiter"]["pauses"] == [pytest.approx(0.05)]
    assert all(
        r["outcome"] == "ok"
        for item in stage["items"]
        if item is not throttled
        for r in item["requests"]
    )


def test_ray_stays_on_loopback(runs: tuple[Run, Run, Path]) -> None:
    first, _, _ = runs
    first.ok()
    assert first.manifest["ray"] == {"address": "local", "nodes": ["127.0.0.1"]}
    assert "loopback only" not in first.stderr  # the guard refused nothing


def test_second_run_skips_everything(runs: tuple[Run, Run, Path]) -> None:
    first, second, out = runs
    first.ok()
    second.ok()
    for stage in ("voice", "transcribe"):
        counts = second.manifest["stages"][stage]["counts"]
        assert counts == {"done": 0, "skipped": len(CATALOGUE), "failed": 0}
    assert second.manifest["ray"] is None  # nothing to do: neither Ray nor the service started
    assert "Running against" not in second.stdout
    assert re.search(r"transcribe: 0 done, 5 skipped", second.stdout)
    assert sorted(p.name for p in (out / "transcripts").iterdir()) == sorted(
        f"{k}.txt" for k in CATALOGUE
    )


def test_recipe_opens_as_a_notebook() -> None:
    """jupytext "percent" format: a header, markdown cells and code cells (``# %%``)."""
    source = RECIPE.read_text(encoding="utf-8")
    assert source.startswith("# ---\n# jupyter:")
    cells = re.findall(r"^# %%(.*)$", source, flags=re.MULTILINE)
    assert "" in cells and " [markdown]" in cells, cells
