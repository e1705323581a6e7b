"""Folder batches on one machine: bounded concurrency, rate limits honoured, resumable.

A batch is a list of :class:`BatchItem` (an input file and the output it makes) and one async
function that turns an item into the output's bytes (e.g. the tools' ``atranscribe`` /
``asynthesize``). :func:`run_batch`:

* runs at most ``concurrency`` items at a time (asyncio tasks);
* **skips** items whose output already exists (so a second run resumes where the first stopped);
* writes each output **atomically** (temp file, fsync, rename): a crash or Ctrl+C never leaves a
  half-written output, and loses nothing already done;
* on :class:`~langchain_azure_audio.errors.RateLimitError` (raised after the SDK's own retries)
  **pauses every worker** for the service's ``retry_after`` (else an exponential backoff) and
  retries that item, at most ``rate_limit_retries`` times; transient failures (5xx, timeouts,
  interrupted streams) are retried the same bounded way;
* records per-item failures (corrupt audio, content filter, bad request...) and goes on;
* **stops** on failures that would fail every item (unreachable endpoint, refused key, unknown
  deployment, bad settings) by raising them, after the running items are cancelled;
* returns a :class:`BatchSummary` (done / skipped / failed with reasons).

Example:
    >>> import asyncio, pathlib, tempfile
    >>> from langchain_azure_audio.batch import plan_folder, run_batch
    >>> src = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (src / "a.txt").write_text("hello")
    >>> items = plan_folder(src, src / "out", suffixes={".txt"}, out_suffix=".upper")
    >>> async def shout(item):
    ...     return item.source.read_text().upper().encode()
    >>> summary = asyncio.run(run_batch(items, shout, concurrency=2))
    >>> summary.counts(), (src / "out" / "a.upper").read_text()
    ({'done': 1, 'skipped': 0, 'failed': 0}, 'HELLO')
    >>> asyncio.run(run_batch(items, shout)).counts()["skipped"]
    1
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from langchain_azure_audio.audio import atomic_write
from langchain_azure_audio.errors import (
    AuthenticationError,
    ConfigurationError,
    DeploymentNotFoundError,
    RateLimitError,
    ServiceConnectionError,
    ServiceTimeoutError,
    ServiceUnavailableError,
    StreamInterruptedError,
    UnsupportedOptionError,
)

__all__ = [
    "AUDIO_SUFFIXES",
    "BatchItem",
    "BatchSummary",
    "ItemResult",
    "is_fatal",
    "is_transient",
    "plan_files",
    "plan_folder",
    "run_batch",
]

AUDIO_SUFFIXES = frozenset(
    {".wav", ".mp3", ".m4a", ".mp4", ".mpeg", ".mpga", ".flac", ".ogg", ".oga", ".opus", ".webm"}
)
"""Files a transcription batch picks up from a folder."""

Status = Literal["done", "skipped", "failed"]


@dataclass(frozen=True)
class BatchItem:
    """One input file and the output file it makes."""

    source: Path
    output: Path


@dataclass
class ItemResult:
    """What became of one item."""

    item: BatchItem
    status: Status
    error: str | None = None
    attempts: int = 0
    seconds: float = 0.0


@dataclass
class BatchSummary:
    """Every item's result, in the order of the items."""

    results: list[ItemResult] = field(default_factory=list)

    def by_status(self, status: Status) -> list[ItemResult]:
        return [r for r in self.results if r.status == status]

    def counts(self) -> dict[str, int]:
        return {s: len(self.by_status(s)) for s in ("done", "skipped", "failed")}

    @property
    def ok(self) -> bool:
        """Whether no item failed."""
        return not self.by_status("failed")

    def format(self) -> str:
        """A few lines for a terminal: the counts, then each failure with its reason."""
        c = self.counts()
        lines = [f"{c['done']} done, {c['skipped']} skipped (output exists), {c['failed']} failed"]
        for r in self.by_status("failed"):
            lines.append(f"  failed: {r.item.source}: {r.error}")
        return "\n".join(lines)


def plan_files(
    sources: Iterable[Path], out_dir: Path | None, *, out_suffix: str
) -> list[BatchItem]:
    """Items for given files: ``out_dir/<stem><out_suffix>``, or next to each file."""
    items = []
    for src in sources:
        folder = out_dir if out_dir is not None else src.parent
        items.append(BatchItem(src, folder / (src.stem + out_suffix)))
    return items


