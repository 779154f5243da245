"""Pure parts of the SLA engine: checkpoint planning, which checkpoint a moment reaches, and the
counter arithmetic behind the statistics."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core.timeutil import iso, iso_ceil_second
from chalicelib.tickets import sla, stats
from chalicelib.tickets.escalation import _reached
from chalicelib.tickets.sla_policy import default_policy

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)


def test_plan_has_warnings_then_the_due_time():
    clock = sla.plan(default_policy(), "noise", 0, "respond", T0, T0)
    assert [c - T0 for c in clock.checkpoints] == [timedelta(hours=3),
                                                   timedelta(hours=4, minutes=30),
                                                   timedelta(hours=6)]
    assert clock.stage == 0 and clock.next_check == T0 + timedelta(hours=3)


def test_plan_skips_warnings_already_past_but_never_the_due_time():
    late = sla.plan(default_policy(), "noise", 0, "resolve", T0, T0 + timedelta(hours=60))
    assert late.next_check == late.due and late.at_due
    overdue = sla.plan(default_policy(), "noise", 0, "resolve", T0, T0 + timedelta(days=9))
    assert overdue.at_due and overdue.due < T0 + timedelta(days=9)


def test_levels_use_their_own_targets():
    level1 = sla.plan(default_policy(), "noise", 1, "respond", T0, T0)
    assert level1.due - T0 == timedelta(minutes=240)


@given(st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=5),
       st.integers(min_value=-100, max_value=20_000))
def test_reached_is_the_latest_passed_checkpoint(offsets, now_min):
    checkpoints = [iso(T0 + timedelta(minutes=m)) for m in sorted(set(offsets))]
    now = T0 + timedelta(minutes=now_min)
    stage = _reached(checkpoints, 0, now)
    passed = [i for i, c in enumerate(checkpoints) if T0 + timedelta(
        minutes=sorted(set(offsets))[i]) <= now]
    assert stage == (passed[-1] if passed else 0)


def test_ceil_to_second():
    assert iso_ceil_second(T0) == "2026-11-02T01:00:00.000Z"
    assert iso_ceil_second(T0 + timedelta(milliseconds=1)) == "2026-11-02T01:00:01.000Z"


def ticket(**kw):
    base = dict(community_id="c", category="noise", grid_id="g1", estate_id="e1",
                source="resident", escalation_level=0, breached_final=False, supervised=False)
    return SimpleNamespace(**(base | kw))


def test_resolution_counts_once_in_exactly_one_of_the_two_outcomes():
    for level, supervised, outcome in ((0, False, "in_time"), (2, False, "supervised"),
                                       (0, True, "supervised")):
        bumps = stats.on_resolve(ticket(escalation_level=level), T0, "Asia/Shanghai",
                                 supervised)
        day = [b for b in bumps if b.bucket.startswith("day:")]
        assert {(b.metric, b.delta) for b in day} == {("handled", 1), (outcome, 1)}


def test_reopen_posts_its_reversal_on_the_day_of_the_reopen():
    reopened = T0 + timedelta(days=3)
    for t, outcome in ((ticket(escalation_level=1), "supervised"),
                       (ticket(supervised=True), "supervised"), (ticket(), "in_time")):
        undone = stats.on_reopen(t, reopened, "Asia/Shanghai")
        assert {(b.metric, b.delta, b.bucket) for b in undone if b.bucket.startswith("day:")} == {
            ("handled", -1, "day:2026-11-05"), (outcome, -1, "day:2026-11-05"),
            ("reopened", 1, "day:2026-11-05")}


def test_day_buckets_follow_the_community_time_zone():
    late_evening_utc = datetime(2026, 11, 2, 17, 30, tzinfo=timezone.utc)
    assert stats.day_bucket(late_evening_utc, "Asia/Shanghai") == "day:2026-11-03"
    assert stats.day_bucket(late_evening_utc, "UTC") == "day:2026-11-02"


def test_deltas_count_each_day_in_its_month_and_every_dimension():
    out = stats.deltas(ticket(), stats.on_create(ticket(), T0, "Asia/Shanghai"))
    assert out["day:2026-11-02"] == out["month:2026-11"] == {
        "created": 1, "created#category#noise": 1, "created#grid#g1": 1, "created#estate#e1": 1}
    assert out["current"]["open"] == 1
    device = stats.deltas(ticket(source="device"), stats.on_create(ticket(), T0, "UTC"))
    assert "device_created" in device["day:2026-11-02"]


@given(st.lists(st.floats(min_value=0, max_value=30 * 86400), min_size=1, max_size=60))
def test_median_from_histogram_brackets_the_true_median(samples):
    histogram: dict[int, float] = {}
    for s in samples:
        histogram[stats.response_bucket(s)] = histogram.get(stats.response_bucket(s), 0) + 1
    estimate = stats.median_from_histogram(histogram)
    ordered = sorted(samples)
    lower_median = ordered[(len(ordered) - 1) // 2]
    assert estimate is not None and estimate >= lower_median
    assert estimate == stats.response_bucket(lower_median)


def test_response_buckets_are_upper_bounds():
    assert stats.response_bucket(0) == 60 and stats.response_bucket(61) == 120
    assert stats.response_bucket(7 * 86400 + 1) == 14 * 86400
    assert stats.median_from_histogram({}) is None
