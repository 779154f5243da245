"""The directory: communities, streets, property companies, estates, buildings, units, grids,
and the memberships that give each user their scope."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError

from chalicelib.core.db import is_conditional_failure, sort_key, transaction
from chalicelib.core.errors import ConflictError, InvalidInputError, NotFoundError
from chalicelib.core.timeutil import iso, utcnow
from chalicelib.directory.models import (
    Building,
    Community,
    Company,
    Estate,
    Grid,
    Membership,
    Street,
    Unit,
)
from chalicelib.identity.caller import Caller

if TYPE_CHECKING:
    from chalicelib.directory import schemas as docs

DEFAULT_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("water_electric", "水电报修", "Water and electricity"),
    ("public_area", "楼道与公共区域", "Stairwells and common areas"),
    ("environment", "环境卫生", "Environment and sanitation"),
    ("facility", "设施损坏", "Damaged facilities"),
    ("safety", "安全隐患", "Safety hazards"),
    ("parking", "停车", "Parking"),
    ("noise", "噪音", "Noise"),
    ("other", "其他", "Other"),
)
DEVICE_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("manhole", "井盖异常", "Manhole cover"),
    ("thrown_object", "高空抛物", "Object thrown from height"),
    ("air_quality", "空气质量", "Air quality"),
    ("abnormal_movement", "异常行为", "Abnormal movement"),
)
TRANSACTION_LIMIT = 100


@dataclass(frozen=True)
class Home:
    estate_id: str
    unit_id: str
    building: str
    relation: str
    community_id: str | None


@dataclass(frozen=True)
class Scope:
    """What a caller may reach beyond their own objects, resolved from the directory."""

    caller: Caller
    homes: tuple[Home, ...] = ()
    company_ids: frozenset[str] = frozenset()
    managed_estates: frozenset[str] = frozenset()
    grid_ids: frozenset[str] = frozenset()
    street_ids: frozenset[str] = frozenset()
    street_communities: frozenset[str] = frozenset()

    @property
    def home_estates(self) -> frozenset[str]:
        return frozenset(h.estate_id for h in self.homes)

    def supervises_community(self, community_id: str) -> bool:
        c = self.caller
        if c.is_admin:
            return True
        if "community" in c.roles and c.community_id == community_id:
            return True
        return "street" in c.roles and community_id in self.street_communities

    def belongs_to_community(self, community_id: str) -> bool:
        if self.supervises_community(community_id) or self.caller.community_id == community_id:
            return True
        return any(h.community_id == community_id for h in self.homes)


@dataclass
class _Batch:
    items: list[Any] = field(default_factory=list)
    deletes: list[Any] = field(default_factory=list)


def _now() -> str:
    return iso(utcnow())


def load_scope(caller: Caller) -> Scope:
    """Resolve the caller's memberships (one Query, plus one per company or street)."""
    homes: list[Home] = []
    companies: set[str] = set()
    grids: set[str] = set()
    streets: set[str] = set()
    for m in Membership.query(f"USER#{caller.user_id}", Membership.sk.startswith("MEMBER#")):
        if m.kind == "unit":
            homes.append(Home(m.estate_id or "", m.ref_id, m.building or "",
                              m.relation or "resident", m.community_id))
        elif m.kind == "company" and "property" in caller.roles:
            companies.add(m.ref_id)
        elif m.kind == "grid" and "grid" in caller.roles:
            grids.add(m.ref_id)
        elif m.kind == "street" and "street" in caller.roles:
            streets.add(m.ref_id)
    managed = {e.estate_id for co in companies for e in Estate.by_company.query(f"COMPANY#{co}")}
    street_communities = {
        c.community_id for s in streets for c in Community.by_street.query(f"STREET#{s}")
    }
    return Scope(
        caller=caller,
        homes=tuple(homes),
        company_ids=frozenset(companies),
        managed_estates=frozenset(managed),
        grid_ids=frozenset(grids),
        street_ids=frozenset(streets),
        street_communities=frozenset(street_communities),
    )


