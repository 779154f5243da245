from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.tickets.slaclock import (
    IDLE_DAYS_ALLOWED,
    Calendar,
    NoWorkingTimeError,
    add_minutes,
    assured_minutes,
    idle_stretch,
    is_working_day,
    working_minutes_between,
)

UTC = timezone.utc
SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 30)))
WEEKDAYS = frozenset({1, 2, 3, 4, 5})
NATIONAL_DAY = frozenset(date(2026, 10, d) for d in range(1, 8))
MAKEUP = frozenset({date(2026, 9, 27), date(2026, 10, 10)})

CN = Calendar("Asia/Shanghai", WEEKDAYS, OFFICE)
GOLDEN_WEEK = Calendar("Asia/Shanghai", WEEKDAYS, OFFICE, NATIONAL_DAY, MAKEUP)


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def test_wall_clock_counts_every_minute_and_answers_in_utc():
    start = sh(2026, 10, 1, 9, 0)
    due = add_minutes(start, 4320, None)
    assert due == start + timedelta(days=3)
    assert due.tzinfo == UTC
    assert working_minutes_between(start, due, None) == 4320


def test_zero_minutes_returns_start_even_outside_working_time():
    for start in (sh(2026, 9, 28, 10, 0), sh(2026, 9, 28, 12, 30), sh(2026, 10, 3, 3, 0)):
        assert add_minutes(start, 0, CN) == start
        assert add_minutes(start, 0, None) == start


@pytest.mark.parametrize("start, minutes, expected", [
    (sh(2026, 9, 28, 9, 0), 60, sh(2026, 9, 28, 10, 0)),     # inside a period
    (sh(2026, 9, 28, 11, 30), 60, sh(2026, 9, 28, 14, 30)),  # across the lunch break
    (sh(2026, 9, 28, 12, 30), 30, sh(2026, 9, 28, 14, 30)),  # start during lunch
    (sh(2026, 9, 28, 11, 0), 60, sh(2026, 9, 28, 12, 0)),    # ends exactly at a period end
    (sh(2026, 9, 28, 7, 0), 30, sh(2026, 9, 28, 9, 0)),      # start before work
    (sh(2026, 9, 28, 17, 0), 60, sh(2026, 9, 29, 9, 0)),     # overnight
    (sh(2026, 9, 28, 20, 0), 420, sh(2026, 9, 29, 17, 30)),  # a whole working day
    (sh(2026, 9, 25, 17, 0), 60, sh(2026, 9, 28, 9, 0)),     # Friday evening to Monday
    (sh(2026, 9, 26, 10, 0), 30, sh(2026, 9, 28, 9, 0)),     # start on Saturday
])
def test_working_hours(start, minutes, expected):
    due = add_minutes(start, minutes, CN)
    assert due == expected
    assert due.tzinfo == UTC
    assert working_minutes_between(start, due, CN) == pytest.approx(minutes)


def test_is_working_day_with_holidays_and_makeup_days():
    assert is_working_day(date(2026, 9, 25), GOLDEN_WEEK)       # Friday
    assert not is_working_day(date(2026, 9, 26), GOLDEN_WEEK)   # Saturday
    assert is_working_day(date(2026, 9, 27), GOLDEN_WEEK)       # make-up Sunday
    assert not any(is_working_day(day, GOLDEN_WEEK) for day in NATIONAL_DAY)
    assert is_working_day(date(2026, 10, 10), GOLDEN_WEEK)      # make-up Saturday
    assert not is_working_day(date(2026, 10, 11), GOLDEN_WEEK)


@pytest.mark.parametrize("start, minutes, expected", [
    (sh(2026, 9, 25, 17, 0), 60, sh(2026, 9, 27, 9, 0)),     # Friday to the make-up Sunday
    (sh(2026, 9, 30, 17, 0), 60, sh(2026, 10, 8, 9, 0)),     # over the whole golden week
    (sh(2026, 10, 3, 10, 0), 30, sh(2026, 10, 8, 9, 0)),     # start on a holiday
    (sh(2026, 10, 9, 17, 0), 60, sh(2026, 10, 10, 9, 0)),    # Friday to the make-up Saturday
    (sh(2026, 9, 30, 9, 0), 4320, sh(2026, 10, 20, 11, 0)),  # a 72 h resolution target
])
def test_golden_week(start, minutes, expected):
    assert add_minutes(start, minutes, GOLDEN_WEEK) == expected
    assert working_minutes_between(start, expected, GOLDEN_WEEK) == pytest.approx(minutes)


