"""The audit log of staff reads of personal data."""
from pynamodb.attributes import BooleanAttribute, TTLAttribute, UnicodeAttribute

from chalicelib.core.db import BaseModel, gsi


class AuditEntry(BaseModel):
    """One staff read of one person's unmasked data (keys: privacy.store)."""

    entry_id = UnicodeAttribute()
    at = UnicodeAttribute()
    reader_id = UnicodeAttribute()
    reader_roles = UnicodeAttribute()
    subject_id = UnicodeAttribute(null=True)
    what = UnicodeAttribute()
    ref_id = UnicodeAttribute(null=True)
    anonymous = BooleanAttribute(default=False)
    expires_at = TTLAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_subject = gsi("gsi1")
