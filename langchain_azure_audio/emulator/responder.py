"""The emulator's scripted stand-in for a language model.

It never reasons: it follows a short, fixed script, so tests can predict every reply. A
:class:`Responder` holds user rules (tried first) and then the default script below.

What it reads (a :class:`Turn`): the *heard text* (the emulator transcribes every ``input_audio``
part of the **last user message** with the real speech recognizer and joins the transcripts and the
text parts in their order, separated by single spaces), the offered ``tools``, ``tool_choice`` and
``parallel_tool_calls``, and the tool results that end the conversation.

Default script, in order:

1. **Tool results.** When the conversation ends with ``tool`` messages, reply
   ``The <tool name> tool returned: <content>.`` (one sentence per trailing tool message, joined
   by a space; the name comes from the assistant's ``tool_calls`` with the same id, ``unknown``
   if none). A trailing ``.`` already in the content is not doubled.
2. **User rules**, in the order given: a :class:`Rule` (regex searched case-insensitively in the
   heard text; the reply and string tool arguments may use ``\\1``/``\\g<name>`` groups) or any
   callable ``(Turn) -> Reply | str | None`` (``None`` = no match). Callables also see tool-result
   turns, so they can override step 1; regex rules only see user turns.
3. **Tool calls.** Unless ``tool_choice`` is ``"none"``: a tool is *mentioned* when the heard
   text contains, as whole words and ignoring case, its name, its name with ``_`` read as spaces,
   or (for ``get_*`` names) the name without ``get_`` (``get_weather`` -> "weather").
   ``tool_choice={"type": "function", "function": {"name": N}}`` calls ``N``;
   ``"required"`` calls the mentioned tools, or the first tool when none is mentioned;
   ``"auto"`` (default) calls the mentioned tools. Several mentioned tools are all called (in the
   order of ``tools``) unless ``parallel_tool_calls`` is false, which keeps only the first.
   Arguments are built from each tool's JSON schema (its ``required`` properties, or all of them
   when it lists none), see :func:`build_arguments`:

   * ``string`` with ``enum``: the first enum value the text mentions, else the first value;
   * ``string`` named like an expression (``expression``, ``expr``, ``formula``, ``equation``,
     ``calculation``) or belonging to a calculator-style tool (name contains ``calc``,
     ``math`` or ``arith``): the arithmetic expression in the text, with spoken operators and
     small number words normalised ("twelve times 7" -> ``"12 * 7"``);
   * other ``string``: the phrase after the last ``" for "``, ``" in "`` or ``" of "`` up to the
     next punctuation ("weather in Paris?" -> ``"Paris"``), else the last capitalised word that
     does not start a sentence, else the schema ``default``, else ``""``;
   * ``number``/``integer``: the n-th number in the text for the n-th numeric parameter, else
     the ``default``, else ``0``;
   * ``boolean`` -> default or ``false``; ``array`` -> default or ``[]``; ``object`` -> default or
     ``{}``.

4. **Echo.** Reply ``You said: <heard text>`` (``You said nothing.`` when nothing was heard).

Audio replies speak the reply text; the transcript equals the reply text.

Example:
    >>> r = Responder([Rule(r"my name is (\\w+)", reply=r"Hello \\1!")])
    >>> r.respond(Turn(heard="Hi, my name is Ada")).text
    'Hello Ada!'
    >>> r.respond(Turn(heard="Testing one two three.")).text
    'You said: Testing one two three.'
    >>> weather = {"type": "function", "function": {"name": "get_weather", "parameters": {
    ...     "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
    >>> call = r.respond(Turn(heard="What is the weather in Paris?", tools=[weather]))
    >>> call.tool_calls[0].name, call.tool_calls[0].arguments
    ('get_weather', {'city': 'Paris'})
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

__all__ = [
    "Reply",
    "Responder",
    "Rule",
    "RuleLike",
    "ToolCall",
    "ToolResult",
    "Turn",
    "build_arguments",
    "extract_expression",
]


@dataclass(frozen=True)
class ToolCall:
    """A function call the responder makes."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)

    def arguments_json(self) -> str:
        """The arguments as compact JSON, as the service sends them."""
        return json.dumps(self.arguments, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Reply:
    """What the responder answers: text, or tool calls (which take precedence)."""

    text: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True)
