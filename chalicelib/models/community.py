from pynamodb.attributes import ListAttribute, MapAttribute, UnicodeAttribute

from chalicelib.models.base import BaseModel, gsi


class CategoryAttribute(MapAttribute[str, str]):
    code = UnicodeAttribute()
    zh = UnicodeAttribute()
    en = UnicodeAttribute()


class Community(BaseModel):
    """pk ``COMMUNITY#{id}``, sk ``COMMUNITY``; gsi1 ``STREET#{street_id}`` / ``COMMUNITY#{id}``."""

    community_id = UnicodeAttribute()
    name = UnicodeAttribute()
    name_en = UnicodeAttribute(null=True)
    street_id = UnicodeAttribute(null=True)
    street_name = UnicodeAttribute(null=True)
    timezone = UnicodeAttribute(default="Asia/Shanghai")
    categories = ListAttribute(of=CategoryAttribute, default=list)
    created_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_street = gsi("gsi1")

    @staticmethod
    def key(community_id: str) -> tuple[str, str]:
        return f"COMMUNITY#{community_id}", "COMMUNITY"
