"""Notifications: what reaches the people responsible for a ticket, and its reporter and
followers. Staff read the inbox of their party (company, grid, community office, street office);
residents read their own."""
from __future__ import annotations

import heapq
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.core.ids import new_id
from chalicelib.core.paging import decode_cursor, encode_cursor
from chalicelib.core.timeutil import iso
from chalicelib.inbox.models import Notification
from chalicelib.tickets.models import Follower

if TYPE_CHECKING:
    from chalicelib.identity.caller import Caller
    from chalicelib.tickets.models import Ticket

KEEP = timedelta(days=180)
FAN_OUT_LIMIT = 500


def party_audience(ticket: Ticket, level: int) -> str | None:
    """Who answers for the ticket at ``level``: the property company, the community office, the
    street office."""
    if level <= 0:
        return f"company:{ticket.company_id}" if ticket.company_id else None
    if level == 1:
        return f"community:{ticket.community_id}"
    return f"street:{ticket.street_id}" if ticket.street_id else None


def make(audience: str, kind: str, ticket: Ticket, title: str, now: datetime,
         body: str | None = None, level: int | None = None) -> Notification:
    at = iso(now)
    notification_id = new_id("nt_")
    return Notification(
        *Notification.key(audience, at, notification_id), notification_id=notification_id,
        audience=audience, at=at, kind=kind, ticket_id=ticket.ticket_id, title=title, body=body,
        level=str(level) if level is not None else None, expires_at=now + KEEP,
    )


def for_parties(ticket: Ticket, levels: Iterable[int], kind: str, title: str, now: datetime,
                body: str | None = None, level: int | None = None) -> list[Notification]:
    """One notification per party answering at ``levels``; ``level`` is the ticket's level
    they concern (default: its current one)."""
    audiences = dict.fromkeys(a for a in (party_audience(ticket, lv) for lv in levels) if a)
    concerned = int(ticket.sla_level) if level is None else level
    return [make(a, kind, ticket, title, now, body, concerned) for a in audiences]


def notify_followers(ticket: Ticket, kind: str, title: str, now: datetime,
                     body: str | None = None, skip: str | None = None) -> int:
    """One notification per follower (the reporter follows from the start); returns how many."""
    written = 0
    with Notification.batch_write() as batch:
        for follower in Follower.query(f"TICKET#{ticket.ticket_id}",
                                       Follower.sk.startswith("FOLLOWER#"),
                                       limit=FAN_OUT_LIMIT):
            if follower.user_id == skip:
                continue
            batch.save(make(f"user:{follower.user_id}", kind, ticket, title, now, body))
            written += 1
    return written


def audiences(caller: Caller) -> list[str]:
    from chalicelib.directory import service as directory

    scope = directory.load_scope(caller)
    found = [f"user:{caller.user_id}"]
    found += [f"company:{c}" for c in sorted(scope.company_ids)]
    found += [f"grid:{g}" for g in sorted(scope.grid_ids)]
    if "community" in caller.roles and caller.community_id:
        found.append(f"community:{caller.community_id}")
    found += [f"street:{s}" for s in sorted(scope.street_ids)]
    return found


def read(caller: Caller, limit: int = 20, before: str | None = None) -> dict[str, Any]:
    """The caller's notifications, newest first, merged across their audiences."""
    bound = decode_cursor(before) if before else None
    streams = []
    for audience in audiences(caller):
        condition = Notification.sk < bound if bound else None
        streams.append(Notification.query(f"INBOX#{audience}", condition,
                                          scan_index_forward=False, limit=limit + 1))
    merged = heapq.merge(*streams, key=lambda n: n.sk, reverse=True)
    page = [n for _, n in zip(range(limit + 1), merged, strict=False)]
    more = len(page) > limit
    page = page[:limit]
    return {
        "items": [{"notification_id": n.notification_id, "at": n.at, "kind": n.kind,
                   "ticket_id": n.ticket_id, "title": n.title, "body": n.body,
                   "audience": n.audience} for n in page],
        "next_cursor": encode_cursor(page[-1].sk) if more and page else None,
    }