def get_community(community_id: str) -> Community:
    """Raises NotFoundError."""
    try:
        return Community.get(*Community.key(community_id))
    except DoesNotExist as err:
        raise NotFoundError(f"community {community_id} not found") from err


def get_estate(estate_id: str) -> Estate:
    """Raises NotFoundError."""
    try:
        return Estate.get(*Estate.key(estate_id))
    except DoesNotExist as err:
        raise NotFoundError(f"estate {estate_id} not found") from err


def find_building(estate_id: str, building_id: str) -> Building | None:
    try:
        return Building.get(*Building.key(estate_id, building_id))
    except DoesNotExist:
        return None


def find_unit(estate_id: str, unit_id: str) -> Unit | None:
    try:
        return Unit.get(*Unit.key(estate_id, unit_id))
    except DoesNotExist:
        return None


def categories(community: Community) -> list[dict[str, str]]:
    own = [{"code": c.code, "zh": c.zh, "en": c.en} for c in community.categories]
    codes = {c["code"] for c in own}
    defaults = [{"code": code, "zh": zh, "en": en} for code, zh, en in DEFAULT_CATEGORIES
                if code not in codes]
    return defaults + own


def category_codes(community: Community) -> set[str]:
    return {c["code"] for c in categories(community)}


def visible_community(caller: Caller, community_id: str) -> tuple[Community, Scope]:
    """The community, if the caller belongs to it. Raises NotFoundError."""
    scope = load_scope(caller)
    if not scope.belongs_to_community(community_id):
        raise NotFoundError(f"community {community_id} not found")
    return get_community(community_id), scope


def _require_admin_or_community_staff(caller: Caller, community_id: str) -> None:
    caller.require("admin", "community")
    if not caller.is_admin and caller.community_id != community_id:
        raise NotFoundError(f"community {community_id} not found")


def community_view(caller: Caller, community_id: str) -> dict[str, Any]:
    """The community with its estates, buildings and grids. Raises NotFoundError."""
    community, _ = visible_community(caller, community_id)
    estates: list[dict[str, Any]] = []
    buildings: list[dict[str, Any]] = []
    for item in _community_children(community_id):
        if isinstance(item, Estate):
            estates.append({"estate_id": item.estate_id, "name": item.name,
                            "company_id": item.company_id})
        elif isinstance(item, Building):
            buildings.append({"building_id": item.building_id, "estate_id": item.estate_id,
                              "name": item.name, "grid_id": item.grid_id})
    companies = {e["company_id"] for e in estates}
    names = {c.company_id: c.name for c in Company.batch_get([Company.key(c) for c in companies])}
    for e in estates:
        e["property_company"] = {"company_id": e["company_id"], "name": names.get(e["company_id"])}
    grids = [
        {"grid_id": g.grid_id, "name": g.name}
        for g in Grid.query(f"COMMUNITY#{community_id}", Grid.sk.startswith("GRID#"))
    ]
    return {
        "community_id": community.community_id,
        "name": community.name,
        "name_en": community.name_en,
        "street_id": community.street_id,
        "street_name": community.street_name,
        "timezone": community.timezone,
        "estates": estates,
        "buildings": buildings,
        "grids": grids,
    }


def _community_children(community_id: str) -> Iterable[Estate | Building]:
    partition = f"COMMUNITY#{community_id}"
    yield from Estate.by_community.query(
        partition, sort_key(Estate.by_community).startswith("ESTATE#"))
    yield from Building.by_community.query(
        partition, sort_key(Building.by_community).startswith("BUILDING#"))


def _create(item: Any, what: str, memberships: Iterable[Membership] = ()) -> None:
    members = list(memberships)
    try:
        if not members:
            item.save(condition=type(item).pk.does_not_exist())
            return
        with transaction() as tx:
            tx.save(item, condition=type(item).pk.does_not_exist())
            for m in members:
                tx.save(m)
    except (PutError, TransactWriteError) as err:
        if is_conditional_failure(err):
            raise ConflictError(f"{what} already exists") from err
        raise


