"""The directory: communities, streets, property companies, estates, buildings, units, grids,
and the memberships that give each user their scope.

Functions take the caller, check what they may do and return models or dataclasses; ``views.py``
turns those into answers and ``store.py`` keeps them. What a caller reaches comes from the
directory only: a token's community claim grants nothing by itself (SPEC 2).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from chalicelib.core.cache import ttl_cache
from chalicelib.core.errors import InvalidInputError, NotFoundError
from chalicelib.core.timeutil import iso, utcnow
from chalicelib.directory import geo, store
from chalicelib.directory.models import (
    Building,
    Community,
    Company,
    Estate,
    Grid,
    LocationAttribute,
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
NEAR_ESTATE_M = 500
DIRECTORY_TTL_S = 60
"""How long a container serves a community, company, estate, building or unit it read (only
buildings and units ever change; what does not exist is never kept)."""
T = TypeVar("T")


@dataclass(frozen=True)
class Home:
    estate_id: str
    unit_id: str
    building: str
    relation: str
    community_id: str | None


@dataclass(frozen=True)
class Scope:
    """What a caller may reach beyond their own objects, resolved from the directory.

    ``communities`` are those the caller verifiably belongs to: their homes', the offices they
    staff, those of the estates their company manages, of their grids and of their street.
    ``community_id`` is their own community: the office they staff, else their home's, else
    their grid's, else the only community their work covers; the token's claim only picks
    among several.
    """

    caller: Caller
    homes: tuple[Home, ...] = ()
    company_ids: frozenset[str] = frozenset()
    managed_estates: frozenset[str] = frozenset()
    grid_ids: frozenset[str] = frozenset()
    street_ids: frozenset[str] = frozenset()
    street_communities: frozenset[str] = frozenset()
    staffed_communities: frozenset[str] = frozenset()
    communities: frozenset[str] = frozenset()
    community_id: str | None = None

    @property
    def home_estates(self) -> frozenset[str]:
        return frozenset(h.estate_id for h in self.homes)

    def staffs_community(self, community_id: str) -> bool:
        """Office staff of the community (admins are not, though they may do what staff do)."""
        return "community" in self.caller.roles and community_id in self.staffed_communities

    def supervises_community(self, community_id: str) -> bool:
        """Admins; the community's office staff; staff of its street office."""
        c = self.caller
        if c.is_admin or self.staffs_community(community_id):
            return True
        return "street" in c.roles and community_id in self.street_communities

    def belongs_to_community(self, community_id: str) -> bool:
        return self.supervises_community(community_id) or community_id in self.communities


@dataclass(frozen=True)
class Staffed(Generic[T]):
    """An office or company, and the staff just registered with it."""

    item: T
    staff: tuple[str, ...]


@dataclass(frozen=True)
class CommunityDirectory:
    community: Community
    estates: list[Estate]
    buildings: list[Building]
    grids: list[Grid]
    companies: dict[str, Company]


@dataclass(frozen=True)
class GridWithBuildings:
    grid: Grid
    buildings: tuple[tuple[str, str], ...]


def _now() -> str:
    return iso(utcnow())


def _own_community(claimed: str | None, *tiers: frozenset[str]) -> str | None:
    for tier in tiers:
        if tier:
            return claimed if claimed in tier else min(tier)
    return None


