"""The ticket lifecycle as pure rules: which action moves which status where, and who may act."""
from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.core.errors import InvalidTransitionError

SUBMITTED = "submitted"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"
CLOSED = "closed"
REJECTED = "rejected"
DUPLICATE = "duplicate"
STATUSES = (SUBMITTED, ACKNOWLEDGED, RESOLVED, CLOSED, REJECTED, DUPLICATE)
OPEN_STATUSES = frozenset({SUBMITTED, ACKNOWLEDGED})
REOPEN_WINDOW = timedelta(days=7)

TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "acknowledge": (frozenset({SUBMITTED}), ACKNOWLEDGED),
    "resolve": (frozenset({SUBMITTED, ACKNOWLEDGED}), RESOLVED),
    "reopen": (frozenset({RESOLVED}), ACKNOWLEDGED),
    "close": (frozenset({RESOLVED}), CLOSED),
    "reject": (frozenset({SUBMITTED, ACKNOWLEDGED}), REJECTED),
    "duplicate": (frozenset({SUBMITTED, ACKNOWLEDGED}), DUPLICATE),
}
STAFF_ACTIONS = frozenset({"acknowledge", "resolve", "reject", "duplicate"})
ACCOUNTABLE_ACTIONS = frozenset({"resolve", "reject", "duplicate"})
"""Staff actions a grid worker may not take: they acknowledge and comment only."""


def next_status(action: str, current: str) -> str:
    """The status ``action`` leads to from ``current``. Raises InvalidTransitionError."""
    allowed_from, to = TRANSITIONS[action]
    if current not in allowed_from:
        raise InvalidTransitionError(action, current)
    return to


def comment_status(current: str, by_staff: bool, public: bool) -> str:
    """A public comment by staff on a submitted ticket is its first response."""
    if current == SUBMITTED and by_staff and public:
        return ACKNOWLEDGED
    return current


def reopen_allowed(resolved_at: datetime, now: datetime) -> bool:
    return now - resolved_at <= REOPEN_WINDOW