def _membership(user_id: str, kind: str, ref: str, **extra: Any) -> Membership:
    return Membership(*Membership.key(user_id, kind, ref), user_id=user_id, kind=kind,
                      ref_id=ref.split("#")[-1], created_at=_now(), **extra)


def create_community(caller: Caller, doc: docs.NewCommunity) -> dict[str, Any]:
    """Admin only. Raises ForbiddenError, ConflictError."""
    caller.require("admin")
    community = Community(
        *Community.key(doc.community_id),
        community_id=doc.community_id, name=doc.name, name_en=doc.name_en,
        street_id=doc.street_id, street_name=doc.street_name, timezone=doc.timezone,
        categories=[c.model_dump() for c in doc.categories], created_at=_now(),
    )
    if doc.street_id:
        community.gsi1pk = f"STREET#{doc.street_id}"
        community.gsi1sk = f"COMMUNITY#{doc.community_id}"
    _validate_timezone(doc.timezone)
    _create(community, f"community {doc.community_id}")
    return {"community_id": doc.community_id, "name": doc.name}


def _validate_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise InvalidInputError(f"unknown time zone {name}",
                                [{"field": "timezone", "message": "unknown time zone"}]) from err


def create_street(caller: Caller, doc: docs.NewStreet) -> dict[str, Any]:
    """A street office and its staff. Admin only. Raises ForbiddenError, ConflictError."""
    caller.require("admin")
    street = Street(*Street.key(doc.street_id), street_id=doc.street_id, name=doc.name,
                    created_at=_now())
    _create(street, f"street {doc.street_id}",
            [_membership(u, "street", doc.street_id) for u in doc.staff])
    return {"street_id": doc.street_id, "name": doc.name, "staff": doc.staff}


def create_company(caller: Caller, doc: docs.NewCompany) -> dict[str, Any]:
    """Admin only. Raises ForbiddenError, ConflictError."""
    caller.require("admin")
    company = Company(*Company.key(doc.company_id), company_id=doc.company_id, name=doc.name,
                      phone=doc.phone, created_at=_now())
    _create(company, f"company {doc.company_id}",
            [_membership(u, "company", doc.company_id) for u in doc.staff])
    return {"company_id": doc.company_id, "name": doc.name, "staff": doc.staff}


def create_estate(caller: Caller, community_id: str, doc: docs.NewEstate) -> dict[str, Any]:
    """Admin or the community's staff. Raises ForbiddenError, NotFoundError, ConflictError,
    InvalidInputError (unknown company)."""
    _require_admin_or_community_staff(caller, community_id)
    get_community(community_id)
    try:
        Company.get(*Company.key(doc.company_id))
    except DoesNotExist as err:
        raise InvalidInputError(f"unknown company {doc.company_id}",
                                [{"field": "company_id", "message": "unknown company"}]) from err
    estate = Estate(
        *Estate.key(doc.estate_id), estate_id=doc.estate_id, community_id=community_id,
        name=doc.name, company_id=doc.company_id, created_at=_now(),
        gsi1pk=f"COMMUNITY#{community_id}", gsi1sk=f"ESTATE#{doc.estate_id}",
        gsi2pk=f"COMPANY#{doc.company_id}", gsi2sk=f"ESTATE#{doc.estate_id}",
    )
    _create(estate, f"estate {doc.estate_id}")
    return {"estate_id": doc.estate_id, "community_id": community_id, "name": doc.name,
            "company_id": doc.company_id}


def _estate_for_staff(caller: Caller, estate_id: str) -> Estate:
    caller.require("admin", "community")
    estate = get_estate(estate_id)
    if not caller.is_admin and caller.community_id != estate.community_id:
        raise NotFoundError(f"estate {estate_id} not found")
    return estate


