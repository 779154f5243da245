"""Pure rules of the task board: the transition table, who may act, what the viewer may do.

``open`` → ``accepted`` (one taker, first wins) → ``delivered`` → ``confirmed`` (escrow
released to the taker; also automatically ``AUTO_CONFIRM_AFTER`` after delivery);
``cancelled`` (escrow refunded to the poster): before acceptance by the poster, after it with
both parties' consent or by community staff; ``disputed`` by either party after acceptance,
then community staff settle it to the taker (``confirmed``) or to the poster (``cancelled``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from chalicelib.core.errors import ForbiddenError, InvalidTransitionError

OPEN, ACCEPTED, DELIVERED = "open", "accepted", "delivered"
CONFIRMED, CANCELLED, DISPUTED = "confirmed", "cancelled", "disputed"
STATUSES = (OPEN, ACCEPTED, DELIVERED, CONFIRMED, CANCELLED, DISPUTED)
TERMINAL = frozenset({CONFIRMED, CANCELLED})
KINDS = ("request", "offer")
AUTO_CONFIRM_AFTER = timedelta(days=3)
MAX_REWARD = 10_000

# poster, taker: the parties; staff: the community's office (and admins); resident: any other
# resident of the community; viewer: anyone else who may see the board (other staff).
Relation = Literal["poster", "taker", "staff", "resident", "viewer"]
Action = Literal["accept", "deliver", "confirm", "cancel", "dispute", "settle", "autoconfirm"]
Payout = Literal["taker", "poster"]
PARTIES = ("poster", "taker")

# (action, from status) -> status after it
TABLE: dict[tuple[str, str], str] = {
    ("accept", OPEN): ACCEPTED,
    ("deliver", ACCEPTED): DELIVERED,
    ("confirm", DELIVERED): CONFIRMED,
    ("autoconfirm", DELIVERED): CONFIRMED,
    ("cancel", OPEN): CANCELLED,
    ("cancel", ACCEPTED): CANCELLED,
    ("cancel", DELIVERED): CANCELLED,
    ("dispute", ACCEPTED): DISPUTED,
    ("dispute", DELIVERED): DISPUTED,
    ("settle", DISPUTED): CONFIRMED,
}
ACTORS: dict[str, frozenset[str]] = {
    "accept": frozenset({"resident"}),
    "deliver": frozenset({"taker"}),
    "confirm": frozenset({"poster"}),
    "autoconfirm": frozenset({"system"}),
    "cancel": frozenset({"poster", "taker", "staff"}),
    "dispute": frozenset({"poster", "taker"}),
    "settle": frozenset({"staff"}),
}


class InvalidTaskTransitionError(InvalidTransitionError):
    """409 naming the task's status."""

    def __init__(self, action: str, status: str, reason: str | None = None) -> None:
        super().__init__(action, status, reason or f"cannot {action} a task that is {status}")


@dataclass(frozen=True)
class Decision:
    """``apply``: move to ``to_status`` (paying out ``payout`` when the task holds points);
    ``consent``: record the actor's consent to cancel; ``already``: the actor's own earlier
    request did this (a retry): nothing to do."""

    outcome: Literal["apply", "consent", "already"]
    to_status: str | None = None
    payout: Payout | None = None


def payout_of(to_status: str) -> Payout | None:
    return {CONFIRMED: "taker", CANCELLED: "poster"}.get(to_status)  # type: ignore[return-value]


def _refuse_actor(action: str, relation: str) -> None:
    if action == "accept" and relation == "poster":
        raise ForbiddenError("the poster cannot accept their own task")
    if relation in ("resident", "viewer"):
        raise ForbiddenError(f"only {' or '.join(sorted(ACTORS[action]))} may {action} a task")
    raise ForbiddenError(f"the {relation} may not {action} this task")


def decide(action: str, status: str, relation: str, consents: frozenset[str] = frozenset(),
           settle_to: Payout | None = None, settled_to: str | None = None) -> Decision:
    """What ``action`` by someone of ``relation`` does to a task in ``status``.
    Raises ForbiddenError (not theirs to do), InvalidTaskTransitionError (not now)."""
    if action not in ACTORS:
        raise ValueError(action)
    if relation not in ACTORS[action]:
        if action == "accept" and relation == "taker":
            return Decision("already")
        _refuse_actor(action, relation)
    if action == "settle":
        return _settle(status, settle_to, settled_to)
    target = TABLE.get((action, status))
    if target is None:
        if _repeated(action, status):
            return Decision("already")
        raise InvalidTaskTransitionError(action, status)
    if action == "cancel" and status != OPEN and relation in PARTIES:
        others = set(PARTIES) - {relation}
        if not others <= consents:
            return Decision("already" if relation in consents else "consent")
    if action == "cancel" and status == OPEN and relation == "taker":
        raise InvalidTaskTransitionError(action, status)
    return Decision("apply", target, payout_of(target))


def _repeated(action: str, status: str) -> bool:
    """A retry of the actor's own request that already took effect."""
    return ((action == "deliver" and status == DELIVERED)
            or (action == "confirm" and status == CONFIRMED)
            or (action == "cancel" and status == CANCELLED)
            or (action == "dispute" and status == DISPUTED))


def _settle(status: str, to: Payout | None, settled_to: str | None) -> Decision:
    if to is None:
        raise ValueError("settle needs a side")
    if status == DISPUTED:
        target = CONFIRMED if to == "taker" else CANCELLED
        return Decision("apply", target, to)
    if status in TERMINAL and settled_to == to:
        return Decision("already")
    raise InvalidTaskTransitionError("settle", status)


def may_rate(status: str, has_taker: bool) -> bool:
    """Both sides rate once the task is over, if someone took it."""
    return has_taker and status in TERMINAL


def rater_side(relation: str) -> str:
    """Raises ForbiddenError unless a party rates."""
    if relation not in PARTIES:
        raise ForbiddenError("only the poster and the taker rate a task")
    return relation


def available(status: str, relation: str, consents: frozenset[str], rated: frozenset[str],
              has_taker: bool) -> list[str]:
    """The actions the viewer may take now (for clients to offer)."""
    found = []
    for action in ("accept", "deliver", "confirm", "cancel", "dispute"):
        if relation in ACTORS[action] and (action, status) in TABLE:
            if action == "cancel" and status == OPEN and relation == "taker":
                continue
            if action == "cancel" and status != OPEN and relation in consents:
                continue
            found.append(action)
    if relation == "staff" and status == DISPUTED:
        found.append("settle")
    if relation in PARTIES and may_rate(status, has_taker) and relation not in rated:
        found.append("rating")
    return found
