from pynamodb.attributes import ListAttribute, UnicodeAttribute

from chalicelib.models.base import BaseModel


class Grid(BaseModel):
    """pk ``COMMUNITY#{community_id}``, sk ``GRID#{id}``."""

    grid_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    name = UnicodeAttribute()
    workers = ListAttribute(of=UnicodeAttribute, default=list)
    created_at = UnicodeAttribute()

    @staticmethod
    def key(community_id: str, grid_id: str) -> tuple[str, str]:
        return f"COMMUNITY#{community_id}", f"GRID#{grid_id}"