def add_buildings(caller: Caller, estate_id: str, batch: docs.BuildingBatch) -> dict[str, Any]:
    """Create or update buildings of an estate. Raises ForbiddenError, NotFoundError."""
    estate = _estate_for_staff(caller, estate_id)
    with Building.batch_write() as writer:
        for b in batch.buildings:
            writer.save(Building(
                *Building.key(estate_id, b.building_id), building_id=b.building_id,
                estate_id=estate_id, community_id=estate.community_id, name=b.name,
                grid_id=b.grid_id, created_at=_now(),
                gsi1pk=f"COMMUNITY#{estate.community_id}",
                gsi1sk=f"BUILDING#{estate_id}#{b.building_id}",
            ))
    return {"estate_id": estate_id, "buildings": len(batch.buildings)}


UNIT_CSV_COLUMNS = ("unit_id", "building", "area_m2", "owners", "residents", "developer_unsold")


def parse_units_csv(text: str) -> docs.UnitBatch:
    """CSV with a header row: unit_id, building, area_m2, owners and residents separated by ``;``,
    developer_unsold (true/false). Raises InvalidInputError naming the row."""
    reader = csv.DictReader(io.StringIO(text))
    header = set(reader.fieldnames or ())
    missing = {"unit_id", "building", "area_m2"} - header
    unknown = header - set(UNIT_CSV_COLUMNS)
    if missing or unknown:
        raise InvalidInputError("bad CSV header", [{"field": "header", "message":
                                f"missing {sorted(missing)}, unknown {sorted(unknown)}"}])
    rows = []
    for n, row in enumerate(reader, start=2):
        try:
            area = float(row["area_m2"])
        except (TypeError, ValueError) as err:
            raise InvalidInputError("bad CSV row", [{"field": f"row {n}.area_m2",
                                                     "message": "not a number"}]) from err
        unsold = (row.get("developer_unsold") or "").strip().lower()
        if unsold not in ("", "true", "false", "1", "0", "yes", "no"):
            raise InvalidInputError("bad CSV row", [{"field": f"row {n}.developer_unsold",
                                                     "message": "not a boolean"}])
        rows.append({
            "unit_id": (row["unit_id"] or "").strip(),
            "building": (row["building"] or "").strip(),
            "area_m2": area,
            "owners": [p.strip() for p in (row.get("owners") or "").split(";") if p.strip()],
            "residents": [p.strip() for p in (row.get("residents") or "").split(";") if p.strip()],
            "developer_unsold": unsold in ("true", "1", "yes"),
        })
    from pydantic import ValidationError

    from chalicelib.directory.schemas import UnitBatch

    try:
        return UnitBatch.model_validate({"units": rows})
    except ValidationError as err:
        details = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                   for e in err.errors(include_url=False, include_input=False)]
        raise InvalidInputError("bad CSV rows", details) from err


def import_units(caller: Caller, estate_id: str, batch: docs.UnitBatch) -> dict[str, Any]:
    """Create or replace units with their owners and residents, each unit in one transaction
    with its memberships. Raises ForbiddenError, NotFoundError, InvalidInputError."""
    estate = _estate_for_staff(caller, estate_id)
    ids = [u.unit_id for u in batch.units]
    if len(set(ids)) != len(ids):
        raise InvalidInputError("duplicate unit_id in the batch")
    buildings = {b.building_id for b in Building.query(f"ESTATE#{estate_id}",
                                                       Building.sk.startswith("BUILDING#"))}
    unknown = sorted({u.building for u in batch.units} - buildings)
    if unknown:
        raise InvalidInputError("unknown buildings", [{"field": "building", "message":
                                                        f"not in estate: {', '.join(unknown)}"}])
    existing = {u.unit_id: u for u in Unit.batch_get([Unit.key(estate_id, i) for i in ids])}
    for doc in batch.units:
        _replace_unit(estate, doc, existing.get(doc.unit_id))
    return {"estate_id": estate_id, "units": len(batch.units)}


