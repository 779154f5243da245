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
    points: list[dict[str, Any]] = Field(
        default_factory=list, description="balance and movements per community")
    redemptions: list[dict[str, Any]] = Field(default_factory=list)
    tasks_posted: list[dict[str, Any]] = Field(default_factory=list)
    tasks_taken: list[dict[str, Any]] = Field(default_factory=list)
    ballots: list[dict[str, Any]] = Field(
        default_factory=list, description="ballot versions cast, or entered on their behalf")
    activity_signups: list[dict[str, Any]] = Field(
        default_factory=list, description="volunteer sign-ups with the hours recorded")
    notice_reads: list[dict[str, Any]] = Field(
        default_factory=list, description="notices the person opened, and when")
    reads_of_my_data: list[dict[str, Any]] = Field(
        description="staff reads of this person's unmasked data (the audit log)")


class Erased(View):
    user_id: str
    erased_at: str
    tickets_anonymised: int
    timeline_entries_detached: int
    follows_removed: int
    inbox_entries_deleted: int
    tasks_cancelled: int = Field(default=0, description="open tasks withdrawn, escrow refunded")
    tasks_detached: int = 0
    points_accounts_detached: int = Field(
        default=0, description="accounts kept (points stay) with the link to the person removed")
    redemptions_detached: int = 0
    ballots_detached: int = Field(
        default=0, description="ballot versions kept, counted, without the person's id")
    roll_places_left: int = 0
    activity_signups_deleted: int = Field(
        default=0, description="sign-ups removed (places of activities not started given back)")
    notice_reads_deleted: int = Field(
        default=0, description="records of notices opened; read counts stay")


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
