"""Inbox entries."""
from pynamodb.attributes import TTLAttribute, UnicodeAttribute

from chalicelib.core.db import BaseModel


class Notification(BaseModel):
    """One inbox entry for an audience: a user (``user:{id}``) or a party that staff read as a
    group (``company:{id}``, ``community:{id}``, ``street:{id}``, ``grid:{id}``) or the
    residents of a place (``residents:community:{id}``, ``residents:estate:{id}``,
    ``residents:building:{estate}:{building}``); keys in ``inbox.store``. Expires with the
    table TTL after 180 days (a notice's entry at the notice's expiry, when sooner)."""

    notification_id = UnicodeAttribute()
    audience = UnicodeAttribute()
    at = UnicodeAttribute()
    kind = UnicodeAttribute()
    ticket_id = UnicodeAttribute(null=True)
    notice_id = UnicodeAttribute(null=True)
    title = UnicodeAttribute()
    body = UnicodeAttribute(null=True)
    level = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