def test_the_same_target_without_the_holiday_block():
    assert add_minutes(sh(2026, 9, 30, 9, 0), 4320, CN) == sh(2026, 10, 14, 11, 0)


def test_working_minutes_between():
    assert working_minutes_between(sh(2026, 9, 28, 11, 0), sh(2026, 9, 28, 15, 0), CN) == 120
    assert working_minutes_between(sh(2026, 9, 25, 17, 30), sh(2026, 9, 28, 8, 30), CN) == 0
    assert working_minutes_between(sh(2026, 9, 30, 0, 0), sh(2026, 10, 8, 0, 0), GOLDEN_WEEK) == 420
    assert working_minutes_between(sh(2026, 9, 28, 15, 0), sh(2026, 9, 28, 11, 0), CN) == 0
    assert working_minutes_between(sh(2026, 9, 28, 15, 0), sh(2026, 9, 28, 11, 0), None) == 0


def test_weekend_across_a_daylight_saving_change():
    office = Calendar("Europe/Berlin", WEEKDAYS, ((time(9, 0), time(18, 0)),))
    start = berlin(2026, 3, 27, 17, 30)  # Friday, CET (UTC+1)
    due = add_minutes(start, 60, office)
    assert due == berlin(2026, 3, 30, 9, 30)  # Monday, CEST (UTC+2)
    assert due == datetime(2026, 3, 30, 7, 30, tzinfo=UTC)


def test_periods_spanning_daylight_saving_changes_count_real_minutes():
    nights = Calendar("Europe/Berlin", frozenset(range(1, 8)), ((time(1, 0), time(5, 0)),))
    spring = berlin(2026, 3, 29, 1, 0)  # 01:00 CET; clocks jump from 02:00 to 03:00
    assert add_minutes(spring, 180, nights) == berlin(2026, 3, 29, 5, 0)
    assert add_minutes(spring, 181, nights) == berlin(2026, 3, 30, 1, 1)
    assert working_minutes_between(spring, berlin(2026, 3, 29, 12, 0), nights) == 180
    autumn = berlin(2026, 10, 25, 1, 0)  # 01:00 CEST; clocks fall back from 03:00 to 02:00
    assert add_minutes(autumn, 300, nights) == berlin(2026, 10, 25, 5, 0)
    assert working_minutes_between(autumn, berlin(2026, 10, 25, 12, 0), nights) == 300


def test_periods_inside_a_skipped_hour_do_not_count_twice():
    cal = Calendar("Europe/Berlin", frozenset(range(1, 8)),
                   ((time(2, 0), time(2, 45)), (time(3, 0), time(4, 0))))
    day_start = berlin(2026, 3, 29, 0, 0)
    assert working_minutes_between(day_start, berlin(2026, 3, 29, 12, 0), cal) == 60
    assert add_minutes(day_start, 60, cal) == berlin(2026, 3, 29, 4, 0)


@pytest.mark.parametrize("cal", [
    Calendar("Asia/Shanghai", WEEKDAYS, ()),
    Calendar("Asia/Shanghai", frozenset(), OFFICE),
])
def test_a_calendar_without_working_time_is_refused(cal):
    for minutes in (0, 60):
        with pytest.raises(ValueError):
            add_minutes(sh(2026, 9, 28, 9, 0), minutes, cal)
    assert working_minutes_between(sh(2026, 9, 28), sh(2026, 10, 28), cal) == 0


def test_a_calendar_whose_working_time_is_over_is_refused():
    past = Calendar("Asia/Shanghai", frozenset(), OFFICE,
                    makeup_workdays=frozenset({date(2020, 1, 4)}))
    with pytest.raises(ValueError):
        add_minutes(sh(2026, 9, 28, 9, 0), 60, past)


def test_a_target_beyond_the_search_horizon_is_refused():
    sliver = Calendar("UTC", frozenset({1}), ((time(9, 0), time(9, 1)),))
    with pytest.raises(ValueError):
        add_minutes(datetime(2026, 1, 1, tzinfo=UTC), 525600, sliver)


