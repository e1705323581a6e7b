# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Past one machine: batches as a Ray Data pipeline (text → audio → text)
#
# The jobs that outgrow a laptop are batches. This recipe runs the package's tools as a
# [Ray Data](https://docs.ray.io/en/latest/data/data.html) pipeline, so the same code runs on one
# machine (Ray's local mode, as here and in the tests) and on a Ray cluster:
#
# 1. **voice a catalogue**: a JSON Lines file of `{"id": ..., "text": ...}` (default: a few
#    sample lines) → `voiced/<id>.wav`, through `AzureTextToSpeechTool`;
# 2. **transcribe an archive**: every recording under `--recordings` (default: the `voiced/`
#    folder just written) → `transcripts/<name>.txt`, through `AzureSpeechToTextTool`.
#
# Each stage is `ray.data.from_items(rows)` → `map_batches(Worker, compute=ActorPoolStrategy)`:
# each Ray actor of the pool holds one tool (and its connection pool) for its lifetime. The rows
# carry paths, never audio: each worker reads its input and writes its output itself, so Ray's
# object store only ever holds a few small records.
#
# **Concurrency per deployment, bounded across the cluster.** Every worker, whichever node and
# whichever stage or job it belongs to, asks one *named Ray actor per deployment* (a
# `DeploymentLimiter`) for a lease before each request and gives it back after: at most
# `--concurrency` requests are in flight on a deployment, however many workers there are.
# When the service throttles (`RateLimitError`, raised at once because the tools run with
# `max_retries=0` here), the worker hands its lease back with the service's `retry_after`, and
# the limiter **pauses every worker of that deployment** until then; transient failures (5xx,
# timeouts) back off the same way; an item is retried at most `--retries` times. (An actor pool
# of exactly N workers would bound one stage, but not two jobs sharing a deployment, and it could
# not make the others wait out a 429.)
#
# **Resumable**: an output that exists is skipped (the driver leaves it out of the plan, and a
# worker checks again before the request); each output is written atomically (`atomic_write`:
# temp file, fsync, rename), so a crash or a lost node never leaves half a file, and the next
# run does only what is missing. `manifest.json` records, per item, its status, attempts and the
# start/end time of each request, which the tests use to check the bound.
#
# Offline it runs against the local emulator; with `AZURE_OPENAI_ENDPOINT` and
# `AZURE_OPENAI_API_KEY` set, against Azure (`AZURE_OPENAI_TTS_DEPLOYMENT`,
# `AZURE_OPENAI_STT_DEPLOYMENT`). Needs the `distributed` extra (`ray[data]`).
#
# Run: `python cookbook/batch_ray.py [--catalogue texts.jsonl] [--recordings DIR]
# [--concurrency 2] [--workers 4] [--out cookbook-output/batch_ray]`

