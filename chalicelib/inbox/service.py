"""Notifications: what reaches the people responsible for a ticket, and its reporter and
followers. Staff read the inbox of their party (company, grid, community office, street office);
residents read their own, and the entries of the places they live in (their community, estate
and building), where a notice is written once for all its residents. An entry carries only what
its recipient may read."""
from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.core.ids import new_id
from chalicelib.core.paging import decode_cursor, encode_cursor
from chalicelib.core.timeutil import iso, utcnow
from chalicelib.inbox import store

if TYPE_CHECKING:
    from chalicelib.identity.caller import Caller
    from chalicelib.inbox.models import Notification

KEEP = timedelta(days=180)


class Parties(Protocol):
    """Who answers for a ticket: its property company, community office and street office."""

    ticket_id: Any
    company_id: Any
    community_id: Any
    street_id: Any
    sla_level: Any


@dataclass(frozen=True)
class Page:
    items: list[Notification]
    next_cursor: str | None


def party_audience(ticket: Parties, level: int) -> str | None:
    """Who answers for the ticket at ``level``: the property company, the community office, the
    street office."""
    if level <= 0:
        return f"company:{ticket.company_id}" if ticket.company_id else None
    if level == 1:
        return f"community:{ticket.community_id}"
    return f"street:{ticket.street_id}" if ticket.street_id else None


def make(audience: str, kind: str, ticket_id: str | None, title: str, now: datetime,
         body: str | None = None, level: int | None = None) -> Notification:
    return store.new_notification(
        audience, iso(now), new_id("nt_"), now + KEEP, kind=kind, ticket_id=ticket_id,
        title=title, body=body, level=str(level) if level is not None else None)


def for_parties(ticket: Parties, levels: Iterable[int], kind: str, title: str, now: datetime,
                body: str | None = None, level: int | None = None) -> list[Notification]:
    """One notification per party answering at ``levels``; ``level`` is the ticket's level
    they concern (default: its current one)."""
    audiences = dict.fromkeys(a for a in (party_audience(ticket, lv) for lv in levels) if a)
    concerned = int(ticket.sla_level) if level is None else level
    return [make(a, kind, ticket.ticket_id, title, now, body, concerned) for a in audiences]


def notify_users(user_ids: Iterable[str], kind: str, ticket_id: str, title: str,
                 now: datetime, body: str | None = None) -> int:
    """One notification per user; returns how many were written."""
    return store.save_all(make(f"user:{u}", kind, ticket_id, title, now, body)
                          for u in dict.fromkeys(user_ids))


def resident_audience(community_id: str, estate_id: str | None = None,
                      building: str | None = None) -> str:
    """The audience of the residents of a community, of one of its estates, or of a building."""
    if estate_id is not None and building is not None:
        return f"residents:building:{estate_id}:{building}"
    if estate_id is not None:
        return f"residents:estate:{estate_id}"
    return f"residents:community:{community_id}"


def for_residents(audience: str, notice_id: str, title: str, now: datetime,
                  body: str | None = None, until: datetime | None = None) -> Notification:
    """One entry of a notice for every resident of ``audience`` (``resident_audience``), kept
    until ``until`` when that comes before the usual 180 days (not yet stored)."""
    keep = min(now + KEEP, until) if until is not None else now + KEEP
    return store.new_notification(audience, iso(now), new_id("nt_"), keep, kind="notice",
                                  ticket_id=None, notice_id=notice_id, title=title, body=body)


def audiences(caller: Caller) -> list[str]:
    from chalicelib.directory import service as directory

    scope = directory.load_scope(caller)
    found = [f"user:{caller.user_id}"]
    for home in scope.homes:
        if home.community_id:
            found += [resident_audience(home.community_id),
                      resident_audience(home.community_id, home.estate_id),
                      resident_audience(home.community_id, home.estate_id, home.building)]
    found += [f"company:{c}" for c in sorted(scope.company_ids)]
    found += [f"grid:{g}" for g in sorted(scope.grid_ids)]
    found += [f"community:{c}" for c in sorted(scope.staffed_communities)]
    found += [f"street:{s}" for s in sorted(scope.street_ids)]
    return list(dict.fromkeys(found))


def read(caller: Caller, limit: int = 20, cursor: str | None = None,
         now: datetime | None = None) -> Page:
    """The caller's notifications, newest first, merged across their audiences, without those
    past their expiry (the table's TTL removes them later; a notice's entry expires with it).
    Raises InvalidInputError (a cursor this API did not make)."""
    before = decode_cursor(cursor) if cursor else None
    at = now or utcnow()
    streams = [store.newest(a, before, limit + 1) for a in audiences(caller)]
    merged = heapq.merge(*streams, key=store.position, reverse=True)
    current = (n for n in merged if n.expires_at is None or n.expires_at > at)
    page = [n for _, n in zip(range(limit + 1), current, strict=False)]
    more = len(page) > limit
    page = page[:limit]
    return Page(page, encode_cursor(store.position(page[-1])) if more and page else None)


def erase(user_id: str) -> int:
    """Delete a person's own inbox. Returns how many entries went."""
    return store.delete_all(f"user:{user_id}")