@pytest.mark.parametrize("kwargs", [
    {"timezone": "Mars/Olympus"},
    {"timezone": "../etc/passwd"},
    {"workdays": frozenset({0, 1})},
    {"hours": ((time(12, 0), time(8, 30)),)},
    {"hours": ((time(8, 30), time(12, 0)), (time(11, 0), time(13, 0)))},
    {"hours": ((time(14, 0), time(17, 0)), (time(8, 0), time(12, 0)))},
    {"holidays": frozenset({date(2026, 10, 10)}), "makeup_workdays": MAKEUP},
])
def test_inconsistent_calendars_are_refused(kwargs):
    fields = {"timezone": "Asia/Shanghai", "workdays": WEEKDAYS, "hours": OFFICE, **kwargs}
    with pytest.raises(ValueError):
        Calendar(**fields)


def test_naive_datetimes_and_negative_minutes_are_refused():
    with pytest.raises(ValueError):
        add_minutes(datetime(2026, 9, 28, 9, 0), 60, CN)
    with pytest.raises(ValueError):
        add_minutes(datetime(2026, 9, 28, 9, 0), 60, None)
    with pytest.raises(ValueError):
        add_minutes(sh(2026, 9, 28, 9, 0), -1, CN)
    with pytest.raises(ValueError):
        working_minutes_between(datetime(2026, 9, 28), sh(2026, 9, 29), CN)


# Properties

ZONES = ["Asia/Shanghai", "UTC", "Europe/Berlin", "America/New_York"]
NO_DST_ZONES = ["Asia/Shanghai", "UTC"]
WINDOW_START = date(2026, 1, 1)


