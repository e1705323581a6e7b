"""Every ```python block of README.md runs as written, in order, against the local emulator.

The blocks share one namespace (later blocks use ``model``, ``speak``, ``listen`` from earlier
ones) and run in a scratch directory holding the input files they name (``question.wav``,
``meeting.mp3``: clips from ``tests/data``). The only substitutions are the README's placeholders:
the ``https://<resource>.openai.azure.com`` endpoint and the ``api_key="..."`` key become the
emulator's, and ``AZURE_OPENAI_ENDPOINT`` / ``AZURE_OPENAI_API_KEY`` point at the emulator for the
blocks that read the environment. A failing block fails its own test, named by its README line.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.docs.readme_blocks import Block, Outcome, python_blocks, run_blocks

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DATA = ROOT / "tests" / "data"

# Files the README's blocks read, made from the test clips.
INPUT_FILES = {
    "question.wav": "weather_question.wav",
    "question.mp3": "weather_question.mp3",
    "meeting.mp3": "weather_question.mp3",
    "meeting.wav": "weather_question.wav",
    "audio.wav": "hello.wav",
    "hello.wav": "hello.wav",
}

_ENDPOINT_PLACEHOLDER = re.compile(r"([\"'])https://<resource>\.openai\.azure\.com/?\1")
_KEY_PLACEHOLDER = re.compile(r"\bapi_key\s*=\s*([\"'])\.\.\.\1")

BLOCKS = python_blocks(README.read_text(encoding="utf-8"), str(README))


def substitute_placeholders(code: str, endpoint: str, api_key: str) -> str:
    """Replace the README's placeholders (and nothing else) with the emulator's values."""
    code = _ENDPOINT_PLACEHOLDER.sub(lambda m: repr(endpoint), code)
    return _KEY_PLACEHOLDER.sub(lambda m: f"api_key={api_key!r}", code)


@pytest.fixture(scope="module")
def readme_outcomes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[int, Outcome]]:
    """Run all the README's python blocks once, in order; map each block's line to its outcome."""
    from langchain_azure_audio.emulator import Emulator, default_engines

    default_engines().preload()
    workdir = tmp_path_factory.mktemp("readme")
    for name, clip in INPUT_FILES.items():
        shutil.copyfile(DATA / clip, workdir / name)
    with Emulator() as emu, pytest.MonkeyPatch.context() as patch:
        patch.chdir(workdir)
        patch.setenv("AZURE_OPENAI_ENDPOINT", emu.endpoint)
        patch.setenv("AZURE_OPENAI_API_KEY", emu.api_key)
        patch.delenv("OPENAI_API_VERSION", raising=False)
        outcomes = run_blocks(
            BLOCKS,
            substitute=lambda code: substitute_placeholders(code, emu.endpoint, emu.api_key),
        )
        yield {outcome.block.line: outcome for outcome in outcomes}


def test_readme_has_python_blocks() -> None:
    assert len(BLOCKS) >= 3, "README.md should show runnable python examples"


@pytest.mark.emulator
@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: f"line{b.line}")
def test_readme_block_runs(block: Block, readme_outcomes: dict[int, Outcome]) -> None:
    outcome = readme_outcomes[block.line]
    if outcome.ok:
        return
    earlier = [o.block.line for o in readme_outcomes.values() if o.block.line < block.line]
    failed_before = [line for line in earlier if not readme_outcomes[line].ok]
    note = (
        f"\n(earlier blocks failed too, at README.md lines {failed_before}: names they define "
        "may be missing here)"
        if failed_before
        else ""
    )
    error = outcome.error
    pytest.fail(
        f"README.md line {block.line}: the python block starting there raised "
        f"{type(error).__name__}: {error}{note}\n\n{outcome.traceback}",
        pytrace=False,
    )


# -- the runner itself ----------------------------------------------------------------------------

SAMPLE = """\
# Title

```bash
echo not python
```

Text.

```python
x = 1
```

- a list item:

  ```python
  y = x + 1
  ```

````python
z = "```"
````
"""


def test_blocks_are_found_with_their_lines() -> None:
    blocks = python_blocks(SAMPLE, "SAMPLE.md")
    assert [(b.line, b.code) for b in blocks] == [
        (10, "x = 1\n"),
        (16, "y = x + 1\n"),
        (20, 'z = "```"\n'),
    ]
    assert blocks[0].label == "SAMPLE.md:10"


def test_a_failing_block_is_named_by_its_line_and_the_next_ones_still_run() -> None:
    text = (
        "```python\na = 1\n```\n\n"
        "```python\n\nb = a + undefined_name\n```\n\n"
        "```python\nc = a\n```\n"
    )
    namespace: dict[str, Any] = {}
    outcomes = run_blocks(python_blocks(text, "DOC.md"), namespace)
    assert [o.ok for o in outcomes] == [True, False, True]
    assert isinstance(outcomes[1].error, NameError)
    assert 'File "DOC.md", line 7' in outcomes[1].traceback
    assert "b = a + undefined_name" in outcomes[1].traceback
    assert namespace["c"] == 1


def test_only_placeholders_are_substituted() -> None:
    code = (
        'm = Model(azure_endpoint="https://<resource>.openai.azure.com",  # or env\n'
        '          api_key="...")\n'
        'other = "..."\n'
        "for x in y:\n"
        "    ...\n"
    )
    out = substitute_placeholders(code, "http://127.0.0.1:9", "k")
    assert out.splitlines() == [
        "m = Model(azure_endpoint='http://127.0.0.1:9',  # or env",
        "          api_key='k')",
        'other = "..."',
        "for x in y:",
        "    ...",
    ]


def test_every_readme_placeholder_is_substituted() -> None:
    for block in BLOCKS:
        out = substitute_placeholders(block.code, "http://127.0.0.1:9", "k")
        assert "<resource>" not in out, f"README.md line {block.line}: unknown placeholder form"
        assert not _KEY_PLACEHOLDER.search(out)
