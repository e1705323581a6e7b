"""A minimal loopback stand-in for Azure OpenAI chat completions, run in its own process.

It answers ``POST /openai/deployments/{deployment}/chat/completions?api-version=...`` with
precomputed, Azure-shaped bodies so that a benchmark measures the *client*, not the server:

* non-streamed: ``choices[0].message.audio`` with ~1 MB of base64 wav in ``data`` plus
  ``transcript``, ``id``, ``expires_at``; usage with audio token details;
* streamed (``"stream": true``): Azure's empty first chunk with ``prompt_filter_results``, then
  ``delta.audio`` pieces (``id`` + first transcript, transcript pieces, separately base64-encoded
  pcm16 ``data`` pieces, ``expires_at``), a finish chunk, a usage chunk and ``[DONE]``;
* a big request body (over 2 MB) or the deployment ``small-reply``: a small text-only reply (the
  memory benchmark sends ~26 MB of base64 audio in and wants little back).

A deployment named ``paced-<ms>`` (e.g. ``paced-2``) sleeps ``<ms>`` milliseconds before each
streamed chunk, to imitate a real service producing audio over time.

Auth: an ``api-key`` header or ``Authorization: Bearer ...`` must be present (any value); the
``api-version`` query parameter is required. Both are refused Azure-style otherwise.

The server is a stdlib ``ThreadingHTTPServer`` started as a *separate process* (it never shares
the client's GIL). :class:`StandIn` starts it, waits until ``/health`` answers, and terminates it
on ``close()`` / context exit / interpreter exit.
"""

from __future__ import annotations

import atexit
import base64
import json
import os
import random
import select
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["SMALL_REPLY_DEPLOYMENT", "StandIn", "reply_audio_wav", "stream_pcm"]

SEED = 20250101
REPLY_PCM_BYTES = 750_000
"""pcm16 bytes of the non-streamed reply; its wav is ~1.0 MB once base64-encoded."""
STREAM_PCM_BYTES = 750_000
"""pcm16 bytes of a streamed reply (~15.6 s of 24 kHz mono audio)."""
STREAM_PIECE_BYTES = (4799, 4801, 4800, 4798, 4803)
"""Sizes of the streamed pcm pieces, cycled: odd sizes give padded base64 and split samples."""
BIG_BODY_BYTES = 2_000_000
SMALL_REPLY_DEPLOYMENT = "small-reply"
TRANSCRIPT = (
    "This is a precomputed reply from the benchmark stand-in. It carries synthetic audio so "
    "that clients can be timed on the same request and the same bytes."
)
MODEL = "gpt-4o-audio-preview-2024-12-17"
FINGERPRINT = "fp_bench000"
_FILTERS = {
    "hate": {"filtered": False, "severity": "safe"},
    "self_harm": {"filtered": False, "severity": "safe"},
    "sexual": {"filtered": False, "severity": "safe"},
    "violence": {"filtered": False, "severity": "safe"},
}


# -- deterministic audio (importable by the benchmark for verification) ------------------------


def _pcm(n: int, salt: int) -> bytes:
    rng = random.Random(SEED + salt)  # noqa: S311 - repeatable test audio, not secrets
    return rng.randbytes(n)


def reply_audio_wav() -> bytes:
    """The wav the non-streamed reply carries (pcm16, 24 kHz, mono)."""
    import io
    import wave

    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(24_000)
        out.writeframes(_pcm(REPLY_PCM_BYTES, 1))
    return buf.getvalue()


def stream_pcm() -> bytes:
    """The pcm16 bytes a streamed reply carries, all pieces decoded and joined."""
    return _pcm(STREAM_PCM_BYTES, 2)


# -- precomputed bodies ---------------------------------------------------------------------------


def _usage(prompt_audio: int = 0) -> dict[str, Any]:
    return {
        "completion_tokens": 1612,
        "completion_tokens_details": {
            "accepted_prediction_tokens": 0,
            "audio_tokens": 1560,
            "reasoning_tokens": 0,
            "rejected_prediction_tokens": 0,
            "text_tokens": 52,
        },
        "prompt_tokens": 14 + prompt_audio,
        "prompt_tokens_details": {
            "audio_tokens": prompt_audio,
            "cached_tokens": 0,
            "text_tokens": 14,
        },
        "total_tokens": 1626 + prompt_audio,
    }


