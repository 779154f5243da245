"""Response documents of tickets (pydantic): what the API answers. The OpenAPI document
describes them and the integration tests validate real answers against them (extra="forbid").
A field with a default may be absent from an answer; every other field is always present."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.core.documents import View
from chalicelib.tickets.schemas import Location, Purpose, Status


class Sla(View):
    level: int = Field(description="who is responsible now: 0 property, 1 community, 2 street")
    responsible: str
    phase: Literal["respond", "resolve"] | None = Field(description="null once settled")
    due_at: str | None = Field(description="when the current phase is due")
    remaining_s: int | None
    breached: bool
    escalation_level: int
    responded_in_time: bool | None
    resolved_in_time: bool | None
    resolved_at_level: int | None


class Evidence(View):
    """What a device's evidence photo is a stripped copy of (SPEC 4)."""

    sha256: str = Field(description="SHA-256 of the original kept in the evidence bucket")
    captured_at: str | None
    device_id: str
    verified: bool = Field(description="the original's hash matched the device's event")


class Photo(View):
    photo_id: str
    status: Literal["pending", "ready", "rejected", "expired"]
    purpose: Purpose | Literal["evidence"]
    url: str | None = Field(description="short-lived display URL once ready")
    thumbnail_url: str | None
    width: int | None
    height: int | None
    reason: str | None = Field(description="why a photo was rejected")
    evidence: Evidence | None = Field(
        default=None, description="device evidence only: the original's hash and capture time")


class Reporter(View):
    user_id: str | None = Field(default=None, description="only when shown in full (SPEC 10)")
    name: str | None = Field(description="in full or masked (林**), by the viewer (SPEC 10)")
    phone: str | None = Field(default=None, description="in full or masked (138****5678) for "
                                                        "staff in scope; never to residents")


class Actor(View):
    role: str
    user_id: str | None = Field(default=None, description="only when shown in full")
    name: str | None = Field(default=None, description="in full or masked, by the viewer")


class TimelineEntry(View):
    at: str
    actor: Actor
    action: str
    note: str | None
    public: bool
    from_status: Status | None
    to_status: Status | None


class TicketView(View):
    ticket_id: str
    community_id: str
    category: str
    description: str
    location: Location
    grid_id: str | None
    status: Status
    source: Literal["resident", "device"]
    anonymous: bool
    private: bool
    created_at: str
    updated_at: str
    sla: Sla
    photos: list[Photo]
    followers: int
    latest_public_note: str | None
    rating: int | None
    duplicate_of: str | None
    acknowledged_at: str | None
    resolved_at: str | None
    closed_at: str | None
    reporter: Reporter | None = Field(
        default=None, description="absent for device tickets and, to others, when anonymous")


class TicketDetail(TicketView):
    timeline: list[TimelineEntry] = Field(description="internal notes for staff only")


class TicketList(View):
    items: list[TicketView]
    next_cursor: str | None


class UploadSlot(View):
    """A presigned S3 POST: send ``fields`` and then the file as form data to ``url``."""

    photo_id: str
    url: str
    fields: dict[str, str]
    max_bytes: int
    content_type_prefix: str


class CreatedTicket(View):
    ticket: TicketView
    uploads: list[UploadSlot]


class DirectUpload(View):
    photo_id: str
    status: Literal["pending"]


class Following(View):
    ticket_id: str
    following: bool
    added: bool = Field(description="false when the caller already followed")
    followers: int


class Figures(View):
    handled: int
    resolved_by_property_in_time: int
    resolved_under_supervision: int
    created: int
    open: int
    overdue_now: int
    escalated_open: int
    rejected: int
    duplicates: int
    reopened: int = Field(description="reversals of earlier resolutions posted in the period")
    escalations: int
    median_first_response_s: int | None
    response_in_time_rate: float | None
    satisfaction_avg: float | None
    ratings: int


class Stats(Figures):
    community_id: str
    timezone: str
    from_: str | None = Field(alias="from")
    to: str | None
    by_category: dict[str, Figures]
    by_grid: dict[str, Figures]
    by_estate: dict[str, Figures]
    device_tickets: Figures = Field(
        description="tickets opened by device alarms, counted apart from every figure above")
