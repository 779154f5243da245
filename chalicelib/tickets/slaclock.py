"""SLA clock arithmetic: wall-clock minutes, or minutes inside the working hours of a calendar.

Pure functions, no I/O. A working period is local time on a working day of the calendar's zone;
its length is the real time between its local start and end, so a period spanning a daylight
saving change counts the minutes that actually elapse. Results are aware UTC datetimes. The
calendar itself (days, periods, holidays, make-up days) is ``core.workhours``, which service
guides use as well.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property

from chalicelib.core import workhours
from chalicelib.core.workhours import NoWorkingTimeError, zone

_IDLE_DAYS = 3 * 366
_HORIZON_DAYS = 30 * 366
_ONE_DAY = timedelta(days=1)
# Days or minutes a daylight saving change may take from working time, kept in reserve by the
# guarantees below: a change may empty a day, and shifts clocks by at most two hours, twice a year.
_DST_DAYS = 7
_DST_MINUTES = 2 * 120 * (_HORIZON_DAYS // 365 + 1)

Interval = workhours.Interval


@dataclass(frozen=True)
class Calendar:
    """Working time: periods of local time on working days, in an IANA time zone.

    Raises ValueError when the zone is unknown, a period is empty, periods are unsorted or
    overlap, or a date is both a holiday and a make-up working day.
    """

    timezone: str
    workdays: frozenset[int]
    hours: tuple[tuple[time, time], ...]
    holidays: frozenset[date] = frozenset()
    makeup_workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        zone(self.timezone)
        if not self.workdays <= set(range(1, 8)):
            raise ValueError("workdays are ISO weekdays 1..7")
        workhours.check_periods(self.hours)
        if self.holidays & self.makeup_workdays:
            raise ValueError("a date cannot be both a holiday and a make-up working day")

    @property
    def has_working_time(self) -> bool:
        return bool(self.hours) and bool(self.workdays or self.makeup_workdays)

    @cached_property
    def week(self) -> workhours.Week:
        """The same calendar as a ``workhours.Week``: every working day has ``hours``."""
        return workhours.Week.of(self.timezone, {d: self.hours for d in self.workdays},
                                 closed=self.holidays, extra=self.makeup_workdays,
                                 extra_periods=self.hours)


def is_working_day(day: date, cal: Calendar) -> bool:
    """Make-up days work, holidays don't, other days work when their weekday is a workday."""
    return cal.week.is_working_day(day)


def _intervals(first_day: date, cal: Calendar, last_day: date | None = None) -> Iterator[Interval]:
    """Working intervals in UTC, in order and disjoint, from ``first_day`` onwards.

    Without ``last_day`` the search is capped; raises NoWorkingTimeError after three years
    without any working time, or thirty years in all.
    """
    return workhours.intervals(first_day, cal.week, last_day, idle_days=_IDLE_DAYS,
                               horizon_days=_HORIZON_DAYS)


def _local_day(moment: datetime, cal: Calendar) -> date:
    return workhours.local_day(moment, cal.week)


def add_minutes(start: datetime, minutes: int, cal: Calendar | None) -> datetime:
    """The instant ``minutes`` counted minutes after ``start``, as an aware UTC datetime.

    Without a calendar every minute counts. With one, only minutes inside working periods
    count; a positive count ends inside working time (possibly exactly at a period's end), and
    zero returns ``start``. Raises ValueError for a naive ``start`` or negative ``minutes``, and
    NoWorkingTimeError (a ValueError) for a calendar without working time within the search
    horizon.
    """
    start = workhours.aware_utc(start, "start")
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    if cal is None:
        return start + timedelta(minutes=minutes)
    if not cal.has_working_time:
        raise NoWorkingTimeError("the calendar has no working time")
    if minutes == 0:
        return start
    remaining = timedelta(minutes=minutes)
    for begin, end in _intervals(_local_day(start, cal) - _ONE_DAY, cal):
        if end <= start:
            continue
        begin = max(begin, start)
        if end - begin >= remaining:
            return begin + remaining
        remaining -= end - begin
    raise AssertionError("unreachable: the interval search raises before it ends")


def working_minutes_between(start: datetime, end: datetime, cal: Calendar | None) -> float:
    """Counted minutes from ``start`` to ``end``; 0 when ``end`` is not after ``start``.

    Raises ValueError for naive datetimes.
    """
    start, end = workhours.aware_utc(start, "start"), workhours.aware_utc(end, "end")
    if end <= start:
        return 0.0
    if cal is None:
        return (end - start).total_seconds() / 60
    total = timedelta()
    first, last = _local_day(start, cal) - _ONE_DAY, _local_day(end, cal) + _ONE_DAY
    for begin, finish in _intervals(first, cal, last):
        overlap = min(finish, end) - max(begin, start)
        if overlap > timedelta():
            total += overlap
    return total.total_seconds() / 60


def idle_stretch(cal: Calendar) -> tuple[date, date] | None:
    """The first run of days without working time that is too long for the search (the idle
    limit, less a reserve for daylight saving), as its first and last day; None when there is
    none. Only holidays make runs longer than a week, so only the days around them are walked.
    """
    limit = _IDLE_DAYS - _DST_DAYS
    if not cal.has_working_time:
        return date.min, date.max
    if not cal.workdays:
        last_work = max(cal.makeup_workdays)
        return (last_work + _ONE_DAY if last_work < date.max else last_work), date.max
    walked: set[date] = set()
    for holiday in sorted(cal.holidays):
        if holiday in walked:
            continue
        first = last = holiday
        while first > date.min and not is_working_day(first - _ONE_DAY, cal):
            first -= _ONE_DAY
            if (last - first).days >= limit:
                return first, last
        while last < date.max and not is_working_day(last + _ONE_DAY, cal):
            last += _ONE_DAY
            walked.add(last)
            if (last - first).days >= limit:
                return first, last
    return None


def assured_minutes(cal: Calendar) -> int:
    """Counted minutes that ``add_minutes`` reaches from any start without meeting the search
    horizon: the working time of the horizon's whole weeks, less every holiday on a workday and
    a reserve for daylight saving changes; make-up days only add to it. 0 without working time.
    Whether a long holiday run stops the search first is ``idle_stretch``'s question.
    """
    if not cal.has_working_time:
        return 0
    daily = sum(_minutes_of_day(end) - _minutes_of_day(start) for start, end in cal.hours)
    weeks = (_HORIZON_DAYS - 1) // 7
    lost = sum(daily for day in cal.holidays if day.isoweekday() in cal.workdays)
    return max(0, weeks * daily * len(cal.workdays) - lost - _DST_MINUTES)


def _minutes_of_day(moment: time) -> int:
    return moment.hour * 60 + moment.minute


HORIZON_YEARS = _HORIZON_DAYS // 366
IDLE_DAYS_ALLOWED = _IDLE_DAYS - _DST_DAYS

__all__ = ["HORIZON_YEARS", "IDLE_DAYS_ALLOWED", "Calendar", "NoWorkingTimeError",
           "add_minutes", "assured_minutes", "idle_stretch", "is_working_day",
           "working_minutes_between", "zone"]
