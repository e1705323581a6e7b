"""vcrpy set-up shared by the cassette tests: scrubbing on record, stable matching on replay.

Modes (environment variable ``LC_AZURE_AUDIO_RECORD``):

* unset (default) — **replay** only: every request must match a recorded one; nothing is sent.
* ``emulator`` — re-record against a fresh local emulator (real speech engines, loopback only).
* ``azure`` — re-record against real Azure OpenAI using ``AZURE_OPENAI_ENDPOINT``,
  ``AZURE_OPENAI_API_KEY`` and ``OPENAI_API_VERSION``; deployments come from
  ``AZURE_OPENAI_CHAT_DEPLOYMENT`` / ``AZURE_OPENAI_TTS_DEPLOYMENT`` /
  ``AZURE_OPENAI_STT_DEPLOYMENT``.

Whatever the source, recorded cassettes never hold keys, tokens, host names or deployment names:
requests are rewritten to ``https://test-resource.openai.azure.com`` and deployment ``DEPLOYMENT``,
credentials headers are dropped, and only content headers are kept on responses.

Replays do not depend on the wall clock. Recorded replies carry times (an audio id's
``expires_at``), and the library compares them with ``time.time()``, so a replay runs with the clock
set to when the cassette was recorded (:func:`replay_clock`). Recording stores that time in the
cassette's metadata (``recorded_at``); older cassettes give it through their replies' ``created``
field or ``Date`` header (:func:`recording_time`).
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import email.utils
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

REPLAY_ENDPOINT = "https://test-resource.openai.azure.com"
REPLAY_KEY = "replay-key"
REPLAY_API_VERSION = "2025-04-01-preview"
SCRUBBED_DEPLOYMENT = "DEPLOYMENT"

RECORDED_AT = "recorded_at"
"""Cassette metadata key: unix time (seconds) at which the cassette was recorded."""

UNDATED_CASSETTE_TIME = 1_795_564_800  # 2026-11-25T00:00:00Z
"""Replay clock of a cassette that records no time at all (the speech and transcription cassettes
recorded on 2026-11-25, before ``recorded_at`` was stored). Such a cassette must hold nothing that
expires: :func:`recording_time` refuses one that does."""

_CREATED_RE = re.compile(rb'"created"\s*:\s*(\d{9,})')
_EXPIRY_RE = re.compile(rb'"expires_(?:at|on|in)"')

_DEPLOYMENT_RE = re.compile(r"/openai/deployments/[^/]+/")
_KEPT_REQUEST_HEADERS = {"content-type", "accept"}
_KEPT_RESPONSE_HEADERS = {"content-type", "retry-after", "retry-after-ms"}


def record_mode() -> str | None:
    """``None`` (replay), ``"emulator"`` or ``"azure"``."""
    mode = os.environ.get("LC_AZURE_AUDIO_RECORD", "").strip().lower()
    if mode in ("", "0", "no", "none"):
        return None
    if mode not in ("emulator", "azure"):
        raise ValueError("LC_AZURE_AUDIO_RECORD must be 'emulator' or 'azure'.")
    return mode


def _scrub_path(path: str) -> str:
    return _DEPLOYMENT_RE.sub(f"/openai/deployments/{SCRUBBED_DEPLOYMENT}/", path)


def _scrub_json_body(body: bytes) -> bytes:
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if isinstance(data, dict) and "model" in data:
        data["model"] = SCRUBBED_DEPLOYMENT
    return json.dumps(data, sort_keys=True).encode()


def before_record_request(request: Any) -> Any:
    """Drop credentials and other headers, replace host and deployment name, normalise the body."""
    parts = urlsplit(request.uri)
    target = urlsplit(REPLAY_ENDPOINT)
    request.uri = urlunsplit(
        (target.scheme, target.netloc, _scrub_path(parts.path), parts.query, "")
    )
    for header in list(request.headers):
        # Keep only what describes the body: no credentials, host, cookies or client ids.
        if header.lower() not in _KEPT_REQUEST_HEADERS:
            del request.headers[header]
    body = request.body
    if isinstance(body, str):
        body = body.encode()
    if body and "json" in str(request.headers.get("Content-Type", "")).lower():
        request.body = _scrub_json_body(body)
    return request


def before_record_response(response: dict[str, Any]) -> dict[str, Any]:
    """Keep only content headers (no request ids, regions, cookies, model-session ids)."""
    response["headers"] = {
        k: v for k, v in response["headers"].items() if k.lower() in _KEPT_RESPONSE_HEADERS
    }
    return response


def _body_bytes(request: Any) -> bytes:
    body = request.body or b""
    return body.encode() if isinstance(body, str) else bytes(body)


def _multipart_fields(request: Any) -> dict[str, Any] | None:
    ctype = str(request.headers.get("Content-Type", ""))
    if "multipart/form-data" not in ctype:
        return None
    raw = b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + _body_bytes(request)
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        value: Any = payload if part.get_filename() else payload.decode()
        if name == "model":
            value = SCRUBBED_DEPLOYMENT
        fields.setdefault(str(name), []).append(value)
    return fields


def _normalised_body(request: Any) -> Any:
    fields = _multipart_fields(request)
    if fields is not None:
        return fields
    body = _body_bytes(request)
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if isinstance(data, dict) and "model" in data:
        data["model"] = SCRUBBED_DEPLOYMENT
    return data


def match_path(r1: Any, r2: Any) -> None:
    """Paths match once deployment names are scrubbed (host and port never matter)."""
    assert _scrub_path(urlsplit(r1.uri).path) == _scrub_path(urlsplit(r2.uri).path)


def match_body(r1: Any, r2: Any) -> None:
    """JSON bodies match as data; multipart bodies match field by field, whatever the boundary."""
    assert _normalised_body(r1) == _normalised_body(r2)


def vcr_config() -> dict[str, Any]:
    mode = record_mode()
    return {
        "record_mode": "all" if mode else "none",
        "match_on": ["method", "azure_path", "query", "azure_body"],
        "before_record_request": before_record_request,
        "before_record_response": before_record_response,
        "decode_compressed_response": True,
    }


def _response_time(response: dict[str, Any]) -> float | None:
    """When a recorded reply was made: its ``Date`` header, else the body's ``created``."""
    for name, values in (response.get("headers") or {}).items():
        if name.lower() == "date" and values:
            value = values[0] if isinstance(values, list) else values
            with contextlib.suppress(TypeError, ValueError):
                return email.utils.parsedate_to_datetime(str(value)).timestamp()
    body = (response.get("body") or {}).get("string") or b""
    match = _CREATED_RE.search(body if isinstance(body, bytes) else body.encode())
    return float(match.group(1)) if match else None


