"""The sliding window as pure arithmetic: which hits still count, and how long until a refused
user may try again."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from chalicelib.core.errors import RateLimitedError
from chalicelib.tickets.ratelimit import Hit, admit, counted, retry_after

HOUR = 3600
ELEVEN = datetime(2026, 3, 2, 11, 0, tzinfo=timezone.utc).timestamp()


def hits_at(*seconds_before_eleven: float) -> list[Hit]:
    return [Hit(f"h{i}", ELEVEN - s) for i, s in enumerate(seconds_before_eleven)]


def test_hits_count_for_exactly_one_window_after_them() -> None:
    hits = hits_at(HOUR + 1, HOUR, HOUR - 1, 60, 0)
    assert [h.token for h in counted(hits, ELEVEN, HOUR)] == ["h2", "h3", "h4"]


def test_counted_hits_are_oldest_first_whatever_the_stored_order() -> None:
    hits = hits_at(10, 30, 20)
    assert [h.at for h in counted(hits, ELEVEN, HOUR)] == sorted(h.at for h in hits)


def test_retry_after_is_when_the_oldest_counted_hit_leaves() -> None:
    inside = counted(hits_at(120, 60), ELEVEN, HOUR)
    assert retry_after(inside, ELEVEN, HOUR) == HOUR - 120
    assert retry_after(counted(hits_at(HOUR - 0.2), ELEVEN, HOUR), ELEVEN, HOUR) == 1
    assert retry_after([], ELEVEN, HOUR) == HOUR


def test_twenty_in_a_minute_then_the_twenty_first_waits_for_the_first() -> None:
    hits: list[Hit] = []
    for n in range(20):
        hits = admit(hits, 20, ELEVEN + 3 * n, HOUR, f"t{n}")
    assert len(hits) == 20
    with pytest.raises(RateLimitedError) as refused:
        admit(hits, 20, ELEVEN + 60, HOUR, "t20", "tickets")
    assert refused.value.retry_after_s == HOUR - 60
    assert str(refused.value) == "at most 20 tickets in any 60 minutes"


def test_a_clock_hour_boundary_does_not_reset_the_window() -> None:
    hits: list[Hit] = []
    for n in range(20):
        hits = admit(hits, 20, ELEVEN - 60 + n, HOUR, f"t{n}")  # 10:59:00..10:59:19
    with pytest.raises(RateLimitedError) as refused:
        admit(hits, 20, ELEVEN + 60, HOUR, "late")                 # 11:01:00
    assert refused.value.retry_after_s == HOUR - 120
    after = admit(hits, 20, ELEVEN - 60 + HOUR + 0.5, HOUR, "next")  # 11:59:00.5
    assert [h.token for h in after][-2:] == ["t19", "next"]
    assert len(after) == 20


def test_admitting_prunes_what_left_the_window() -> None:
    old = hits_at(2 * HOUR, HOUR + 5)
    assert admit(old, 1, ELEVEN, HOUR, "new") == [Hit("new", ELEVEN)]


def test_a_limit_of_zero_refuses_everything() -> None:
    with pytest.raises(RateLimitedError) as refused:
        admit([], 0, ELEVEN, HOUR, "t")
    assert refused.value.retry_after_s == HOUR
