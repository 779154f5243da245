"""The activities context's PynamoDB models; keys and indexes are built in
``activities.store``."""
from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.core.db import BaseModel, gsi


class Activity(BaseModel):
    """A volunteer activity (志愿服务). ``signed_up`` counts its sign-up items; it changes only
    in the transaction that writes or deletes one, on the condition that it stays within
    ``capacity``."""

    activity_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    place = UnicodeAttribute()
    starts_at = UnicodeAttribute()
    ends_at = UnicodeAttribute()
    capacity = NumberAttribute()
    points_per_hour = NumberAttribute()
    min_age = NumberAttribute(null=True)
    organizer_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    signed_up = NumberAttribute(default=0)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_community = gsi("gsi1")


class Signup(BaseModel):
    """One person's place in an activity, and their attendance once the organizer records it
    (``hours`` and ``points`` are written once)."""

    activity_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    signed_up_at = UnicodeAttribute()
    starts_at = UnicodeAttribute()
    meets_min_age = BooleanAttribute(null=True)
    hours = NumberAttribute(null=True)
    points = NumberAttribute(null=True)
    attended_at = UnicodeAttribute(null=True)
    recorded_by = UnicodeAttribute(null=True)
    movement_id = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_person = gsi("gsi1")
