"""Fault injection: make the emulator fail the way Azure OpenAI fails.

A fault is chosen per request with the ``x-emulator-fault`` header, or queued on the emulator
(:meth:`FaultQueue.inject`) for the next N matching requests, which is how retry tests prove that a
client retries and then succeeds. The header wins over the queue; a queued fault is consumed only
by an authenticated request on a matching route.

Values (header or :meth:`FaultQueue.inject`):

============================  =====================================================================
``429``                       429 with ``retry-after-ms: 50`` and ``retry-after: 1`` headers
``500`` / ``503``             Azure-shaped server errors
``content_filter``            400 ``content_filter`` (``violence`` fired, severity medium)
``cut_stream``                the response starts, then the connection closes mid-way (streams end
                              without ``[DONE]``; plain bodies are truncated)
``slow_first_byte:MS``        wait ``MS`` milliseconds before answering normally
============================  =====================================================================

Example:
    >>> q = FaultQueue()
    >>> q.inject("429", times=2, route="chat")
    >>> [f.kind if f else None for f in (q.take("speech"), q.take("chat"), q.take("chat"),
    ...                                   q.take("chat"))]
    [None, '429', '429', None]
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FAULT_HEADER",
    "FAULT_KINDS",
    "ROUTES",
    "Fault",
    "FaultQueue",
    "content_filter_body",
    "parse_fault",
    "status_fault_body",
]

FAULT_HEADER = "x-emulator-fault"
FAULT_KINDS = frozenset({"429", "500", "503", "content_filter", "cut_stream", "slow_first_byte"})
ROUTES = frozenset({"chat", "speech", "transcriptions", "translations", "realtime"})
"""Route names a queued fault can be limited to."""


@dataclass(frozen=True)
class Fault:
    """One fault: its ``kind`` and, for ``slow_first_byte``, the delay in milliseconds."""

    kind: str
    delay_ms: int = 0

    @property
    def status(self) -> int | None:
        """HTTP status for error faults, ``None`` for behaviour faults."""
        if self.kind in ("429", "500", "503"):
            return int(self.kind)
        if self.kind == "content_filter":
            return 400
        return None


def parse_fault(value: str) -> Fault:
    """Parse a fault spec such as ``"429"`` or ``"slow_first_byte:250"``.

    Raises:
        ValueError: an unknown fault.

    Example:
        >>> parse_fault("slow_first_byte:250")
        Fault(kind='slow_first_byte', delay_ms=250)
    """
    kind, _, arg = value.strip().partition(":")
    kind = kind.strip().lower()
    if kind not in FAULT_KINDS:
        raise ValueError(
            f"Unknown emulator fault {value!r}; use one of: 429, 500, 503, content_filter, "
            "cut_stream, slow_first_byte:MS."
        )
    if kind == "slow_first_byte":
        try:
            delay = int(arg or "1000")
        except ValueError:
            raise ValueError(
                f"slow_first_byte needs milliseconds, e.g. slow_first_byte:250 (got {value!r})."
            ) from None
        if delay < 0:
            raise ValueError("slow_first_byte needs a non-negative delay.")
        return Fault(kind, delay)
    if arg:
        raise ValueError(f"Fault {kind!r} takes no argument (got {value!r}).")
    return Fault(kind)


class FaultQueue:
    """Thread-safe queue of faults for the next requests.

    Example:
        >>> q = FaultQueue()
        >>> q.inject("503")
        >>> q.pending()
        1
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: deque[tuple[Fault, str | None]] = deque()

    def inject(self, fault: str, *, times: int = 1, route: str | None = None) -> None:
        """Queue ``fault`` for the next ``times`` requests (only on ``route`` when given).

        ``route`` is one of ``chat``, ``speech``, ``transcriptions``, ``translations``,
        ``realtime`` (consumed by realtime responses, see
        :mod:`langchain_azure_audio.emulator.realtime`).
        """
        parsed = parse_fault(fault)
        if route is not None and route not in ROUTES:
            raise ValueError(f"Unknown route {route!r}; use one of: {', '.join(sorted(ROUTES))}.")
        if times < 1:
            raise ValueError("times must be at least 1.")
        with self._lock:
            self._items.extend([(parsed, route)] * times)

    def take(self, route: str) -> Fault | None:
        """Remove and return the first queued fault that applies to ``route``."""
        with self._lock:
            for i, (fault, only) in enumerate(self._items):
                if only is None or only == route:
                    del self._items[i]
                    return fault
        return None

    def pending(self) -> int:
        """How many queued faults are left."""
        with self._lock:
            return len(self._items)

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._items.clear()


def status_fault_body(status: int, route_label: str) -> dict[str, Any]:
    """The Azure error body of a 429/500/503 fault."""
    if status == 429:
        message = (
            f"Requests to the {route_label} Operation under Azure OpenAI API version "
            "emulator have exceeded call rate limit of your current OpenAI S0 pricing tier. "
            "Please retry after 1 second."
        )
        return {"error": {"code": "429", "message": message}}
    if status == 503:
        return {
            "error": {
                "code": "ServiceUnavailable",
                "message": "The service is temporarily unable to process your request. "
                "Please try again later.",
                "status": 503,
            }
        }
    return {
        "error": {
            "code": "InternalServerError",
            "message": "The server had an error while processing your request. Sorry about that!",
            "status": 500,
        }
    }


def content_filter_body() -> dict[str, Any]:
    """The Azure error body of a prompt blocked by the content filter."""
    safe = {"filtered": False, "severity": "safe"}
    return {
        "error": {
            "code": "content_filter",
            "message": "The response was filtered due to the prompt triggering Azure OpenAI's "
            "content management policy. Please modify your prompt and retry.",
            "param": "prompt",
            "type": None,
            "status": 400,
            "innererror": {
                "code": "ResponsibleAIPolicyViolation",
                "content_filter_result": {
                    "hate": dict(safe),
                    "self_harm": dict(safe),
                    "sexual": dict(safe),
                    "violence": {"filtered": True, "severity": "medium"},
                },
            },
        }
    }
