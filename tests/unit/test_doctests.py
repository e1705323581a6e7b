"""The docstring examples of every module of the package run offline and stay correct.

Modules are found by walking ``langchain_azure_audio`` (emulator/ and tools/ included), so a new
module's examples run without being listed here. Examples that need a live service or the speech
models are marked ``# doctest: +SKIP`` in the docstring itself.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import langchain_azure_audio

PACKAGE = langchain_azure_audio.__name__


def package_modules() -> list[str]:
    """Every importable module of the package (``__main__`` modules would run a program)."""
    names = [PACKAGE]
    for info in pkgutil.walk_packages(langchain_azure_audio.__path__, prefix=f"{PACKAGE}."):
        if info.name.rsplit(".", 1)[-1] != "__main__":
            names.append(info.name)
    return sorted(names)


MODULES = package_modules()
FINDER = doctest.DocTestFinder()


def _examples(name: str) -> tuple[int, int]:
    """(examples, of which skipped) in the module's docstrings."""
    tests = FINDER.find(importlib.import_module(name))
    examples = [e for t in tests for e in t.examples]
    return len(examples), sum(1 for e in examples if e.options.get(doctest.SKIP))


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name: str) -> None:
    module = importlib.import_module(name)
    if name.endswith("audio_codecs"):
        from langchain_azure_audio.audio_codecs import codecs_available

        if not codecs_available():
            pytest.skip("PyAV not installed")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, raise_on_error=False)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"


def test_every_module_is_walked() -> None:
    """The walk reaches the subpackages (a broken walk would test nothing and pass)."""
    for expected in (
        "langchain_azure_audio.messages",
        "langchain_azure_audio.emulator.config",
        "langchain_azure_audio.emulator.responder",
        "langchain_azure_audio.tools._chunking",
    ):
        assert expected in MODULES
    assert not [m for m in MODULES if m.endswith("__main__")]


def test_doctests_exist() -> None:
    """Guard: the examples promised by the docs are collected, and most of them run."""
    counts = [_examples(name) for name in MODULES]
    total = sum(n for n, _ in counts)
    skipped = sum(s for _, s in counts)
    assert total >= 90, f"only {total} docstring examples found"
    assert total - skipped >= 70, f"only {total - skipped} of {total} examples run"
    for name in ("capabilities", "audio", "messages", "errors", "emulator.responder"):
        assert _examples(f"{PACKAGE}.{name}")[0] > 0, f"{name} lost its examples"