def _completion(message: dict[str, Any], expires_at: int, usage: dict[str, Any]) -> bytes:
    body = {
        "choices": [
            {
                "content_filter_results": {},
                "finish_reason": "stop",
                "index": 0,
                "logprobs": None,
                "message": message,
            }
        ],
        "created": expires_at - 3600,
        "id": "chatcmpl-bench0000000000000000000000",
        "model": MODEL,
        "object": "chat.completion",
        "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": _FILTERS}],
        "system_fingerprint": FINGERPRINT,
        "usage": usage,
    }
    return json.dumps(body).encode()


def _audio_reply(expires_at: int) -> bytes:
    message: dict[str, Any] = {
        "annotations": [],
        "audio": {
            "data": base64.b64encode(reply_audio_wav()).decode("ascii"),
            "expires_at": expires_at,
            "id": "audio_bench0000000000000000000000",
            "transcript": TRANSCRIPT,
        },
        "content": None,
        "refusal": None,
        "role": "assistant",
    }
    return _completion(message, expires_at, _usage())


def _small_reply(expires_at: int) -> bytes:
    message = {"content": "Heard it.", "refusal": None, "role": "assistant"}
    return _completion(message, expires_at, _usage(prompt_audio=4100))


def _stream_events(expires_at: int) -> list[bytes]:
    """Every SSE event of a streamed audio reply, each a complete ``data: ...\\n\\n`` frame."""
    created = expires_at - 3600

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "choices": [
                {
                    "content_filter_results": {},
                    "delta": delta,
                    "finish_reason": finish,
                    "index": 0,
                    "logprobs": None,
                }
            ],
            "created": created,
            "id": "chatcmpl-bench0000000000000000000000",
            "model": MODEL,
            "object": "chat.completion.chunk",
            "system_fingerprint": FINGERPRINT,
        }

    events: list[dict[str, Any]] = [
        {
            "choices": [],
            "created": 0,
            "id": "",
            "model": "",
            "object": "",
            "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": _FILTERS}],
        }
    ]
    words = [w + " " for w in TRANSCRIPT.split(" ")]
    words[-1] = words[-1].rstrip()
    events.append(
        chunk(
            {
                "role": "assistant",
                "content": None,
                "refusal": None,
                "audio": {"id": "audio_bench0000000000000000000000", "transcript": words[0]},
            }
        )
    )
    # Transcript runs ahead of audio, as on the real service: a few words, then audio pieces
    # with the remaining words interleaved.
    head, rest = words[1:5], words[5:]
    events.extend(chunk({"audio": {"transcript": w}}) for w in head)
    pcm = stream_pcm()
    pos, i = 0, 0
    while pos < len(pcm):
        size = STREAM_PIECE_BYTES[i % len(STREAM_PIECE_BYTES)]
        piece = pcm[pos : pos + size]
        pos += size
        events.append(chunk({"audio": {"data": base64.b64encode(piece).decode("ascii")}}))
        if rest and i % 4 == 3:
            events.append(chunk({"audio": {"transcript": rest.pop(0)}}))
        i += 1
    events.extend(chunk({"audio": {"transcript": w}}) for w in rest)
    events.append(chunk({"audio": {"expires_at": expires_at}}))
    events.append(chunk({}, finish="stop"))
    usage_chunk = chunk({})
    usage_chunk["choices"] = []
    usage_chunk["usage"] = _usage()
    events.append(usage_chunk)
    frames = [b"data: " + json.dumps(e).encode() + b"\n\n" for e in events]
    frames.append(b"data: [DONE]\n\n")
    return frames