def recording_time(cassette: Any) -> float:
    """When ``cassette`` was recorded (unix seconds), for replaying it at that time.

    In order: the ``recorded_at`` metadata stored when recording; the ``Date`` header or
    ``created`` field of the earliest recorded reply; :data:`UNDATED_CASSETTE_TIME` for a cassette
    holding no time and nothing that expires. A cassette holding an expiry but no time is refused:
    its replay would depend on the day it runs.
    """
    from vcr.errors import MissingMetadataError

    try:
        stored = cassette.get_metadata(RECORDED_AT, None)
    except MissingMetadataError:
        stored = None
    if stored is not None:
        return float(stored)
    times = [t for t in map(_response_time, cassette.responses) if t is not None]
    if times:
        return min(times)
    for response in cassette.responses:
        body = (response.get("body") or {}).get("string") or b""
        if _EXPIRY_RE.search(body if isinstance(body, bytes) else body.encode()):
            raise ValueError(
                f"Cassette {cassette.path} holds an expiry time but no recording time: "
                "re-record it (LC_AZURE_AUDIO_RECORD=emulator) so that it stores one."
            )
    return float(UNDATED_CASSETTE_TIME)


@contextlib.contextmanager
def replay_clock(cassette: Any) -> Iterator[float]:
    """Run the body with the clock at the cassette's recording time (ticking from there).

    ``time.time()``, ``datetime.now()`` and friends are moved for every thread; monotonic clocks
    (timeouts, ``asyncio``) are left alone. Yields the recording time.
    """
    import time_machine

    recorded = recording_time(cassette)
    with time_machine.travel(recorded, tick=True):
        yield recorded


def stamp_recording_time(cassette: Any) -> float:
    """While recording: store the current time as the cassette's ``recorded_at``."""
    now = int(time.time())
    return float(cassette.get_metadata(RECORDED_AT, now))


def make_vcr(cassette_dir: str) -> Any:
    import vcr

    recorder = vcr.VCR(cassette_library_dir=cassette_dir, **vcr_config())
    recorder.register_matcher("azure_path", match_path)
    recorder.register_matcher("azure_body", match_body)
    return recorder


@dataclass(frozen=True)
class Target:
    """Where the cassette tests send requests (replayed, or recorded from a live service)."""

    endpoint: str
    api_key: str
    api_version: str
    chat_deployment: str = "gpt-4o-mini-audio-preview"
    tts_deployment: str = "gpt-4o-mini-tts"
    stt_deployment: str = "whisper"

    def settings(self, kind: str = "chat") -> dict[str, Any]:
        deployment = {
            "chat": self.chat_deployment,
            "tts": self.tts_deployment,
            "stt": self.stt_deployment,
        }[kind]
        model = {"chat": "gpt-4o-mini-audio-preview", "tts": "gpt-4o-mini-tts", "stt": "whisper"}
        return {
            "azure_endpoint": self.endpoint,
            "api_key": self.api_key,
            "api_version": self.api_version,
            "azure_deployment": deployment,
            "model": model[kind],
            "max_retries": 0,
        }


def target() -> Iterator[Target]:
    """Yield the target for this session (starts the emulator when recording against it)."""
    mode = record_mode()
    if mode is None:
        yield Target(REPLAY_ENDPOINT, REPLAY_KEY, REPLAY_API_VERSION)
    elif mode == "azure":
        yield Target(
            os.environ["AZURE_OPENAI_ENDPOINT"],
            os.environ["AZURE_OPENAI_API_KEY"],
            os.environ.get("OPENAI_API_VERSION", REPLAY_API_VERSION),
            os.environ.get("AZURE_OPENAI_CHAT_DEPLOYMENT", "gpt-4o-mini-audio-preview"),
            os.environ.get("AZURE_OPENAI_TTS_DEPLOYMENT", "gpt-4o-mini-tts"),
            os.environ.get("AZURE_OPENAI_STT_DEPLOYMENT", "whisper"),
        )
    else:
        from langchain_azure_audio.emulator import Emulator

        with Emulator() as emu:
            yield Target(emu.endpoint, emu.api_key, emu.api_version)