def _replace_unit(estate: Estate, doc: docs.NewUnit, old: Unit | None) -> None:
    unit = Unit(*Unit.key(estate.estate_id, doc.unit_id), unit_id=doc.unit_id,
                estate_id=estate.estate_id, community_id=estate.community_id,
                building=doc.building, area_m2=doc.area_m2, owners=doc.owners,
                residents=doc.residents, developer_unsold=doc.developer_unsold,
                created_at=old.created_at if old else _now())
    ref = f"{estate.estate_id}#{doc.unit_id}"
    people = {u: "resident" for u in doc.residents}
    people.update({u: "owner" for u in doc.owners})
    previous: set[str] = {str(u) for u in [*old.owners, *old.residents]} if old else set()
    gone = previous - set(people)
    condition = (Unit.created_at == old.created_at) & (Unit.owners == old.owners) \
        & (Unit.residents == old.residents) if old else Unit.pk.does_not_exist()
    try:
        with transaction() as tx:
            tx.save(unit, condition=condition)
            for user in gone:
                tx.delete(Membership(*Membership.key(user, "unit", ref)))
            for user, relation in people.items():
                tx.save(_membership(user, "unit", ref, community_id=estate.community_id,
                                    estate_id=estate.estate_id, building=doc.building,
                                    relation=relation))
    except TransactWriteError as err:
        if is_conditional_failure(err):
            raise ConflictError(f"unit {doc.unit_id} changed during the import; retry") from err
        raise


def create_grid(caller: Caller, community_id: str, doc: docs.NewGrid) -> dict[str, Any]:
    """A grid with its workers; the named buildings move into it.
    Raises ForbiddenError, NotFoundError, ConflictError, InvalidInputError."""
    _require_admin_or_community_staff(caller, community_id)
    get_community(community_id)
    if len(doc.workers) + len(doc.buildings) + 1 > TRANSACTION_LIMIT:
        raise InvalidInputError(
            f"a grid takes at most {TRANSACTION_LIMIT - 1} workers and buildings together")
    grid = Grid(*Grid.key(community_id, doc.grid_id), grid_id=doc.grid_id,
                community_id=community_id, name=doc.name, workers=doc.workers, created_at=_now())
    try:
        with transaction() as tx:
            tx.save(grid, condition=Grid.pk.does_not_exist())
            for user in doc.workers:
                tx.save(_membership(user, "grid", doc.grid_id, community_id=community_id))
            for b in doc.buildings:
                tx.update(Building(*Building.key(b.estate_id, b.building_id)),
                          actions=[Building.grid_id.set(doc.grid_id)],
                          condition=Building.community_id == community_id)
    except TransactWriteError as err:
        if is_conditional_failure(err):
            raise ConflictError(
                f"grid {doc.grid_id} exists, or a building is not in community {community_id}"
            ) from err
        raise
    return {"grid_id": doc.grid_id, "name": doc.name, "workers": doc.workers,
            "buildings": [b.model_dump() for b in doc.buildings]}


def list_grids(caller: Caller, community_id: str) -> dict[str, Any]:
    """Raises ForbiddenError, NotFoundError."""
    caller.require("admin", "community", "street", "grid")
    visible_community(caller, community_id)
    items = [{"grid_id": g.grid_id, "name": g.name, "workers": list(g.workers)}
             for g in Grid.query(f"COMMUNITY#{community_id}", Grid.sk.startswith("GRID#"))]
    return {"items": items, "next_cursor": None}


def me(caller: Caller) -> dict[str, Any]:
    scope = load_scope(caller)
    return {
        "user_id": caller.user_id,
        "username": caller.user_id,
        "name": caller.name,
        "roles": sorted(caller.roles),
        "community_id": caller.community_id,
        "units": [{"unit_id": h.unit_id, "estate_id": h.estate_id, "building": h.building,
                   "relation": h.relation} for h in scope.homes],
    }
