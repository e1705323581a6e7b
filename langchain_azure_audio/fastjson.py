"""Fast JSON for the hot paths: orjson when present (langsmith, a langchain-core dependency,
brings it on CPython), the standard library otherwise.

``dumps`` returns bytes ready for the wire, so a 20 MB base64 payload is serialised once into
one buffer instead of a str and then its encoded copy.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["dumps", "loads"]

try:
    import orjson
except ImportError:  # pragma: no cover - depends on the environment

    def dumps(obj: Any) -> bytes:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()

    def loads(data: bytes | str) -> Any:
        return json.loads(data)

else:

    def dumps(obj: Any) -> bytes:
        return orjson.dumps(obj)

    def loads(data: bytes | str) -> Any:
        return orjson.loads(data)
