"""Response documents of the directory (pydantic): what the API answers. The OpenAPI document
describes them and the integration tests validate real answers against them (extra="forbid").
A field with a default may be absent from an answer; every other field is always present."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.core.documents import View
from chalicelib.directory.schemas import Category, GridBuilding, Point, Polygon


class MeUnit(View):
    unit_id: str
    estate_id: str
    building: str
    relation: Literal["owner", "resident"]


class Me(View):
    user_id: str
    username: str
    name: str | None
    roles: list[str]
    community_id: str | None
    units: list[MeUnit]


class CompanyRef(View):
    company_id: str
    name: str | None


class EstateView(View):
    estate_id: str
    name: str
    company_id: str
    property_company: CompanyRef
    location: Point | None = Field(description="WGS-84; null when not recorded")
    boundary: Polygon | None = Field(description="GeoJSON Polygon; null when not recorded")


class BuildingView(View):
    building_id: str
    estate_id: str
    name: str
    grid_id: str | None
    location: Point | None = Field(description="WGS-84; null when not recorded")


class GridRef(View):
    grid_id: str
    name: str


class CommunityView(View):
    community_id: str
    name: str
    name_en: str | None
    street_id: str | None
    street_name: str | None
    timezone: str
    estates: list[EstateView]
    buildings: list[BuildingView]
    grids: list[GridRef]


class CategoryList(View):
    items: list[Category]
    next_cursor: str | None


class GridView(View):
    grid_id: str
    name: str
    workers: list[str]


class GridList(View):
    items: list[GridView]
    next_cursor: str | None


class CreatedCommunity(View):
    community_id: str
    name: str
    staff: list[str]


class StaffAdded(View):
    community_id: str
    staff: list[str] = Field(description="the office staff registered by this request")


class CreatedStreet(View):
    street_id: str
    name: str
    staff: list[str]


class CreatedCompany(View):
    company_id: str
    name: str
    staff: list[str]


class CreatedEstate(View):
    estate_id: str
    community_id: str
    name: str
    company_id: str


class BuildingsAdded(View):
    estate_id: str
    buildings: int = Field(description="how many buildings were created or updated")


class UnitsImported(View):
    estate_id: str
    units: int = Field(description="how many units were created or replaced")


class CreatedGrid(View):
    grid_id: str
    name: str
    workers: list[str]
    buildings: list[GridBuilding]
