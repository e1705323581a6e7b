"""What the two chat models share: LangChain plumbing and tool binding.

:class:`~langchain_azure_audio.AzureAudioChatModel` (``/chat/completions``) and
:class:`~langchain_azure_audio.AzureRealtimeChatModel` (the realtime WebSocket) differ in how
they talk to the service, not in how they present themselves to LangChain: tracing parameters,
serialisation, secrets, the model profile and the normalisation of ``tool_choice``.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, ClassVar

from langchain_core.language_models import LangSmithParams
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.utils.function_calling import convert_to_openai_tool

from langchain_azure_audio.errors import UnsupportedOptionError

__all__ = ["AzureChatPlumbing", "check_modalities", "format_tools"]

_TOOL_CHOICE_KEYWORDS = ("auto", "none", "required")


def check_modalities(modalities: object, allowed: Sequence[Sequence[str]]) -> list[str]:
    """``modalities`` as a list if it is one of ``allowed``, else a typed refusal."""
    if isinstance(modalities, list | tuple) and list(modalities) in [list(a) for a in allowed]:
        return list(modalities)
    shown = list(modalities) if isinstance(modalities, list | tuple) else modalities
    raise UnsupportedOptionError(
        f"modalities={shown!r} is not valid: use ['text', 'audio'] or ['text'].",
        option="modalities",
        value=shown,
    )


def format_tools(
    tools: Sequence[Any], tool_choice: Any, *, strict: bool | None = None
) -> tuple[list[dict[str, Any]], Any]:
    """OpenAI tool specs of ``tools`` and the checked ``tool_choice``: ``"auto"``, ``"none"``,
    ``"required"`` (``"any"``), a tool name, ``True`` (the single tool) or ``None``."""
    formatted = [convert_to_openai_tool(t, strict=strict) for t in tools]
    names = [t["function"]["name"] for t in formatted if "function" in t]
    if tool_choice is None or tool_choice is False:
        return formatted, None
    if tool_choice is True:
        if len(names) != 1:
            raise ValueError("tool_choice=True needs exactly one tool.")
        tool_choice = names[0]
    if tool_choice == "any":
        tool_choice = "required"
    keyword = tool_choice in _TOOL_CHOICE_KEYWORDS
    if isinstance(tool_choice, str) and not keyword and tool_choice not in names:
        raise ValueError(f"tool_choice {tool_choice!r} is not one of the bound tools {names}.")
    return formatted, tool_choice


class AzureChatPlumbing:
    """LangChain plumbing of a chat model on an Azure OpenAI deployment (a mixin)."""

    model_name: str | None
    azure_deployment: str | None
    _identifying_fields: ClassVar[tuple[str, ...]] = ("voice", "modalities")
    _context_tokens: ClassVar[tuple[int, int]] = (128_000, 16_384)
    """Most input and output tokens (the model profile)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # LangChain runs inspect.signature(self._generate) on every call to see whether it takes
        # `run_manager`. A function carrying its own __signature__ gives the same answer without
        # re-deriving it from the code object each time (about 2 % of an invoke).
        for name in ("_generate", "_agenerate"):
            function = cls.__dict__.get(name)
            if inspect.isfunction(function):
                function.__signature__ = inspect.signature(function)  # type: ignore[attr-defined]

    @property
    def _identifying_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model_name": self.model_name,
            "azure_deployment": self.azure_deployment,
        }
        for name in self._identifying_fields:
            value = getattr(self, name, None)
            params[name] = list(value) if isinstance(value, list) else value
        return params

    @classmethod
    def is_lc_serializable(cls) -> bool:
        # langchain-core's loader only revives classes on its own allow-list.
        return False

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": "AZURE_OPENAI_API_KEY"}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider="azure",
            ls_model_name=kwargs.get("model") or self.model_name or self.azure_deployment or "",
            ls_model_type="chat",
        )
        temperature = getattr(self, "temperature", None)
        if temperature is not None:
            params["ls_temperature"] = temperature
        max_tokens = getattr(self, "max_tokens", None)
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        stop = stop or getattr(self, "stop", None)
        if stop:
            params["ls_stop"] = stop
        return params

    def _resolve_model_profile(self) -> ModelProfile | None:
        max_in, max_out = self._context_tokens
        return ModelProfile(
            text_inputs=True,
            audio_inputs=True,
            image_inputs=False,
            text_outputs=True,
            audio_outputs=True,
            tool_calling=True,
            tool_choice=True,
            tool_call_streaming=True,
            max_input_tokens=max_in,
            max_output_tokens=max_out,
        )
