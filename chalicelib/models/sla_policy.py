from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.models.base import BaseModel


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
