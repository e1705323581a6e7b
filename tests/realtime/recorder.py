"""Record realtime sessions as scrubbed event transcripts (vcrpy cannot record WebSockets).

:class:`TranscriptRecorder` is a WebSocket proxy on 127.0.0.1 between a client (the agent, the chat
model, the raw SDK) and a target: the local emulator or Azure. Every event is written in both
directions, grouped by connection, with its time relative to the start of the recording, in the
step format :mod:`tests.realtime.replay` plays back (``connect`` / ``server`` / ``client`` /
``wait_close`` / ``close`` / ``drop``).

Scrubbed like the HTTP cassettes (``tests/cassette_support.py``): no credentials are ever written
(headers are not recorded at all, only which kind of auth was used, and any occurrence of the key
or token in an event is replaced), ephemeral keys become ``ek_scrubbed``, host names
``test-resource.openai.azure.com``, and the target's deployment name the one the replays use
(``gpt-realtime``). Unix times (``expires_at``, ``created_at``) are moved so that the recording
starts at :data:`REPLAY_T0`: a replay injects a clock at that time and never reads the wall clock.

To keep transcripts small and readable, each output audio delta becomes ``"$zeros:N"`` (N bytes of
silence: durations, ids and order are kept, which is what truncation and barge-in depend on),
audio the client sends is replaced by ``"<any>"``, and a run of ``input_audio_buffer.append``
events becomes one step with its total duration (``audio_ms``).

Re-record (the scenarios are in ``test_record.py``)::

    LC_AZURE_AUDIO_RECORD=emulator bash scripts/test.sh tests/realtime/test_record.py
    LC_AZURE_AUDIO_RECORD=azure AZURE_OPENAI_ENDPOINT=... AZURE_OPENAI_API_KEY=... \\
        AZURE_OPENAI_REALTIME_DEPLOYMENT=... bash scripts/test.sh tests/realtime/test_record.py \\
        --allow-hosts=127.0.0.1,<resource>.openai.azure.com
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

REPLAY_T0 = 1_800_000_000
"""Unix time at which every recorded transcript starts (the replay's injected clock)."""
REPLAY_DEPLOYMENT = "gpt-realtime"
REPLAY_HOST = "test-resource.openai.azure.com"

_EPHEMERAL = re.compile(r"ek_[A-Za-z0-9_\-]{6,}")
_AZURE_HOST = re.compile(r"[A-Za-z0-9\-]+\.(openai|cognitiveservices)\.azure\.com")
_TIME_KEYS = frozenset({"expires_at", "created_at"})
_AUDIO_KEYS = frozenset({"audio", "delta"})
_FORWARDED_HEADERS = ("api-key", "authorization")


@dataclass
class _Connection:
    index: int
    steps: list[dict[str, Any]] = field(default_factory=list)


class TranscriptRecorder:
    """A recording WebSocket proxy: ``async with TranscriptRecorder(target) as rec: ...``.

    Args:
        target_ws_base: The target's ``websocket_base_url`` (``ws://127.0.0.1:PORT/openai/v1``
            of the emulator, or ``wss://RESOURCE.openai.azure.com/openai/v1``).
        deployment: The target's deployment name (written as ``gpt-realtime``).
        secrets: Strings that must never reach the transcript (keys, tokens).
    """

    def __init__(
        self,
        target_ws_base: str,
        *,
        deployment: str = REPLAY_DEPLOYMENT,
        secrets: Iterable[str] = (),
        source: str = "emulator",
    ) -> None:
        self.target = target_ws_base.rstrip("/")
        self.deployment = deployment
        self.secrets = [s for s in secrets if s]
        self.source = source
        self.connections: list[_Connection] = []
        self._start = time.monotonic()
        self._wall_start = time.time()
        self._server: Server | None = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        """What the client uses as ``azure_endpoint``."""
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> TranscriptRecorder:
        self._start = time.monotonic()
        self._wall_start = time.time()
        self._server = await serve(self._handle, "127.0.0.1", 0, max_size=None, compression=None)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)

    # -- proxying ------------------------------------------------------------------------------

    def _t(self) -> float:
        return round(time.monotonic() - self._start, 3)

    async def _handle(self, ws: ServerConnection) -> None:
        request = ws.request
        assert request is not None
        url = urlsplit(request.path)
        query = parse_qs(url.query)
        if "model" in query:
            query["model"] = [self.deployment]
        conn = _Connection(len(self.connections))
        self.connections.append(conn)
        auth = "bearer" if "authorization" in request.headers else "api-key"
        conn.steps.append({"connect": {"deployment": REPLAY_DEPLOYMENT}, "auth": auth, "t": 0.0})
        conn.steps[-1]["t"] = self._t()
        headers = {k: request.headers[k] for k in _FORWARDED_HEADERS if k in request.headers}
        for value in headers.values():  # never written, whatever the event says
            self.secrets.append(value.removeprefix("Bearer "))
        path = url.path.removeprefix("/openai/v1")
        upstream_url = f"{self.target}{path}?{urlencode(query, doseq=True)}"
        async with connect(
            upstream_url, additional_headers=headers, max_size=None, compression=None
        ) as upstream:
            await self._pump(ws, upstream, conn)

    async def _pump(
        self, ws: ServerConnection, upstream: ClientConnection, conn: _Connection
    ) -> None:
        async def from_client() -> None:
            try:
                async for raw in ws:
                    conn.steps.append({"client": json.loads(raw), "t": self._t()})
                    await upstream.send(raw)
            except ConnectionClosed:
                pass
            conn.steps.append({"wait_close": True, "t": self._t()})

        async def from_server() -> None:
            try:
                async for raw in upstream:
                    conn.steps.append({"server": json.loads(raw), "t": self._t()})
                    await ws.send(raw)
            except ConnectionClosed:
                pass
            rcvd = upstream.protocol.close_rcvd
            if rcvd is None:
                conn.steps.append({"drop": True, "t": self._t()})
                ws.transport.abort()
            else:
                conn.steps.append(
                    {"close": {"code": rcvd.code, "reason": rcvd.reason}, "t": self._t()}
                )
                await ws.close(rcvd.code, rcvd.reason)

        client_task = asyncio.create_task(from_client())
        server_task = asyncio.create_task(from_server())
        done, pending = await asyncio.wait(
            {client_task, server_task}, return_when=asyncio.FIRST_COMPLETED
        )
        if client_task in done:  # the client left: nothing more is recorded on this connection
            server_task.cancel()
            await upstream.close()
        else:
            client_task.cancel()
            conn.steps = [s for s in conn.steps if "wait_close" not in s]
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*pending)

    # -- writing -------------------------------------------------------------------------------

    def steps(self) -> list[dict[str, Any]]:
        """The scrubbed transcript: a meta line, then each connection's steps."""
        out: list[dict[str, Any]] = [
            {"meta": {"source": self.source, "clock": REPLAY_T0, "scrubbed": True}}
        ]
        for conn in self.connections:
            out.extend(self._condense([self._scrub_step(s) for s in conn.steps]))
        return out

    def write(self, path: Path) -> Path:
        lines = [json.dumps(step, separators=(",", ":")) for step in self.steps()]
        text = "\n".join(lines) + "\n"
        for secret in self.secrets:
            if secret in text:  # belt and braces: scrubbing must have removed every one
                raise AssertionError("a credential would be written into the transcript")
        path.write_text(text)
        return path

    def _scrub_step(self, step: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(step)
        event = out.get("client")
        if isinstance(event, Mapping) and event.get("type") == "input_audio_buffer.append":
            out["audio_ms"] = _b64_len(str(event.get("audio", ""))) / 48.0
        if "server" in out:
            out["server"] = self._scrub(out["server"], direction="server")
        if "client" in out:
            out["client"] = self._scrub(out["client"], direction="client")
        return out

    def _scrub(self, value: Any, *, direction: str, key: str = "") -> Any:
        if isinstance(value, Mapping):
            return {k: self._scrub(v, direction=direction, key=k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._scrub(v, direction=direction, key=key) for v in value]
        if key in _TIME_KEYS and isinstance(value, int | float) and value > 1e9:
            return REPLAY_T0 + round(value - self._wall_start)
        if not isinstance(value, str):
            return value
        if key in _AUDIO_KEYS and len(value) > 64 and _is_base64(value):
            if direction == "server":
                return f"$zeros:{len(base64.b64decode(value))}"
            return "<any>"
        if key == "model" and value == self.deployment:
            return REPLAY_DEPLOYMENT
        for secret in self.secrets:
            value = value.replace(secret, "<scrubbed>")
        value = _EPHEMERAL.sub("ek_scrubbed", value)
        return _AZURE_HOST.sub(REPLAY_HOST, value)

    @staticmethod
    def _condense(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A run of audio appends becomes one step (the replay skips the ones it does not need)."""
        out: list[dict[str, Any]] = []
        for step in steps:
            event = step.get("client")
            if isinstance(event, Mapping) and event.get("type") == "input_audio_buffer.append":
                prev = out[-1] if out else None
                if prev is not None and prev.get("client", {}).get("type") == event["type"]:
                    prev["audio_ms"] += _append_ms(step)
                    continue
                out.append(
                    {
                        "client": {"type": "input_audio_buffer.append"},
                        "t": step["t"],
                        "audio_ms": _append_ms(step),
                    }
                )
                continue
            out.append(step)
        for step in out:
            if "audio_ms" in step:
                step["audio_ms"] = round(step["audio_ms"], 1)
        return out


def _append_ms(step: Mapping[str, Any]) -> float:
    return float(step.get("audio_ms", 0.0))


def _b64_len(value: str) -> int:
    return len(value) * 3 // 4 - value[-2:].count("=") if value else 0


def _is_base64(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except ValueError:
        return False
    return True
