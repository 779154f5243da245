"""The directory's PynamoDB models: geography, people's memberships."""
from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)

from chalicelib.core.db import BaseModel, gsi


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


class Company(BaseModel):
    """A property-management company. pk ``COMPANY#{id}``, sk ``COMPANY``."""

    company_id = UnicodeAttribute()
    name = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()

    @staticmethod
    def key(company_id: str) -> tuple[str, str]:
        return f"COMPANY#{company_id}", "COMPANY"


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


KINDS = ("company", "grid", "street", "unit")


class Membership(BaseModel):
    """What a user belongs to, read in one Query to resolve their scope.

    pk ``USER#{user_id}``, sk ``MEMBER#{kind}#{ref}`` where kind is company (property staff),
    grid (grid worker), street (street-office staff) or unit (``{estate_id}#{unit_id}``, as owner
    or resident).
    """

    user_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    ref_id = UnicodeAttribute()
    community_id = UnicodeAttribute(null=True)
    estate_id = UnicodeAttribute(null=True)
    building = UnicodeAttribute(null=True)
    relation = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()

    @staticmethod
    def key(user_id: str, kind: str, ref: str) -> tuple[str, str]:
        return f"USER#{user_id}", f"MEMBER#{kind}#{ref}"


class Street(BaseModel):
    """A street office (街道). pk ``STREET#{id}``, sk ``STREET``."""

    street_id = UnicodeAttribute()
    name = UnicodeAttribute()
    created_at = UnicodeAttribute()

    @staticmethod
    def key(street_id: str) -> tuple[str, str]:
        return f"STREET#{street_id}", "STREET"


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
