"""The task board's transition table and who may act (pure rules)."""
from __future__ import annotations

import pytest

from chalicelib.core.errors import ForbiddenError
from chalicelib.tasks import rules
from chalicelib.tasks.rules import (
    ACCEPTED,
    CANCELLED,
    CONFIRMED,
    DELIVERED,
    DISPUTED,
    OPEN,
    Decision,
    InvalidTaskTransitionError,
    decide,
)

NOBODY: frozenset[str] = frozenset()


@pytest.mark.parametrize("action, status, relation, expected", [
    ("accept", OPEN, "resident", Decision("apply", ACCEPTED)),
    ("deliver", ACCEPTED, "taker", Decision("apply", DELIVERED)),
    ("confirm", DELIVERED, "poster", Decision("apply", CONFIRMED, "taker")),
    ("autoconfirm", DELIVERED, "system", Decision("apply", CONFIRMED, "taker")),
    ("cancel", OPEN, "poster", Decision("apply", CANCELLED, "poster")),
    ("cancel", OPEN, "staff", Decision("apply", CANCELLED, "poster")),
    ("cancel", ACCEPTED, "staff", Decision("apply", CANCELLED, "poster")),
    ("cancel", DELIVERED, "staff", Decision("apply", CANCELLED, "poster")),
    ("cancel", ACCEPTED, "poster", Decision("consent")),
    ("cancel", DELIVERED, "taker", Decision("consent")),
    ("dispute", ACCEPTED, "taker", Decision("apply", DISPUTED)),
    ("dispute", DELIVERED, "poster", Decision("apply", DISPUTED)),
])
def test_the_transition_table(action: str, status: str, relation: str,
                              expected: Decision) -> None:
    assert decide(action, status, relation) == expected


def test_cancellation_after_acceptance_needs_the_other_party_too() -> None:
    assert decide("cancel", ACCEPTED, "taker", frozenset({"poster"})) == Decision(
        "apply", CANCELLED, "poster")
    assert decide("cancel", ACCEPTED, "poster", frozenset({"poster"})) == Decision("already")


@pytest.mark.parametrize("action, status, relation", [
    ("accept", ACCEPTED, "taker"), ("deliver", DELIVERED, "taker"),
    ("confirm", CONFIRMED, "poster"), ("cancel", CANCELLED, "poster"),
    ("cancel", CANCELLED, "staff"), ("dispute", DISPUTED, "taker"),
])
def test_a_retry_of_ones_own_request_is_already_done(action: str, status: str,
                                                     relation: str) -> None:
    assert decide(action, status, relation) == Decision("already")


@pytest.mark.parametrize("action, status, relation", [
    ("accept", ACCEPTED, "resident"), ("accept", CANCELLED, "resident"),
    ("deliver", OPEN, "taker"), ("confirm", ACCEPTED, "poster"),
    ("confirm", DISPUTED, "poster"), ("dispute", OPEN, "poster"),
    ("dispute", CONFIRMED, "taker"), ("cancel", CONFIRMED, "staff"),
    ("cancel", DISPUTED, "poster"), ("autoconfirm", CONFIRMED, "system"),
    ("autoconfirm", DISPUTED, "system"), ("deliver", CONFIRMED, "taker"),
])
def test_out_of_order_is_a_conflict_naming_the_status(action: str, status: str,
                                                      relation: str) -> None:
    with pytest.raises(InvalidTaskTransitionError) as refused:
        decide(action, status, relation)
    assert refused.value.status == status


@pytest.mark.parametrize("action, relation", [
    ("accept", "poster"), ("accept", "staff"), ("accept", "viewer"),
    ("deliver", "poster"), ("deliver", "resident"), ("confirm", "taker"),
    ("confirm", "staff"), ("dispute", "resident"), ("dispute", "staff"),
    ("settle", "poster"), ("settle", "taker"), ("cancel", "resident"),
    ("autoconfirm", "staff"),
])
def test_who_may_act(action: str, relation: str) -> None:
    with pytest.raises(ForbiddenError):
        decide(action, OPEN, relation, settle_to="taker")


def test_the_poster_is_told_they_cannot_take_their_own_task() -> None:
    with pytest.raises(ForbiddenError, match="own task"):
        decide("accept", OPEN, "poster")


def test_staff_settle_a_dispute_either_way_once() -> None:
    assert decide("settle", DISPUTED, "staff", settle_to="taker") == Decision(
        "apply", CONFIRMED, "taker")
    assert decide("settle", DISPUTED, "staff", settle_to="poster") == Decision(
        "apply", CANCELLED, "poster")
    assert decide("settle", CONFIRMED, "staff", settle_to="taker",
                  settled_to="taker") == Decision("already")
    with pytest.raises(InvalidTaskTransitionError):
        decide("settle", CONFIRMED, "staff", settle_to="poster", settled_to="taker")
    with pytest.raises(InvalidTaskTransitionError):
        decide("settle", DELIVERED, "staff", settle_to="taker")
    with pytest.raises(InvalidTaskTransitionError):
        decide("settle", CONFIRMED, "staff", settle_to="taker", settled_to=None)


def test_every_payout_leaves_escrow_for_one_side() -> None:
    for (action, status), target in rules.TABLE.items():
        assert (rules.payout_of(target) is not None) == (target in rules.TERMINAL), (
            action, status)


def test_ratings_come_once_the_task_is_over_and_taken() -> None:
    assert rules.may_rate(CONFIRMED, True) and rules.may_rate(CANCELLED, True)
    assert not rules.may_rate(CANCELLED, False)
    assert not rules.may_rate(DELIVERED, True)
    assert rules.rater_side("taker") == "taker"
    with pytest.raises(ForbiddenError):
        rules.rater_side("staff")


@pytest.mark.parametrize("status, relation, consents, rated, taken, expected", [
    (OPEN, "poster", NOBODY, NOBODY, False, ["cancel"]),
    (OPEN, "resident", NOBODY, NOBODY, False, ["accept"]),
    (OPEN, "staff", NOBODY, NOBODY, False, ["cancel"]),
    (ACCEPTED, "taker", NOBODY, NOBODY, True, ["deliver", "cancel", "dispute"]),
    (ACCEPTED, "poster", frozenset({"poster"}), NOBODY, True, ["dispute"]),
    (DELIVERED, "poster", NOBODY, NOBODY, True, ["confirm", "cancel", "dispute"]),
    (DISPUTED, "staff", NOBODY, NOBODY, True, ["settle"]),
    (CONFIRMED, "poster", NOBODY, NOBODY, True, ["rating"]),
    (CONFIRMED, "poster", NOBODY, frozenset({"poster"}), True, []),
    (CONFIRMED, "resident", NOBODY, NOBODY, True, []),
])
def test_what_a_viewer_may_do_now(status: str, relation: str, consents: frozenset[str],
                                  rated: frozenset[str], taken: bool,
                                  expected: list[str]) -> None:
    assert rules.available(status, relation, consents, rated, taken) == expected
