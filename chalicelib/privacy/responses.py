"""Response documents of the privacy routes (pydantic)."""
from __future__ import annotations

from typing import Any

from pydantic import Field

from chalicelib.core.documents import View


class Export(View):
    exported_at: str
    profile: dict[str, Any]
    homes: list[dict[str, Any]]
    tickets_reported: list[dict[str, Any]] = Field(description="as the reporter sees them")
    timeline_entries: list[dict[str, Any]] = Field(description="what the person wrote or did")
    following: list[dict[str, Any]]
    inbox: list[dict[str, Any]]
    reads_of_my_data: list[dict[str, Any]] = Field(
        description="staff reads of this person's unmasked data (the audit log)")


class Erased(View):
    user_id: str
    erased_at: str
    tickets_anonymised: int
    timeline_entries_detached: int
    follows_removed: int
    inbox_entries_deleted: int


class AuditRead(View):
    at: str
    reader_id: str
    reader_roles: list[str]
    subject_id: str | None
    what: str
    ref_id: str | None
    anonymous: bool


class AuditLog(View):
    items: list[AuditRead]
    next_cursor: str | None
