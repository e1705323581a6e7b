"""Demo tools of the voice page (used when no ``--tools`` is given)."""

from __future__ import annotations

from datetime import datetime, timezone

from langchain_core.tools import tool

__all__ = ["TOOLS", "get_time", "get_weather"]


@tool
def get_weather(city: str) -> str:
    """The current weather of a city."""
    return f"It is sunny and 21 degrees in {city}, with a light breeze from the west."


@tool
def get_time(timezone_name: str = "UTC") -> str:
    """The current time (UTC)."""
    now = datetime.now(timezone.utc)
    return f"It is {now:%H:%M} UTC."


TOOLS = [get_weather, get_time]