class ToolResult:
    """A trailing ``tool`` message, with the name of the tool it answers."""

    name: str
    content: str
    tool_call_id: str = ""


@dataclass(frozen=True)
class Turn:
    """Everything the responder may look at for one request.

    Attributes:
        heard: The last user message's text and transcribed audio, joined by spaces.
        tools: The request's ``tools`` (``{"type": "function", "function": {...}}`` items).
        tool_choice: ``"auto"``, ``"none"``, ``"required"`` or a ``{"type": "function", ...}``.
        parallel_tool_calls: The request's flag (default true).
        tool_results: The tool messages that end the conversation, in order.
        messages: The raw request messages.
    """

    heard: str = ""
    tools: Sequence[Mapping[str, Any]] = ()
    tool_choice: Any = None
    parallel_tool_calls: bool = True
    tool_results: Sequence[ToolResult] = ()
    messages: Sequence[Mapping[str, Any]] = ()


RuleLike = Union["Rule", Callable[[Turn], "Reply | str | None"]]


@dataclass(frozen=True)
class Rule:
    """A scripted reply: when ``pattern`` matches the heard text, answer with ``reply`` and/or
    call ``tool_calls`` (``[{"name": ..., "arguments": {...}}]``).

    Example:
        >>> rule = Rule(r"weather in (?P<city>\\w+)", tool_calls=[
        ...     {"name": "get_weather", "arguments": {"city": "\\\\g<city>"}}])
        >>> rule(Turn(heard="weather in Oslo")).tool_calls[0].arguments
        {'city': 'Oslo'}
    """

    pattern: str
    reply: str | None = None
    tool_calls: Sequence[Mapping[str, Any]] = ()

    def __call__(self, turn: Turn) -> Reply | None:
        """The reply when the pattern matches a user turn, else ``None``."""
        if turn.tool_results:
            return None
        match = re.search(self.pattern, turn.heard, flags=re.IGNORECASE)
        if match is None:
            return None
        calls = tuple(
            ToolCall(
                name=str(call["name"]),
                arguments={
                    k: match.expand(v) if isinstance(v, str) else v
                    for k, v in dict(call.get("arguments") or {}).items()
                },
            )
            for call in self.tool_calls
        )
        text = match.expand(self.reply) if self.reply is not None else None
        return Reply(text=text, tool_calls=calls)


