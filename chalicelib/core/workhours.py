"""Working-hours calendars: which periods of local time are open on which day, in an IANA zone.

One calendar, two uses: the SLA clock counts working minutes in it (``tickets.slaclock``) and a
service guide says whether its office is open now (``guides``). Pure functions, no I/O.

A ``Week`` holds periods of local time per ISO weekday (a weekday without an entry is a day
off), dates that are closed whatever their weekday (holidays) and dates that open although
their weekday is off (make-up working days, 调休), with their own periods. A period's real
length is the time between its local start and end, so a period spanning a daylight saving
change lasts the minutes that actually elapse; local times a change skips or repeats resolve
as ``datetime.combine`` resolves them (``fold=0``). Intervals are aware UTC datetimes.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Period = tuple[time, time]
Interval = tuple[datetime, datetime]
WEEKDAYS = range(1, 8)
ONE_DAY = timedelta(days=1)


class NoWorkingTimeError(ValueError):
    """The calendar has no working time where a search needs it: none for longer than the idle
    limit, or none before the search horizon."""


def zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``. Raises ValueError when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone: {name!r}") from exc


def check_periods(periods: Iterable[Period]) -> None:
    """Raises ValueError unless the periods are local times, each ending after it starts,
    sorted and not overlapping."""
    previous_end: time | None = None
    for start, end in periods:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("working hours are local times without a zone")
        if not start < end:
            raise ValueError(f"working period {start}-{end} ends before it starts")
        if previous_end is not None and start < previous_end:
            raise ValueError("working periods must be sorted and must not overlap")
        previous_end = end


@dataclass(frozen=True)
class Week:
    """Opening periods by ISO weekday, with closed and extra dates.

    ``days`` holds, for weekdays 1..7 in order, the day's periods or None for a day off.
    Raises ValueError when the zone is unknown, ``days`` is not seven entries, a day's periods
    are inconsistent (``check_periods``), or a date is both closed and extra.
    """

    timezone: str
    days: tuple[tuple[Period, ...] | None, ...]
    closed: frozenset[date] = frozenset()
    extra: frozenset[date] = frozenset()
    extra_periods: tuple[Period, ...] = ()

    def __post_init__(self) -> None:
        zone(self.timezone)
        if len(self.days) != len(WEEKDAYS):
            raise ValueError("a week has seven days")
        for periods in self.days:
            check_periods(periods or ())
        check_periods(self.extra_periods)
        if self.closed & self.extra:
            raise ValueError("a date cannot be both closed and an extra working day")

    @classmethod
    def of(cls, timezone: str, by_weekday: Mapping[int, Iterable[Period]],
           closed: Iterable[date] = (), extra: Iterable[date] = (),
           extra_periods: Iterable[Period] = ()) -> Week:
        """A week from ``{iso_weekday: periods}``; each weekday's periods are sorted here.
        Raises ValueError as the constructor does, and for a weekday outside 1..7."""
        if not set(by_weekday) <= set(WEEKDAYS):
            raise ValueError("weekdays are ISO weekdays 1..7")
        days = tuple(tuple(sorted(by_weekday[d])) if d in by_weekday else None
                     for d in WEEKDAYS)
        return cls(timezone, days, frozenset(closed), frozenset(extra), tuple(extra_periods))

    @property
    def open_weekdays(self) -> frozenset[int]:
        return frozenset(d for d in WEEKDAYS if self.days[d - 1] is not None)

    @property
    def has_working_time(self) -> bool:
        weekly = any(self.days)
        return weekly or bool(self.extra and self.extra_periods)

    def is_working_day(self, day: date) -> bool:
        """Extra dates work, closed dates don't, other days work when their weekday does."""
        if day in self.extra:
            return True
        if day in self.closed:
            return False
        return self.days[day.isoweekday() - 1] is not None

    def periods_on(self, day: date) -> tuple[Period, ...]:
        """The local periods of ``day``: none on a day off."""
        if day in self.extra:
            return self.extra_periods
        if day in self.closed:
            return ()
        return self.days[day.isoweekday() - 1] or ()


def aware_utc(moment: datetime, name: str = "moment") -> datetime:
    """``moment`` in UTC. Raises ValueError for a naive datetime."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return moment.astimezone(timezone.utc)


def local_day(moment: datetime, week: Week) -> date:
    """The date of ``moment`` in the week's zone."""
    return moment.astimezone(zone(week.timezone)).date()


def day_intervals(day: date, week: Week, tz: ZoneInfo | None = None) -> Iterator[Interval]:
    """The working intervals of one local day, in UTC, in order (``tz``: the week's zone)."""
    tz = tz or zone(week.timezone)
    for start, end in week.periods_on(day):
        local_start = datetime.combine(day, start, tzinfo=tz)
        local_end = datetime.combine(day, end, tzinfo=tz)
        yield local_start.astimezone(timezone.utc), local_end.astimezone(timezone.utc)


def intervals(first_day: date, week: Week, last_day: date | None = None, *,
              idle_days: int, horizon_days: int) -> Iterator[Interval]:
    """Working intervals in UTC, in order and disjoint, from ``first_day`` onwards (to
    ``last_day`` included).

    Without ``last_day`` the search is capped: raises NoWorkingTimeError after ``idle_days``
    without any working time, or ``horizon_days`` in all.
    """
    tz = zone(week.timezone)
    day, idle, last_end = first_day, 0, datetime.min.replace(tzinfo=timezone.utc)
    horizon = first_day + timedelta(days=horizon_days)
    while last_day is None or day <= last_day:
        if last_day is None and (idle > idle_days or day > horizon):
            raise NoWorkingTimeError("the calendar has no working time within the search horizon")
        idle += 1
        for start, end in day_intervals(day, week, tz):
            start = max(start, last_end)
            if end > start:
                idle, last_end = 0, end
                yield start, end
        day += ONE_DAY


def is_open(moment: datetime, week: Week) -> bool:
    """Whether ``moment`` lies inside a working period (its start included, its end not).
    Periods never cross midnight, so only the local day of ``moment`` is looked at.
    Raises ValueError for a naive ``moment``."""
    moment = aware_utc(moment)
    return any(begin <= moment < end for begin, end in day_intervals(local_day(moment, week),
                                                                     week))


__all__ = ["Interval", "NoWorkingTimeError", "Period", "Week", "aware_utc", "check_periods",
           "day_intervals", "intervals", "is_open", "local_day", "zone"]
