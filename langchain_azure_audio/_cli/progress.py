"""Progress bars on stderr (rich), shown only when asked or when stderr is a terminal."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["Tracker", "progress_bar"]


class Tracker:
    """One bar: its total may be learnt late (pieces of a text, chunks of a recording).

    Thread-safe; a disabled tracker does nothing.
    """

    def __init__(self, progress: Any = None, task: Any = None) -> None:
        self._progress = progress
        self._task = task
        self._lock = threading.Lock()
        self.completed = 0
        self.total: int | None = None

    def set_total(self, total: int) -> None:
        with self._lock:
            self.total = total
            if self._progress is not None:
                self._progress.update(self._task, total=total)

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self.completed += n
            if self._progress is not None:
                self._progress.update(self._task, completed=self.completed)

    def set_completed(self, n: int) -> None:
        with self._lock:
            self.completed = n
            if self._progress is not None:
                self._progress.update(self._task, completed=n)

    def describe(self, text: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description=text)

    def finish(self) -> None:
        """Fill the bar (its total becomes what was done, when it was never learnt)."""
        with self._lock:
            if self.total is None:
                self.total = max(self.completed, 1)
            self.completed = self.total
            if self._progress is not None:
                self._progress.update(self._task, total=self.total, completed=self.total)


@contextlib.contextmanager
def progress_bar(
    enabled: bool, description: str, *, total: int | None = None, unit: str = ""
) -> Iterator[Tracker]:
    """A rich progress bar on stderr for the block, or a silent :class:`Tracker`."""
    if not enabled:
        tracker = Tracker()
        if total is not None:
            tracker.set_total(total)
        yield tracker
        return
    try:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )
    except ImportError:  # pragma: no cover - rich comes with typer
        yield Tracker()
        return
    columns = [
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task(description, total=total)
        tracker = Tracker(progress, task)
        tracker.total = total
        yield tracker
