"""The directory's storage: the only place that builds its keys, queries its indexes and writes
with conditions and transactions.

Key layout in the single table (``pk`` / ``sk``; the overloaded indexes ``gsiN``)::

    Community   COMMUNITY#{id} / COMMUNITY          gsi1 STREET#{street_id} / COMMUNITY#{id}
    Street      STREET#{id} / STREET
    Company     COMPANY#{id} / COMPANY
    Estate      ESTATE#{id} / ESTATE                gsi1 COMMUNITY#{community_id} / ESTATE#{id}
                                                    gsi2 COMPANY#{company_id} / ESTATE#{id}
    Building    ESTATE#{estate_id} / BUILDING#{id}  gsi1 COMMUNITY#{community_id} /
                                                         BUILDING#{estate_id}#{id}
    Unit        ESTATE#{estate_id} / UNIT#{id}
    Grid        COMMUNITY#{community_id} / GRID#{id}
    Membership  USER#{user_id} / MEMBER#{kind}#{ref}

A membership's kind is ``community`` (office staff, ref the community), ``company`` (property
staff), ``grid`` (grid worker), ``street`` (street-office staff) or ``unit`` (owner or resident,
ref ``{estate_id}#{unit_id}``); one Query on ``USER#{user_id}`` reads them all.

A DynamoDB transaction holds at most ``TRANSACTION_LIMIT`` operations, at most one per item.
DynamoDB refuses keys over its size limits, so an id from a path that cannot fit in one names
nothing: reads under it find nothing instead of failing.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError

from chalicelib.core.db import BaseModel, is_conditional_failure, sort_key, transaction
from chalicelib.core.errors import ConflictError
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

TRANSACTION_LIMIT = 100
MAX_PARTITION_KEY_BYTES = 2048
MAX_SORT_KEY_BYTES = 1024
M = TypeVar("M", bound=BaseModel)


def key_fits(pk: str, sk: str = "") -> bool:
    return len(pk.encode()) <= MAX_PARTITION_KEY_BYTES and len(sk.encode()) <= MAX_SORT_KEY_BYTES


# --- keys -----------------------------------------------------------------------------------

def community_key(community_id: str) -> tuple[str, str]:
    return f"COMMUNITY#{community_id}", "COMMUNITY"


def street_key(street_id: str) -> tuple[str, str]:
    return f"STREET#{street_id}", "STREET"


def company_key(company_id: str) -> tuple[str, str]:
    return f"COMPANY#{company_id}", "COMPANY"


def estate_key(estate_id: str) -> tuple[str, str]:
    return f"ESTATE#{estate_id}", "ESTATE"


def building_key(estate_id: str, building_id: str) -> tuple[str, str]:
    return f"ESTATE#{estate_id}", f"BUILDING#{building_id}"


def unit_key(estate_id: str, unit_id: str) -> tuple[str, str]:
    return f"ESTATE#{estate_id}", f"UNIT#{unit_id}"


def grid_key(community_id: str, grid_id: str) -> tuple[str, str]:
    return f"COMMUNITY#{community_id}", f"GRID#{grid_id}"


def unit_ref(estate_id: str, unit_id: str) -> str:
    return f"{estate_id}#{unit_id}"


def membership_key(user_id: str, kind: str, ref: str) -> tuple[str, str]:
    return f"USER#{user_id}", f"MEMBER#{kind}#{ref}"


# --- items with their keys ------------------------------------------------------------------

def new_community(**attributes: Any) -> Community:
    community_id = attributes["community_id"]
    item = Community(*community_key(community_id), **attributes)
    if item.street_id:
        item.gsi1pk, item.gsi1sk = f"STREET#{item.street_id}", f"COMMUNITY#{community_id}"
    return item


def new_street(**attributes: Any) -> Street:
    return Street(*street_key(attributes["street_id"]), **attributes)


def new_company(**attributes: Any) -> Company:
    return Company(*company_key(attributes["company_id"]), **attributes)


def new_estate(**attributes: Any) -> Estate:
    estate_id = attributes["estate_id"]
    return Estate(*estate_key(estate_id), **attributes,
                  gsi1pk=f"COMMUNITY#{attributes['community_id']}", gsi1sk=f"ESTATE#{estate_id}",
                  gsi2pk=f"COMPANY#{attributes['company_id']}", gsi2sk=f"ESTATE#{estate_id}")


def new_building(**attributes: Any) -> Building:
    estate_id, building_id = attributes["estate_id"], attributes["building_id"]
    return Building(*building_key(estate_id, building_id), **attributes,
                    gsi1pk=f"COMMUNITY#{attributes['community_id']}",
                    gsi1sk=f"BUILDING#{estate_id}#{building_id}")


def new_unit(**attributes: Any) -> Unit:
    return Unit(*unit_key(attributes["estate_id"], attributes["unit_id"]), **attributes)


def new_grid(**attributes: Any) -> Grid:
    return Grid(*grid_key(attributes["community_id"], attributes["grid_id"]), **attributes)


def new_membership(user_id: str, kind: str, ref: str, created_at: str,
                   **attributes: Any) -> Membership:
    """``ref`` names what the user belongs to; ``ref_id`` keeps its last part (the unit id)."""
    return Membership(*membership_key(user_id, kind, ref), user_id=user_id, kind=kind,
                      ref_id=ref.split("#")[-1], created_at=created_at, **attributes)


# --- reads ----------------------------------------------------------------------------------

def _get(model: type[M], key: tuple[str, str]) -> M | None:
    if not key_fits(*key):
        return None
    try:
        return model.get(*key)
    except DoesNotExist:
        return None


def community(community_id: str) -> Community | None:
    return _get(Community, community_key(community_id))


def company(company_id: str) -> Company | None:
    return _get(Company, company_key(company_id))


def estate(estate_id: str) -> Estate | None:
    return _get(Estate, estate_key(estate_id))


def building(estate_id: str, building_id: str) -> Building | None:
    return _get(Building, building_key(estate_id, building_id))


def unit(estate_id: str, unit_id: str) -> Unit | None:
    return _get(Unit, unit_key(estate_id, unit_id))


def companies(company_ids: Iterable[str]) -> list[Company]:
    return list(Company.batch_get([company_key(c) for c in set(company_ids)]))


def buildings(keys: Iterable[tuple[str, str]]) -> list[Building]:
    """The buildings of ``(estate_id, building_id)`` pairs that exist."""
    return list(Building.batch_get([building_key(e, b) for e, b in set(keys)]))


def units(estate_id: str, unit_ids: Iterable[str]) -> list[Unit]:
    return list(Unit.batch_get([unit_key(estate_id, u) for u in set(unit_ids)]))


def _query(source: Any, partition: str, condition: Any = None) -> Iterator[Any]:
    return source.query(partition, condition) if key_fits(partition) else iter(())


def memberships(user_id: str) -> Iterator[Membership]:
    return _query(Membership, f"USER#{user_id}", Membership.sk.startswith("MEMBER#"))


def estates_of_company(company_id: str) -> Iterator[Estate]:
    return _query(Estate.by_company, f"COMPANY#{company_id}")


def communities_of_street(street_id: str) -> Iterator[Community]:
    return _query(Community.by_street, f"STREET#{street_id}")


def estates_of_community(community_id: str) -> Iterator[Estate]:
    return _query(Estate.by_community, f"COMMUNITY#{community_id}",
                  sort_key(Estate.by_community).startswith("ESTATE#"))


def buildings_of_community(community_id: str) -> Iterator[Building]:
    return _query(Building.by_community, f"COMMUNITY#{community_id}",
                  sort_key(Building.by_community).startswith("BUILDING#"))


def buildings_of_estate(estate_id: str) -> Iterator[Building]:
    return _query(Building, f"ESTATE#{estate_id}", Building.sk.startswith("BUILDING#"))


def units_of_estate(estate_id: str) -> Iterator[Unit]:
    """Every unit of an estate, read consistently (a poll's roll is frozen from them)."""
    partition = f"ESTATE#{estate_id}"
    if not key_fits(partition):
        return iter(())
    return Unit.query(partition, Unit.sk.startswith("UNIT#"), consistent_read=True)


def grids_of_community(community_id: str) -> Iterator[Grid]:
    return _query(Grid, f"COMMUNITY#{community_id}", Grid.sk.startswith("GRID#"))


# --- writes ---------------------------------------------------------------------------------

def create(item: BaseModel, what: str, members: Sequence[Membership] = ()) -> None:
    """Save a new item, with its members in the same transaction. Raises ConflictError when
    the item exists."""
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


def add_members(community_id: str, members: Sequence[Membership]) -> bool:
    """Save memberships of a community, provided it exists; False when it does not."""
    if not key_fits(*community_key(community_id)):
        return False
    try:
        with transaction() as tx:
            tx.condition_check(Community, *community_key(community_id),
                               condition=Community.pk.exists())
            for m in members:
                tx.save(m)
    except TransactWriteError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def save_buildings(items: Iterable[Building]) -> None:
    """Create or replace buildings (distinct keys), batched."""
    with Building.batch_write() as writer:
        for item in items:
            writer.save(item)


def replace_unit(item: Unit, previous: Unit | None, members: Sequence[Membership],
                 gone: Iterable[str]) -> None:
    """Write a unit with its members' memberships and delete those of ``gone`` users, in one
    transaction conditional on the unit being as ``previous`` read it (absent when None).
    Raises ConflictError when it changed meanwhile."""
    if previous is None:
        condition = Unit.pk.does_not_exist()
    else:
        condition = (Unit.created_at == previous.created_at) \
            & (Unit.owners == previous.owners) & (Unit.residents == previous.residents)
    ref = unit_ref(item.estate_id, item.unit_id)
    try:
        with transaction() as tx:
            tx.save(item, condition=condition)
            for user in gone:
                tx.delete(Membership(*membership_key(user, "unit", ref)))
            for m in members:
                tx.save(m)
    except TransactWriteError as err:
        if is_conditional_failure(err):
            raise ConflictError(f"unit {item.unit_id} changed during the import; retry") from err
        raise


def create_grid(grid: Grid, members: Sequence[Membership],
                buildings: Sequence[tuple[str, str]]) -> None:
    """Create a grid with its workers' memberships and move ``(estate_id, building_id)`` into
    it, in one transaction. Raises ConflictError when the grid exists or a building is no longer
    in the grid's community."""
    try:
        with transaction() as tx:
            tx.save(grid, condition=Grid.pk.does_not_exist())
            for m in members:
                tx.save(m)
            for estate_id, building_id in buildings:
                tx.update(Building(*building_key(estate_id, building_id)),
                          actions=[Building.grid_id.set(grid.grid_id)],
                          condition=Building.community_id == grid.community_id)
    except TransactWriteError as err:
        if is_conditional_failure(err):
            raise ConflictError(
                f"grid {grid.grid_id} exists, or a building left community {grid.community_id}"
            ) from err
        raise
