"""Notices (SPEC 5): community office staff publish to the residents of the community, an
estate or a building; residents list and open what is addressed to them (opening records one
read per person); staff see every notice of their community with its read count.

A notice reaches its residents' inboxes through one entry for its whole audience (the inbox
reads the places a resident lives in), not one write per resident. An expired notice leaves
residents' lists at once (filtered when read) and the residents' index within minutes (the
``notice_expiry`` schedule); staff keep seeing it.
"""
from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.core.errors import InvalidInputError, NotFoundError
from chalicelib.core.ids import new_id
from chalicelib.core.paging import decode_cursor, encode_cursor
from chalicelib.core.timeutil import iso, parse_iso, utcnow
from chalicelib.directory import service as directory
from chalicelib.inbox import service as inbox
from chalicelib.notices import rules, store

if TYPE_CHECKING:
    from chalicelib.identity.caller import Caller
    from chalicelib.notices import schemas as docs
    from chalicelib.notices.models import Notice

PREVIEW_CHARS = 140
EXPIRY_BATCH = 100


@dataclass(frozen=True)
class Page:
    items: list[Notice]
    next_cursor: str | None
    staff: bool
    now: str


@dataclass(frozen=True)
class Shown:
    """A notice as its viewer sees it at ``now``: staff with its read count."""

    notice: Notice
    staff: bool
    now: str


def _require_office(caller: Caller, community_id: str) -> None:
    """Admins, or office staff of the community. Raises ForbiddenError, NotFoundError."""
    caller.require("admin", "community")
    if not caller.is_admin and not directory.load_scope(caller).staffs_community(community_id):
        raise NotFoundError(f"community {community_id} not found")


def _check_place(community_id: str, doc: docs.NewNotice) -> None:
    """The estate (and building) of the audience belong to the community.
    Raises InvalidInputError."""
    if doc.estate_id is None:
        return
    try:
        estate = directory.get_estate(doc.estate_id)
    except NotFoundError:
        estate = None
    if estate is None or estate.community_id != community_id:
        raise InvalidInputError(f"no estate {doc.estate_id} in community {community_id}", [
            {"field": "estate_id", "message": "not an estate of this community"}])
    if doc.building is not None and directory.find_building(doc.estate_id,
                                                            doc.building) is None:
        raise InvalidInputError(f"no building {doc.building} in estate {doc.estate_id}", [
            {"field": "building", "message": "not a building of this estate"}])


def publish(caller: Caller, community_id: str, doc: docs.NewNotice,
            now: datetime | None = None) -> Shown:
    """Publish a notice to its audience, with one inbox entry for all of it. Community office
    staff of the community and admins. Raises ForbiddenError, NotFoundError, InvalidInputError
    (a place outside the community, an expiry not in the future)."""
    _require_office(caller, community_id)
    directory.get_community(community_id)
    _check_place(community_id, doc)
    now = now or utcnow()
    if doc.expires_at is not None and doc.expires_at <= iso(now):
        raise InvalidInputError("expires_at is not in the future", [
            {"field": "expires_at", "message": "must be in the future"}])
    notice_id = new_id("ntc_")
    address = rules.address(doc.audience, community_id, doc.estate_id, doc.building)
    notice = store.new_notice(
        address, notice_id=notice_id, community_id=community_id, title=doc.title,
        body=doc.body, audience=doc.audience, estate_id=doc.estate_id, building=doc.building,
        pinned=doc.pinned, expiry=doc.expires_at, author_id=caller.user_id,
        created_at=iso(now), read_count=0)
    entry = inbox.for_residents(
        inbox.resident_audience(community_id, doc.estate_id, doc.building), notice_id,
        doc.title, now, body=doc.body[:PREVIEW_CHARS],
        until=parse_iso(doc.expires_at) if doc.expires_at else None)
    store.create(notice, [entry])
    return Shown(notice, True, iso(now))


@dataclass(frozen=True)
class Reader:
    """How the caller reads a community's notices: as staff (admins, its office, its street
    office: every notice), else through the addresses that reach them; ``resident`` when they
    live there (only residents' reads are counted)."""

    staff: bool
    addresses: list[str]
    resident: bool


