"""Seeing tickets: one with its timeline, lists merged from the caller's partitions, and open
tickets nearby. Staff sight of a reporter's unmasked identity is written to the audit log."""
from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.core.errors import InvalidInputError
from chalicelib.core.paging import decode_cursor, encode_cursor
from chalicelib.core.timeutil import utcnow
from chalicelib.identity.caller import REPORTER_ROLES, Caller
from chalicelib.privacy import audit
from chalicelib.tickets import disclosure, lifecycle, sla, store
from chalicelib.tickets.models import Ticket
from chalicelib.tickets.views import Detail, Page, Seen
from chalicelib.tickets.visibility import Viewer, load_visible, viewer

if TYPE_CHECKING:
    from chalicelib.tickets import schemas as docs

MAX_EXAMINED_PER_PAGE = 10
NEARBY_EXAMINED = 200


def record_sight(caller: Caller, seen: Iterable[Seen]) -> None:
    """Audit every reporter identity shown in full to staff (SPEC 10)."""
    subjects = [(s.ticket.ticket_id, s.ticket.reporter_id, bool(s.ticket.anonymous))
                for s in seen if disclosure.audited(s.ticket, s.relation)]
    audit.record(caller, "ticket.reporter", subjects)


def get_ticket(caller: Caller, ticket_id: str) -> Detail:
    """The ticket with its timeline, as the caller may see it. Raises NotFoundError."""
    v = viewer(caller)
    ticket, relation = load_visible(v, ticket_id)
    detail = Detail(ticket, relation, caller.user_id, store.timeline(ticket_id))
    record_sight(caller, [detail])
    return detail


def sources(v: Viewer, q: docs.TicketQuery) -> list[tuple[str, str]]:
    """The list partitions that hold every ticket the caller may see under the filters.
    Raises InvalidInputError (an admin or community list without a community)."""
    c, s = v.caller, v.scope
    if q.mine:
        return [("reporter", c.user_id)]
    if q.grid_id:
        return [("grid", q.grid_id)]
    if q.estate_id:
        return [("estate", q.estate_id)]
    found: list[tuple[str, str]] = []
    communities: set[str] = set()
    if c.is_admin or "community" in c.roles:
        community = q.community_id or (None if c.is_admin else s.community_id)
        if community is None:
            raise InvalidInputError("community_id is required",
                                    [{"field": "community_id", "message": "required"}])
        communities.add(community)
    if "street" in c.roles:
        communities |= set(s.street_communities) if q.community_id is None \
            else {q.community_id} & set(s.street_communities)
    found += [("community", cid) for cid in sorted(communities)]
    if "property" in c.roles:
        found += [("estate", e) for e in sorted(s.managed_estates)]
    if "grid" in c.roles:
        found += [("grid", g) for g in sorted(s.grid_ids)]
    if c.has_any(*REPORTER_ROLES):
        found.append(("reporter", c.user_id))
        found += [("estate", e) for e in sorted(s.home_estates)]
    return list(dict.fromkeys(found))


def matches(t: Ticket, q: docs.TicketQuery, now: datetime) -> bool:
    if q.status and t.status != q.status:
        return False
    if q.category and t.category != q.category:
        return False
    if q.estate_id and t.estate_id != q.estate_id:
        return False
    if q.grid_id and t.grid_id != q.grid_id:
        return False
    if q.community_id and t.community_id != q.community_id:
        return False
    if q.escalated is not None and (int(t.sla_level or 0) > 0) != q.escalated:
        return False
    return q.overdue is None or sla.live(t, now)["breached"] == q.overdue


def list_tickets(caller: Caller, q: docs.TicketQuery, now: datetime | None = None) -> Page:
    """Newest first, only what the caller may see, filtered; ``next_cursor`` continues.

    A page examines at most ``MAX_EXAMINED_PER_PAGE × limit`` tickets, so a sparse filter may
    return a short page with a cursor. Raises InvalidInputError (bad cursor or filters).
    """
    now = now or utcnow()
    v = viewer(caller)
    before = decode_cursor(q.cursor) if q.cursor else None
    streams = [store.newest(kind, value, before, q.limit + 1) for kind, value in sources(v, q)]
    merged: Iterator[Ticket] = heapq.merge(*streams, key=lambda t: t.list_key, reverse=True)
    items: list[Seen] = []
    seen: set[str] = set()
    examined = 0
    last_key: str | None = None
    budget = MAX_EXAMINED_PER_PAGE * q.limit
    exhausted = True
    for t in merged:
        if t.ticket_id in seen:
            continue
        if len(items) == q.limit or examined >= budget:
            exhausted = False
            break
        seen.add(t.ticket_id)
        examined += 1
        last_key = t.list_key
        relation = v.relation(t)
        if relation is None or not matches(t, q, now):
            continue
        items.append(Seen(t, relation, caller.user_id))
    record_sight(caller, items)
    next_cursor = encode_cursor(last_key) if not exhausted and last_key else None
    return Page(items, next_cursor)


def nearby(caller: Caller, q: Any) -> Page:
    """Open tickets of an estate (optionally a building and category) the caller can see, newest
    first: candidates to follow instead of reporting again."""
    v = viewer(caller)
    items: list[Seen] = []
    for t in store.newest_of_estate(q.estate_id, NEARBY_EXAMINED):
        if t.status not in lifecycle.OPEN_STATUSES or (q.category and t.category != q.category):
            continue
        if q.building and t.location.building != q.building:
            continue
        relation = v.relation(t)
        if relation is not None:
            items.append(Seen(t, relation, caller.user_id))
        if len(items) == q.limit:
            break
    record_sight(caller, items)
    return Page(items, None)
