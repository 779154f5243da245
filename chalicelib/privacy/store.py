"""The only code that knows how audit entries are kept: pk ``AUDIT#{yyyy-mm-dd}`` (UTC day of
the read), sk ``{at}#{id}``; gsi1 ``AUDITED#{subject}`` / ``{at}#{id}`` for a person's own."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from chalicelib.privacy.models import AuditEntry


def new_entry(at: str, entry_id: str, subject_id: str | None, expires: datetime,
              **values: Any) -> AuditEntry:
    entry = AuditEntry(f"AUDIT#{at[:10]}", f"{at}#{entry_id}", entry_id=entry_id, at=at,
                       subject_id=subject_id, expires_at=expires, **values)
    if subject_id:
        entry.gsi1pk, entry.gsi1sk = f"AUDITED#{subject_id}", f"{at}#{entry_id}"
    return entry


def save_all(entries: Iterable[AuditEntry]) -> None:
    with AuditEntry.batch_write() as batch:
        for entry in entries:
            batch.save(entry)


def of_day(day: str, before: str | None, limit: int) -> Iterator[AuditEntry]:
    condition = AuditEntry.sk < before if before else None
    return iter(AuditEntry.query(f"AUDIT#{day}", condition, scan_index_forward=False,
                                 limit=limit))


def about(subject_id: str) -> Iterator[AuditEntry]:
    return iter(AuditEntry.by_subject.query(f"AUDITED#{subject_id}"))


def position(entry: AuditEntry) -> str:
    return str(entry.sk)