def load_scope(caller: Caller) -> Scope:
    """Resolve the caller's memberships (one Query, plus one per company or street). A
    membership counts only with the role it serves (office staff need ``community``...)."""
    homes: list[Home] = []
    offices: set[str] = set()
    companies: set[str] = set()
    grids: dict[str, str | None] = {}
    streets: set[str] = set()
    roles = caller.roles
    for m in store.memberships(caller.user_id):
        if m.kind == "unit":
            homes.append(Home(m.estate_id or "", m.ref_id, m.building or "",
                              m.relation or "resident", m.community_id))
        elif m.kind == "community" and "community" in roles:
            offices.add(m.ref_id)
        elif m.kind == "company" and "property" in roles:
            companies.add(m.ref_id)
        elif m.kind == "grid" and "grid" in roles:
            grids[m.ref_id] = m.community_id
        elif m.kind == "street" and "street" in roles:
            streets.add(m.ref_id)
    managed = [e for co in companies for e in store.estates_of_company(co)]
    street_communities = frozenset(
        c.community_id for s in streets for c in store.communities_of_street(s))
    home_communities = frozenset(h.community_id for h in homes if h.community_id)
    grid_communities = frozenset(c for c in grids.values() if c)
    staffed = frozenset(offices)
    communities = (home_communities | staffed | grid_communities | street_communities
                   | {e.community_id for e in managed})
    return Scope(
        caller=caller,
        homes=tuple(homes),
        company_ids=frozenset(companies),
        managed_estates=frozenset(e.estate_id for e in managed),
        grid_ids=frozenset(grids),
        street_ids=frozenset(streets),
        street_communities=street_communities,
        staffed_communities=staffed,
        communities=communities,
        community_id=_own_community(
            caller.community_id, staffed, home_communities, grid_communities,
            communities if len(communities) == 1 else frozenset()),
    )


# --- reading --------------------------------------------------------------------------------

def _cached(key: tuple[str, ...], load: Callable[[], T | None]) -> T | None:
    return ttl_cache("directory", DIRECTORY_TTL_S).get(key, load, keep=lambda v: v is not None)


def _changed(*keys: tuple[str, ...]) -> None:
    ttl_cache("directory", DIRECTORY_TTL_S).forget(*keys)


def get_community(community_id: str) -> Community:
    """Raises NotFoundError."""
    found = _cached(("community", community_id), lambda: store.community(community_id))
    if found is None:
        raise NotFoundError(f"community {community_id} not found")
    return found


def get_estate(estate_id: str) -> Estate:
    """Raises NotFoundError."""
    found = _cached(("estate", estate_id), lambda: store.estate(estate_id))
    if found is None:
        raise NotFoundError(f"estate {estate_id} not found")
    return found


def get_company(company_id: str) -> Company:
    """Raises NotFoundError."""
    found = _cached(("company", company_id), lambda: store.company(company_id))
    if found is None:
        raise NotFoundError(f"company {company_id} not found")
    return found


def find_building(estate_id: str, building_id: str) -> Building | None:
    return _cached(("building", estate_id, building_id),
                   lambda: store.building(estate_id, building_id))


def find_unit(estate_id: str, unit_id: str) -> Unit | None:
    return _cached(("unit", estate_id, unit_id), lambda: store.unit(estate_id, unit_id))


@dataclass(frozen=True)
class UnitRegister:
    """An estate's units as the registry holds them now, with the grid of each building."""

    estate: Estate
    units: list[Unit]
    grid_of_building: dict[str, str | None]


def unit_register(estate_id: str) -> UnitRegister:
    """Every unit of the estate, read consistently (never from the cache), and the grid of
    each of its buildings: what a poll's roll is frozen from. Raises NotFoundError."""
    estate = get_estate(estate_id)
    return UnitRegister(estate, list(store.units_of_estate(estate_id)),
                        {b.building_id: b.grid_id for b in store.buildings_of_estate(estate_id)})


def categories(community: Community) -> list[dict[str, str]]:
    """The default categories, those the community defines replacing any of the same code."""
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


def list_categories(caller: Caller, community_id: str) -> list[dict[str, str]]:
    """Ticket categories of a community the caller belongs to. Raises NotFoundError."""
    community, _ = visible_community(caller, community_id)
    return categories(community)


def community_directory(caller: Caller, community_id: str) -> CommunityDirectory:
    """The community with its estates (and their companies), buildings and grids, for anyone
    of that community. Raises NotFoundError."""
    community, _ = visible_community(caller, community_id)
    estates = list(store.estates_of_community(community_id))
    return CommunityDirectory(
        community=community,
        estates=estates,
        buildings=list(store.buildings_of_community(community_id)),
        grids=list(store.grids_of_community(community_id)),
        companies={c.company_id: c for c in store.companies(e.company_id for e in estates)},
    )


