"""PM2.5 hysteresis as a pure function, by example and over random reading sequences."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.devices.hysteresis import State, Step, Thresholds, already_applied, step

LIMITS = Thresholds(activate=75, clear=65, consecutive=3, run_s=900)
T0 = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)


def run(values: Sequence[float], minutes: float = 1, limits: Thresholds = LIMITS) -> list[Step]:
    state, steps = State(), []
    for i, value in enumerate(values):
        result = step(state, value, T0 + timedelta(minutes=i * minutes), limits)
        steps.append(result)
        state = result.state
    return steps


def actions(values: Sequence[float], minutes: float = 1) -> list[str | None]:
    return [s.action for s in run(values, minutes)]


def test_three_consecutive_highs_start_the_sprayers() -> None:
    assert actions([80, 75, 90]) == [None, None, "start"]
    assert run([80, 75, 90])[-1].state.active


def test_two_highs_then_a_low_start_nothing() -> None:
    assert actions([80, 80, 50, 80, 80]) == [None] * 5
    assert not run([80, 80, 50, 80, 80])[-1].state.active


def test_a_reading_between_the_thresholds_breaks_a_run_of_highs() -> None:
    assert actions([80, 80, 70, 80, 80, 80]) == [None, None, None, None, None, "start"]


def test_below_clear_stops_and_between_thresholds_keeps_spraying() -> None:
    assert actions([80, 80, 80, 70, 66, 65, 64.9]) == [None, None, "start", None, None, None,
                                                       "stop"]
    assert run([80, 80, 80, 64])[-1].state == State()


def test_a_long_episode_renews_the_run_once_it_has_elapsed() -> None:
    # readings every 5 minutes, the sprayers' run lasts 15: renewed at 15 and 30 minutes
    assert actions([80] * 3 + [90] * 6, minutes=5) == [
        None, None, "start", None, None, "renew", None, None, "renew"]


def test_after_a_stop_three_new_highs_are_needed() -> None:
    assert actions([80, 80, 80, 10, 80, 80, 80]) == [None, None, "start", "stop", None, None,
                                                     "start"]


def test_one_reading_activates_when_the_policy_says_so() -> None:
    limits = Thresholds(activate=100, clear=50, consecutive=1, run_s=60)
    assert step(State(), 100, T0, limits).action == "start"
    assert step(State(), 99.9, T0, limits).action is None


readings = st.lists(st.floats(min_value=0, max_value=300, allow_nan=False), max_size=60)


@settings(max_examples=300, deadline=None)
@given(readings, st.integers(min_value=1, max_value=5))
def test_random_sequences_keep_the_hysteresis(values: list[float], consecutive: int) -> None:
    limits = Thresholds(activate=75, clear=65, consecutive=consecutive, run_s=900)
    state = State()
    active = False
    run_of_highs = 0
    for i, value in enumerate(values):
        result = step(state, value, T0 + timedelta(minutes=i), limits)
        run_of_highs = run_of_highs + 1 if value >= 75 else 0
        if result.action == "start":
            # only from inactive, after `consecutive` highs in a row ending with this one
            assert not active and run_of_highs >= consecutive
        if result.action == "stop":
            assert active and value < 65
        if result.action == "renew":
            assert active and value >= 75
        if active and result.action != "stop":
            assert result.state.active, "only a reading below clear ends an episode"
        if not active and result.action != "start":
            assert not result.state.active
            assert result.state.highs == (run_of_highs if value >= 75 else 0)
        # starts and stops alternate: a stop never without a start before it
        active = result.state.active
        state = result.state
    assert active == state.active


@settings(max_examples=200, deadline=None)
@given(readings)
def test_commands_alternate_start_and_stop(values: list[float]) -> None:
    sent = [a for a in actions(values) if a in ("start", "stop")]
    assert all(a != b for a, b in zip(sent, sent[1:], strict=False))
    assert not sent or sent[0] == "start"


DAY_MS = 24 * 3600 * 1000


@pytest.mark.parametrize(("last_seq", "last_ms", "seq", "received_ms", "applied"), [
    (None, None, 1, 1000, False),  # nothing applied yet
    (4, 1000, 5, 2000, False),  # the next reading
    (4, 1000, 4, 2000, True),  # the same reading again
    (4, 1000, 3, 2000, True),  # an older one, late: it would break the run of readings
    (4, 1000, 1, 1000 + DAY_MS, True),  # a restarted count within the window
    (4, 1000, 1, 1001 + DAY_MS, False),  # ... heard again once the window has passed
    (4, None, 4, 2000, False),  # a state written before readings were claimed with it
])
def test_a_reading_is_applied_once(last_seq: int | None, last_ms: int | None, seq: int,
                                   received_ms: int, applied: bool) -> None:
    assert already_applied(last_seq, last_ms, seq, received_ms, DAY_MS) is applied
