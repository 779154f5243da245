"""The only code that knows how inbox entries are kept: pk ``INBOX#{audience}``, sk
``{at}#{id}``; they expire with the table TTL."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from chalicelib.inbox.models import Notification


def new_notification(audience: str, at: str, notification_id: str, expires: datetime,
                     **values: Any) -> Notification:
    return Notification(f"INBOX#{audience}", f"{at}#{notification_id}",
                        notification_id=notification_id, audience=audience, at=at,
                        expires_at=expires, **values)


def save_all(items: Iterable[Notification]) -> int:
    written = 0
    with Notification.batch_write() as batch:
        for item in items:
            batch.save(item)
            written += 1
    return written


def newest(audience: str, before: str | None, limit: int) -> Iterator[Notification]:
    """One audience's entries, newest first, before the position ``before``."""
    condition = Notification.sk < before if before else None
    return iter(Notification.query(f"INBOX#{audience}", condition, scan_index_forward=False,
                                   limit=limit))


def position(item: Notification) -> str:
    return str(item.sk)


def delete_all(audience: str) -> int:
    """Remove every entry of an audience (a person's erasure)."""
    items = list(Notification.query(f"INBOX#{audience}"))
    with Notification.batch_write() as batch:
        for item in items:
            batch.delete(item)
    return len(items)
