"""A person's own data in the ticket context: what they reported, wrote and follow (for their
export) and its erasure (tickets stay, anonymised; their notes stay, detached from them)."""
from __future__ import annotations

from typing import Any

from chalicelib.tickets import store
from chalicelib.tickets.views import Seen, ticket_view
from chalicelib.tickets.visibility import Relation

AS_REPORTER = Relation(reporter=True)


def export_of(user_id: str) -> dict[str, Any]:
    reported = list(store.reported_by(user_id))
    return {
        "tickets_reported": [ticket_view(Seen(t, AS_REPORTER, user_id)) for t in reported],
        "timeline_entries": [
            {"ticket_id": e.ticket_id, "at": e.at, "action": e.action, "note": e.note,
             "public": bool(e.public), "role": e.actor_role}
            for e in store.acts_of(user_id)],
        "following": [{"ticket_id": f.ticket_id, "since": f.since}
                      for f in store.followed_by(user_id)],
    }


def erase(user_id: str) -> dict[str, int]:
    """Detach a person from what they did on tickets as a resident. Acts in a staff capacity
    stay attributed: they are the office's record, not the person's private data. Safe to run
    twice or at once: each step is conditional. Returns counts."""
    tickets = list(store.reported_by(user_id))
    for t in tickets:
        store.detach_reporter(t)
    acts = [e for e in store.acts_of(user_id) if e.actor_role == "resident"]
    for e in acts:
        store.forget_actor(e)
    follows = [f for f in store.followed_by(user_id) if store.unfollow(f)]
    return {"tickets_anonymised": len(tickets), "timeline_entries_detached": len(acts),
            "follows_removed": len(follows)}
