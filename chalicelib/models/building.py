from pynamodb.attributes import UnicodeAttribute

from chalicelib.models.base import BaseModel, gsi


class Building(BaseModel):
    """pk ``ESTATE#{estate_id}``, sk ``BUILDING#{id}``;
    gsi1 ``COMMUNITY#{community_id}`` / ``BUILDING#{estate_id}#{id}``."""

    building_id = UnicodeAttribute()
    estate_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    name = UnicodeAttribute()
    grid_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_community = gsi("gsi1")

    @staticmethod
    def key(estate_id: str, building_id: str) -> tuple[str, str]:
        return f"ESTATE#{estate_id}", f"BUILDING#{building_id}"
