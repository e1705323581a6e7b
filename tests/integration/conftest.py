"""Fixtures for the cassette-replayed integration tests (see tests/cassette_support.py)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cassette_support import (
    Target,
    make_vcr,
    record_mode,
    replay_clock,
    stamp_recording_time,
    target,
)

CASSETTES = Path(__file__).parent.parent / "cassettes"
DATA = Path(__file__).parent.parent / "data"


@pytest.fixture(scope="session")
def service() -> Iterator[Target]:
    yield from target()


@pytest.fixture
def cassette(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Replay (or record) ``tests/cassettes/<module>/<test>.yaml`` around the test.

    Replaying runs the test with the clock at the cassette's recording time, so recorded expiry
    times (audio ids) mean today what they meant then. Recording starts the cassette afresh and
    stores the recording time in it.
    """
    module = request.node.module.__name__.rsplit(".", 1)[-1]
    recorder = make_vcr(str(CASSETTES / module))
    name = request.node.name.replace("[", "-").replace("]", "").replace("/", "-")
    if record_mode() is not None:
        # Record mode "all" would keep the old interactions ahead of the new ones (and the old
        # recording time): start from an empty cassette.
        (CASSETTES / module / f"{name}.yaml").unlink(missing_ok=True)
        with recorder.use_cassette(f"{name}.yaml") as cass:
            stamp_recording_time(cass)
            yield cass
        return
    with recorder.use_cassette(f"{name}.yaml") as cass, replay_clock(cass):
        yield cass


@pytest.fixture(scope="session")
def clip() -> Any:
    """Read a test clip as bytes: ``clip("weather_question.mp3")``."""

    def read(name: str) -> bytes:
        return (DATA / name).read_bytes()

    return read


@pytest.fixture(scope="session")
def clip_b64(clip: Any) -> Any:
    def read(name: str) -> str:
        return base64.b64encode(clip(name)).decode()

    return read
