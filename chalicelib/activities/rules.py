"""Pure rules of volunteer activities: their phase, who may still sign up or cancel, and the
points an attendance earns."""
from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from chalicelib.core.timeutil import parse_iso

Phase = Literal["upcoming", "ongoing", "ended"]
MAX_DURATION_H = 7 * 24


def phase(starts_at: str, ends_at: str, now: str) -> Phase:
    """``upcoming`` before its start, ``ongoing`` until its end, then ``ended`` (ISO times of
    the same form compare as text)."""
    if now < starts_at:
        return "upcoming"
    return "ongoing" if now < ends_at else "ended"


def open_for_signups(starts_at: str, now: str) -> bool:
    """Sign-ups and cancellations close when the activity starts."""
    return now < starts_at


def attendance_open(starts_at: str, now: str) -> bool:
    """Attendance is recorded from the moment the activity starts."""
    return now >= starts_at


def duration_hours(starts_at: str, ends_at: str) -> float:
    return (parse_iso(ends_at) - parse_iso(starts_at)).total_seconds() / 3600


def max_hours(starts_at: str, ends_at: str) -> float:
    """The most hours one attendance may record: the activity's length, up to the next half
    hour."""
    return math.ceil(duration_hours(starts_at, ends_at) * 2) / 2


def points_for(hours: float, points_per_hour: int) -> int:
    """``hours × points_per_hour``, rounded half up to whole points (hours come in halves)."""
    halves = round(hours * 2)
    return (halves * points_per_hour + 1) // 2


def within_duration(starts_at: datetime, ends_at: datetime) -> bool:
    hours = (ends_at - starts_at).total_seconds() / 3600
    return 0 < hours <= MAX_DURATION_H