def list_grids(caller: Caller, community_id: str) -> list[Grid]:
    """Raises ForbiddenError, NotFoundError."""
    caller.require("admin", "community", "street", "grid")
    visible_community(caller, community_id)
    return list(store.grids_of_community(community_id))


def me(caller: Caller) -> Scope:
    """The caller with what the directory says of them."""
    return load_scope(caller)


def estate_at(community_id: str, lat: float, lon: float,
              within_m: float = NEAR_ESTATE_M) -> Estate | None:
    """The estate of the community whose boundary holds the point (the one whose location is
    nearest when boundaries overlap), else the estate nearest to it within ``within_m`` metres
    by its location (the centre of its boundary when it has no location), else None.
    Raises InvalidInputError for coordinates out of range."""
    problems = geo.point_problems(lat, lon)
    if problems:
        raise InvalidInputError("coordinates out of range",
                                [{"field": "location", "message": p} for p in problems])
    estates = list(store.estates_of_community(community_id))

    def distance(e: Estate) -> float:
        point = _reference_point(e)
        return geo.distance_m(lat, lon, *point) if point else float("inf")

    inside = [e for e in estates if e.boundary and geo.contains(e.boundary, lat, lon)]
    if inside:
        return min(inside, key=lambda e: (distance(e), e.estate_id))
    near = [(distance(e), e.estate_id, e) for e in estates]
    near = [n for n in near if n[0] <= within_m]
    return min(near, key=lambda n: (n[0], n[1]))[2] if near else None


def _reference_point(estate: Estate) -> tuple[float, float] | None:
    if estate.location is not None:
        return float(estate.location.lat), float(estate.location.lon)
    if estate.boundary:
        return geo.centroid(estate.boundary[0])
    return None


# --- checks ---------------------------------------------------------------------------------

def _require_office(caller: Caller, community_id: str) -> None:
    """Admins, or staff of the community's office. Raises ForbiddenError, NotFoundError."""
    caller.require("admin", "community")
    if not caller.is_admin and community_id not in load_scope(caller).staffed_communities:
        raise NotFoundError(f"community {community_id} not found")


def _estate_for_office(caller: Caller, estate_id: str) -> Estate:
    """The estate, for admins and staff of its community's office.
    Raises ForbiddenError, NotFoundError."""
    caller.require("admin", "community")
    estate = get_estate(estate_id)
    if not caller.is_admin and estate.community_id not in load_scope(caller).staffed_communities:
        raise NotFoundError(f"estate {estate_id} not found")
    return estate


def _require_known_users(field: str, usernames: Sequence[str]) -> None:
    """Raises InvalidInputError naming each entry of ``field`` that no user holds."""
    if not usernames:
        return
    from chalicelib.identity.users import user_directory

    unknown = set(user_directory().unknown(usernames))
    details = [{"field": f"{field}.{i}", "message": f"unknown user {name}"}
               for i, name in enumerate(usernames) if name in unknown]
    if details:
        raise InvalidInputError("unknown users: " + ", ".join(sorted(unknown)), details)


def _validate_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise InvalidInputError(f"unknown time zone {name}",
                                [{"field": "timezone", "message": "unknown time zone"}]) from err


def _validate_categories(doc: docs.NewCommunity) -> None:
    reserved = {code for code, _, _ in DEVICE_CATEGORIES}
    details = [{"field": f"categories.{i}.code", "message": "reserved for device alarms"}
               for i, c in enumerate(doc.categories) if c.code in reserved]
    if details:
        raise InvalidInputError("categories reuse device alarm codes", details)


def _location(point: docs.Point | None) -> LocationAttribute | None:
    return LocationAttribute(lat=point.lat, lon=point.lon) if point else None


def _staff(users: Iterable[str], kind: str, ref: str, **attributes: Any) -> list[Membership]:
    now = _now()
    return [store.new_membership(u, kind, ref, now, **attributes) for u in users]


# --- registering ----------------------------------------------------------------------------

