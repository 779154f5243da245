"""The directory's PynamoDB models: geography and people's memberships. Their keys and indexes
are built in ``store.py``, which documents the layout."""
from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)

from chalicelib.core.db import BaseModel, gsi


class LocationAttribute(MapAttribute[str, float]):
    """A WGS-84 point."""

    lat = NumberAttribute()
    lon = NumberAttribute()


class Building(BaseModel):
    building_id = UnicodeAttribute()
    estate_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    name = UnicodeAttribute()
    grid_id = UnicodeAttribute(null=True)
    location = LocationAttribute(null=True)
    created_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_community = gsi("gsi1")


class CategoryAttribute(MapAttribute[str, str]):
    code = UnicodeAttribute()
    zh = UnicodeAttribute()
    en = UnicodeAttribute()


class Community(BaseModel):
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


class Company(BaseModel):
    """A property-management company."""

    company_id = UnicodeAttribute()
    name = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


class Estate(BaseModel):
    """An estate (小区) and the company that manages it; ``boundary`` holds the ``coordinates``
    of a GeoJSON Polygon."""

    estate_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    name = UnicodeAttribute()
    company_id = UnicodeAttribute()
    location = LocationAttribute(null=True)
    boundary = JSONAttribute(null=True)
    created_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    by_community = gsi("gsi1")
    by_company = gsi("gsi2")


class Grid(BaseModel):
    grid_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    name = UnicodeAttribute()
    workers = ListAttribute(of=UnicodeAttribute, default=list)
    created_at = UnicodeAttribute()


# community: community-office staff; company: property staff; grid: grid worker; street:
# street-office staff; unit: owner or resident.
KINDS = ("community", "company", "grid", "street", "unit")


class Membership(BaseModel):
    """What a user belongs to, read in one Query to resolve their scope."""

    user_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    ref_id = UnicodeAttribute()
    community_id = UnicodeAttribute(null=True)
    estate_id = UnicodeAttribute(null=True)
    building = UnicodeAttribute(null=True)
    relation = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


class Street(BaseModel):
    """A street office (街道)."""

    street_id = UnicodeAttribute()
    name = UnicodeAttribute()
    created_at = UnicodeAttribute()


class Unit(BaseModel):
    """A dwelling."""

    unit_id = UnicodeAttribute()
    estate_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    building = UnicodeAttribute()
    area_m2 = NumberAttribute()
    owners = ListAttribute(of=UnicodeAttribute, default=list)
    residents = ListAttribute(of=UnicodeAttribute, default=list)
    developer_unsold = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
