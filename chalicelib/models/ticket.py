from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)

from chalicelib.models.base import BaseModel, gsi


class LocationAttribute(MapAttribute[str, object]):
    estate_id = UnicodeAttribute()
    building = UnicodeAttribute(null=True)
    unit_id = UnicodeAttribute(null=True)
    text = UnicodeAttribute(null=True)
    lat = NumberAttribute(null=True)
    lon = NumberAttribute(null=True)


class Ticket(BaseModel):
    """pk ``TICKET#{id}``, sk ``TICKET``. List indexes sorted by ``{created_at}#{id}``:
    gsi1 ``TICKETS#C#{community}``, gsi2 ``TICKETS#E#{estate}``, gsi3 ``TICKETS#G#{grid}``,
    gsi4 ``TICKETS#R#{reporter}``. The sparse gsi5 ``DUE#{shard}`` / ``{next_check_at}#{id}``
    holds only open tickets with a pending SLA checkpoint, so the sweep reads only what is due.

    Timeline events and followers share the partition. Photos live in the ``photos`` map,
    ``{photo_id: {status, purpose, display_key, ...}}``, so a list page needs no extra reads; the
    photo processor updates one entry conditionally. ``revision`` grows with every change of
    status or SLA clock: writes are conditional on the revision they read."""

    ticket_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    estate_id = UnicodeAttribute()
    grid_id = UnicodeAttribute(null=True)
    company_id = UnicodeAttribute(null=True)
    street_id = UnicodeAttribute(null=True)
    timezone = UnicodeAttribute(default="Asia/Shanghai")
    category = UnicodeAttribute()
    description = UnicodeAttribute()
    location = LocationAttribute()
    status = UnicodeAttribute()
    source = UnicodeAttribute(default="resident")
    reporter_id = UnicodeAttribute(null=True)
    reporter_name = UnicodeAttribute(null=True)
    anonymous = BooleanAttribute(default=False)
    private = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    followers = NumberAttribute(default=0)
    revision = NumberAttribute(default=0)
    photos: MapAttribute[str, Any] = MapAttribute(default=dict)
    report_photos = NumberAttribute(default=0)
    after_photos = NumberAttribute(default=0)
    sla_level = NumberAttribute(default=0)
    sla_cycle = NumberAttribute(default=0)
    sla_phase = UnicodeAttribute(null=True)
    sla_stage = NumberAttribute(default=0)
    sla_checkpoints = ListAttribute(of=UnicodeAttribute, default=list)
    level_started_at = UnicodeAttribute(null=True)
    next_check_at = UnicodeAttribute(null=True)
    response_due_at = UnicodeAttribute(null=True)
    resolution_due_at = UnicodeAttribute(null=True)
    responded_in_time = BooleanAttribute(null=True)
    escalation_level = NumberAttribute(default=0)
    resolved_in_time = BooleanAttribute(null=True)
    resolved_at_level = NumberAttribute(null=True)
    breached_final = BooleanAttribute(default=False)
    acknowledged_at = UnicodeAttribute(null=True)
    resolved_at = UnicodeAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)
    rating = NumberAttribute(null=True)
    rating_comment = UnicodeAttribute(null=True)
    duplicate_of = UnicodeAttribute(null=True)
    latest_public_note = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    gsi4pk = UnicodeAttribute(null=True)
    gsi4sk = UnicodeAttribute(null=True)
    gsi5pk = UnicodeAttribute(null=True)
    gsi5sk = UnicodeAttribute(null=True)
    by_community = gsi("gsi1")
    by_estate = gsi("gsi2")
    by_grid = gsi("gsi3")
    by_reporter = gsi("gsi4")
    by_due = gsi("gsi5")

    @staticmethod
    def key(ticket_id: str) -> tuple[str, str]:
        return f"TICKET#{ticket_id}", "TICKET"

    @property
    def list_key(self) -> str:
        return f"{self.created_at}#{self.ticket_id}"
