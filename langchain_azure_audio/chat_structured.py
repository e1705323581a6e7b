"""Structured output for :class:`~langchain_azure_audio.AzureAudioChatModel`.

Audio models reject ``response_format: json_schema``, so a schema becomes a forced tool and the
reply is parsed from its call (``json_schema`` is served the same way, strict); ``json_mode``
asks for a JSON object. Replies are text-only: there is nothing to say out loud.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
)
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic import BaseModel

__all__ = ["structured_output"]

logger = logging.getLogger(__name__)

StructuredMethod = Literal["function_calling", "json_mode", "json_schema"]


def structured_output(
    model: Runnable[LanguageModelInput, AIMessage],
    bind_tools: Callable[..., Runnable[LanguageModelInput, AIMessage]],
    schema: dict[str, Any] | type | None,
    *,
    method: StructuredMethod,
    include_raw: bool,
    strict: bool | None,
) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
    """``model`` composed with the parser of ``schema`` (the body of ``with_structured_output``).

    Args:
        model: The chat model (``bind`` adds ``modalities=["text"]`` and the trace metadata).
        bind_tools: The model's ``bind_tools`` (the schema becomes a forced tool).
        schema: A pydantic model, a JSON schema / OpenAI tool dict, or a function.
        method: ``"function_calling"``, ``"json_schema"`` (a strict forced tool) or
            ``"json_mode"``.
        include_raw: Return ``{"raw", "parsed", "parsing_error"}`` instead of the parsed value.
        strict: Ask for strict JSON-schema arguments.
    """
    if method == "json_schema":
        logger.debug("Audio models reject json_schema response formats; using a forced tool.")
        method = "function_calling"
        strict = True if strict is None else strict
    is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
    trace = {
        "ls_structured_output_format": {
            "kwargs": {"method": method, "strict": strict},
            "schema": convert_to_openai_tool(schema) if schema is not None else None,
        }
    }
    text_only = model.bind(modalities=["text"], **trace)
    llm: Runnable[LanguageModelInput, Any]
    parser: Runnable[Any, Any]
    if method == "function_calling":
        if schema is None:
            raise ValueError("schema is required for method='function_calling'.")
        tool = convert_to_openai_tool(schema)
        name = tool["function"]["name"]
        llm = bind_tools([schema], tool_choice=name, parallel_tool_calls=False, strict=strict).bind(
            modalities=["text"], **trace
        )
        if is_pydantic:
            parser = PydanticToolsParser(tools=[schema], first_tool_only=True)  # type: ignore[list-item]
        else:
            parser = JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
    elif method == "json_mode":
        llm = text_only.bind(response_format={"type": "json_object"})
        parser = (
            PydanticOutputParser(pydantic_object=schema)  # type: ignore[arg-type]
            if is_pydantic
            else JsonOutputParser()
        )
    else:
        raise ValueError(f"Unknown method {method!r}: use 'function_calling' or 'json_mode'.")
    if not include_raw:
        return llm | parser
    parsed = RunnablePassthrough.assign(
        parsed=lambda x: parser.invoke(x["raw"]), parsing_error=lambda _: None
    ).with_fallbacks(
        [RunnablePassthrough.assign(parsed=lambda _: None)],
        exception_key="parsing_error",
    )
    return RunnableMap(raw=llm) | parsed
