"""``langchain_azure_audio.batch`` on fake work: concurrency, rate limits, resumability, aborts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx2
import openai
import pytest

from langchain_azure_audio.batch import BatchItem, plan_files, plan_folder, run_batch
from langchain_azure_audio.errors import (
    AudioValidationError,
    RateLimitError,
    ServiceConnectionError,
    from_openai_error,
)


def _rate_limited(retry_after_ms: int = 20) -> RateLimitError:
    request = httpx2.Request("POST", "http://127.0.0.1:9/openai/deployments/w/audio/speech")
    response = httpx2.Response(
        429, headers={"retry-after-ms": str(retry_after_ms)}, request=request
    )
    error = from_openai_error(
        openai.RateLimitError("Too many requests", response=response, body=None)
    )
    assert isinstance(error, RateLimitError)
    return error


def _items(tmp_path: Path, n: int) -> list[BatchItem]:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(n):
        (src / f"{i:02d}.txt").write_text(f"item {i}")
    (src / ".hidden.txt").write_text("skip me")
    (src / "other.md").write_text("not picked")
    return plan_folder(src, tmp_path / "out", suffixes={".txt"}, out_suffix=".out")


def test_plans_mirror_names(tmp_path: Path) -> None:
    items = _items(tmp_path, 3)
    assert [i.output.name for i in items] == ["00.out", "01.out", "02.out"]
    beside = plan_files([tmp_path / "a.wav"], None, out_suffix=".txt")
    assert beside[0].output == tmp_path / "a.txt"


async def test_bounded_concurrency_and_resume(tmp_path: Path) -> None:
    items = _items(tmp_path, 8)
    running = peak = 0

    async def work(item: BatchItem) -> bytes:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.01)
        running -= 1
        return item.source.read_bytes().upper()

    summary = await run_batch(items, work, concurrency=3)
    assert summary.counts() == {"done": 8, "skipped": 0, "failed": 0}
    assert peak == 3
    assert (tmp_path / "out" / "05.out").read_bytes() == b"ITEM 5"
    again = await run_batch(items, work, concurrency=3)
    assert again.counts() == {"done": 0, "skipped": 8, "failed": 0}
    redo = await run_batch(items[:2], work, overwrite=True)
    assert redo.counts()["done"] == 2


async def test_rate_limits_pause_everyone_then_retry(tmp_path: Path) -> None:
    items = _items(tmp_path, 4)
    throttled = {"left": 3}
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        await asyncio.sleep(seconds)

    async def work(item: BatchItem) -> bytes:
        if throttled["left"] > 0:
            throttled["left"] -= 1
            raise _rate_limited(20)
        return b"ok"

    summary = await run_batch(items, work, concurrency=2, sleep=sleep)
    assert summary.ok and summary.counts()["done"] == 4
    assert pauses and max(pauses) <= 0.02 + 1e-6  # the service's retry-after-ms, not a guess
    assert sum(r.attempts for r in summary.results) == 4 + 3


async def test_rate_limit_retries_are_bounded(tmp_path: Path) -> None:
    items = _items(tmp_path, 1)

    async def work(item: BatchItem) -> bytes:
        raise _rate_limited(1)

    summary = await run_batch(items, work, rate_limit_retries=2)
    [result] = summary.results
    assert result.status == "failed" and result.attempts == 3
    assert "RateLimitError" in (result.error or "")
    assert not items[0].output.exists()
    assert "1 failed" in summary.format() and str(items[0].source) in summary.format()


async def test_item_failures_are_recorded_and_the_rest_goes_on(tmp_path: Path) -> None:
    items = _items(tmp_path, 3)

    async def work(item: BatchItem) -> bytes:
        if item.source.name == "01.txt":
            raise AudioValidationError("The audio is empty (0 bytes).")
        return b"ok"

    summary = await run_batch(items, work)
    assert summary.counts() == {"done": 2, "skipped": 0, "failed": 1}
    assert not (tmp_path / "out" / "01.out").exists()
    assert list((tmp_path / "out").glob("*.part")) == []


async def test_fatal_errors_stop_the_batch(tmp_path: Path) -> None:
    items = _items(tmp_path, 6)
    calls = 0

    async def work(item: BatchItem) -> bytes:
        nonlocal calls
        calls += 1
        if item.source.name == "00.txt":
            request = httpx2.Request("POST", "http://127.0.0.1:9/x")
            raise ServiceConnectionError("Could not connect", request=request, url="http://x")
        await asyncio.sleep(0.05)
        return b"ok"

    with pytest.raises(ServiceConnectionError):
        await run_batch(items, work, concurrency=2)
    assert calls <= 3
    assert not any(p.suffix == ".part" for p in tmp_path.rglob("*"))
