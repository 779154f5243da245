"""The notices context's PynamoDB models; their keys and indexes are built in ``notices.store``."""
from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.core.db import BaseModel, gsi


class Notice(BaseModel):
    """A notice of a community office to the residents of the community, an estate or a
    building. ``expiry`` (ISO time) is when it leaves residents' lists; ``read_count`` counts
    the residents who opened it, one per person."""

    notice_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    audience = UnicodeAttribute()
    estate_id = UnicodeAttribute(null=True)
    building = UnicodeAttribute(null=True)
    pinned = BooleanAttribute(default=False)
    expiry = UnicodeAttribute(null=True)
    author_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    read_count = NumberAttribute(default=0)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    by_community = gsi("gsi1")
    by_audience = gsi("gsi2")
    by_expiry = gsi("gsi3")


class NoticeRead(BaseModel):
    """One resident's first opening of a notice."""

    notice_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_reader = gsi("gsi1")
