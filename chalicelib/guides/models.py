"""The guides context's PynamoDB models; keys and indexes are built in ``guides.store``."""
from pynamodb.attributes import JSONAttribute, ListAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.core.db import BaseModel, gsi


class Guide(BaseModel):
    """A service guide (办事指南): where to go, when it is open, what to bring, what to do.
    ``office_hours`` is a list of ``{days: [1..7], open: "HH:MM", close: "HH:MM"}``."""

    guide_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    title = UnicodeAttribute()
    office = UnicodeAttribute()
    address = UnicodeAttribute()
    phone = UnicodeAttribute()
    office_hours = JSONAttribute()
    closed_dates = ListAttribute(of=UnicodeAttribute, default=list)
    materials = ListAttribute(of=UnicodeAttribute, default=list)
    steps = ListAttribute(of=UnicodeAttribute, default=list)
    author_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_community = gsi("gsi1")


class GuideCount(BaseModel):
    """How many guides a community holds, kept with each create and delete."""

    held = NumberAttribute(default=0)
