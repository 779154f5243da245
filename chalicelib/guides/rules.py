"""Pure rules of service guides: whether an office is open at a moment, on the working-hours
calendar the SLA clock counts in (``core.workhours``), and text search.

Office hours are ``{days: [1..7], open, close}`` entries (ISO weekdays, local ``HH:MM``); the
periods of one weekday come from every entry naming it and may not overlap. A closed date
(holiday) closes the office all day. Times are local to the community's time zone.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from chalicelib.core import workhours

MAX_TERMS = 8


def week(office_hours: Iterable[Mapping[str, Any]], closed_dates: Iterable[str],
         timezone: str) -> workhours.Week:
    """The office's week. Raises ValueError for an unknown zone, a weekday outside 1..7, a
    period that ends before it starts, or overlapping periods on one weekday."""
    by_weekday: dict[int, list[workhours.Period]] = {}
    for entry in office_hours:
        period = (time.fromisoformat(entry["open"]), time.fromisoformat(entry["close"]))
        for day in entry["days"]:
            by_weekday.setdefault(int(day), []).append(period)
    return workhours.Week.of(timezone, by_weekday,
                             closed=(date.fromisoformat(d) for d in closed_dates))


def overlapping_weekdays(office_hours: Iterable[Mapping[str, Any]]) -> list[int]:
    """Weekdays on which two entries' periods overlap (input validation)."""
    by_weekday: dict[int, list[tuple[str, str]]] = {}
    for entry in office_hours:
        for day in entry["days"]:
            by_weekday.setdefault(int(day), []).append((entry["open"], entry["close"]))
    clashes = []
    for day, periods in sorted(by_weekday.items()):
        ordered = sorted(periods)
        if any(later[0] < earlier[1] for earlier, later in zip(ordered, ordered[1:],
                                                                 strict=False)):
            clashes.append(day)
    return clashes


def open_now(office_hours: Iterable[Mapping[str, Any]], closed_dates: Iterable[str],
             timezone: str, now: datetime) -> bool:
    """Whether the office is open at ``now`` (aware) in ``timezone``: inside a period of the
    local day's weekday, and the local date is not closed. Raises ValueError as ``week``."""
    return workhours.is_open(now, week(office_hours, closed_dates, timezone))


def normalise(text: str) -> str:
    """Full-width and half-width forms alike, case folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def terms(query: str) -> list[str]:
    """The distinct words of a query (Chinese needs no spaces: 老年证 is one term and matches
    inside 老年证办理); at most ``MAX_TERMS``."""
    return list(dict.fromkeys(normalise(query).split()))[:MAX_TERMS]


def searchable(fields: Sequence[str]) -> str:
    return normalise("\n".join(fields))


def matches(text: str, wanted: Sequence[str]) -> bool:
    """Every term occurs in ``text`` (already ``searchable``); no terms match everything."""
    return all(term in text for term in wanted)
