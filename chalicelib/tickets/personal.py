"""A person's own data in the ticket context: what they reported, wrote and follow (for their
export) and its erasure (tickets stay, anonymised; their notes stay, detached from them)."""
from __future__ import annotations

from typing import Any

from chalicelib.tickets import store
from chalicelib.tickets.views import Seen, event_view, ticket_view
from chalicelib.tickets.visibility import Relation

AS_REPORTER = Relation(reporter=True)


def export_of(user_id: str) -> dict[str, Any]:
    reported = list(store.reported_by(user_id))
    return {
        "tickets_reported": [ticket_view(Seen(t, AS_REPORTER, user_id)) for t in reported],
        "timeline_entries": [
            {"ticket_id": e.ticket_id, **event_view(e, Seen(_stub(e.ticket_id), AS_REPORTER,
                                                            user_id))}
            for e in store.acts_of(user_id)],
        "following": [{"ticket_id": f.ticket_id, "since": f.since}
                      for f in store.followed_by(user_id)],
    }


def _stub(ticket_id: str) -> Any:
    from chalicelib.tickets.models import Ticket

    return Ticket(ticket_id=ticket_id, reporter_id=None, source="resident")


def erase(user_id: str) -> dict[str, int]:
    """Detach a person from everything they did on tickets. Returns counts."""
    tickets = list(store.reported_by(user_id))
    for t in tickets:
        store.detach_reporter(t)
    acts = list(store.acts_of(user_id))
    for e in acts:
        store.forget_actor(e)
    follows = store.followed_by(user_id)
    for f in follows:
        store.unfollow(f)
    return {"tickets_anonymised": len(tickets), "timeline_entries_detached": len(acts),
            "follows_removed": len(follows)}