def create_community(caller: Caller, doc: docs.NewCommunity) -> Staffed[Community]:
    """A community with its office staff. Admin only.
    Raises ForbiddenError, InvalidInputError, ConflictError."""
    caller.require("admin")
    _validate_timezone(doc.timezone)
    _validate_categories(doc)
    _require_known_users("staff", doc.staff)
    community = store.new_community(
        community_id=doc.community_id, name=doc.name, name_en=doc.name_en,
        street_id=doc.street_id, street_name=doc.street_name, timezone=doc.timezone,
        categories=[c.model_dump() for c in doc.categories], created_at=_now(),
    )
    store.create(community, f"community {doc.community_id}",
                 _staff(doc.staff, "community", doc.community_id,
                        community_id=doc.community_id))
    return Staffed(community, tuple(doc.staff))


def add_community_staff(caller: Caller, community_id: str,
                        doc: docs.CommunityStaff) -> Staffed[str]:
    """Register more office staff of a community (again: no change). Admin only.
    Raises ForbiddenError, InvalidInputError, NotFoundError."""
    caller.require("admin")
    _require_known_users("staff", doc.staff)
    members = _staff(doc.staff, "community", community_id, community_id=community_id)
    if not store.add_members(community_id, members):
        raise NotFoundError(f"community {community_id} not found")
    return Staffed(community_id, tuple(doc.staff))


def create_street(caller: Caller, doc: docs.NewStreet) -> Staffed[Street]:
    """A street office and its staff. Admin only.
    Raises ForbiddenError, InvalidInputError, ConflictError."""
    caller.require("admin")
    _require_known_users("staff", doc.staff)
    street = store.new_street(street_id=doc.street_id, name=doc.name, created_at=_now())
    store.create(street, f"street {doc.street_id}", _staff(doc.staff, "street", doc.street_id))
    return Staffed(street, tuple(doc.staff))


def create_company(caller: Caller, doc: docs.NewCompany) -> Staffed[Company]:
    """A property company and its staff. Admin only.
    Raises ForbiddenError, InvalidInputError, ConflictError."""
    caller.require("admin")
    _require_known_users("staff", doc.staff)
    company = store.new_company(company_id=doc.company_id, name=doc.name, phone=doc.phone,
                                created_at=_now())
    store.create(company, f"company {doc.company_id}",
                 _staff(doc.staff, "company", doc.company_id))
    return Staffed(company, tuple(doc.staff))


def create_estate(caller: Caller, community_id: str, doc: docs.NewEstate) -> Estate:
    """Admin or the community's office staff. Raises ForbiddenError, NotFoundError,
    ConflictError, InvalidInputError (unknown company)."""
    _require_office(caller, community_id)
    get_community(community_id)
    if store.company(doc.company_id) is None:
        raise InvalidInputError(f"unknown company {doc.company_id}",
                                [{"field": "company_id", "message": "unknown company"}])
    estate = store.new_estate(
        estate_id=doc.estate_id, community_id=community_id, name=doc.name,
        company_id=doc.company_id, location=_location(doc.location),
        boundary=doc.boundary.coordinates if doc.boundary else None, created_at=_now(),
    )
    store.create(estate, f"estate {doc.estate_id}")
    return estate


def add_buildings(caller: Caller, estate_id: str, batch: docs.BuildingBatch) -> list[Building]:
    """Create buildings of an estate, or rename them; a grid or location a building omits is
    kept. Raises ForbiddenError, NotFoundError, InvalidInputError (unknown grid)."""
    estate = _estate_for_office(caller, estate_id)
    named_grids = {b.grid_id for b in batch.buildings if b.grid_id}
    grids = {g.grid_id for g in store.grids_of_community(estate.community_id)} \
        if named_grids else set()
    unknown = [{"field": f"buildings.{i}.grid_id",
                "message": f"no grid {b.grid_id} in community {estate.community_id}"}
               for i, b in enumerate(batch.buildings) if b.grid_id and b.grid_id not in grids]
    if unknown:
        raise InvalidInputError("unknown grids", unknown)
    existing = {b.building_id: b for b in store.buildings_of_estate(estate_id)}
    now = _now()
    items = []
    for b in batch.buildings:
        old = existing.get(b.building_id)
        items.append(store.new_building(
            building_id=b.building_id, estate_id=estate_id, community_id=estate.community_id,
            name=b.name, grid_id=b.grid_id or (old.grid_id if old else None),
            location=_location(b.location) or (old.location if old else None),
            created_at=old.created_at if old else now,
        ))
    try:
        store.save_buildings(items)
    finally:
        _changed(*(("building", estate_id, b.building_id) for b in items))
    return items


