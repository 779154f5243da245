"""Staff reads of unmasked personal data (SPEC 10), written as they happen and read by admins."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.core.errors import InvalidInputError
from chalicelib.core.ids import new_id
from chalicelib.core.paging import decode_cursor, encode_cursor
from chalicelib.core.timeutil import iso, utcnow
from chalicelib.identity.caller import Caller
from chalicelib.privacy import store
from chalicelib.privacy.models import AuditEntry

KEEP = timedelta(days=3 * 365)


@dataclass(frozen=True)
class Page:
    items: list[AuditEntry]
    next_cursor: str | None


def record(reader: Caller, what: str, subjects: Iterable[tuple[str, str | None, bool]],
           now: datetime | None = None) -> int:
    """One entry per ``(ref_id, subject_id, anonymous)`` read; returns how many."""
    now = now or utcnow()
    at = iso(now)
    roles = ",".join(sorted(reader.roles))
    entries = [store.new_entry(at, new_id("au_"), subject, now + KEEP, reader_id=reader.user_id,
                               reader_roles=roles, what=what, ref_id=ref, anonymous=anonymous)
               for ref, subject, anonymous in subjects]
    if entries:
        store.save_all(entries)
    return len(entries)


def read(caller: Caller, day: str, limit: int = 50, cursor: str | None = None) -> Page:
    """The entries of one UTC day, newest first. Admins only.
    Raises ForbiddenError, InvalidInputError (bad cursor or day)."""
    caller.require("admin")
    try:
        datetime.strptime(day, "%Y-%m-%d")
    except ValueError as err:
        raise InvalidInputError("date must be YYYY-MM-DD",
                                [{"field": "date", "message": "not a date"}]) from err
    before = decode_cursor(cursor) if cursor else None
    items = list(store.of_day(day, before, limit + 1))
    more = len(items) > limit
    items = items[:limit]
    return Page(items, encode_cursor(store.position(items[-1])) if more and items else None)


def about(subject_id: str) -> list[AuditEntry]:
    """Every recorded read of one person's data (their export shows it)."""
    return list(store.about(subject_id))
