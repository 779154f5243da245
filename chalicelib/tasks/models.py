"""The task board's PynamoDB models (keys: ``tasks.store``)."""
from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)

from chalicelib.core.db import BaseModel, gsi


class RatingAttribute(MapAttribute[str, object]):
    stars = NumberAttribute()
    comment = UnicodeAttribute(null=True)
    at = UnicodeAttribute()


class TaskItem(BaseModel):
    """A request or offer of the board. ``poster_account`` / ``taker_account`` are the parties'
    opaque time-bank accounts (escrow is refunded to the one, released to the other); the
    parties' ids and names go when they are erased. ``revision`` grows with every change of
    status: writes are conditional on the status and revision they read."""

    task_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    reward_points = NumberAttribute(null=True)
    price_text = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    poster_id = UnicodeAttribute(null=True)
    poster_name = UnicodeAttribute(null=True)
    poster_account = UnicodeAttribute(null=True)
    taker_id = UnicodeAttribute(null=True)
    taker_name = UnicodeAttribute(null=True)
    taker_account = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    accepted_at = UnicodeAttribute(null=True)
    delivered_at = UnicodeAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)
    resolution = UnicodeAttribute(null=True)
    delivery_note = UnicodeAttribute(null=True)
    cancel_reason = UnicodeAttribute(null=True)
    cancel_consents = UnicodeSetAttribute(null=True)
    disputed_by = UnicodeAttribute(null=True)
    dispute_reason = UnicodeAttribute(null=True)
    settled_to = UnicodeAttribute(null=True)
    settle_note = UnicodeAttribute(null=True)
    poster_rating = RatingAttribute(null=True)
    taker_rating = RatingAttribute(null=True)
    revision = NumberAttribute(default=0)
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
    by_status = gsi("gsi2")
    by_poster = gsi("gsi3")
    by_taker = gsi("gsi4")
    by_delivery = gsi("gsi5")


class TaskKeyItem(BaseModel):
    """An Idempotency-Key a poster used, and the task it created."""

    task_id = UnicodeAttribute()
    fingerprint = UnicodeAttribute()