class Responder:
    """The scripted "language model" of the emulator (see the module docstring for the script).

    Args:
        rules: :class:`Rule` objects or callables ``(Turn) -> Reply | str | None``, tried in order
            before the default tool-calling and echo behaviour.

    Example:
        >>> Responder([lambda turn: "Always this."]).respond(Turn(heard="anything")).text
        'Always this.'
    """

    def __init__(self, rules: Iterable[RuleLike] = ()) -> None:
        self.rules: list[RuleLike] = list(rules)

    @classmethod
    def from_json(cls, source: str | os.PathLike[str] | Mapping[str, Any]) -> Responder:
        """Load rules from a JSON file (or an already parsed mapping).

        Format: ``{"rules": [{"pattern": "...", "reply": "...", "tool_calls": [{"name": "...",
        "arguments": {...}}]}]}`` (a bare list of rules is accepted too).

        Example:
            >>> Responder.from_json({"rules": [{"pattern": "ping", "reply": "pong"}]}).respond(
            ...     Turn(heard="ping")).text
            'pong'
        """
        data: Any
        if isinstance(source, Mapping):
            data = source
        else:
            with open(source, encoding="utf-8") as fh:
                data = json.load(fh)
        items = data.get("rules", []) if isinstance(data, Mapping) else data
        rules: list[RuleLike] = []
        for item in items:
            if not isinstance(item, Mapping) or "pattern" not in item:
                raise ValueError(f"Each responder rule needs a 'pattern'; got {item!r}.")
            rules.append(
                Rule(
                    pattern=str(item["pattern"]),
                    reply=item.get("reply"),
                    tool_calls=list(item.get("tool_calls") or []),
                )
            )
        return cls(rules)

    def respond(self, turn: Turn) -> Reply:
        """Answer one turn following the script."""
        for rule in self.rules:
            if not turn.tool_results or not isinstance(rule, Rule):
                got = rule(turn)
                if got is not None:
                    return Reply(text=got) if isinstance(got, str) else got
        if turn.tool_results:
            return Reply(text=" ".join(_tool_sentence(r) for r in turn.tool_results))
        calls = self._tool_calls(turn)
        if calls:
            return Reply(tool_calls=calls)
        heard = turn.heard.strip()
        return Reply(text=f"You said: {heard}" if heard else "You said nothing.")

    def _tool_calls(self, turn: Turn) -> tuple[ToolCall, ...]:
        functions = [
            t["function"]
            for t in turn.tools
            if isinstance(t, Mapping) and isinstance(t.get("function"), Mapping)
        ]
        if not functions:
            return ()
        choice = turn.tool_choice
        if choice == "none":
            return ()
        chosen: list[Mapping[str, Any]]
        if isinstance(choice, Mapping):
            name = (choice.get("function") or {}).get("name")
            chosen = [f for f in functions if f.get("name") == name][:1]
        else:
            chosen = [f for f in functions if mentions_tool(turn.heard, str(f.get("name", "")))]
            if not chosen and choice == "required":
                chosen = functions[:1]
        if not turn.parallel_tool_calls:
            chosen = chosen[:1]
        return tuple(
            ToolCall(
                name=str(f.get("name", "")),
                arguments=build_arguments(
                    str(f.get("name", "")), f.get("parameters") or {}, turn.heard
                ),
            )
            for f in chosen
        )


def _tool_sentence(result: ToolResult) -> str:
    content = result.content.strip()
    end = "" if content.endswith((".", "!", "?")) else "."
    return f"The {result.name} tool returned: {content}{end}"


def tool_aliases(name: str) -> list[str]:
    """The phrases that count as mentioning the tool ``name``."""
    spoken = name.replace("_", " ").strip()
    aliases = [name, spoken]
    if name.lower().startswith("get_"):
        aliases.append(name[4:].replace("_", " ").strip())
    return [a for a in dict.fromkeys(aliases) if a]


def mentions_tool(text: str, name: str) -> bool:
    """Whether ``text`` mentions the tool ``name`` (see the module docstring)."""
    return any(
        re.search(rf"(?<!\w){re.escape(alias)}(?!\w)", text, flags=re.IGNORECASE)
        for alias in tool_aliases(name)
    )


_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    w: 10 * (i + 2)
    for i, w in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    )
}
_OPERATORS = [
    (r"\bmultiplied\s+by\b", "*"),
    (r"\btimes\b", "*"),
    (r"\bdivided\s+by\b", "/"),
    (r"\bover\b", "/"),
    (r"\bplus\b", "+"),
    (r"\bminus\b", "-"),
    (r"[\u00d7x](?=\s*\d)", "*"),  # \u00d7 is the multiplication sign
    (r"÷", "/"),
]
_NUM = r"\d+(?:\.\d+)?"
_EXPRESSION_RE = re.compile(rf"\(?\s*{_NUM}(?:\s*\)?\s*[-+*/]\s*\(?\s*{_NUM}\s*\)?)+")
_EXPRESSION_PARAM_RE = re.compile(r"expr|formula|equation|calculation", re.IGNORECASE)
_CALCULATOR_TOOL_RE = re.compile(r"calc|math|arith", re.IGNORECASE)


def _words_to_numbers(text: str) -> str:
    def tens(match: re.Match[str]) -> str:
        value = _TENS[match.group(1).lower()]
        unit = match.group(2)
        return str(value + (_NUMBER_WORDS[unit.lower()] if unit else 0))

    units = "|".join(list(_NUMBER_WORDS)[1:10])
    text = re.sub(rf"\b({'|'.join(_TENS)})(?:[\s-]+({units}))?\b", tens, text, flags=re.IGNORECASE)
    return re.sub(
        rf"\b({'|'.join(_NUMBER_WORDS)})\b",
        lambda m: str(_NUMBER_WORDS[m.group(1).lower()]),
        text,
        flags=re.IGNORECASE,
    )


