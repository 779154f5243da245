from pynamodb.attributes import UnicodeAttribute

from chalicelib.models.base import BaseModel, gsi


class Estate(BaseModel):
    """pk ``ESTATE#{id}``, sk ``ESTATE``.

    gsi1 ``COMMUNITY#{community_id}`` / ``ESTATE#{id}`` (estates of a community);
    gsi2 ``COMPANY#{company_id}`` / ``ESTATE#{id}`` (estates a company manages).
    """

    estate_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    name = UnicodeAttribute()
    company_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    by_community = gsi("gsi1")
    by_company = gsi("gsi2")

    @staticmethod
    def key(estate_id: str) -> tuple[str, str]:
        return f"ESTATE#{estate_id}", "ESTATE"