def _reader(caller: Caller, community_id: str) -> Reader:
    """Raises NotFoundError when the caller does not belong to the community."""
    scope = directory.load_scope(caller)
    if scope.supervises_community(community_id):
        return Reader(True, [], False)
    if not scope.belongs_to_community(community_id):
        raise NotFoundError(f"community {community_id} not found")
    resident = any(h.community_id == community_id for h in scope.homes)
    return Reader(False, rules.reader_addresses(community_id, scope.homes), resident)


def list_notices(caller: Caller, community_id: str, limit: int = 20,
                 cursor: str | None = None, now: datetime | None = None) -> Page:
    """Staff: every notice of the community; residents: those addressed to them and not
    expired. Pinned first, then newest first. Raises NotFoundError, InvalidInputError (cursor)."""
    reader = _reader(caller, community_id)
    directory.get_community(community_id)
    before = decode_cursor(cursor) if cursor else None
    at = iso(now or utcnow())
    if reader.staff:
        found: Iterator[Notice] = store.of_community(community_id, before, limit + 1)
    else:
        streams = [store.addressed_to(a, before, limit + 1) for a in reader.addresses]
        merged = heapq.merge(*streams, key=store.position, reverse=True)
        found = (n for n in merged if not rules.is_expired(n.expiry, at))
    page = [n for _, n in zip(range(limit + 1), found, strict=False)]
    more = len(page) > limit
    page = page[:limit]
    return Page(page, encode_cursor(store.position(page[-1])) if more and page else None,
                reader.staff, at)


def open_notice(caller: Caller, notice_id: str, now: datetime | None = None) -> Shown:
    """A notice: for staff of its community with its read count; for anyone it is addressed
    to (and not expired), recording a resident's read once.
    Raises NotFoundError (absent, not addressed to the caller, or expired)."""
    notice = store.get(notice_id)
    if notice is None:
        raise NotFoundError(f"notice {notice_id} not found")
    try:
        reader = _reader(caller, notice.community_id)
    except NotFoundError:
        raise NotFoundError(f"notice {notice_id} not found") from None
    at = iso(now or utcnow())
    if reader.staff:
        return Shown(notice, True, at)
    address = rules.address(notice.audience, notice.community_id, notice.estate_id,
                            notice.building)
    if not rules.is_addressed(address, reader.addresses) or rules.is_expired(notice.expiry, at):
        raise NotFoundError(f"notice {notice_id} not found")
    if not reader.resident:
        return Shown(notice, False, at)
    store.record_read(notice, caller.user_id, at)
    return Shown(notice, False, at)


def reads(caller: Caller, notice_id: str, now: datetime | None = None) -> Shown:
    """A notice's read count, for admins and staff of its community's office or street.
    Raises ForbiddenError, NotFoundError."""
    caller.require("admin", "community", "street")
    notice = store.get(notice_id)
    if notice is None or not directory.load_scope(caller).supervises_community(
            notice.community_id):
        raise NotFoundError(f"notice {notice_id} not found")
    return Shown(notice, True, iso(now or utcnow()))


def expire(now: datetime | None = None) -> dict[str, int]:
    """Take every notice whose expiry has passed out of the residents' index (Query of the
    expiry index up to now, in batches). Returns counts."""
    at = iso(now or utcnow())
    found = withdrawn = 0
    while True:
        due = store.due_for_expiry(at, EXPIRY_BATCH)
        found += len(due)
        done = sum(1 for n in due if store.withdraw(n))
        withdrawn += done
        if len(due) < EXPIRY_BATCH or done == 0:
            return {"due": found, "withdrawn": withdrawn}


def export_of(user_id: str) -> dict[str, Any]:
    """The notices a person opened, and when (their export)."""
    return {"notice_reads": [{"notice_id": r.notice_id, "community_id": r.community_id,
                              "read_at": r.at} for r in store.reads_by(user_id)]}


def erase(user_id: str) -> dict[str, int]:
    """Forget which notices a person opened; the read counts stay (they name nobody)."""
    return {"notice_reads_deleted": store.delete_reads(list(store.reads_by(user_id)))}
