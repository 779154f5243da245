"""PM2.5 with hysteresis (SPEC 6), as a pure function of the sensor's state and one reading.

``consecutive`` readings in a row at or above ``activate`` activate the alarm and start the
sprayers; while active, a reading below ``clear`` stops them and clears the alarm, and readings in
between change nothing. Any reading below ``activate`` breaks a run of highs. While active, a high
reading after the sprayers' run has elapsed starts them again (they stop by themselves after
``duration_s``), so spraying lasts as long as the air stays bad.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

Action = Literal["start", "renew", "stop"]


@dataclass(frozen=True)
class Thresholds:
    activate: float
    clear: float
    consecutive: int
    run_s: int


@dataclass(frozen=True)
class State:
    highs: int = 0
    active: bool = False
    started_at: datetime | None = None


@dataclass(frozen=True)
class Step:
    state: State
    action: Action | None
    high: bool


def step(state: State, value: float, at: datetime, limits: Thresholds) -> Step:
    """The state after one reading and the command it calls for (None: nothing to send)."""
    high = value >= limits.activate
    if state.active:
        if value < limits.clear:
            return Step(State(), "stop", high)
        started = state.started_at
        if high and (started is None or at - started >= timedelta(seconds=limits.run_s)):
            return Step(replace(state, started_at=at), "renew", high)
        return Step(state, None, high)
    if not high:
        return Step(State(), None, high)
    highs = state.highs + 1
    if highs >= limits.consecutive:
        return Step(State(highs=0, active=True, started_at=at), "start", high)
    return Step(State(highs=highs), None, high)


def already_applied(last_seq: int | None, last_received_ms: int | None, seq: int,
                    received_ms: int, window_ms: int) -> bool:
    """Whether a reading was applied to the state already: its ``seq`` is not after the last
    one applied, and that one is recent (a device keeps ``seq`` increasing; one that restarts
    its count is heard again once ``window_ms`` has passed). A reading older than the last one
    applied would break the run of consecutive readings: it is not applied either."""
    if last_seq is None or last_received_ms is None:
        return False
    return seq <= last_seq and last_received_ms >= received_ms - window_ms