# -- the server (runs in the child process) -----------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bench-standin"
    sys_version = ""
    bodies: dict[str, Any] = {}

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        head = (
            f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
            f"Content-Type: {ctype}\r\n"
            f"Content-Length: {len(body)}\r\n"
            "apim-request-id: bench-0000\r\n"
            "x-request-id: bench-0000\r\n"
            "\r\n"
        ).encode()
        self.wfile.write(head + body)

    def do_GET(self) -> None:
        if self.path == "/health":
            self._send(200, b'{"status":"ok"}')
        else:
            self._send(404, b'{"error":{"code":"404","message":"Resource not found"}}')

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        remaining, parts = length, []
        while remaining > 0:
            part = self.rfile.read(min(remaining, 1 << 20))
            if not part:
                break
            parts.append(part)
            remaining -= len(part)
        body = b"".join(parts)
        url = urlsplit(self.path)
        segments = url.path.strip("/").split("/")
        if (
            len(segments) != 5
            or segments[:2] != ["openai", "deployments"]
            or segments[3:] != ["chat", "completions"]
        ):
            self._send(404, b'{"error":{"code":"404","message":"Resource not found"}}')
            return
        if not parse_qs(url.query).get("api-version"):
            self._send(
                404, b'{"error":{"code":"404","message":"api-version query parameter missing"}}'
            )
            return
        auth = self.headers.get("Authorization") or ""
        if not self.headers.get("api-key") and not auth.startswith("Bearer "):
            self._send(
                401,
                b'{"error":{"code":"401","message":"Access denied due to invalid subscription key'
                b' or wrong API endpoint."}}',
            )
            return
        deployment = segments[2]
        if deployment == SMALL_REPLY_DEPLOYMENT or len(body) > BIG_BODY_BYTES:
            self._send(200, self.bodies["small"])
            return
        try:
            request = json.loads(body)
        except ValueError:
            self._send(400, b'{"error":{"code":"400","message":"Invalid JSON body"}}')
            return
        if not request.get("stream"):
            self._send(200, self.bodies["audio"])
            return
        delay = 0.0
        if deployment.startswith("paced-"):
            delay = float(deployment.split("-", 1)[1]) / 1000.0
        self.wfile.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Transfer-Encoding: chunked\r\napim-request-id: bench-0000\r\n\r\n"
        )
        for frame in self.bodies["stream"]:
            if delay:
                time.sleep(delay)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
        self.wfile.write(b"0\r\n\r\n")


def serve(port: int) -> None:
    """Precompute the bodies, bind 127.0.0.1:port and serve until terminated."""
    expires_at = int(time.time()) + 3600
    _Handler.bodies = {
        "audio": _audio_reply(expires_at),
        "small": _small_reply(expires_at),
        "stream": _stream_events(expires_at),
    }
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 64
    server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever(poll_interval=0.5)


# -- the parent-side handle -----------------------------------------------------------------------


class StandIn:
    """Start the stand-in in a subprocess; ``url`` is ready when the constructor returns."""

    def __init__(self, *, startup_timeout: float = 30.0) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        atexit.register(self.close)
        try:
            port = self._read_port(startup_timeout)
            self.url = f"http://127.0.0.1:{port}"
            self._wait_ready(startup_timeout)
        except BaseException:
            self.close()
            raise

    @property
    def pid(self) -> int:
        return self._proc.pid

    def _read_port(self, timeout: float) -> int:
        assert self._proc.stdout is not None
        deadline = time.monotonic() + timeout
        line = b""
        while time.monotonic() < deadline and not line.endswith(b"\n"):
            if self._proc.poll() is not None:
                raise RuntimeError("the stand-in server exited during startup")
            ready, _, _ = select.select([self._proc.stdout], [], [], 0.2)
            if ready:
                byte = os.read(self._proc.stdout.fileno(), 1)
                if not byte:
                    break
                line += byte
        if not line.startswith(b"PORT "):
            raise RuntimeError(f"the stand-in server did not report its port: {line!r}")
        return int(line.split()[1])

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for _ in range(int(timeout / 0.05) + 1):
            try:
                # The stand-in's own loopback http:// URL.
                with urllib.request.urlopen(self.url + "/health", timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        raise RuntimeError("the stand-in server did not become ready")

    def close(self) -> None:
        proc = self._proc
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()

    def __enter__(self) -> StandIn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    serve(parser.parse_args().port)
