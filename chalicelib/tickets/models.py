"""The ticket context's PynamoDB models."""
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)

from chalicelib.core.db import BaseModel, gsi


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


class TicketEvent(BaseModel):
    """One entry of a ticket's timeline. pk ``TICKET#{id}``, sk ``EVENT#{at}#{event_id}``."""

    ticket_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    at = UnicodeAttribute()
    actor_id = UnicodeAttribute(null=True)
    actor_name = UnicodeAttribute(null=True)
    actor_role = UnicodeAttribute()
    action = UnicodeAttribute()
    note = UnicodeAttribute(null=True)
    public = BooleanAttribute(default=True)
    from_status = UnicodeAttribute(null=True)
    to_status = UnicodeAttribute(null=True)

    @staticmethod
    def key(ticket_id: str, at: str, event_id: str) -> tuple[str, str]:
        return f"TICKET#{ticket_id}", f"EVENT#{at}#{event_id}"


class Follower(BaseModel):
    """pk ``TICKET#{ticket_id}``, sk ``FOLLOWER#{user_id}``."""

    ticket_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    since = UnicodeAttribute()

    @staticmethod
    def key(ticket_id: str, user_id: str) -> tuple[str, str]:
        return f"TICKET#{ticket_id}", f"FOLLOWER#{user_id}"


class SlaPolicy(BaseModel):
    """A community's SLA policy document (JSON). pk ``COMMUNITY#{id}``, sk ``SLA_POLICY``."""

    community_id = UnicodeAttribute()
    document = UnicodeAttribute()
    revision = NumberAttribute(default=1)
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()

    @staticmethod
    def key(community_id: str) -> tuple[str, str]:
        return f"COMMUNITY#{community_id}", "SLA_POLICY"


class StatsBucket(BaseModel):
    """Ticket counters of one community for one day or month in its time zone (sk
    ``DAY#YYYY-MM-DD``, ``MONTH#YYYY-MM``), or for the present state (sk ``CURRENT``).
    pk ``STATS#{community_id}``.

    Counters are flat number attributes named ``{metric}`` and ``{metric}#{dimension}#{value}``
    (dimension: category, grid, estate), added to in the same transaction as the ticket change
    that moves them, so a stats read is one Query whatever the number of tickets."""

    community_id = UnicodeAttribute(null=True)

    @staticmethod
    def key(community_id: str, bucket: str) -> tuple[str, str]:
        return f"STATS#{community_id}", bucket


class RateWindow(BaseModel):
    """Count of one user's actions in a fixed window.
    pk ``RATE#{action}#{user_id}``, sk ``WINDOW#{window_start}``; expires with the table TTL."""

    hits = NumberAttribute(default=0)
    expires_at = TTLAttribute()

    @staticmethod
    def key(action: str, user_id: str, window_start: str) -> tuple[str, str]:
        return f"RATE#{action}#{user_id}", f"WINDOW#{window_start}"