# %%
"""Batches past one machine: voice a catalogue, transcribe an archive, as a Ray Data pipeline.

Scaling out:

* **To a cluster.** Start Ray on the machines (``ray start --head`` on one,
  ``ray start --address=HEAD:6379`` on the others) and run the recipe on the head with
  ``RAY_ADDRESS=auto`` (or submit it with ``ray job submit``). Without ``RAY_ADDRESS`` it starts
  a private local Ray (``ray.init(address="local")``, two CPUs, no dashboard, on 127.0.0.1).
  Inputs and ``--out`` must be on storage every node sees (NFS, a mounted blob container); the
  Azure variables must be set on every node (or passed in Ray's ``runtime_env``); the emulator
  listens on the driver's loopback only, so a real cluster talks to Azure. ``--workers`` sets
  the size of each stage's actor pool; each worker asks for a quarter of a CPU (it mostly waits
  on the service), so raise ``--workers`` with the cluster, not ``--concurrency``.
* **To several deployments or regions.** Quotas are per deployment (tokens and requests per
  minute), so the bound is per deployment: one ``DeploymentLimiter`` per (resource,
  deployment), named after both, each sized to that deployment's quota. To spread one stage
  over several deployments (e.g. ``whisper`` in Sweden Central and in East US 2), give each row
  a deployment before the stage, round-robin (row ``i`` → deployment ``i % k``) or weighted by
  quota, and let the worker hold one tool and one limiter handle per deployment; a deployment
  that keeps answering 429 simply holds its own rows back while the others go on. A limiter
  with ``lifetime="detached"`` outlives the job, so separate jobs on one cluster share the bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import socket
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

if not os.environ.get("RAY_ADDRESS"):
    # Local mode: Ray's own switch for single-machine use puts every Ray process (GCS, raylet,
    # workers) on 127.0.0.1, instead of the machine's network address. Read when Ray is imported.
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import ray
import ray.data
from _common import parse_args, recipe_parser, report, service

from langchain_azure_audio import AzureSpeechToTextTool, AzureTextToSpeechTool
from langchain_azure_audio.audio import atomic_write
from langchain_azure_audio.batch import (
    AUDIO_SUFFIXES,
    BatchItem,
    is_fatal,
    is_transient,
    plan_folder,
)

# A small catalogue (kept small so that CI stays quick); pass `--catalogue` for your own.
CATALOGUE = [
    {"id": "lighthouse", "text": "The lighthouse keeper lit the lamp at dusk."},
    {"id": "market", "text": "Fresh bread is sold at the market every Saturday."},
    {"id": "garden", "text": "Please water the garden before the sun goes down."},
    {"id": "football", "text": "Our team won the football match yesterday."},
]

NAMESPACE = "langchain-azure-audio"  # Ray namespace of the limiters (named actors)
WORKER_CPUS = 0.25  # a worker mostly waits on the service
LEASE_SECONDS = 900.0  # a lease a crashed worker never gave back is reclaimed after this
MAX_PAUSE = 60.0

parser = recipe_parser(__doc__, "batch_ray")
parser.add_argument("--catalogue", type=Path, help="texts to voice, JSON Lines {id, text}")
parser.add_argument("--recordings", type=Path, help="recordings to transcribe (default: voiced/)")
parser.add_argument("--concurrency", type=int, default=2, help="requests per deployment at once")
parser.add_argument("--workers", type=int, default=4, help="Ray actors per stage")
parser.add_argument("--retries", type=int, default=5, help="attempts after a 429 or 5xx")
parser.add_argument(
    "--emulator-throttle",
    type=int,
    default=0,
    metavar="K",
    help="offline only: the emulator answers the first attempt of K transcriptions with 429",
)
args = parse_args(parser)
out_dir: Path = args.out
out_dir.mkdir(parents=True, exist_ok=True)
voiced_dir = out_dir / "voiced"
transcripts_dir = out_dir / "transcripts"
recordings_dir: Path = args.recordings or voiced_dir

# %% [markdown]
# ## The limiter: one named Ray actor per deployment
#
# An async actor: `acquire` waits (without blocking the actor) until fewer than `limit` leases
# are out and no pause is running; `release` gives a lease back, with the pause the service asked
# for when the request was throttled. Workers find it by name, so every worker of every stage
# and job on the cluster consults the same one.


# %%
class DeploymentLimiter:
    """At most ``limit`` requests in flight on one deployment; a 429 pauses them all."""

    def __init__(self, deployment: str, limit: int) -> None:
        self.deployment = deployment
        self.limit = limit
        self._leases: dict[int, float] = {}  # lease -> when it is reclaimed (monotonic)
        self._issued = 0
        self._resume_at = 0.0
        self._changed = asyncio.Condition()
        self._max_in_flight = 0
        self._pauses: list[float] = []

    async def acquire(self) -> int:
        async with self._changed:
            while True:
                now = time.monotonic()
                for lease, deadline in list(self._leases.items()):
                    if deadline < now:
                        del self._leases[lease]
                if now >= self._resume_at and len(self._leases) < self.limit:
                    break
                wait = self._resume_at - now if now < self._resume_at else LEASE_SECONDS
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout=wait)
            self._issued += 1
            self._leases[self._issued] = now + LEASE_SECONDS
            self._max_in_flight = max(self._max_in_flight, len(self._leases))
            return self._issued

    async def release(self, lease: int, pause: float = 0.0) -> None:
        async with self._changed:
            self._leases.pop(lease, None)
            if pause > 0:
                self._resume_at = max(self._resume_at, time.monotonic() + pause)
                self._pauses.append(round(pause, 3))
            self._changed.notify_all()

    def stats(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "limit": self.limit,
            "leases": self._issued,
            "max_in_flight": self._max_in_flight,
            "pauses": self._pauses,
        }


def limiter_name(settings: dict[str, Any]) -> str:
    """One limiter per (resource, deployment): the same name on two resources is two quotas."""
    endpoint = settings.get("azure_endpoint") or os.environ.get("AZURE_OPENAI_ENDPOINT", "")
    return f"limit:{urlparse(endpoint).netloc}/{settings['azure_deployment']}"


# %% [markdown]
# ## The workers: one tool per Ray actor, a lease per request
#
# A `map_batches` callable class: Ray builds it once per actor of the pool, then calls it with
# batches of rows (one row at a time here: a request is the unit of work). The tools run with
# `max_retries=0` so that throttling reaches the limiter (and pauses everyone) instead of being
# slept off by one worker's SDK while the others go on.


# %%
class Worker:
    """Turns rows ``{id, input, output, throttle}`` into result rows; writes the outputs."""

    def __init__(
        self,
        settings: dict[str, Any],
        limiter: str,
        retries: int,
        fault_header: str | None = None,
    ) -> None:
        self.tool = self.make_tool(settings)
        # Offline demonstration of throttling: the emulator's fault header answers 429.
        self.throttled = (
            self.make_tool({**settings, "default_headers": {fault_header: "429"}})
            if fault_header
            else None
        )
        self.limiter = ray.get_actor(limiter, namespace=NAMESPACE)
        self.retries = retries
        self.where = f"{socket.gethostname()}:{os.getpid()}"

    def make_tool(self, settings: dict[str, Any]) -> Any:
        raise NotImplementedError

    def work(self, tool: Any, source: str) -> bytes:
        raise NotImplementedError

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        rows = [
            self.one(str(i), str(src), str(dst), bool(thr))
            for i, src, dst, thr in zip(
                batch["id"], batch["input"], batch["output"], batch["throttle"], strict=True
            )
        ]
        return {key: [row[key] for row in rows] for key in rows[0]} if rows else {}

    def one(self, item: str, source: str, output: str, throttle: bool) -> dict[str, Any]:
        result: dict[str, Any] = {"id": item, "output": output, "worker": self.where}
        if Path(output).exists():  # done meanwhile (another run, a retried task)
            return {**result, "status": "skipped", "error": "", "attempts": 0, "requests": "[]"}
        requests: list[dict[str, Any]] = []
        attempt = 0
        while True:
            attempt += 1
            tool = self.throttled if throttle and attempt == 1 and self.throttled else self.tool
            lease = ray.get(self.limiter.acquire.remote())
            start = time.time()
            try:
                data = self.work(tool, source)
            except Exception as exc:
                end = time.time()
                retry = not is_fatal(exc) and is_transient(exc) and attempt <= self.retries
                retry_after = getattr(exc, "retry_after", None)
                pause = min(float(retry_after or 2 ** (attempt - 1)), MAX_PAUSE) if retry else 0.0
                ray.get(self.limiter.release.remote(lease, pause))
                requests.append(
                    {"start": start, "end": end, "outcome": type(exc).__name__, "pause": pause}
                )
                if is_fatal(exc):  # every item would fail the same way: stop the pipeline
                    raise
                if retry:
                    continue
                error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
                return {
                    **result,
                    "status": "failed",
                    "error": error,
                    "attempts": attempt,
                    "requests": json.dumps(requests),
                }
            end = time.time()
            ray.get(self.limiter.release.remote(lease, 0.0))
            requests.append({"start": start, "end": end, "outcome": "ok", "pause": 0.0})
            atomic_write(output, data)
            return {
                **result,
                "status": "done",
                "error": "",
                "attempts": attempt,
                "requests": json.dumps(requests),
            }


class Voicer(Worker):
    """Text → wav, with ``AzureTextToSpeechTool``."""

    def make_tool(self, settings: dict[str, Any]) -> Any:
        return AzureTextToSpeechTool(**settings, audio_format="wav", max_retries=0)

    def work(self, tool: Any, source: str) -> bytes:
        return bytes(tool.synthesize(source))


class Transcriber(Worker):
    """Recording → text, with ``AzureSpeechToTextTool``."""

    def make_tool(self, settings: dict[str, Any]) -> Any:
        return AzureSpeechToTextTool(**settings, max_retries=0)

    def work(self, tool: Any, source: str) -> bytes:
        text = str(tool.transcribe(Path(source))["text"]).strip()
        return (text + "\n").encode("utf-8")


# %% [markdown]
# ## Ray, the service, and a stage
#
# Ray and the service start only when there is something to do (a second run that finds every
# output in place starts neither). Locally: two CPUs, no dashboard, node address 127.0.0.1, a
# small object store, usage statistics off.

# %%
stack = contextlib.ExitStack()
manifest: dict[str, Any] = {"service": None, "ray": None, "stages": {}}


@functools.cache
def session() -> dict[str, dict[str, Any]]:
    """Start the service (Azure or the emulator) and Ray, once; the settings per kind."""
    where, settings = stack.enter_context(service())
    print(f"Running against {where}")
    address = os.environ.get("RAY_ADDRESS") or "local"
    options: dict[str, Any] = {"namespace": NAMESPACE, "logging_level": "WARNING"}
    if address == "local":
        options |= {
            "num_cpus": 2,
            "include_dashboard": False,
            "object_store_memory": 100 * 1024 * 1024,
        }
    ray.init(address=address, **options)
    stack.callback(ray.shutdown)
    ray.data.DataContext.get_current().enable_progress_bars = False
    alive: list[dict[str, Any]] = [n for n in ray.nodes() if n["Alive"]]  # type: ignore[no-untyped-call]
    nodes = sorted({str(n["NodeManagerAddress"]) for n in alive})
    manifest["service"] = where
    manifest["ray"] = {"address": address, "nodes": nodes}
    print(f"Ray: {address} ({len(nodes)} node(s): {', '.join(nodes)})")
    return settings


def write_manifest() -> None:
    """What each stage did, item by item (written atomically after each stage)."""
    atomic_write(out_dir / "manifest.json", json.dumps(manifest, indent=2).encode())


def run_stage(
    name: str,
    kind: str,
    worker: type[Worker],
    items: Sequence[BatchItem],
    source: Callable[[BatchItem], str],
    throttle: int = 0,
) -> None:
    """Run ``worker`` over the items whose output is missing; record every item in the manifest."""
    pending = [item for item in items if not item.output.exists()]
    rows: list[dict[str, Any]] = [
        {
            "id": str(item.output),
            "output": str(item.output),
            "status": "skipped",
            "attempts": 0,
            "requests": [],
        }
        for item in items
        if item.output.exists()
    ]
    stage: dict[str, Any] = {"deployment": None, "limiter": None}
    if pending:
        settings = session()[kind]
        name_ = limiter_name(settings)
        limiter: Any = (
            ray.remote(DeploymentLimiter)
            .options(name=name_, namespace=NAMESPACE, get_if_exists=True, num_cpus=0)
            .remote(settings["azure_deployment"], args.concurrency)
        )
        fault_header = None
        if throttle and manifest["service"] != "Azure OpenAI":
            from langchain_azure_audio.emulator import FAULT_HEADER

            fault_header = FAULT_HEADER
        dataset = ray.data.from_items(
            [
                {
                    "id": str(item.output),
                    "input": source(item),
                    "output": str(item.output),
                    "throttle": n < throttle,
                }
                for n, item in enumerate(pending)
            ],
            # Several blocks per worker, so that the pool stays busy (a block goes to one actor).
            override_num_blocks=min(len(pending), args.workers * 8),
        )
        results = dataset.map_batches(
            worker,
            fn_constructor_kwargs={
                "settings": settings,
                "limiter": name_,
                "retries": args.retries,
                "fault_header": fault_header,
            },
            batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=args.workers),
            num_cpus=WORKER_CPUS,
        ).take_all()
        for row in results:
            rows.append(
                {
                    "id": str(row["id"]),
                    "output": str(row["output"]),
                    "status": str(row["status"]),
                    "attempts": int(row["attempts"]),
                    "error": str(row["error"]) or None,
                    "worker": str(row["worker"]),
                    "requests": json.loads(str(row["requests"])),
                }
            )
        stage["deployment"] = settings["azure_deployment"]
        stage["limiter"] = ray.get(limiter.stats.remote())
    rows.sort(key=lambda r: r["output"])
    counts = {s: sum(r["status"] == s for r in rows) for s in ("done", "skipped", "failed")}
    manifest["stages"][name] = {**stage, "counts": counts, "items": rows}
    print(f"{name}: {counts['done']} done, {counts['skipped']} skipped, {counts['failed']} failed")
    for row in rows:
        if row["status"] == "failed":
            print(f"   failed: {row['output']}: {row['error']}")


# %% [markdown]
# ## Stage 1: voice the catalogue

# %%
if args.catalogue:
    lines = args.catalogue.read_text(encoding="utf-8").splitlines()
    catalogue = [json.loads(line) for line in lines if line.strip()]
else:
    catalogue = CATALOGUE
texts: dict[str, str] = {}
for entry in catalogue:
    ident, text = str(entry["id"]), str(entry["text"])
    if not ident or Path(ident).name != ident or ident.startswith("."):
        raise SystemExit(f"catalogue id {ident!r} is not a plain file name")
    texts[ident] = text
voice_items = [BatchItem(Path(ident), voiced_dir / f"{ident}.wav") for ident in texts]
run_stage("voice", "tts", Voicer, voice_items, lambda item: texts[str(item.source)])
write_manifest()

# %% [markdown]
# ## Stage 2: transcribe the recordings
#
# The archive's layout is kept under `transcripts/` (`plan_folder`, as the CLI's `transcribe`
# does on one machine).

# %%
transcribe_items = plan_folder(
    recordings_dir, transcripts_dir, suffixes=AUDIO_SUFFIXES, out_suffix=".txt", recursive=True
)
run_stage(
    "transcribe",
    "stt",
    Transcriber,
    transcribe_items,
    lambda item: str(item.source.resolve()),
    throttle=args.emulator_throttle,
)
write_manifest()
stack.close()  # Ray and the service stop

# %%
failed = sum(stage["counts"]["failed"] for stage in manifest["stages"].values())
report(out_dir, [voiced_dir, transcripts_dir, out_dir / "manifest.json"])
if failed:
    raise SystemExit(f"{failed} item(s) failed; run again to retry them")