def import_units(caller: Caller, estate_id: str, batch: docs.UnitBatch) -> list[Unit]:
    """Create or replace units with their owners and residents, each unit in one transaction
    with its memberships. Raises ForbiddenError, NotFoundError, InvalidInputError,
    ConflictError (a unit changed during the import)."""
    estate = _estate_for_office(caller, estate_id)
    buildings = {b.building_id for b in store.buildings_of_estate(estate_id)}
    unknown = [{"field": f"units.{i}.building", "message": f"no building {u.building} in estate"}
               for i, u in enumerate(batch.units) if u.building not in buildings]
    if unknown:
        raise InvalidInputError("unknown buildings", unknown)
    existing = {u.unit_id: u for u in store.units(estate_id, (u.unit_id for u in batch.units))}
    return [_replace_unit(estate, i, doc, existing.get(doc.unit_id))
            for i, doc in enumerate(batch.units)]


def _replace_unit(estate: Estate, index: int, doc: docs.NewUnit, old: Unit | None) -> Unit:
    now = _now()
    unit = store.new_unit(
        unit_id=doc.unit_id, estate_id=estate.estate_id, community_id=estate.community_id,
        building=doc.building, area_m2=doc.area_m2, owners=doc.owners, residents=doc.residents,
        developer_unsold=doc.developer_unsold, created_at=old.created_at if old else now)
    people = {u: "resident" for u in doc.residents} | {u: "owner" for u in doc.owners}
    gone = {str(u) for u in [*old.owners, *old.residents]} - set(people) if old else set()
    if 1 + len(people) + len(gone) > store.TRANSACTION_LIMIT:
        raise InvalidInputError(f"unit {doc.unit_id} changes too many people at once", [{
            "field": f"units.{index}", "message": "replace its people in two imports"}])
    ref = store.unit_ref(estate.estate_id, doc.unit_id)
    members = [store.new_membership(user, "unit", ref, now, community_id=estate.community_id,
                                    estate_id=estate.estate_id, building=doc.building,
                                    relation=relation)
               for user, relation in people.items()]
    try:
        store.replace_unit(unit, old, members, gone)
    finally:
        _changed(("unit", estate.estate_id, doc.unit_id))
    return unit


def create_grid(caller: Caller, community_id: str, doc: docs.NewGrid) -> GridWithBuildings:
    """A grid with its workers; the named buildings of the community move into it.
    Raises ForbiddenError, NotFoundError, InvalidInputError, ConflictError."""
    _require_office(caller, community_id)
    get_community(community_id)
    if 1 + len(doc.workers) + len(doc.buildings) > store.TRANSACTION_LIMIT:
        raise InvalidInputError("too many workers and buildings for one grid", [{
            "field": "buildings", "message": f"a grid takes at most "
            f"{store.TRANSACTION_LIMIT - 1} workers and buildings together"}])
    _require_known_users("workers", doc.workers)
    keys = [(b.estate_id, b.building_id) for b in doc.buildings]
    found = {(b.estate_id, b.building_id): b for b in store.buildings(keys)} if keys else {}
    foreign = [{"field": f"buildings.{i}",
                "message": f"no building {building} in estate {estate} of {community_id}"}
               for i, (estate, building) in enumerate(keys)
               if (estate, building) not in found
               or found[(estate, building)].community_id != community_id]
    if foreign:
        raise InvalidInputError("unknown buildings", foreign)
    grid = store.new_grid(grid_id=doc.grid_id, community_id=community_id, name=doc.name,
                          workers=doc.workers, created_at=_now())
    try:
        store.create_grid(grid, _staff(doc.workers, "grid", doc.grid_id,
                                       community_id=community_id), keys)
    finally:
        _changed(*(("building", estate, building) for estate, building in keys))
    return GridWithBuildings(grid, tuple(keys))
