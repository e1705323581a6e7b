"""A scripted realtime WebSocket server on 127.0.0.1 that replays recorded event transcripts.

vcrpy cannot record WebSockets, so realtime sessions are kept as *event transcripts*: JSON lines,
scrubbed like the HTTP cassettes (no keys, tokens or host names). Each line is one step:

``{"connect": {"deployment": "gpt-realtime"}}``
    A new connection starts here; the server checks the GA URL
    (``/openai/v1/realtime?model=...``, no ``api-version``), that no ``OpenAI-Beta`` header is
    sent, and the credentials (``api-key`` or ``Authorization: Bearer``).
``{"server": {...}}``
    The server sends this event. ``"$silence:MS"`` in a string stands for MS milliseconds of
    pcm16 silence (base64), ``"$zeros:N"`` for N bytes of it, and ``"${NAME}"`` for a test
    variable.
``{"client": {...}}``
    The client must send an event matching this (a subset match; ``"<any>"`` matches any value).
    ``input_audio_buffer.append`` events are skipped (and counted) unless one is expected.
``{"drop": true}``
    The server cuts the TCP connection without a close frame.
``{"close": {"code": 1000, "reason": "..."}}``
    The server closes the connection with a close frame.
``{"wait_close": true}``
    The client must close this connection (nothing else may arrive before).

Recorded transcripts (:mod:`tests.realtime.recorder`) start with a ``{"meta": {...}}`` line
(source, the clock to replay at) and carry a time ``t`` on every step; the server ignores both
(it never sleeps on recorded times: replays are as fast and deterministic as hand-written ones).

Besides the script, the server enforces the protocol rules peers get wrong: a
``response.create`` while a response is active is answered with Azure's
``conversation_already_has_active_response`` error *and* recorded as a failure, and so is a
truncation beyond the audio sent or at 0 ms. Anything the client sends after a connection's
script is exhausted (other than audio) is a failure too.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

TRANSCRIPTS = Path(__file__).parent / "transcripts"
ANY = "<any>"
_VAR = re.compile(r"\$\{(\w+)\}")
_SILENCE = re.compile(r"^\$silence:(\d+)$")
_ZEROS = re.compile(r"^\$zeros:(\d+)$")


def silence_b64(ms: int) -> str:
    return base64.b64encode(b"\x00\x00" * (24 * ms)).decode()


def _lines(name: str) -> list[dict[str, Any]]:
    path = TRANSCRIPTS / name
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def load(name: str) -> list[dict[str, Any]]:
    """The steps of a transcript (without its meta line)."""
    return [step for step in _lines(name) if "meta" not in step]


def load_meta(name: str) -> dict[str, Any]:
    """The meta line of a recorded transcript (``{}`` for a hand-written one)."""
    return next((dict(s["meta"]) for s in _lines(name) if "meta" in s), {})


def matches(expected: Any, actual: Any) -> bool:
    if expected == ANY:
        return True
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            k in actual and matches(v, actual[k]) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(matches(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return bool(expected == actual)


@dataclass
class ConnectionLog:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    received: list[dict[str, Any]] = field(default_factory=list)
    appended_bytes: int = 0
    finished: bool = False


class ReplayServer:
    """Serve one transcript (a list of steps) to as many connections as it has."""

    def __init__(
        self,
        steps: Iterable[Mapping[str, Any]],
        *,
        api_key: str | None = "test-key",
        bearer_tokens: Iterable[str] | None = None,
        variables: Mapping[str, Any] | None = None,
        client_timeout: float = 10.0,
    ) -> None:
        self.segments: list[list[dict[str, Any]]] = []
        for step in steps:
            if "connect" in step:
                self.segments.append([])
            elif not self.segments:
                raise ValueError("A transcript starts with a connect step.")
            self.segments[-1].append(dict(step))
        self.api_key = api_key
        self.bearer_tokens = list(bearer_tokens) if bearer_tokens is not None else None
        self.variables = dict(variables or {})
        self.client_timeout = client_timeout
        self.failures: list[str] = []
        self.connections: list[ConnectionLog] = []
        self.refused = 0
        self._checked = 0
        self._asserted = False
        self._tasks: set[asyncio.Future[None]] = set()
        self._server: Server | None = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> ReplayServer:
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            0,
            max_size=None,
            process_request=self._check_request,
            compression=None,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close(close_connections=False)  # let each script see its client leave
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 5)
        late = self.failures[self._checked :]
        if self._asserted and late and exc[0] is None:
            raise AssertionError("after assert_ok():\n" + "\n".join(late))

    def assert_ok(self) -> None:
        """Every scripted connection was played without a problem (a ``wait_close`` that is
        still waiting counts as played; what it sees later is checked when the server exits)."""
        self._checked = len(self.failures)
        self._asserted = True
        done = sum(1 for c in self.connections if c.finished)
        problems = list(self.failures)
        if done < len(self.segments):
            problems.append(f"only {done} of {len(self.segments)} scripted connections were played")
        assert not problems, "\n".join(problems)

    # -- substitution ----------------------------------------------------------------------

    def _expand(self, value: Any) -> Any:
        if isinstance(value, str):
            m = _SILENCE.match(value)
            if m:
                return silence_b64(int(m.group(1)))
            z = _ZEROS.match(value)
            if z:
                return base64.b64encode(bytes(int(z.group(1)))).decode()
            full = _VAR.fullmatch(value)
            if full:
                return self.variables[full.group(1)]
            return _VAR.sub(lambda mm: str(self.variables[mm.group(1)]), value)
        if isinstance(value, Mapping):
            return {k: self._expand(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._expand(v) for v in value]
        return value

    # -- handshake ---------------------------------------------------------------------------

    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        headers: Headers = request.headers
        url = urlsplit(request.path)
        index = len(self.connections) + self.refused
        problems = []
        if url.path != "/openai/v1/realtime":
            problems.append(f"path {url.path!r} is not the GA /openai/v1/realtime")
        query = parse_qs(url.query)
        if "api-version" in query:
            problems.append("api-version on the GA URL (Azure answers 401)")
        if "OpenAI-Beta" in headers:
            problems.append("OpenAI-Beta header sent")
        ok_auth = False
        if self.api_key is not None:
            ok_auth = headers.get("api-key") == self.api_key and "Authorization" not in headers
        if self.bearer_tokens is not None:
            want = self.bearer_tokens[min(index, len(self.bearer_tokens) - 1)]
            ok_auth = ok_auth or headers.get("Authorization") == f"Bearer {want}"
        if problems:
            self.failures.extend(problems)
        if not ok_auth:
            self.refused += 1
            body = json.dumps(
                {
                    "error": {
                        "code": "401",
                        "message": "Access denied due to invalid subscription "
                        "key or wrong API endpoint.",
                    }
                }
            ).encode()
            return connection.respond(401, body.decode())
        self.connections.append(
            ConnectionLog(
                path=url.path,
                query=query,
                headers={k.lower(): v for k, v in headers.raw_items()},
            )
        )
        return None

    # -- the script --------------------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        log = self.connections[-1]
        index = len(self.connections) - 1
        if index >= len(self.segments):
            self.failures.append(f"unexpected connection #{index + 1}")
            await ws.close()
            return
        active: dict[str, bool] = {"response": False}
        audio_ms: dict[str, float] = {}
        deployment = self.segments[index][0]["connect"].get("deployment")
        if deployment and log.query.get("model") != [deployment]:
            self.failures.append(f"model query {log.query.get('model')} != {deployment!r}")

        async def next_client(expect_append: bool) -> dict[str, Any] | None:
            while True:
                raw = await asyncio.wait_for(ws.recv(), self.client_timeout)
                if not isinstance(raw, str):
                    self.failures.append("binary frame from the client")
                    continue
                event = json.loads(raw)
                log.received.append(event)
                self._check_rules(event, active, audio_ms, ws)
                if event.get("type") == "input_audio_buffer.append":
                    log.appended_bytes += len(base64.b64decode(event.get("audio", "")))
                    if not expect_append:
                        continue
                return dict(event)

        try:
            for step in self.segments[index][1:]:
                if "server" in step:
                    event = self._expand(step["server"])
                    self._track_server(event, active, audio_ms)
                    await ws.send(json.dumps(event))
                elif "client" in step:
                    expected = self._expand(step["client"])
                    try:
                        got = await next_client(expected.get("type") == "input_audio_buffer.append")
                    except asyncio.TimeoutError:
                        self.failures.append(f"conn {index + 1}: timed out waiting for {expected}")
                        return
                    if not matches(expected, got):
                        self.failures.append(
                            f"conn {index + 1}: expected {json.dumps(expected)[:300]}\n"
                            f"   got {json.dumps(got)[:300]}"
                        )
                        return
                elif "close" in step:
                    log.finished = True
                    await ws.close(int(step["close"]["code"]), str(step["close"].get("reason", "")))
                    return
                elif step.get("drop"):
                    log.finished = True
                    ws.transport.abort()
                    return
                elif step.get("wait_close"):
                    log.finished = True
                    try:
                        got = await next_client(False)
                        self.failures.append(f"conn {index + 1}: expected close, got {got}")
                    except ConnectionClosed:
                        pass
                    except asyncio.TimeoutError:
                        self.failures.append(f"conn {index + 1}: the client never closed")
                    return
                elif "sleep" in step:
                    await asyncio.sleep(float(step["sleep"]))
            log.finished = True
            # The script is over: nothing but audio may come until the client closes.
            with contextlib.suppress(ConnectionClosed, asyncio.TimeoutError):
                while True:
                    got = await next_client(False)
                    if got is not None:
                        self.failures.append(
                            f"conn {index + 1}: unexpected {json.dumps(got)[:200]}"
                        )
        except ConnectionClosed as exc:
            self.failures.append(f"conn {index + 1}: the client closed early ({exc})")

    def _track_server(
        self, event: Mapping[str, Any], active: dict[str, bool], audio_ms: dict[str, float]
    ) -> None:
        kind = event.get("type")
        if kind == "response.created":
            active["response"] = True
        elif kind == "response.done":
            active["response"] = False
        elif kind == "response.output_audio.delta":
            item = str(event.get("item_id"))
            audio_ms[item] = audio_ms.get(item, 0.0) + len(base64.b64decode(event["delta"])) / 48

    def _check_rules(
        self,
        event: Mapping[str, Any],
        active: dict[str, bool],
        audio_ms: dict[str, float],
        ws: ServerConnection,
    ) -> None:
        kind = event.get("type")
        if kind == "response.create" and active["response"]:
            self.failures.append("response.create while a response was active")
            self._tasks.add(
                asyncio.ensure_future(
                    ws.send(
                        json.dumps(
                            {
                                "type": "error",
                                "error": {
                                    "type": "invalid_request_error",
                                    "code": "conversation_already_has_active_response",
                                    "message": "Conversation already has an active response",
                                },
                            }
                        )
                    )
                )
            )
        elif kind == "conversation.item.truncate":
            end = event.get("audio_end_ms", 0)
            have = audio_ms.get(str(event.get("item_id")), 0.0)
            if end <= 0 or end > have:
                self.failures.append(
                    f"truncate at {end} ms: Audio content of {int(have)}ms is already shorter "
                    f"than {end}ms (or not positive)"
                )


def server_events(steps: Iterable[Mapping[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The server events of one type in a transcript, in order (to derive expectations)."""
    return [dict(s["server"]) for s in steps if s.get("server", {}).get("type") == kind]


def expect_client(steps: list[dict[str, Any]], kind: str, **fields: Any) -> list[dict[str, Any]]:
    """A copy of ``steps`` whose client steps of type ``kind`` expect ``fields`` instead."""
    out = []
    for step in steps:
        if step.get("client", {}).get("type") == kind:
            step = {**step, "client": {**step["client"], **fields}}
        out.append(step)
    return out


def output_audio_bytes(steps: Iterable[Mapping[str, Any]]) -> int:
    """Bytes of output audio the server sends in a transcript."""
    total = 0
    for event in server_events(steps, "response.output_audio.delta"):
        delta = str(event["delta"])
        z = _ZEROS.match(delta)
        m = _SILENCE.match(delta)
        total += (
            int(z.group(1)) if z else 48 * int(m.group(1)) if m else len(base64.b64decode(delta))
        )
    return total
