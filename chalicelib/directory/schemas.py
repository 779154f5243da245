from __future__ import annotations

from pydantic import Field

from chalicelib.core.documents import Document, Id, Name


class Category(Document):
    code: Id
    zh: Name
    en: Name


class NewCommunity(Document):
    community_id: Id
    name: Name
    name_en: Name | None = None
    street_id: Id | None = None
    street_name: Name | None = None
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    categories: list[Category] = Field(default_factory=list, max_length=50)


class NewStreet(Document):
    street_id: Id
    name: Name
    staff: list[Id] = Field(default_factory=list, max_length=200)


class NewCompany(Document):
    company_id: Id
    name: Name
    phone: str | None = Field(default=None, max_length=32)
    staff: list[Id] = Field(default_factory=list, max_length=500)


class NewEstate(Document):
    estate_id: Id
    name: Name
    company_id: Id


class NewBuilding(Document):
    building_id: Id
    name: Name
    grid_id: Id | None = None


class BuildingBatch(Document):
    buildings: list[NewBuilding] = Field(min_length=1, max_length=500)


class NewUnit(Document):
    unit_id: Id
    building: Id
    area_m2: float = Field(gt=0, le=100000)
    owners: list[Id] = Field(default_factory=list, max_length=20)
    residents: list[Id] = Field(default_factory=list, max_length=50)
    developer_unsold: bool = False


class UnitBatch(Document):
    units: list[NewUnit] = Field(min_length=1, max_length=1000)


class NewGrid(Document):
    grid_id: Id
    name: Name
    workers: list[Id] = Field(default_factory=list, max_length=50)
    buildings: list[GridBuilding] = Field(default_factory=list, max_length=500)


class GridBuilding(Document):
    estate_id: Id
    building_id: Id


NewGrid.model_rebuild()
