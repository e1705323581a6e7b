"""Suite-wide options.

``--clock-shift-days=N`` runs the whole session with the wall clock moved N days ahead (it keeps
ticking): ``time.time()``, ``datetime.now()`` and friends, in every thread, the in-process emulator
included. Monotonic clocks (timeouts, ``asyncio``) are untouched. CI runs the suite a second time
with ``--clock-shift-days=365`` to prove that no test depends on the day it runs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

_TRAVEL_KEY = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-shift-days",
        type=float,
        default=0.0,
        metavar="N",
        help="Run with the wall clock moved N days ahead (e.g. 365), to catch time bombs.",
    )


def pytest_configure(config: pytest.Config) -> None:
    days = float(config.getoption("--clock-shift-days"))
    if not days:
        return
    import time_machine

    destination = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=days)
    travel = time_machine.travel(destination, tick=True)
    travel.start()
    config.stash[_TRAVEL_KEY] = travel


def pytest_unconfigure(config: pytest.Config) -> None:
    travel = config.stash.get(_TRAVEL_KEY, None)
    if travel is not None:
        travel.stop()
        del config.stash[_TRAVEL_KEY]


def pytest_report_header(config: pytest.Config) -> str | None:
    days = float(config.getoption("--clock-shift-days"))
    if not days:
        return None
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    return f"clock shifted {days:+g} days: the tests see {now}"
