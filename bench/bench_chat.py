"""Chat benchmark: this package vs the raw openai SDK vs langchain-openai, one loopback server.

Run ``python bench/bench_chat.py`` (about 2-3 minutes) or ``python bench/bench_chat.py --quick``
(a smoke run, well under a minute). Every number that matters is a *ratio measured in this run*
(same machine, same moment, same server, same request); absolute times are printed only as
context. Results go to stdout; ``--write-results`` also writes them to the tracked
``bench/RESULTS.md`` (``--results PATH`` to another file), which a plain run leaves alone.

Sections:

a. ``invoke``: one non-streamed request whose reply carries ~1 MB of base64 audio, timed for
   ``AzureAudioChatModel.invoke``, the SDK's ``chat.completions.create`` (+ reading
   ``message.audio.data``), ``AzureChatOpenAI.invoke`` and bare ``httpx2`` POSTs (the floor).
b. streaming: time to first audio (TTFA) and total stream time, unpaced (client CPU cost) and
   paced (the server sleeps before every chunk, like a real service). The decoded audio of ours
   and of the SDK is checked byte for byte against what the server sent.
c. memory: peak memory while sending a ~19.5 MB wav (base64 ``input_audio``), each contender in
   a fresh subprocess: peak-RSS growth (the real cost) and the tracemalloc peak (an upper bound:
   it counts every reallocation of orjson's growing output buffer), as multiples of the payload.

Rounds are interleaved (every round runs each contender once, order rotated and reversed on
alternate rounds) so that drift of a noisy machine hits all contenders alike.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import datetime as dt
import gc
import importlib.metadata
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, cast

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from standin import (  # noqa: E402
    SMALL_REPLY_DEPLOYMENT,
    STREAM_PIECE_BYTES,
    StandIn,
    reply_audio_wav,
    stream_pcm,
)

API_VERSION = "2025-01-01-preview"
KEY = "bench-not-a-secret"
DEPLOYMENT = "audio"
MODEL = "gpt-4o-audio-preview"
MESSAGES = [{"role": "user", "content": "hi"}]
MODALITIES = ["text", "audio"]
WAV_OPTS = {"voice": "alloy", "format": "wav"}
PCM_OPTS = {"voice": "alloy", "format": "pcm16"}
BIG_WAV_BYTES = int(19.5 * 1024 * 1024)

SDK = "openai SDK"
OURS = "ours"


def _versions() -> dict[str, str]:
    out = {}
    for dist in (
        "langchain-azure-audio",
        "openai",
        "httpx2",
        "langchain-core",
        "langchain-openai",
        "pydantic",
    ):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = "?"
    return out


# -- contenders ---------------------------------------------------------------------------------


def _ours(url: str, deployment: str, **kw: Any) -> Any:
    from pydantic import SecretStr

    from langchain_azure_audio import AzureAudioChatModel

    return AzureAudioChatModel(
        azure_endpoint=url,
        azure_deployment=deployment,
        model=MODEL,
        api_version=API_VERSION,
        api_key=SecretStr(KEY),
        voice="alloy",
        **kw,
    )


def _sdk(url: str, **kw: Any) -> Any:
    import openai

    return openai.AzureOpenAI(azure_endpoint=url, api_key=KEY, api_version=API_VERSION, **kw)


def _lc(url: str, deployment: str, fmt: str, **kw: Any) -> Any:
    from langchain_openai import AzureChatOpenAI

    return AzureChatOpenAI(
        **kw,
        azure_endpoint=url,
        azure_deployment=deployment,
        api_version=API_VERSION,
        api_key=KEY,  # type: ignore[arg-type]
        model_kwargs={"modalities": MODALITIES, "audio": {"voice": "alloy", "format": fmt}},
    )


INVOKE_BODY = {
    "model": DEPLOYMENT,
    "messages": MESSAGES,
    "modalities": MODALITIES,
    "audio": WAV_OPTS,
}
HEADERS = {"api-key": KEY, "content-type": "application/json"}


def _endpoint(url: str, deployment: str) -> str:
    return f"{url}/openai/deployments/{deployment}/chat/completions?api-version={API_VERSION}"


def invoke_contenders(
    url: str, client: Callable[[], Any] | None = None
) -> dict[str, Callable[[], str | bytes]]:
    """Name -> a call returning the reply's base64 audio (the floor returns raw bytes).

    ``client`` makes the ``httpx2.Client`` of every contender (default: a real one, to the
    stand-in; the CPU-only section passes one with an in-process transport).
    """
    import httpx2
    from langchain_core.messages import HumanMessage

    make = client or (lambda: httpx2.Client(timeout=120))
    ours = _ours(url, DEPLOYMENT, audio_format="wav", http_client=make())
    sdk = _sdk(url, http_client=make())
    lc = _lc(url, DEPLOYMENT, "wav", http_client=make())
    http = make()
    endpoint = _endpoint(url, DEPLOYMENT)
    body, headers = INVOKE_BODY, HEADERS
    human = [HumanMessage("hi")]

    def f_ours() -> str:
        return cast(str, ours.invoke("hi").content[1]["base64"])

    def f_ours_generate() -> str:
        return cast(str, ours._generate(human).generations[0].message.content[1]["base64"])

    def f_sdk() -> str:
        reply = sdk.chat.completions.create(
            model=DEPLOYMENT, messages=MESSAGES, modalities=MODALITIES, audio=WAV_OPTS
        )
        return cast(str, reply.choices[0].message.audio.data)

    def f_lc() -> str:
        return cast(str, lc.invoke("hi").additional_kwargs["audio"]["data"])

    def f_httpx() -> bytes:
        return http.post(endpoint, content=json.dumps(body).encode(), headers=headers).content

    def f_httpx_json() -> str:
        raw = http.post(endpoint, content=json.dumps(body).encode(), headers=headers).content
        return cast(str, json.loads(raw)["choices"][0]["message"]["audio"]["data"])

    return {
        OURS: f_ours,
        SDK: f_sdk,
        "langchain-openai": f_lc,
        "ours, _generate only": f_ours_generate,
        "httpx2 POST + json.loads": f_httpx_json,
        "httpx2 POST (floor)": f_httpx,
    }


def ainvoke_contenders() -> dict[str, Callable[[], str]]:
    """The async twins of :func:`invoke_contenders` on an in-process transport (client CPU only).

    Each call runs to completion on one private event loop, so every contender pays the same
    ``run_until_complete`` overhead.
    """
    import asyncio

    import httpx2
    import openai
    from standin import _audio_reply

    body = _audio_reply(int(time.time()) + 3600)

    async def handler(request: Any) -> Any:
        await request.aread()
        return httpx2.Response(200, content=body, headers={"content-type": "application/json"})

    def make() -> Any:
        return httpx2.AsyncClient(transport=httpx2.MockTransport(handler))

    url = "http://127.0.0.1:9"
    loop = asyncio.new_event_loop()
    ours = _ours(url, DEPLOYMENT, audio_format="wav", http_async_client=make())
    sdk: Any = openai.AsyncAzureOpenAI(
        azure_endpoint=url, api_key=KEY, api_version=API_VERSION, http_client=make()
    )
    lc = _lc(url, DEPLOYMENT, "wav", http_async_client=make())
    http = make()
    endpoint = _endpoint(url, DEPLOYMENT)

    async def a_ours() -> str:
        return cast(str, (await ours.ainvoke("hi")).content[1]["base64"])

    async def a_sdk() -> str:
        reply = await sdk.chat.completions.create(
            model=DEPLOYMENT, messages=MESSAGES, modalities=MODALITIES, audio=WAV_OPTS
        )
        return cast(str, reply.choices[0].message.audio.data)

    async def a_lc() -> str:
        return cast(str, (await lc.ainvoke("hi")).additional_kwargs["audio"]["data"])

    async def a_httpx_json() -> str:
        raw = (
            await http.post(endpoint, content=json.dumps(INVOKE_BODY).encode(), headers=HEADERS)
        ).content
        return cast(str, json.loads(raw)["choices"][0]["message"]["audio"]["data"])

    coros = {
        OURS: a_ours,
        SDK: a_sdk,
        "langchain-openai": a_lc,
        "httpx2 POST + json.loads": a_httpx_json,
    }
    return {name: partial(_run_on, loop, coro) for name, coro in coros.items()}


def _run_on(loop: Any, coro: Callable[[], Any]) -> Any:
    return loop.run_until_complete(coro())


# A stream contender returns (seconds to first audio or None, total seconds, decoded pcm or None).
StreamResult = tuple[float | None, float, bytes | None]


def stream_contenders(url: str, deployment: str) -> dict[str, Callable[[], StreamResult]]:
    import httpx2

    ours = _ours(url, deployment)
    sdk = _sdk(url)
    lc = _lc(url, deployment, "pcm16")
    http = httpx2.Client(timeout=120)
    endpoint = _endpoint(url, deployment)
    body = {
        "model": deployment,
        "messages": MESSAGES,
        "modalities": MODALITIES,
        "audio": PCM_OPTS,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    headers = {"api-key": KEY, "content-type": "application/json"}

    def f_ours() -> StreamResult:
        t0 = time.perf_counter()
        first, pieces = None, []
        for chunk in ours.stream("hi"):
            for block in chunk.content:
                if isinstance(block, dict) and block.get("type") == "audio" and block.get("base64"):
                    if first is None:
                        first = time.perf_counter() - t0
                    pieces.append(base64.b64decode(block["base64"]))
        return first, time.perf_counter() - t0, b"".join(pieces)

    def f_ours_summed() -> StreamResult:
        from langchain_azure_audio import get_audio

        t0 = time.perf_counter()
        first, full = None, None
        for chunk in ours.stream("hi"):
            if first is None and any(
                isinstance(b, dict) and b.get("type") == "audio" and b.get("base64")
                for b in chunk.content
            ):
                first = time.perf_counter() - t0
            full = chunk if full is None else full + chunk
        audio = get_audio(full) if full is not None else None
        return first, time.perf_counter() - t0, audio.data if audio else None

    def f_sdk() -> StreamResult:
        t0 = time.perf_counter()
        first, pieces = None, []
        stream = sdk.chat.completions.create(
            model=deployment,
            messages=MESSAGES,
            modalities=MODALITIES,
            audio=PCM_OPTS,
            stream=True,
            stream_options={"include_usage": True},
        )
        for chunk in stream:
            if not chunk.choices:
                continue
            audio = chunk.choices[0].delta.audio
            if audio is None:
                audio = (chunk.choices[0].delta.model_extra or {}).get("audio")
            data = audio.get("data") if isinstance(audio, dict) else getattr(audio, "data", None)
            if data:
                if first is None:
                    first = time.perf_counter() - t0
                pieces.append(base64.b64decode(data))
        return first, time.perf_counter() - t0, b"".join(pieces)

    def f_lc() -> StreamResult:
        t0 = time.perf_counter()
        first, pieces = None, []
        for chunk in lc.stream("hi"):
            blocks = chunk.content if isinstance(chunk.content, list) else []
            datas = [b.get("base64") or b.get("data") for b in blocks if isinstance(b, dict)]
            legacy = chunk.additional_kwargs.get("audio")
            if isinstance(legacy, dict):
                datas.append(legacy.get("data"))
            for data in datas:
                if data:
                    if first is None:
                        first = time.perf_counter() - t0
                    pieces.append(base64.b64decode(data))
        return first, time.perf_counter() - t0, b"".join(pieces) if pieces else None

    def f_httpx() -> StreamResult:
        t0 = time.perf_counter()
        first, pieces = None, []
        with http.stream(
            "POST", endpoint, content=json.dumps(body).encode(), headers=headers
        ) as resp:
            for line in resp.iter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                event = json.loads(line[6:])
                for choice in event.get("choices") or []:
                    data = ((choice.get("delta") or {}).get("audio") or {}).get("data")
                    if data:
                        if first is None:
                            first = time.perf_counter() - t0
                        pieces.append(base64.b64decode(data))
        return first, time.perf_counter() - t0, b"".join(pieces)

    return {
        OURS: f_ours,
        SDK: f_sdk,
        "langchain-openai": f_lc,
        "ours, summing chunks (full += chunk)": f_ours_summed,
        "httpx2 SSE + json.loads (floor)": f_httpx,
    }


# -- measuring ------------------------------------------------------------------------------------


def interleave(
    fns: dict[str, Callable[[], Any]], rounds: int, budget_s: float
) -> tuple[dict[str, list[Any]], int]:
    """Run every contender once per round (rotated order); stop at ``rounds`` or ``budget_s``.

    Returns name -> [(wall seconds, this process's CPU seconds, returned value)], and the rounds.
    """
    names = list(fns)
    out: dict[str, list[Any]] = {n: [] for n in names}
    deadline = time.perf_counter() + budget_s
    done = 0
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        if r % 2:
            order.reverse()
        for name in order:
            gc.collect()
            c0 = time.process_time()
            t0 = time.perf_counter()
            value = fns[name]()
            out[name].append((time.perf_counter() - t0, time.process_time() - c0, value))
        done += 1
        if time.perf_counter() > deadline:
            break
    return out, done


def _quantiles(xs: list[float]) -> tuple[float, float, float]:
    if len(xs) < 2:
        return xs[0], xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], statistics.median(xs), q[2]


def summarize(samples: dict[str, list[float]], ref: str) -> list[dict[str, Any]]:
    """Median, IQR, ratio of medians vs ``ref`` and median of per-round (paired) ratios."""
    ref_xs = samples[ref]
    ref_med = statistics.median(ref_xs)
    rows = []
    for name, xs in samples.items():
        if not xs:
            continue
        p25, med, p75 = _quantiles(xs)
        paired = [a / b for a, b in zip(xs, ref_xs, strict=False) if b > 0]
        wins = sum(a < b for a, b in zip(xs, ref_xs, strict=False))
        rows.append(
            {
                "name": name,
                "median_ms": med * 1000,
                "iqr_pct": (p75 - p25) / med * 100 if med else 0.0,
                "ratio": med / ref_med,
                "paired": statistics.median(paired) if paired else float("nan"),
                "faster_rounds": f"{wins}/{len(paired)}",
            }
        )
    return rows


# -- memory (each contender in a fresh subprocess) ----------------------------------------------


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def memory_child(which: str, url: str) -> None:
    """Measure one contender sending a ~19.5 MB wav; print one JSON line."""
    import tracemalloc

    import numpy as np

    from langchain_azure_audio.audio import audio_block, pcm16_to_wav

    rng = np.random.default_rng(7)
    pcm = rng.integers(-3000, 3000, size=(BIG_WAV_BYTES - 44) // 2, dtype=np.int16).tobytes()
    wav = pcm16_to_wav(pcm)
    del pcm
    wav_size = len(wav)
    small = [{"role": "user", "content": "warm-up"}]
    if which == OURS:
        from langchain_core.messages import HumanMessage

        model = _ours(url, SMALL_REPLY_DEPLOYMENT, modalities=["text"])
        model.invoke("warm-up")
        block = audio_block(wav)
        message = HumanMessage(content=[{"type": "text", "text": "hi"}, block])
        payload_size = len(block["base64"])

        def call() -> None:
            model.invoke([message])

    elif which == SDK:
        sdk = _sdk(url)
        sdk.chat.completions.create(model=SMALL_REPLY_DEPLOYMENT, messages=small)
        b64 = base64.b64encode(wav).decode("ascii")
        payload_size = len(b64)
        messages = [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "hi"},
                    {"type": "input_audio", "input_audio": {"data": b64, "format": "wav"}},
                ],
            }
        ]

        def call() -> None:
            sdk.chat.completions.create(model=SMALL_REPLY_DEPLOYMENT, messages=messages)

    else:
        import httpx2

        http = httpx2.Client(timeout=120)
        endpoint = _endpoint(url, SMALL_REPLY_DEPLOYMENT)
        headers = {"api-key": KEY, "content-type": "application/json"}
        http.post(endpoint, content=json.dumps({"messages": small}).encode(), headers=headers)
        b64 = base64.b64encode(wav).decode("ascii")
        payload_size = len(b64)
        part = {"type": "input_audio", "input_audio": {"data": b64, "format": "wav"}}
        body = {"messages": [{"role": "user", "content": [part]}]}

        def call() -> None:
            _ = http.post(endpoint, content=json.dumps(body).encode(), headers=headers).content

    del wav
    gc.collect()
    rss_before = _rss_kb("VmRSS")
    reset = _reset_peak_rss()
    t0 = time.perf_counter()
    call()
    seconds = time.perf_counter() - t0
    rss_peak = _rss_kb("VmHWM") if reset else -1
    gc.collect()
    tracemalloc.start()
    call()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "which": which,
                "wav_bytes": wav_size,
                "payload_bytes": payload_size,
                "traced_peak": traced_peak,
                "rss_growth": (rss_peak - rss_before) * 1024 if reset else None,
                "seconds": seconds,
            }
        )
    )


def run_memory(url: str, budget_s: float) -> list[dict[str, Any]]:
    rows = []
    for which in (OURS, SDK, "httpx2 (floor)"):
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--memory-child", which, url],
            capture_output=True,
            text=True,
            timeout=budget_s,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"memory child {which!r} failed:\n{proc.stderr[-2000:]}")
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return rows


# -- profiling (optional) -------------------------------------------------------------------------


def profile_invoke(url: str, calls: int) -> str:
    fns = invoke_contenders(url)
    text = []
    for name in (OURS, SDK):
        fns[name]()
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(calls):
            fns[name]()
        prof.disable()
        for key in ("tottime", "cumulative"):
            stream = _Capture()
            stats = pstats.Stats(prof, stream=stream)  # type: ignore[arg-type]
            stats.strip_dirs().sort_stats(key).print_stats(18)
            text.append(f"\n### {name}: {calls} calls, by {key}\n" + stream.text())
    return "".join(text)


class _Capture:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, s: str) -> int:
        self.parts.append(s)
        return len(s)

    def text(self) -> str:
        return "".join(self.parts)


# -- report -------------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def invoke_table(wall: list[dict[str, Any]], cpu: list[dict[str, Any]]) -> str:
    cpu_by = {r["name"]: r for r in cpu}
    return _table(
        [
            "contender",
            "wall ms (median)",
            "IQR/median",
            "wall ÷ SDK",
            "wall ÷ SDK (paired)",
            "client CPU ms",
            "CPU ÷ SDK",
            "CPU ÷ SDK (paired)",
            "rounds faster than SDK (CPU)",
        ],
        [
            [
                r["name"],
                f"{r['median_ms']:.1f}",
                f"{r['iqr_pct']:.0f}%",
                f"**{r['ratio']:.2f}**",
                f"{r['paired']:.2f}",
                f"{cpu_by[r['name']]['median_ms']:.2f}",
                f"**{cpu_by[r['name']]['ratio']:.2f}**",
                f"{cpu_by[r['name']]['paired']:.2f}",
                cpu_by[r["name"]]["faster_rounds"],
            ]
            for r in wall
        ],
    )


def stream_table(
    ttfa: dict[str, list[float]], total: dict[str, list[float]], audio_ok: dict[str, str]
) -> str:
    t_rows = {r["name"]: r for r in summarize(total, SDK)}
    f_rows = {r["name"]: r for r in summarize({k: v for k, v in ttfa.items() if v}, SDK)}
    rows = []
    for name in total:
        t, f = t_rows[name], f_rows.get(name)
        rows.append(
            [
                name,
                f"{f['median_ms']:.1f} (±{f['iqr_pct'] / 2:.0f}%)" if f else "no audio",
                f"**{f['ratio']:.2f}**" if f else "—",
                f"{t['median_ms']:.1f} (±{t['iqr_pct'] / 2:.0f}%)",
                f"**{t['ratio']:.2f}**",
                f"{t['paired']:.2f}",
                audio_ok[name],
            ]
        )
    return _table(
        [
            "contender",
            "TTFA ms",
            "TTFA ÷ SDK",
            "total ms",
            "total ÷ SDK",
            "total ÷ SDK (paired)",
            "audio",
        ],
        rows,
    )


TRACEMALLOC_NOTE = (
    "tracemalloc peak is an upper bound: it counts every reallocation of orjson's growing "
    "output buffer as if all coexisted, so read peak-RSS growth for real memory."
)


def memory_table(rows: list[dict[str, Any]]) -> str:
    mb = 1024 * 1024
    sdk = next(r for r in rows if r["which"] == SDK)
    out = []
    for r in rows:
        rss, sdk_rss = r["rss_growth"], sdk["rss_growth"]
        out.append(
            [
                r["which"],
                f"{r['payload_bytes'] / mb:.1f}",
                f"**{rss / r['payload_bytes']:.2f}x**" if rss is not None else "n/a",
                f"{rss / mb:.1f}" if rss is not None else "n/a",
                f"{rss / sdk_rss:.2f}" if rss is not None and sdk_rss else "n/a",
                f"{r['traced_peak'] / mb:.1f} ({r['traced_peak'] / r['payload_bytes']:.2f}x)",
                f"{r['seconds'] * 1000:.0f}",
            ]
        )
    return _table(
        [
            "contender",
            "base64 payload MiB",
            "peak-RSS growth ÷ payload",
            "peak-RSS growth MiB",
            "RSS growth ÷ SDK",
            "tracemalloc peak MiB (÷ payload), upper bound",
            "one call ms",
        ],
        out,
    )


def _memory_headline(rows: list[dict[str, Any]]) -> str:
    """Headline sentence for (c), led by the real (RSS) cost; empty without the section."""
    by = {r["which"]: r for r in rows}
    if OURS not in by or SDK not in by or by[OURS]["rss_growth"] is None:
        return ""
    ours, sdk = by[OURS], by[SDK]
    return (
        " Memory sending a ~19.5 MB wav: peak-RSS growth "
        f"**{ours['rss_growth'] / ours['payload_bytes']:.2f}x** the base64 payload "
        f"(SDK {sdk['rss_growth'] / sdk['payload_bytes']:.2f}x, ours ÷ SDK "
        f"**{ours['rss_growth'] / sdk['rss_growth']:.2f}x**); tracemalloc peak "
        f"{ours['traced_peak'] / ours['payload_bytes']:.2f}x is an upper bound (orjson buffer "
        "growth), not real memory."
    )


def _mock_client_factory() -> Callable[[], Any]:
    """``httpx2.Client`` factory whose transport answers in-process with the stand-in's bytes."""
    import httpx2
    from standin import _audio_reply

    body = _audio_reply(int(time.time()) + 3600)

    def handler(request: Any) -> Any:
        request.read()
        return httpx2.Response(200, content=body, headers={"content-type": "application/json"})

    return lambda: httpx2.Client(transport=httpx2.MockTransport(handler))


def _invoke_section(
    fns: dict[str, Callable[[], Any]], rounds: int, budget: float
) -> tuple[str, dict[str, dict[str, Any]], dict[str, dict[str, Any]], int]:
    expected = base64.b64encode(reply_audio_wav()).decode("ascii")
    for name, fn in fns.items():  # warm-up (imports, connections) and correctness
        for _ in range(3):
            got = fn()
        if isinstance(got, str) and got != expected:
            raise AssertionError(f"{name} returned different audio")
    raw, n = interleave(fns, rounds, budget)
    wall = summarize({k: [w for w, _, _ in v] for k, v in raw.items()}, SDK)
    cpu = summarize({k: [c for _, c, _ in v] for k, v in raw.items()}, SDK)
    return invoke_table(wall, cpu), {r["name"]: r for r in wall}, {r["name"]: r for r in cpu}, n


def _git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(HERE.parent), "status", "--porcelain", "--", "langchain_azure_audio"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"
    return rev + (" (package has uncommitted changes)" if dirty else "")


def main() -> int:
    parser = argparse.ArgumentParser(description="Chat benchmark (ratios vs the openai SDK).")
    parser.add_argument("--quick", action="store_true", help="few rounds: a smoke run < 60 s")
    parser.add_argument("--rounds", type=int, help="invoke rounds (default 40, quick 5)")
    parser.add_argument("--stream-rounds", type=int, help="unpaced stream rounds (20, quick 3)")
    parser.add_argument("--paced-rounds", type=int, help="paced stream rounds (8, quick 1)")
    parser.add_argument("--pace-ms", type=int, default=2, help="server sleep before each chunk")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory section")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile N invokes")
    parser.add_argument(
        "--write-results",
        action="store_true",
        help="write the markdown results to bench/RESULTS.md (a tracked file; off by default)",
    )
    parser.add_argument(
        "--results", metavar="PATH", help="write the markdown results to PATH instead"
    )
    parser.add_argument("--memory-child", nargs=2, metavar=("WHICH", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(*args.memory_child)
        return 0

    rounds = args.rounds or (5 if args.quick else 40)
    s_rounds = args.stream_rounds or (3 if args.quick else 20)
    p_rounds = args.paced_rounds or (1 if args.quick else 8)
    budget = 10.0 if args.quick else 90.0
    started = time.perf_counter()
    timings: dict[str, float] = {}

    with StandIn() as server:
        url = server.url
        # a. invoke over loopback ---------------------------------------------------------
        t = time.perf_counter()
        inv_md, inv, inv_cpu, n_inv = _invoke_section(invoke_contenders(url), rounds, budget)
        timings["a"] = time.perf_counter() - t
        print(f"\n(a) invoke over loopback, ~1 MB base64 audio reply, {n_inv} rounds\n{inv_md}")

        # a2. invoke, client CPU only (in-process transport, no socket, no server) ---------
        t = time.perf_counter()
        cpu_md, _, cpu, n_cpu = _invoke_section(
            invoke_contenders(url, _mock_client_factory()), rounds * 3, budget
        )
        timings["a2"] = time.perf_counter() - t
        print(f"\n(a2) invoke, in-process transport (client CPU only), {n_cpu} rounds\n{cpu_md}")

        # a3. ainvoke, client CPU only (the async clients, same in-process transport) ------
        t = time.perf_counter()
        acpu_md, _, acpu, n_acpu = _invoke_section(ainvoke_contenders(), rounds * 3, budget)
        timings["a3"] = time.perf_counter() - t
        print(f"\n(a3) ainvoke, in-process transport (client CPU only), {n_acpu} rounds\n{acpu_md}")

        # b. streaming ----------------------------------------------------------------------
        t = time.perf_counter()
        pcm = stream_pcm()
        stream_md = []
        stream_ours: dict[str, tuple[float, float]] = {}  # label -> (TTFA, total) ÷ SDK
        mismatches: list[str] = []
        for key, label, deployment, n in (
            ("unpaced", "unpaced (client CPU cost)", DEPLOYMENT, s_rounds),
            (
                "paced",
                f"paced, {args.pace_ms} ms before each chunk",
                f"paced-{args.pace_ms}",
                p_rounds,
            ),
        ):
            sfns = stream_contenders(url, deployment)
            for fn in sfns.values():
                fn()
            sraw, n_st = interleave(sfns, n, budget)
            ttfa = {k: [v[0] for _, _, v in xs if v[0] is not None] for k, xs in sraw.items()}
            total = {k: [v[1] for _, _, v in xs] for k, xs in sraw.items()}
            audio_ok = {}
            for k, xs in sraw.items():
                datas = {v[2] for _, _, v in xs}
                if datas == {None}:
                    audio_ok[k] = "no audio"
                elif datas == {pcm}:
                    audio_ok[k] = f"identical ({len(pcm)} B)"
                else:
                    audio_ok[k] = "**MISMATCH**"
                    mismatches.append(f"{label}: {k}")
            table = stream_table(ttfa, total, audio_ok)
            stream_ours[key] = (
                statistics.median(ttfa[OURS]) / statistics.median(ttfa[SDK]),
                statistics.median(total[OURS]) / statistics.median(total[SDK]),
            )
            title = f"stream, {label}, {n_st} rounds"
            print(f"\n(b) {title}\n{table}")
            stream_md.append(f"### {title}\n\n{table}")
        timings["b"] = time.perf_counter() - t

        # c. memory -------------------------------------------------------------------------
        mem_md = ""
        mem_rows: list[dict[str, Any]] = []
        if not args.no_memory:
            t = time.perf_counter()
            mem_rows = run_memory(url, 120.0)
            mem_md = memory_table(mem_rows)
            timings["c"] = time.perf_counter() - t
            print(
                f"\n(c) memory, ~19.5 MB wav in one input_audio part\n{mem_md}\n{TRACEMALLOC_NOTE}"
            )

        if args.profile:
            print(profile_invoke(url, args.profile))

    elapsed = time.perf_counter() - started
    versions = _versions()
    pieces = -(-len(pcm) // (sum(STREAM_PIECE_BYTES) // len(STREAM_PIECE_BYTES)))
    md = ["# Benchmark results (written by `bench/bench_chat.py --write-results`)\n\n"]
    md.append(
        f"- date: {dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}"
        f"{' (`--quick`: few rounds, smoke only)' if args.quick else ''}; run took {elapsed:.0f} s "
        f"({', '.join(f'{k} {v:.0f} s' for k, v in timings.items())})\n"
        f"- Python {platform.python_version()} ({platform.machine()}), "
        f"{os.cpu_count()} cores (shared), load average {os.getloadavg()[0]:.2f} at the end\n"
        "- " + ", ".join(f"{k} {v}" for k, v in versions.items()) + "\n"
        f"- langchain-azure-audio at git {_git_revision()}\n"
        "- server: `bench/standin.py`, stdlib HTTP/1.1 in its own process on 127.0.0.1\n"
    )
    md.append(
        "\n**Headline** (ratios to the openai SDK's `create` on the same request; < 1 is cheaper): "
        f"`invoke` over loopback: wall **{inv[OURS]['ratio']:.2f}x**, client CPU "
        f"**{inv_cpu[OURS]['ratio']:.2f}x**; in-process transport (client CPU only) "
        f"**{cpu[OURS]['ratio']:.2f}x**; `ainvoke` in-process **{acpu[OURS]['ratio']:.2f}x**. "
        "langchain-openai: wall "
        f"{inv['langchain-openai']['ratio']:.2f}x, CPU in-process "
        f"{cpu['langchain-openai']['ratio']:.2f}x. Bare httpx2 POST: wall "
        f"{inv['httpx2 POST (floor)']['ratio']:.2f}x, CPU in-process "
        f"{cpu['httpx2 POST (floor)']['ratio']:.2f}x. Streaming (ours): unpaced TTFA "
        f"**{stream_ours['unpaced'][0]:.2f}x**, total **{stream_ours['unpaced'][1]:.2f}x**; "
        f"paced TTFA {stream_ours['paced'][0]:.2f}x, total {stream_ours['paced'][1]:.2f}x."
        + _memory_headline(mem_rows)
        + "\n"
    )
    md.append(f"\n## (a) invoke over loopback, ~1 MB base64 audio reply, {n_inv} rounds\n\n")
    md.append(inv_md + "\n")
    md.append(f"\n## (a2) invoke, in-process transport (client CPU only), {n_cpu} rounds\n\n")
    md.append(cpu_md + "\n")
    md.append(f"\n## (a3) ainvoke, in-process transport (client CPU only), {n_acpu} rounds\n\n")
    md.append(acpu_md + "\n")
    md.append(f"\n## (b) streaming (pcm16, {len(pcm)} bytes of audio in {pieces} pieces)\n")
    md.extend(f"\n{s}\n" for s in stream_md)
    if mem_md:
        md.append(
            f"\n## (c) peak memory sending a ~19.5 MB wav\n\n{mem_md}\n\n{TRACEMALLOC_NOTE}\n"
        )
    results = args.results or (str(HERE / "RESULTS.md") if args.write_results else None)
    if results is None:
        print(
            f"\n({elapsed:.0f} s) bench/RESULTS.md left unchanged: pass --write-results to update "
            "it, or --results PATH to write the markdown elsewhere."
        )
    else:
        Path(results).write_text("".join(md))
        print(f"\nwrote {results} ({elapsed:.0f} s)")
    # Timings never fail a run (shared, noisy machines); a wrong result does.
    if mismatches:
        print(f"\nFAILED: streamed audio not byte-identical: {', '.join(mismatches)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
