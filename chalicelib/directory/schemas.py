"""Request documents of the directory, and the CSV form of a unit import.

List limits follow from DynamoDB: an item is created in one transaction with its memberships, and
a transaction holds at most 100 operations, one per item, so lists may not repeat an entry."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Hashable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from chalicelib.core.documents import Degrees, Document, Id, Latitude, Longitude, Name
from chalicelib.core.errors import InvalidInputError
from chalicelib.directory import geo

MAX_STAFF = 99
MAX_GRID_WORKERS = 50
MAX_GRID_BUILDINGS = 99
# A unit's transaction saves it, writes a membership per person and deletes those of the people
# it no longer lists: 1 + 2 × (owners + residents) stays within 100.
MAX_OWNERS = 20
MAX_RESIDENTS = 29
MAX_POLYGON_POSITIONS = 200
# DynamoDB stores no positive number smaller
SMALLEST_NUMBER = 1e-130


def _no_repeats(key: Callable[[Any], Hashable], what: str) -> AfterValidator:
    def check(items: list[Any]) -> list[Any]:
        seen: set[Hashable] = set()
        repeated: list[str] = []
        for item in items:
            k = key(item)
            if k in seen and str(k) not in repeated:
                repeated.append(str(k))
            seen.add(k)
        if repeated:
            raise ValueError(f"duplicate {what}: {', '.join(repeated)}")
        return items

    return AfterValidator(check)


UNIQUE = Field(json_schema_extra={"uniqueItems": True})
UserIds = Annotated[list[Id], _no_repeats(lambda u: u, "users"), UNIQUE]


class Point(Document):
    """A WGS-84 position as a phone's GPS reports it."""

    lat: Latitude
    lon: Longitude


POSITION: dict[str, Any] = {"type": "array", "minItems": 2, "maxItems": 2,
                             "prefixItems": [{"type": "number", "minimum": -180, "maximum": 180},
                                             {"type": "number", "minimum": -90, "maximum": 90}]}


class Polygon(Document):
    """A GeoJSON Polygon: closed rings of ``[lon, lat]`` positions, the first the outline and
    any others holes."""

    type: Literal["Polygon"]
    coordinates: list[list[list[Degrees]]] = Field(
        min_length=1, description=f"at most {MAX_POLYGON_POSITIONS} positions in all",
        json_schema_extra={"items": {"type": "array", "minItems": 4, "items": POSITION}})

    @field_validator("coordinates")
    @classmethod
    def _usable(cls, rings: list[list[list[float]]]) -> list[list[list[float]]]:
        problems = geo.polygon_problems(rings, MAX_POLYGON_POSITIONS)
        if problems:
            raise ValueError("; ".join(problems))
        return rings


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
    categories: Annotated[list[Category], _no_repeats(lambda c: c.code, "category codes")] = \
        Field(default_factory=list, max_length=50, description="codes do not repeat")
    staff: UserIds = Field(default_factory=list, max_length=MAX_STAFF,
                           description="community-office staff (社区两委)")


class CommunityStaff(Document):
    staff: UserIds = Field(min_length=1, max_length=MAX_STAFF)


class NewStreet(Document):
    street_id: Id
    name: Name
    staff: UserIds = Field(default_factory=list, max_length=MAX_STAFF)


class NewCompany(Document):
    company_id: Id
    name: Name
    phone: str | None = Field(default=None, max_length=32)
    staff: UserIds = Field(default_factory=list, max_length=MAX_STAFF)


class NewEstate(Document):
    estate_id: Id
    name: Name
    company_id: Id
    location: Point | None = None
    boundary: Polygon | None = None


class NewBuilding(Document):
    """Posting a building again replaces its name; a grid or location it omits is kept."""

    building_id: Id
    name: Name
    grid_id: Id | None = None
    location: Point | None = None


class BuildingBatch(Document):
    buildings: Annotated[list[NewBuilding],
                         _no_repeats(lambda b: b.building_id, "building_id")] = Field(
        min_length=1, max_length=500, description="building ids do not repeat")


