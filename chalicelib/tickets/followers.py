"""'Me too': following a ticket instead of reporting the same problem again."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.core.timeutil import iso, utcnow
from chalicelib.identity.caller import REPORTER_ROLES, Caller
from chalicelib.tickets import store
from chalicelib.tickets.visibility import load_visible, viewer


@dataclass(frozen=True)
class Following:
    ticket_id: str
    added: bool
    followers: int


def follow_ticket(caller: Caller, ticket_id: str, now: datetime | None = None) -> Following:
    """Follow a ticket the caller can see. Following twice changes nothing.

    Raises ForbiddenError (not a resident), NotFoundError.
    """
    caller.require(*REPORTER_ROLES)
    ticket, _ = load_visible(viewer(caller), ticket_id)
    added = store.follow(ticket_id, caller.user_id, iso(now or utcnow()))
    return Following(ticket_id, added, int(ticket.followers or 0) + int(added))
