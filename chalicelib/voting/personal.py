"""A person's own data in the voting context (SPEC 10): the ballot versions they cast, or that
staff entered on their behalf, for their export; and its erasure. Ballots stay, detached: each
version keeps its choice and stays counted, without the person's id, and the person leaves the
members of the rolls they were on (their voter, its units and ballot stay)."""
from __future__ import annotations

from typing import Any

from chalicelib.voting import store


def export_of(user_id: str) -> dict[str, Any]:
    return {"ballots": [
        {"poll_id": b.poll_id, "version": int(b.version), "choice": b.choice, "at": b.at,
         "channel": b.channel, "receipt": b.receipt}
        for b in store.ballots_of(user_id)]}


def erase(user_id: str) -> dict[str, int]:
    """Safe to run twice or at once: each step is conditional. Returns counts."""
    detached = [b for b in store.ballots_of(user_id) if store.detach_ballot(b)]
    places = [k for k in store.places_of(user_id) if store.leave_roll(k)]
    return {"ballots_detached": len(detached), "roll_places_left": len(places)}
