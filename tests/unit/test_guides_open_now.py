"""The working-hours calendar (core.workhours) and a guide's open_now on it: periods per
weekday, closed dates, make-up days, time zones, daylight saving and midnight edges; the SLA
clock counts in the same calendar."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.core import workhours
from chalicelib.guides import rules
from chalicelib.tickets import slaclock

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
UTC = timezone.utc
HOURS = [{"days": [1, 2, 3, 4, 5], "open": "08:30", "close": "12:00"},
         {"days": [1, 2, 3, 4, 5], "open": "14:30", "close": "17:30"},
         {"days": [6], "open": "09:00", "close": "11:30"}]
NATIONAL_DAY = ["2026-10-01", "2026-10-02"]


def sh(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize("moment, expected", [
    (sh(9, 30, 8, 29), False),   # Wednesday, a minute before opening
    (sh(9, 30, 8, 30), True),    # opening time is open
    (sh(9, 30, 11, 59), True),
    (sh(9, 30, 12, 0), False),   # closing time is closed
    (sh(9, 30, 13, 0), False),   # lunch break
    (sh(9, 30, 14, 30), True),
    (sh(9, 30, 17, 29), True),
    (sh(9, 30, 17, 30), False),
    (sh(10, 1, 9, 0), False),    # Thursday, closed date
    (sh(10, 2, 15, 0), False),   # Friday, closed date
    (sh(10, 3, 10, 0), True),    # Saturday hours
    (sh(10, 3, 14, 30), False),  # Saturday afternoon: no period
    (sh(10, 4, 10, 0), False),   # Sunday: a day off
    (sh(10, 5, 9, 0), True),     # Monday after the holiday
])
def test_open_now_in_shanghai(moment: datetime, expected: bool) -> None:
    assert rules.open_now(HOURS, NATIONAL_DAY, "Asia/Shanghai", moment) is expected


def test_the_local_day_decides_not_the_utc_day() -> None:
    # 2026-09-30T23:30Z is Thursday 07:30 in Shanghai (closed: before opening, and a holiday
    # on 10-01); 2026-10-02T16:30Z is Saturday 00:30 in Shanghai.
    thursday_early = datetime(2026, 9, 30, 23, 30, tzinfo=UTC)
    assert not rules.open_now(HOURS, [], "Asia/Shanghai", thursday_early)
    assert rules.open_now(HOURS, [], "Asia/Shanghai", thursday_early + timedelta(hours=1))
    assert not rules.open_now(HOURS, NATIONAL_DAY, "Asia/Shanghai",
                              thursday_early + timedelta(hours=1))
    # The same instant is Wednesday 17:30 in Berlin (closing time) and Thursday in Shanghai.
    same = datetime(2026, 9, 30, 15, 29, tzinfo=UTC)
    assert rules.open_now(HOURS, [], "Europe/Berlin", same)
    assert not rules.open_now(HOURS, [], "Asia/Shanghai", same)


def test_a_closed_date_is_a_local_date() -> None:
    # 2026-09-30T19:00Z is 03:00 on 10-01 in Shanghai but still 09-30 in New York (15:00).
    moment = datetime(2026, 9, 30, 19, 0, tzinfo=UTC)
    assert rules.open_now(HOURS, ["2026-10-01"], "America/New_York", moment)
    assert not rules.open_now(HOURS, ["2026-09-30"], "America/New_York", moment)


def test_hours_keep_local_time_across_daylight_saving() -> None:
    # Berlin moves to summer time on Sunday 2026-03-29: the office opens at 08:30 local before
    # and after, which is 07:30 UTC on Friday 03-27 and 06:30 UTC on Monday 03-30.
    assert rules.open_now(HOURS, [], "Europe/Berlin", datetime(2026, 3, 27, 7, 30, tzinfo=UTC))
    assert not rules.open_now(HOURS, [], "Europe/Berlin",
                              datetime(2026, 3, 27, 7, 29, tzinfo=UTC))
    assert rules.open_now(HOURS, [], "Europe/Berlin", datetime(2026, 3, 30, 6, 30, tzinfo=UTC))
    assert not rules.open_now(HOURS, [], "Europe/Berlin",
                              datetime(2026, 3, 30, 6, 29, tzinfo=UTC))


def test_a_period_in_a_skipped_hour_reads_as_before_the_change() -> None:
    # 02:00-02:45 does not exist in Berlin on 2026-03-29; read with the offset before the
    # change (fold=0), as the SLA clock reads it, it runs from 01:00 to 01:45 UTC.
    night = [{"days": [7], "open": "02:00", "close": "02:45"}]
    assert not rules.open_now(night, [], "Europe/Berlin", datetime(2026, 3, 29, 0, 59, tzinfo=UTC))
    assert rules.open_now(night, [], "Europe/Berlin", datetime(2026, 3, 29, 1, 0, tzinfo=UTC))
    assert not rules.open_now(night, [], "Europe/Berlin", datetime(2026, 3, 29, 1, 45, tzinfo=UTC))


def test_naive_moments_and_bad_calendars_are_refused() -> None:
    with pytest.raises(ValueError):
        rules.open_now(HOURS, [], "Asia/Shanghai", datetime(2026, 9, 30, 9, 0))
    with pytest.raises(ValueError):
        rules.open_now(HOURS, [], "Mars/Olympus", sh(9, 30, 9))
    overlapping = [{"days": [1], "open": "08:00", "close": "12:00"},
                   {"days": [1], "open": "11:00", "close": "13:00"}]
    with pytest.raises(ValueError):
        rules.week(overlapping, [], "Asia/Shanghai")
    with pytest.raises(ValueError):
        rules.week([{"days": [8], "open": "08:00", "close": "12:00"}], [], "Asia/Shanghai")
    assert rules.overlapping_weekdays(overlapping) == [1]
    assert rules.overlapping_weekdays(HOURS) == []


def test_a_week_with_make_up_days_and_closed_dates() -> None:
    office = ((time(8, 30), time(12, 0)),)
    week = workhours.Week.of("Asia/Shanghai", {1: office, 2: office},
                             closed=[date(2026, 9, 29)], extra=[date(2026, 9, 27)],
                             extra_periods=office)
    assert week.open_weekdays == frozenset({1, 2})
    assert week.periods_on(date(2026, 9, 28)) == office          # Monday
    assert week.periods_on(date(2026, 9, 29)) == ()              # closed Tuesday
    assert week.periods_on(date(2026, 9, 27)) == office          # make-up Sunday
    assert workhours.is_open(sh(9, 27, 9), week)
    assert not workhours.is_open(sh(9, 29, 9), week)
    with pytest.raises(ValueError):
        workhours.Week.of("Asia/Shanghai", {1: office}, closed=[date(2026, 9, 27)],
                          extra=[date(2026, 9, 27)])
    with pytest.raises(ValueError):
        workhours.Week("Asia/Shanghai", (office,) * 6)


def test_one_calendar_two_uses() -> None:
    """The SLA clock's calendar is a workhours week: a due time it computes lies inside the
    periods that make the same week open."""
    office = ((time(8, 30), time(12, 0)), (time(14, 30), time(17, 30)))
    cal = slaclock.Calendar("Asia/Shanghai", frozenset({1, 2, 3, 4, 5}), office,
                            frozenset({date(2026, 10, 1)}))
    assert isinstance(cal.week, workhours.Week)
    due = slaclock.add_minutes(sh(9, 30, 17, 0), 60, cal)
    assert due == sh(10, 2, 9, 0)  # 30 min on Wednesday, none on the holiday, 30 on Friday
    assert workhours.is_open(due - timedelta(minutes=1), cal.week)
    guide_hours = [{"days": [1, 2, 3, 4, 5], "open": "08:30", "close": "12:00"},
                   {"days": [1, 2, 3, 4, 5], "open": "14:30", "close": "17:30"}]
    guide = rules.week(guide_hours, ["2026-10-01"], "Asia/Shanghai")
    assert guide.days == cal.week.days and guide.closed == cal.week.closed


zones = st.sampled_from(["Asia/Shanghai", "UTC", "Europe/Berlin", "America/New_York"])
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                       timezones=st.just(UTC))


@settings(max_examples=200, deadline=None)
@given(zones, moments)
def test_open_now_agrees_with_the_local_wall_clock(zone: str, moment: datetime) -> None:
    local = moment.astimezone(ZoneInfo(zone))
    periods = {1: [("08:30", "12:00"), ("14:30", "17:30")], 2: [("08:30", "12:00"),
               ("14:30", "17:30")], 3: [("08:30", "12:00"), ("14:30", "17:30")],
               4: [("08:30", "12:00"), ("14:30", "17:30")], 5: [("08:30", "12:00"),
               ("14:30", "17:30")], 6: [("09:00", "11:30")]}
    wall = local.strftime("%H:%M:%S")
    expected = any(f"{o}:00" <= wall < f"{c}:00" for o, c in periods.get(local.isoweekday(), []))
    assert rules.open_now(HOURS, [], zone, moment) is expected
    assert rules.open_now(HOURS, [local.date().isoformat()], zone, moment) is False
