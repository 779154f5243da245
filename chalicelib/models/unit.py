from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.models.base import BaseModel


class Unit(BaseModel):
    """A dwelling. pk ``ESTATE#{estate_id}``, sk ``UNIT#{id}``."""

    unit_id = UnicodeAttribute()
    estate_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    building = UnicodeAttribute()
    area_m2 = NumberAttribute()
    owners = ListAttribute(of=UnicodeAttribute, default=list)
    residents = ListAttribute(of=UnicodeAttribute, default=list)
    developer_unsold = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()

    @staticmethod
    def key(estate_id: str, unit_id: str) -> tuple[str, str]:
        return f"ESTATE#{estate_id}", f"UNIT#{unit_id}"
