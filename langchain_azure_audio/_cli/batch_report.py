"""Run a folder batch from the command line: a bar of files, a summary, an exit code."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from langchain_azure_audio.batch import BatchItem, BatchSummary, ItemResult

from . import common as c
from .progress import progress_bar

__all__ = ["report_batch"]


def report_batch(
    items: Sequence[BatchItem],
    run: Callable[[Callable[[ItemResult], None]], Coroutine[Any, Any, BatchSummary]],
    *,
    show: bool,
    what: str,
    folder: Path | None = None,
) -> BatchSummary:
    """Run ``run(on_result)`` with a progress bar; print the summary; exit 1 if any failed.

    A fatal error (unreachable endpoint, refused key...) propagates after a line saying how
    far the batch got: the outputs written so far stay, and a rerun skips them.
    """
    if not items:
        where = f" in {folder}" if folder is not None else ""
        raise c.fail(f"no {what} found{where}.")
    seen: list[ItemResult] = []
    with progress_bar(show, what, total=len(items), unit="files") as bar:

        def on_result(result: ItemResult) -> None:
            seen.append(result)
            bar.advance()

        try:
            summary = asyncio.run(run(on_result))
        except BaseException:
            done = sum(r.status == "done" for r in seen)
            c.info(f"stopped after {done} of {len(items)} {what} (written outputs are kept).")
            raise
    c.info(summary.format())
    if not summary.ok:
        raise c.fail(
            f"{len(summary.by_status('failed'))} of {len(items)} {what} failed; run the "
            "same command again to retry them (done files are skipped).",
            c.EXIT_FAILED_ITEMS,
        )
    return summary
