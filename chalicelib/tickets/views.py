"""What a given viewer may see of tickets: identities by SPEC 10 (``disclosure``), internal
notes for staff only, short-lived photo URLs and the live SLA countdown. REST and Open311 both
render from here."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.core.timeutil import utcnow
from chalicelib.tickets import disclosure, photos, sla
from chalicelib.tickets.models import Ticket, TicketEvent
from chalicelib.tickets.visibility import Relation


@dataclass(frozen=True)
class Seen:
    """A ticket as one viewer may see it."""

    ticket: Ticket
    relation: Relation
    viewer_id: str


@dataclass(frozen=True)
class Detail(Seen):
    events: list[TicketEvent] = field(default_factory=list)

    @property
    def visible_events(self) -> list[TicketEvent]:
        return [e for e in self.events if e.public or self.relation.staff]


@dataclass(frozen=True)
class Page:
    items: list[Seen]
    next_cursor: str | None


@dataclass(frozen=True)
class Created:
    seen: Seen
    uploads: list[dict[str, Any]]


def reporter_of(seen: Seen) -> dict[str, Any] | None:
    t = seen.ticket
    person = disclosure.Person(t.reporter_id, t.reporter_name, t.reporter_phone)
    return disclosure.shown(person, disclosure.of_reporter(t, seen.relation))


def actor_of(event: TicketEvent, seen: Seen) -> dict[str, Any]:
    shown = disclosure.shown(disclosure.Person(event.actor_id, event.actor_name),
                             disclosure.of_actor(event, seen.ticket, seen.relation,
                                                 seen.viewer_id))
    actor: dict[str, Any] = {"role": event.actor_role}
    if shown:
        actor.update({k: v for k, v in shown.items() if k != "phone" and v is not None})
    return actor


def location_of(ticket: Ticket) -> dict[str, Any]:
    location = ticket.location
    raw = location.as_dict() if hasattr(location, "as_dict") else dict(location)
    return {k: v for k, v in raw.items() if v is not None}


def ticket_view(seen: Seen, now: datetime | None = None) -> dict[str, Any]:
    t = seen.ticket
    view: dict[str, Any] = {
        "ticket_id": t.ticket_id,
        "community_id": t.community_id,
        "category": t.category,
        "description": t.description,
        "location": location_of(t),
        "grid_id": t.grid_id,
        "status": t.status,
        "source": t.source,
        "anonymous": bool(t.anonymous),
        "private": bool(t.private),
        "created_at": t.created_at,
        "updated_at": t.updated_at,
        "sla": sla.live(t, now or utcnow()),
        "photos": photos.represent_all(t, now),
        "followers": int(t.followers or 0),
        "latest_public_note": t.latest_public_note,
        "rating": int(t.rating) if t.rating is not None else None,
        "duplicate_of": t.duplicate_of,
        "acknowledged_at": t.acknowledged_at,
        "resolved_at": t.resolved_at,
        "closed_at": t.closed_at,
    }
    reporter = reporter_of(seen)
    if reporter is not None:
        view["reporter"] = {k: v for k, v in reporter.items() if v is not None or k == "name"}
    return view


def event_view(event: TicketEvent, seen: Seen) -> dict[str, Any]:
    return {"at": event.at, "actor": actor_of(event, seen), "action": event.action,
            "note": event.note, "public": bool(event.public), "from_status": event.from_status,
            "to_status": event.to_status}


def detail_view(detail: Detail, now: datetime | None = None) -> dict[str, Any]:
    view = ticket_view(detail, now)
    view["timeline"] = [event_view(e, detail) for e in detail.visible_events]
    return view


def page_view(page: Page, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    return {"items": [ticket_view(s, now) for s in page.items], "next_cursor": page.next_cursor}


def created_view(created: Created) -> dict[str, Any]:
    return {"ticket": ticket_view(created.seen), "uploads": created.uploads}


def views_of(items: Iterable[Seen], now: datetime | None = None) -> list[dict[str, Any]]:
    now = now or utcnow()
    return [ticket_view(s, now) for s in items]
