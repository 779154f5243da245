"""Who is on a poll's roll, from the unit registry (pure).

- One owner is one head whatever their number of units; their weight is the sum of their units'
  exclusive area.
- All units the developer has not sold (``developer_unsold``) count together as one owner, the
  developer, whatever owners they list; the developer votes on paper through staff.
- Co-owners of a unit count as one owner and cast one ballot together (any of them may cast or
  change it). Owners linked through a shared unit form one voter with all their units, so no
  person is ever counted twice. This follows the Supreme People's Court interpretation on
  building distinct ownership (法释〔2009〕7号, art. 9): owners are counted by exclusive part,
  one part as one person, and one buyer of several parts as one person.
- A unit that lists no owner (and is not unsold) still counts, as one owner with its own area:
  the area and headcount of the roll are those of every exclusive part of the estate. Until it
  is registered, its owner votes on paper through staff.

Areas are counted exactly to the square centimetre (four decimal places of m²): a registered
area finer than that cannot be a measured exclusive area, and is refused rather than rounded.

Groups: each voter counts in ``building:{id}`` of each building where they hold area and in
``grid:{id}`` of each of those buildings' grids (``grid:`` for a building with no grid).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

DEVELOPER = "developer"
NO_GRID = ""
AREA_PLACES = 4


@dataclass(frozen=True)
class UnitEntry:
    unit_id: str
    building: str
    area: Fraction
    owners: tuple[str, ...] = ()
    developer_unsold: bool = False


@dataclass(frozen=True)
class Elector:
    """One head of the roll: the people who may cast its ballot online (none for the developer
    or an unregistered unit), its units and its area, in total and by group."""

    voter_id: str
    members: frozenset[str]
    units: tuple[str, ...]
    area: Fraction
    area_by_group: dict[str, Fraction]


def building_group(building: str) -> str:
    return f"building:{building}"


def grid_group(grid: str | None) -> str:
    return f"grid:{grid or NO_GRID}"


def voter_id_of(units: Iterable[str]) -> str:
    return "u:" + min(units)


class _Owners:
    """Union-find over owners: people who share a unit end in one set."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, person: str) -> str:
        root = self.parent.setdefault(person, person)
        while root != self.parent[root]:
            root = self.parent[root]
        while person != root:
            following = self.parent[person]
            self.parent[person] = root
            person = following
        return root

    def join(self, people: Iterable[str]) -> str:
        roots = sorted({self.find(p) for p in people})
        for other in roots[1:]:
            self.parent[other] = roots[0]
        return roots[0]


def electorate(units: Iterable[UnitEntry],
               grid_of_building: Mapping[str, str | None]) -> list[Elector]:
    """The roll of an estate whose units are ``units``, ordered by voter id. Raises ValueError
    for a unit listed twice, or without a positive area to the square centimetre."""
    entries = list(units)
    ids = [u.unit_id for u in entries]
    if len(set(ids)) != len(ids):
        raise ValueError("a unit is listed twice")
    for unit in entries:
        if unit.area <= 0 or (unit.area * 10 ** AREA_PLACES).denominator != 1:
            raise ValueError(f"unit {unit.unit_id}: its area must be positive, to at most "
                             f"{AREA_PLACES} decimal places of m²")
    owners = _Owners()
    for unit in entries:
        if unit.owners and not unit.developer_unsold:
            owners.join(unit.owners)
    heads: dict[str, list[UnitEntry]] = {}
    people: dict[str, set[str]] = {}
    for unit in entries:
        if unit.developer_unsold:
            key = DEVELOPER
        elif unit.owners:
            key = "p:" + owners.find(unit.owners[0])
            people.setdefault(key, set()).update(unit.owners)
        else:
            key = "unit:" + unit.unit_id
        heads.setdefault(key, []).append(unit)
    roll = [_elector(DEVELOPER if key == DEVELOPER else voter_id_of(u.unit_id for u in held),
                     frozenset(people.get(key, ())), held, grid_of_building)
            for key, held in heads.items()]
    return sorted(roll, key=lambda e: e.voter_id)


def _elector(voter_id: str, members: frozenset[str], units: list[UnitEntry],
             grid_of_building: Mapping[str, str | None]) -> Elector:
    by_group: dict[str, Fraction] = {}
    for unit in units:
        for group in (building_group(unit.building),
                      grid_group(grid_of_building.get(unit.building))):
            by_group[group] = by_group.get(group, Fraction(0)) + unit.area
    return Elector(voter_id, members, tuple(sorted(u.unit_id for u in units)),
                   sum((u.area for u in units), Fraction(0)), by_group)
