from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.core.errors import InvalidTransitionError
from chalicelib.tickets import lifecycle

ALLOWED = {
    ("acknowledge", "submitted"): "acknowledged",
    ("resolve", "submitted"): "resolved",
    ("resolve", "acknowledged"): "resolved",
    ("reopen", "resolved"): "acknowledged",
    ("close", "resolved"): "closed",
    ("reject", "submitted"): "rejected",
    ("reject", "acknowledged"): "rejected",
    ("duplicate", "submitted"): "duplicate",
    ("duplicate", "acknowledged"): "duplicate",
}


@pytest.mark.parametrize("action", sorted(lifecycle.TRANSITIONS))
@pytest.mark.parametrize("status", lifecycle.STATUSES)
def test_every_action_from_every_status(action, status):
    expected = ALLOWED.get((action, status))
    if expected is None:
        with pytest.raises(InvalidTransitionError) as info:
            lifecycle.next_status(action, status)
        assert info.value.status == status
    else:
        assert lifecycle.next_status(action, status) == expected


def test_terminal_states_accept_nothing():
    for status in ("closed", "rejected", "duplicate"):
        for action in lifecycle.TRANSITIONS:
            with pytest.raises(InvalidTransitionError):
                lifecycle.next_status(action, status)


def test_public_staff_comment_is_first_response():
    assert lifecycle.comment_status("submitted", by_staff=True, public=True) == "acknowledged"
    assert lifecycle.comment_status("submitted", by_staff=True, public=False) == "submitted"
    assert lifecycle.comment_status("submitted", by_staff=False, public=True) == "submitted"
    assert lifecycle.comment_status("resolved", by_staff=True, public=True) == "resolved"


def test_reopen_window_is_seven_days():
    resolved = datetime(2026, 11, 1, tzinfo=timezone.utc)
    assert lifecycle.reopen_allowed(resolved, resolved + timedelta(days=7))
    assert not lifecycle.reopen_allowed(resolved, resolved + timedelta(days=7, seconds=1))
