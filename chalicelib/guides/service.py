"""Service guides (办事指南, SPEC 5): anyone of the community reads and searches them; its
office staff (and admins) write them. Every answer says whether the office is open now, in
the community's time zone, on the working-hours calendar the SLA clock counts in.

Search keeps no index of words: a community's guides are few (at most ``store.MAX_GUIDES``,
each at most ~20 KB), so a search reads them with one Query of the community's partition and
matches every word of ``q`` in memory (title, office, address, materials, steps).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.core.errors import ConflictError, NotFoundError
from chalicelib.core.ids import new_id
from chalicelib.core.paging import decode_cursor, encode_cursor
from chalicelib.core.timeutil import iso, utcnow
from chalicelib.directory import service as directory
from chalicelib.guides import rules, store

if TYPE_CHECKING:
    from chalicelib.guides import schemas as docs
    from chalicelib.guides.models import Guide
    from chalicelib.identity.caller import Caller


@dataclass(frozen=True)
class Shown:
    guide: Guide
    open_now: bool
    timezone: str


@dataclass(frozen=True)
class Page:
    items: list[Shown]
    next_cursor: str | None


def _timezone(community_id: str) -> str:
    return str(directory.get_community(community_id).timezone or "Asia/Shanghai")


def _shown(guide: Guide, timezone: str, now: datetime) -> Shown:
    closed = [str(d) for d in guide.closed_dates]
    return Shown(guide, rules.open_now(guide.office_hours, closed, timezone, now), timezone)


def _require_office(caller: Caller, community_id: str) -> None:
    """Admins, or office staff of the community. Raises ForbiddenError, NotFoundError."""
    caller.require("admin", "community")
    if not caller.is_admin and not directory.load_scope(caller).staffs_community(community_id):
        raise NotFoundError(f"community {community_id} not found")


def _content(doc: docs.GuideDoc) -> dict[str, object]:
    return {"title": doc.title, "office": doc.office, "address": doc.address,
            "phone": doc.phone, "office_hours": [h.model_dump() for h in doc.office_hours],
            "closed_dates": sorted(doc.closed_dates), "materials": list(doc.materials),
            "steps": list(doc.steps)}


def create(caller: Caller, community_id: str, doc: docs.GuideDoc,
           now: datetime | None = None) -> Shown:
    """A new guide of the community. Raises ForbiddenError, NotFoundError, ConflictError (the
    community holds the most guides it may)."""
    _require_office(caller, community_id)
    timezone = _timezone(community_id)
    now = now or utcnow()
    guide = store.new_guide(guide_id=new_id("gd_"), community_id=community_id,
                            author_id=caller.user_id, created_at=iso(now), updated_at=iso(now),
                            **_content(doc))
    try:
        store.create(guide)
    except store.FullError as err:
        raise ConflictError(f"a community holds at most {store.MAX_GUIDES} guides") from err
    return _shown(guide, timezone, now)


def search(caller: Caller, community_id: str, q: str | None = None, limit: int = 20,
           cursor: str | None = None, now: datetime | None = None) -> Page:
    """The community's guides (those matching every word of ``q``), in the order they were
    created. Raises NotFoundError, InvalidInputError (cursor)."""
    directory.visible_community(caller, community_id)
    timezone = _timezone(community_id)
    after = decode_cursor(cursor) if cursor else None
    now = now or utcnow()
    wanted = rules.terms(q or "")
    if wanted:
        found = [g for g in store.of_community(community_id, after)
                 if rules.matches(_text(g), wanted)][:limit + 1]
    else:
        found = list(store.of_community(community_id, after, limit + 1))
    page = found[:limit]
    more = len(found) > limit
    return Page([_shown(g, timezone, now) for g in page],
                encode_cursor(store.position(page[-1])) if more and page else None)


def _text(guide: Guide) -> str:
    return rules.searchable([guide.title, guide.office, guide.address,
                             *map(str, guide.materials), *map(str, guide.steps)])


def _readable(caller: Caller, guide_id: str) -> Guide:
    guide = store.get(guide_id)
    if guide is None or not directory.load_scope(caller).belongs_to_community(
            guide.community_id):
        raise NotFoundError(f"guide {guide_id} not found")
    return guide


def _writable(caller: Caller, guide_id: str) -> Guide:
    caller.require("admin", "community")
    guide = store.get(guide_id)
    if guide is None or not (caller.is_admin or directory.load_scope(caller).staffs_community(
            guide.community_id)):
        raise NotFoundError(f"guide {guide_id} not found")
    return guide


def get(caller: Caller, guide_id: str, now: datetime | None = None) -> Shown:
    """Raises NotFoundError (absent, or of a community the caller does not belong to)."""
    guide = _readable(caller, guide_id)
    return _shown(guide, _timezone(guide.community_id), now or utcnow())


def replace(caller: Caller, guide_id: str, doc: docs.GuideDoc,
            now: datetime | None = None) -> Shown:
    """Replace a guide's content (PUT takes what POST takes). Raises ForbiddenError,
    NotFoundError."""
    old = _writable(caller, guide_id)
    now = now or utcnow()
    guide = store.new_guide(guide_id=old.guide_id, community_id=old.community_id,
                            author_id=caller.user_id, created_at=old.created_at,
                            updated_at=iso(now), **_content(doc))
    try:
        store.replace(guide)
    except store.GoneError as err:
        raise NotFoundError(f"guide {guide_id} not found") from err
    return _shown(guide, _timezone(guide.community_id), now)


def delete(caller: Caller, guide_id: str) -> Guide:
    """Raises ForbiddenError, NotFoundError."""
    guide = _writable(caller, guide_id)
    try:
        store.delete(guide)
    except store.GoneError as err:
        raise NotFoundError(f"guide {guide_id} not found") from err
    return guide
