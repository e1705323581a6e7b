"""The docstring examples of the package modules run offline and stay correct."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "langchain_azure_audio",
    "langchain_azure_audio.capabilities",
    "langchain_azure_audio.errors",
    "langchain_azure_audio.settings",
    "langchain_azure_audio.audio",
    "langchain_azure_audio.messages",
    "langchain_azure_audio._sse",
    "langchain_azure_audio._codecs",
    "langchain_azure_audio.chat_models",
]


@pytest.mark.parametrize("name", MODULES)
def test_module_doctests(name: str) -> None:
    module = importlib.import_module(name)
    if name.endswith("_codecs"):
        from langchain_azure_audio._codecs import codecs_available

        if not codecs_available():
            pytest.skip("PyAV not installed")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, raise_on_error=False)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"


def test_doctests_exist() -> None:
    """Guard: the examples promised by the docs are actually collected."""
    finder = doctest.DocTestFinder()
    total = 0
    for name in ("capabilities", "audio", "messages", "errors"):
        module = importlib.import_module(f"langchain_azure_audio.{name}")
        total += sum(len(t.examples) for t in finder.find(module))
    assert total >= 8
