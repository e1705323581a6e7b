"""Where audio comes from: bytes, paths, ``file:``/``data:``/http(s) URLs and content blocks.

One loader serves the chat model and the tools, under a :class:`SourcePolicy`: whether remote
URLs may be fetched, which directory local paths must lie in, and how large a source may be.
Size limits are checked from the file's size *before* it is read, so a 200 MB file given by
mistake is refused without being loaded into memory. Everything it refuses is an
:class:`~langchain_azure_audio.errors.AudioValidationError` naming the source and the fix.

Example:
    >>> from langchain_azure_audio.sources import SourcePolicy, load_audio
    >>> load_audio("data:audio/wav;base64,UklGRg==", SourcePolicy())
    b'RIFF'
    >>> load_audio("https://example.com/a.wav", SourcePolicy())
    Traceback (most recent call last):
    ...
    langchain_azure_audio.errors.AudioValidationError: Remote audio URLs are not fetched ...
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_azure_audio.errors import AudioValidationError

__all__ = ["AudioSource", "SourcePolicy", "load_audio", "load_audio_payload", "read_audio_file"]

AudioSource = bytes | bytearray | memoryview | str | os.PathLike[str] | Mapping[str, Any]
"""Audio as bytes, a local path, a ``data:``/``file:``/http(s) URL, or a content block
(LangChain v1 ``{"type": "audio", "base64"|"url"|"path": ...}``, v0 ``source_type``, or OpenAI
``input_audio``)."""

_MAX_PATH_CHARS = 4096
_WHITESPACE = re.compile(r"\s")
_DEFAULT_MAX_DOWNLOAD = 512 * 1024 * 1024


@dataclass(frozen=True)
class SourcePolicy:
    """What a loader may read.

    Attributes:
        allow_remote_urls: Fetch http(s) URLs (off by default: a model could be talked into
            making the machine fetch an address).
        input_dir: When set, local paths must lie inside this directory.
        max_bytes: Refuse sources larger than this (files by their size, before reading).
        timeout: Seconds for a download.
        max_download_bytes: Largest download, when ``max_bytes`` is not set.
        limit_hint: What to suggest when a source is over ``max_bytes``.
    """

    allow_remote_urls: bool = False
    input_dir: str | os.PathLike[str] | None = None
    max_bytes: int | None = None
    timeout: float | None = 120.0
    max_download_bytes: int = _DEFAULT_MAX_DOWNLOAD
    limit_hint: str = "Split or compress it first."


def _too_large(what: str, size: int, limit: int, hint: str) -> AudioValidationError:
    return AudioValidationError(
        f"{what} is {size / 1048576:.1f} MB; at most {limit / 1048576:g} MB is accepted "
        f"here. {hint}"
    )


def read_audio_file(raw: str | os.PathLike[str], policy: SourcePolicy = SourcePolicy()) -> bytes:
    """Read a local audio file under ``policy`` (size checked before reading).

    Raises:
        AudioValidationError: no such file, a path outside ``input_dir``, an unreadable or
            invalid path, or a file over ``max_bytes``.
    """
    text = os.fspath(raw)
    if not isinstance(text, str) or not text.strip():
        raise AudioValidationError("The audio path is empty.")
    if "\x00" in text or len(text) > _MAX_PATH_CHARS:
        shown = text[:60] + ("..." if len(text) > 60 else "")
        raise AudioValidationError(
            f"{shown!r} is not a usable file path (it is too long or contains a NUL byte)."
        )
    try:
        path = Path(text).expanduser()
        if policy.input_dir is not None:
            root = Path(policy.input_dir).expanduser().resolve()
            resolved = (root / path).resolve() if not path.is_absolute() else path.resolve()
            if not resolved.is_relative_to(root):
                raise AudioValidationError(
                    f"Refusing to read {text!r}: only files inside the tool's input_dir may be "
                    "read."
                )
            path = resolved
        if not path.is_file():
            raise AudioValidationError(f"No audio file at {text!r}.")
        size = path.stat().st_size
        if policy.max_bytes is not None and size > policy.max_bytes:
            raise _too_large(f"The file {text!r}", size, policy.max_bytes, policy.limit_hint)
        return path.read_bytes()
    except OSError as exc:
        raise AudioValidationError(
            f"Cannot read the audio file {text!r}: {exc.strerror or exc}."
        ) from exc


def _file_url_path(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    raw = parsed.path
    if parsed.netloc not in ("", "localhost"):  # file://clip.wav: a relative path, as meant
        raw = parsed.netloc + parsed.path
    try:
        path = urllib.parse.unquote(raw, errors="strict")
        return urllib.request.url2pathname(path)
    except (UnicodeDecodeError, ValueError) as exc:
        raise AudioValidationError(
            f"The file URL {url[:80]!r} does not name a valid path ({exc})."
        ) from exc


def _b64decode(payload: str, what: str) -> bytes:
    if _WHITESPACE.search(payload):
        payload = "".join(payload.split())
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise AudioValidationError(f"{what} is not valid base64: {exc}.") from exc


def load_audio_payload(audio: AudioSource, policy: SourcePolicy = SourcePolicy()) -> bytes | str:
    """Like :func:`load_audio`, but base64 text found in a block or ``data:`` URL is returned as
    the ``str`` it is (not decoded), so large payloads reach the wire without extra copies."""
    if isinstance(audio, bytes | bytearray | memoryview):
        return bytes(audio)
    if isinstance(audio, Mapping):
        return _load_block(audio, policy)
    if isinstance(audio, os.PathLike):
        return read_audio_file(audio, policy)
    if isinstance(audio, str):
        return _load_string(audio, policy)
    raise AudioValidationError(
        f"Cannot read audio from a {type(audio).__name__}; pass bytes, a file path, a data: or "
        "file: URL, or an audio content block."
    )


def load_audio(audio: AudioSource, policy: SourcePolicy = SourcePolicy()) -> bytes:
    """The bytes of ``audio`` (bytes, path, URL or content block), read under ``policy``.

    The bytes are not validated as audio here (see :mod:`langchain_azure_audio.audio`).

    Raises:
        AudioValidationError: unreadable input, refused URL or path, invalid base64, over size.
    """
    payload = load_audio_payload(audio, policy)
    return _b64decode(payload, "The audio") if isinstance(payload, str) else payload


def _load_string(value: str, policy: SourcePolicy) -> bytes | str:
    text = value.strip()
    lower = text[:16].lower()
    if lower.startswith("data:"):
        header, _, payload = text[5:].partition(",")
        if ";base64" in header.lower():
            return "".join(payload.split())
        try:
            return urllib.parse.unquote_to_bytes(payload)
        except (TypeError, ValueError) as exc:
            raise AudioValidationError(f"The data: URL is not valid: {exc}.") from exc
    if lower.startswith(("http://", "https://")):
        return _download(text, policy)
    if lower.startswith("file:"):
        return read_audio_file(_file_url_path(text), policy)
    if "://" in text[:16]:
        scheme = text.split("://", 1)[0]
        raise AudioValidationError(
            f"Audio URLs with the scheme {scheme!r} are not supported; pass a local path, a "
            "data: or file: URL, or bytes."
        )
    return read_audio_file(text, policy)


def _load_block(block: Mapping[str, Any], policy: SourcePolicy) -> bytes | str:
    kind = block.get("type")
    if kind == "input_audio":
        inner = block.get("input_audio")
        if not isinstance(inner, Mapping) or not isinstance(inner.get("data"), str):
            raise AudioValidationError("input_audio part without base64 'data'.")
        return str(inner["data"])
    if kind not in (None, "audio", "file"):
        raise AudioValidationError(f"A {kind!r} content block is not audio.")
    if block.get("file_id"):
        raise AudioValidationError(
            "Audio blocks with a file_id are not supported by Azure OpenAI. Pass the audio "
            "itself (base64) — e.g. langchain_azure_audio.audio_block('clip.wav')."
        )
    source_type = block.get("source_type")
    data = block.get("base64")
    if data is None and source_type in (None, "base64"):
        data = block.get("data")
    if data is not None:
        if not isinstance(data, str):
            raise AudioValidationError(
                f"The audio block's base64 data must be a string, not {type(data).__name__}."
            )
        return data
    url = block.get("url")
    if url is None and source_type == "url":
        url = block.get("data")
    if isinstance(url, str) and url:
        return _load_string(url, policy)
    path = block.get("path") or block.get("file_path")
    if isinstance(path, str) and path:
        return read_audio_file(path, policy)
    raise AudioValidationError(
        "Audio block without data: give 'base64' (v1), 'source_type'+'data' (v0), a file:// "
        "URL or a path."
    )


def _download(url: str, policy: SourcePolicy) -> bytes:
    if not policy.allow_remote_urls:
        raise AudioValidationError(
            "Remote audio URLs are not fetched unless allowed (the tools' "
            "allow_remote_urls=True): download the file yourself and pass its bytes or path, "
            "e.g. audio_block('clip.wav')."
        )
    import httpx2

    limit = policy.max_bytes or policy.max_download_bytes
    try:
        with (
            httpx2.Client(timeout=policy.timeout, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            response.raise_for_status()
            buf = bytearray()
            for chunk in response.iter_bytes():
                buf.extend(chunk)
                if len(buf) > limit:
                    raise _too_large(f"The audio at {url!r}", len(buf), limit, policy.limit_hint)
            return bytes(buf)
    except httpx2.HTTPError as exc:
        raise AudioValidationError(f"Could not download the audio at {url!r}: {exc}.") from exc