@st.composite
def periods(draw) -> tuple[tuple[time, time], ...]:
    count = draw(st.integers(1, 3))
    bounds = sorted(draw(st.sets(st.integers(0, 1439 // 15), min_size=2 * count,
                                 max_size=2 * count)))
    as_time = [time(q * 15 // 60, q * 15 % 60) for q in bounds]
    return tuple(zip(as_time[::2], as_time[1::2], strict=True))


window_days = st.integers(0, 730).map(lambda n: WINDOW_START + timedelta(days=n))


@st.composite
def calendars(draw, zones: list[str] = ZONES) -> Calendar:
    holidays = draw(st.frozensets(window_days, max_size=40))
    makeup = draw(st.frozensets(window_days, max_size=10)) - holidays
    return Calendar(
        timezone=draw(st.sampled_from(zones)),
        workdays=draw(st.frozensets(st.integers(1, 7), min_size=1)),
        hours=draw(periods()),
        holidays=holidays,
        makeup_workdays=makeup,
    )


starts = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                      timezones=st.just(UTC))
targets = st.integers(0, 3 * 4320)
fast = settings(max_examples=100, deadline=None)


@fast
@given(calendars(), starts, targets)
def test_due_is_never_before_start_and_measures_back(cal, start, minutes):
    due = add_minutes(start, minutes, cal)
    assert due >= start
    assert due.tzinfo == UTC
    assert working_minutes_between(start, due, cal) == pytest.approx(minutes, abs=1e-6)


@fast
@given(calendars(), starts, targets, targets)
def test_due_is_monotone_in_the_target(cal, start, m1, m2):
    low, high = sorted((m1, m2))
    assert add_minutes(start, low, cal) <= add_minutes(start, high, cal)


@fast
@given(calendars(), starts, targets, targets)
def test_adding_is_additive(cal, start, a, b):
    assert add_minutes(add_minutes(start, a, cal), b, cal) == add_minutes(start, a + b, cal)


@fast
@given(calendars(NO_DST_ZONES), starts, st.integers(1, 3 * 4320))
def test_due_lies_in_working_time_never_on_a_holiday(cal, start, minutes):
    local = add_minutes(start, minutes, cal).astimezone(ZoneInfo(cal.timezone))
    assert local.date() not in cal.holidays
    assert is_working_day(local.date(), cal)
    assert any(begin < local.time() <= end for begin, end in cal.hours)


@fast
@given(calendars(), starts, targets, st.frozensets(window_days, min_size=1, max_size=10))
def test_makeup_days_never_delay(cal, start, minutes, extra):
    with_makeup = Calendar(cal.timezone, cal.workdays, cal.hours, cal.holidays - extra,
                           cal.makeup_workdays | extra)
    without = Calendar(cal.timezone, cal.workdays, cal.hours, cal.holidays - extra,
                       cal.makeup_workdays - extra)
    assert add_minutes(start, minutes, with_makeup) <= add_minutes(start, minutes, without)


@fast
@given(starts, st.integers(0, 3 * 525600))
def test_wall_clock_is_plain_addition(start, minutes):
    assert add_minutes(start, minutes, None) == start + timedelta(minutes=minutes)
    assert working_minutes_between(start, start + timedelta(minutes=minutes), None) == minutes


# What a calendar assures: the bounds a policy is checked against before it is stored

MONDAYS_2026 = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(400)]


def test_running_out_of_working_time_is_its_own_error():
    sliver = Calendar("UTC", frozenset({1}), ((time(9, 0), time(9, 1)),))
    with pytest.raises(NoWorkingTimeError):
        add_minutes(datetime(2026, 1, 1, tzinfo=UTC), 525600, sliver)
    with pytest.raises(NoWorkingTimeError):
        add_minutes(sh(2026, 9, 28), 60, Calendar("Asia/Shanghai", frozenset(), OFFICE))
    assert issubclass(NoWorkingTimeError, ValueError)


def test_no_idle_stretch_in_ordinary_calendars():
    assert idle_stretch(CN) is None
    assert idle_stretch(GOLDEN_WEEK) is None
    a_year_off = frozenset(date(2030, 1, 1) + timedelta(days=n) for n in range(400))
    assert idle_stretch(Calendar("Asia/Shanghai", WEEKDAYS, OFFICE, a_year_off)) is None


def test_holidays_on_every_workday_for_years_are_an_idle_stretch():
    mondays = Calendar("UTC", frozenset({1}), OFFICE, frozenset(MONDAYS_2026))
    first, last = idle_stretch(mondays)  # type: ignore[misc]
    assert first == date(2025, 12, 30)  # the day after the last working Monday, 2025-12-29
    assert (last - first).days + 1 > IDLE_DAYS_ALLOWED
    with pytest.raises(NoWorkingTimeError):
        add_minutes(datetime(2026, 1, 1, tzinfo=UTC), 60, mondays)
    weekends = Calendar("UTC", frozenset({1}), OFFICE,
                        frozenset(d + timedelta(days=5) for d in MONDAYS_2026))
    assert idle_stretch(weekends) is None


def test_an_idle_stretch_just_within_the_limit_is_none():
    days = IDLE_DAYS_ALLOWED
    every_day = frozenset(range(1, 8))
    within = frozenset(date(2030, 1, 1) + timedelta(days=n) for n in range(days))
    assert idle_stretch(Calendar("UTC", every_day, OFFICE, within)) is None
    beyond = within | {date(2030, 1, 1) + timedelta(days=days)}
    assert idle_stretch(Calendar("UTC", every_day, OFFICE, beyond)) is not None


def test_an_idle_stretch_at_the_ends_of_the_calendar_does_not_overflow():
    edges = frozenset({date.min, date.max})
    assert idle_stretch(Calendar("UTC", WEEKDAYS, OFFICE, edges)) is None


def test_a_calendar_of_make_up_days_only_runs_out_after_the_last():
    past = Calendar("Asia/Shanghai", frozenset(), OFFICE,
                    makeup_workdays=frozenset({date(2020, 1, 4), date(2020, 1, 11)}))
    assert idle_stretch(past) == (date(2020, 1, 12), date.max)
    assert assured_minutes(past) == 0


def test_assured_minutes_count_whole_weeks_less_holidays_and_daylight_saving():
    weeks = (30 * 366 - 1) // 7
    plain = assured_minutes(CN)
    assert 0 < plain < weeks * 5 * 420
    assert assured_minutes(GOLDEN_WEEK) == plain - 5 * 420  # five of the seven fall on workdays
    sliver = Calendar("UTC", frozenset({1}), ((time(9, 0), time(9, 1)),))
    assert assured_minutes(sliver) == 0
    assert assured_minutes(Calendar("UTC", WEEKDAYS, ())) == 0


small_calendars = st.builds(
    Calendar,
    timezone=st.sampled_from(ZONES),
    workdays=st.frozensets(st.integers(1, 7), min_size=1, max_size=2),
    hours=st.integers(9 * 60, 20 * 60).flatmap(lambda start: st.integers(1, 90).map(
        lambda length: ((time(start // 60, start % 60),
                         time((start + length) // 60, (start + length) % 60)),))),
    holidays=st.frozensets(window_days, max_size=40),
)


@settings(max_examples=25, deadline=None)
@given(small_calendars, starts)
def test_what_a_calendar_assures_is_always_reached(cal, start):
    assert idle_stretch(cal) is None
    assured = assured_minutes(cal)
    due = add_minutes(start, assured, cal)
    assert due >= start