class NewUnit(Document):
    unit_id: Id
    building: Id
    area_m2: float = Field(ge=SMALLEST_NUMBER, le=100000)
    owners: UserIds = Field(default_factory=list, max_length=MAX_OWNERS)
    residents: UserIds = Field(default_factory=list, max_length=MAX_RESIDENTS,
                               description="people living there who are not its owners")
    developer_unsold: bool = False

    @field_validator("residents")
    @classmethod
    def _not_owners(cls, residents: list[str], info: ValidationInfo) -> list[str]:
        both = [u for u in residents if u in info.data.get("owners", ())]
        if both:
            raise ValueError(f"already listed as owners: {', '.join(both)}")
        return residents


class UnitBatch(Document):
    units: Annotated[list[NewUnit], _no_repeats(lambda u: u.unit_id, "unit_id")] = Field(
        min_length=1, max_length=1000, description="unit ids do not repeat")


class GridBuilding(Document):
    estate_id: Id
    building_id: Id


class NewGrid(Document):
    grid_id: Id
    name: Name
    workers: UserIds = Field(default_factory=list, max_length=MAX_GRID_WORKERS)
    buildings: Annotated[list[GridBuilding],
                         _no_repeats(lambda b: f"{b.estate_id}/{b.building_id}", "buildings"),
                         UNIQUE] = Field(default_factory=list, max_length=MAX_GRID_BUILDINGS)


UNIT_CSV_COLUMNS = ("unit_id", "building", "area_m2", "owners", "residents", "developer_unsold")
CSV_BOOLEANS = {"": False, "false": False, "0": False, "no": False,
                "true": True, "1": True, "yes": True}


def _bad_csv(field: str, message: str) -> InvalidInputError:
    return InvalidInputError("bad CSV", [{"field": field, "message": message}])


def _people(cell: str | None) -> list[str]:
    return [p.strip() for p in (cell or "").split(";") if p.strip()]


def units_from_csv(raw: bytes) -> UnitBatch:
    """UTF-8 CSV with a header row: unit_id, building, area_m2, owners and residents separated
    by ``;``, developer_unsold (true/false). Raises InvalidInputError naming the row."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InvalidInputError("CSV must be UTF-8") from err
    reader = csv.DictReader(io.StringIO(text))
    rows = []
    try:
        names = list(reader.fieldnames or ())
        header = set(names)
        missing = {"unit_id", "building", "area_m2"} - header
        unknown = header - set(UNIT_CSV_COLUMNS)
        if missing or unknown or len(names) != len(header):
            raise _bad_csv("header", f"missing {sorted(missing)}, unknown {sorted(unknown)}"
                                     + (", repeated columns" if len(names) != len(header) else ""))
        for row in reader:
            rows.append(_unit_row(reader.line_num, row))
    except csv.Error as err:
        # line_num counts the lines of the rows read whole: the failing row starts after them
        raise _bad_csv(f"row {reader.line_num + 1}", str(err)) from err
    return _unit_batch(rows)


def _unit_row(n: int, row: dict[str | None, Any]) -> dict[str, Any]:
    if None in row:
        raise _bad_csv(f"row {n}", "more fields than the header names")
    try:
        area = float(row["area_m2"])
    except (TypeError, ValueError) as err:
        raise _bad_csv(f"row {n}.area_m2", "not a number") from err
    unsold = (row.get("developer_unsold") or "").strip().lower()
    if unsold not in CSV_BOOLEANS:
        raise _bad_csv(f"row {n}.developer_unsold", "not a boolean")
    return {
        "unit_id": (row["unit_id"] or "").strip(),
        "building": (row["building"] or "").strip(),
        "area_m2": area,
        "owners": _people(row.get("owners")),
        "residents": _people(row.get("residents")),
        "developer_unsold": CSV_BOOLEANS[unsold],
        "_row": n,
    }


def _unit_batch(rows: list[dict[str, Any]]) -> UnitBatch:
    from pydantic import ValidationError

    lines = [row.pop("_row") for row in rows]
    try:
        return UnitBatch.model_validate({"units": rows})
    except ValidationError as err:
        details = []
        for e in err.errors(include_url=False, include_input=False):
            loc = list(e["loc"])
            if len(loc) > 1 and loc[0] == "units" and isinstance(loc[1], int):
                loc = [f"row {lines[loc[1]]}", *loc[2:]]
            details.append({"field": ".".join(str(p) for p in loc), "message": e["msg"]})
        raise InvalidInputError("bad CSV rows", details) from err
