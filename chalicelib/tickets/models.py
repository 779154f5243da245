"""The ticket context's PynamoDB models."""
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
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
    """A reported problem. Its keys and indexes (list indexes by community, estate, grid and
    reporter; the sparse due index) are built by ``tickets.store`` alone.

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
    reporter_phone = UnicodeAttribute(null=True)
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
    due_at = UnicodeAttribute(null=True)
    supervised = BooleanAttribute(default=False)
    reporter_erased = BooleanAttribute(default=False)
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
    gsi6pk = UnicodeAttribute(null=True)
    gsi6sk = UnicodeAttribute(null=True)
    by_community = gsi("gsi1")
    by_estate = gsi("gsi2")
    by_grid = gsi("gsi3")
    by_reporter = gsi("gsi4")
    by_due = gsi("gsi5")
    by_target = gsi("gsi6")


    @property
    def list_key(self) -> str:
        return f"{self.created_at}#{self.ticket_id}"


class TicketEvent(BaseModel):
    """One entry of a ticket's timeline (keys: tickets.store)."""

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
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_actor = gsi("gsi1")


class Follower(BaseModel):
    """A user following a ticket (keys: tickets.store)."""

    ticket_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    since = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_user = gsi("gsi1")


class SlaPolicy(BaseModel):
    """A community's SLA policy document (JSON)."""

    community_id = UnicodeAttribute()
    document = UnicodeAttribute()
    revision = NumberAttribute(default=1)
    updated_at = UnicodeAttribute()
    updated_by = UnicodeAttribute()


class StatsBucket(BaseModel):
    """Ticket counters of one community for one day or month in its time zone, or for the
    present state (keys: tickets.store).

    Counters are flat number attributes named ``{metric}`` and ``{metric}#{dimension}#{value}``
    (dimension: category, grid, estate), added to in the same transaction as the ticket change
    that moves them, so a stats read is one Query whatever the number of tickets."""

    community_id = UnicodeAttribute(null=True)


class RateHit(MapAttribute[str, Any]):
    token = UnicodeAttribute()
    at = NumberAttribute()


class RateWindow(BaseModel):
    """The recent hits of one user's action, oldest first (``at`` in epoch seconds), so that
    one write conditional on ``version`` admits a hit or loses to a concurrent one (keys:
    tickets.store); expires with the table TTL once its newest hit has left the window."""

    hits = ListAttribute(of=RateHit, default=list)
    version = VersionAttribute()
    expires_at = TTLAttribute(null=True)