def plan_folder(
    src_dir: Path,
    out_dir: Path | None,
    *,
    suffixes: Iterable[str],
    out_suffix: str,
    recursive: bool = False,
) -> list[BatchItem]:
    """Items for the files of ``src_dir`` with one of ``suffixes`` (sorted, hidden files left
    out); outputs mirror the folder's layout under ``out_dir`` (default: next to the inputs)."""
    wanted = {s.lower() for s in suffixes}
    pattern = "**/*" if recursive else "*"
    items = []
    for src in sorted(src_dir.glob(pattern)):
        rel = src.relative_to(src_dir)
        if not src.is_file() or src.suffix.lower() not in wanted:
            continue
        if any(part.startswith(".") for part in rel.parts):
            continue
        base = out_dir if out_dir is not None else src_dir
        items.append(BatchItem(src, base / rel.parent / (src.stem + out_suffix)))
    return items


def is_fatal(exc: BaseException) -> bool:
    """A failure every other item would meet too: stop the batch rather than repeat it."""
    if isinstance(exc, ServiceTimeoutError):
        return False
    return isinstance(
        exc,
        (
            ServiceConnectionError,
            AuthenticationError,
            DeploymentNotFoundError,
            ConfigurationError,
            UnsupportedOptionError,
        ),
    )


def is_transient(exc: BaseException) -> bool:
    """A failure worth another attempt later (throttling, 5xx, timeouts, dropped streams)."""
    return isinstance(
        exc, (RateLimitError, ServiceUnavailableError, ServiceTimeoutError, StreamInterruptedError)
    )


class _Gate:
    """Shared pause: a 429 on one worker holds every worker until the service's retry-after."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._resume_at = 0.0

    def pause(self, seconds: float) -> None:
        self._resume_at = max(self._resume_at, self._clock() + seconds)

    async def wait(self, sleep: Callable[[float], Awaitable[object]]) -> None:
        while (delay := self._resume_at - self._clock()) > 0:
            await sleep(delay)


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def run_batch(
    items: Sequence[BatchItem],
    work: Callable[[BatchItem], Awaitable[bytes]],
    *,
    concurrency: int = 4,
    overwrite: bool = False,
    rate_limit_retries: int = 5,
    backoff: float = 1.0,
    max_backoff: float = 60.0,
    on_result: Callable[[ItemResult], None] | None = None,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> BatchSummary:
    """Run ``work`` over ``items`` and write each output atomically; see the module docstring.

    Args:
        items: Inputs and outputs (see :func:`plan_folder` / :func:`plan_files`).
        work: Makes one output's bytes from an item.
        concurrency: Items in flight at once.
        overwrite: Redo items whose output exists (default: skip them).
        rate_limit_retries: Extra attempts of an item after throttling or a transient failure.
        backoff: First pause (s) when the service names none; doubles per attempt.
        max_backoff: Longest pause (s).
        on_result: Called as each item ends (progress bars, logs).

    Raises:
        The first fatal error (:func:`is_fatal`), once the running items are cancelled; the
        outputs already written stay (the next run skips them).
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1.")
    results: list[ItemResult | None] = [None] * len(items)
    gate = _Gate(clock)
    limit = asyncio.Semaphore(concurrency)

    def record(index: int, result: ItemResult) -> None:
        results[index] = result
        if on_result is not None:
            on_result(result)

    async def one(index: int, item: BatchItem) -> None:
        if not overwrite and item.output.exists():
            record(index, ItemResult(item, "skipped"))
            return
        async with limit:
            started = clock()
            attempt = 0
            while True:
                attempt += 1
                await gate.wait(sleep)
                try:
                    data = await work(item)
                    await asyncio.to_thread(atomic_write, item.output, data)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    if is_fatal(exc):
                        raise
                    if is_transient(exc) and attempt <= rate_limit_retries:
                        retry_after = getattr(exc, "retry_after", None)
                        delay = retry_after or backoff * 2 ** (attempt - 1)
                        gate.pause(min(float(delay), max_backoff))
                        continue
                    record(
                        index,
                        ItemResult(item, "failed", _describe(exc), attempt, clock() - started),
                    )
                    return
                record(index, ItemResult(item, "done", None, attempt, clock() - started))
                return

    tasks = [asyncio.create_task(one(i, item)) for i, item in enumerate(items)]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return BatchSummary([r for r in results if r is not None])