def _normalise_numbers(text: str) -> str:
    text = _words_to_numbers(text)
    return re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)


def extract_expression(text: str) -> str | None:
    """The first arithmetic expression in ``text``, normalised, or ``None``.

    Example:
        >>> extract_expression("What is twelve times 7?")
        '12 * 7'
        >>> extract_expression("Compute 3 plus 4 divided by 2, please")
        '3 + 4 / 2'
    """
    norm = _normalise_numbers(text)
    for pattern, op in _OPERATORS:
        norm = re.sub(pattern, f" {op} ", norm, flags=re.IGNORECASE)
    match = _EXPRESSION_RE.search(norm)
    if match is None:
        return None
    expr = re.sub(r"\s*([-+*/])\s*", r" \1 ", match.group(0))
    expr = re.sub(r"\(\s*", "(", expr)
    expr = re.sub(r"\s*\)", ")", expr)
    return re.sub(r"\s+", " ", expr).strip()


def _numbers(text: str) -> list[float | int]:
    found: list[float | int] = []
    for raw in re.findall(rf"-?{_NUM}", _normalise_numbers(text)):
        found.append(float(raw) if "." in raw else int(raw))
    return found


def _phrase(text: str) -> str | None:
    lowered = text.lower()
    best = -1
    marker_len = 0
    for marker in (" for ", " in ", " of "):
        pos = lowered.rfind(marker)
        if pos > best:
            best, marker_len = pos, len(marker)
    if best >= 0:
        phrase = re.split(r"[.,?!;:]", text[best + marker_len :], maxsplit=1)[0].strip()
        if phrase:
            return phrase
    return None


def _capitalised_word(text: str) -> str | None:
    candidates: list[str] = []
    for sentence in re.split(r"(?<=[.?!])\s+", text.strip()):
        words = re.findall(r"[A-Za-z][\w'-]*", sentence)
        candidates.extend(w for w in words[1:] if w[0].isupper() and w != "I")
    return candidates[-1] if candidates else None


def build_arguments(tool_name: str, schema: Mapping[str, Any], text: str) -> dict[str, Any]:
    """Deterministic arguments for ``tool_name`` from its JSON schema and the heard ``text``.

    Example:
        >>> build_arguments("calculator", {"type": "object", "properties": {
        ...     "expression": {"type": "string"}}}, "What is 12 times 7?")
        {'expression': '12 * 7'}
        >>> build_arguments("add", {"properties": {"a": {"type": "integer"},
        ...     "b": {"type": "integer"}}, "required": ["a", "b"]}, "add 2 and 40")
        {'a': 2, 'b': 40}
    """
    properties: Mapping[str, Any] = schema.get("properties") or {}
    required = schema.get("required")
    names = [n for n in properties if n in required] if required else list(properties)
    numbers = _numbers(text)
    number_index = 0
    args: dict[str, Any] = {}
    for name in names:
        prop: Mapping[str, Any] = properties.get(name) or {}
        kind = prop.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "string")
        if prop.get("enum"):
            values = list(prop["enum"])
            args[name] = next(
                (v for v in values if isinstance(v, str) and mentions_tool(text, v)), values[0]
            )
        elif kind in ("number", "integer"):
            if number_index < len(numbers):
                value = numbers[number_index]
                args[name] = int(value) if kind == "integer" else value
                number_index += 1
            else:
                args[name] = prop.get("default", 0)
        elif kind == "boolean":
            args[name] = prop.get("default", False)
        elif kind == "array":
            args[name] = prop.get("default", [])
        elif kind == "object":
            args[name] = prop.get("default", {})
        else:
            expression = None
            if _EXPRESSION_PARAM_RE.search(name) or _CALCULATOR_TOOL_RE.search(tool_name):
                expression = extract_expression(text)
            found = expression or _phrase(text) or _capitalised_word(text)
            args[name] = found if found is not None else prop.get("default", "")
    return args
