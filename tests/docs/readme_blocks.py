"""Find the ```python blocks of a Markdown file and run them in order in one namespace.

A block's code is compiled under the Markdown file's name, padded so that its line numbers are the
file's: a traceback points at the README line that failed. Only placeholders are substituted
(see ``tests/docs/test_readme.py``).
"""

from __future__ import annotations

import linecache
import re
import textwrap
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\s]*)")
PYTHON_INFO = {"python", "py", "python3"}


@dataclass(frozen=True)
class Block:
    """One fenced code block: the 1-based line of its first code line, and its code."""

    path: str
    line: int
    code: str

    @property
    def label(self) -> str:
        name = self.path.replace("\\", "/").rsplit("/", 1)[-1]
        return f"{name}:{self.line}"


@dataclass
class Outcome:
    block: Block
    error: BaseException | None = None
    traceback: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


def python_blocks(text: str, path: str = "README.md") -> list[Block]:
    """The ```python blocks of ``text`` in order (other languages and plain fences are left out)."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        fence = opening["fence"]
        info = opening["info"].lower()
        body: list[str] = []
        j = i + 1
        while j < len(lines):
            closing = _FENCE.match(lines[j])
            if (
                closing is not None
                and closing["fence"][0] == fence[0]
                and len(closing["fence"]) >= len(fence)
                and not closing["info"]
            ):
                break
            body.append(lines[j])
            j += 1
        if info in PYTHON_INFO:
            blocks.append(Block(path, i + 2, textwrap.dedent("\n".join(body)) + "\n"))
        i = j + 1
    return blocks


def run_blocks(
    blocks: Iterable[Block],
    namespace: dict[str, Any] | None = None,
    substitute: Callable[[str], str] = lambda code: code,
) -> list[Outcome]:
    """Run every block in order in one namespace; a failure is recorded and the next block runs."""
    namespace = {"__name__": "__markdown__"} if namespace is None else namespace
    outcomes: list[Outcome] = []
    for block in blocks:
        code = substitute(block.code)
        source = "\n" * (block.line - 1) + code
        # Tracebacks show the (substituted) line text, under the Markdown file's name.
        linecache.cache[block.path] = (len(source), None, source.splitlines(True), block.path)
        try:
            exec(compile(source, block.path, "exec"), namespace)  # noqa: S102 - README is the code under test
        except Exception as exc:
            outcomes.append(Outcome(block, exc, traceback.format_exc()))
        else:
            outcomes.append(Outcome(block))
        finally:
            linecache.cache.pop(block.path, None)
    return outcomes
