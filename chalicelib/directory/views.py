"""The directory's answers: domain objects turned into the documents of ``responses.py``."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.directory.models import (
        Building,
        Community,
        Company,
        Estate,
        Grid,
        LocationAttribute,
        Street,
        Unit,
    )
    from chalicelib.directory.service import (
        CommunityDirectory,
        GridWithBuildings,
        Scope,
        Staffed,
    )


def location(point: LocationAttribute | None) -> dict[str, float] | None:
    return {"lat": float(point.lat), "lon": float(point.lon)} if point is not None else None


def boundary(coordinates: list[Any] | None) -> dict[str, Any] | None:
    return {"type": "Polygon", "coordinates": coordinates} if coordinates else None


def estate(e: Estate, company: Company | None) -> dict[str, Any]:
    return {
        "estate_id": e.estate_id,
        "name": e.name,
        "company_id": e.company_id,
        "property_company": {"company_id": e.company_id,
                             "name": company.name if company else None},
        "location": location(e.location),
        "boundary": boundary(e.boundary),
    }


def building(b: Building) -> dict[str, Any]:
    return {"building_id": b.building_id, "estate_id": b.estate_id, "name": b.name,
            "grid_id": b.grid_id, "location": location(b.location)}


def community(d: CommunityDirectory) -> dict[str, Any]:
    c = d.community
    return {
        "community_id": c.community_id,
        "name": c.name,
        "name_en": c.name_en,
        "street_id": c.street_id,
        "street_name": c.street_name,
        "timezone": c.timezone,
        "estates": [estate(e, d.companies.get(e.company_id)) for e in d.estates],
        "buildings": [building(b) for b in d.buildings],
        "grids": [{"grid_id": g.grid_id, "name": g.name} for g in d.grids],
    }


def me(scope: Scope) -> dict[str, Any]:
    caller = scope.caller
    return {
        "user_id": caller.user_id,
        "username": caller.user_id,
        "name": caller.name,
        "roles": sorted(caller.roles),
        "community_id": scope.community_id,
        "units": [{"unit_id": h.unit_id, "estate_id": h.estate_id, "building": h.building,
                   "relation": h.relation} for h in scope.homes],
    }


def category_list(items: Sequence[dict[str, str]]) -> dict[str, Any]:
    return {"items": list(items), "next_cursor": None}


def grid_list(grids: Iterable[Grid]) -> dict[str, Any]:
    return {"items": [{"grid_id": g.grid_id, "name": g.name, "workers": list(g.workers)}
                      for g in grids],
            "next_cursor": None}


def created_community(created: Staffed[Community]) -> dict[str, Any]:
    return {"community_id": created.item.community_id, "name": created.item.name,
            "staff": list(created.staff)}


def added_staff(added: Staffed[str]) -> dict[str, Any]:
    return {"community_id": added.item, "staff": list(added.staff)}


def created_street(created: Staffed[Street]) -> dict[str, Any]:
    return {"street_id": created.item.street_id, "name": created.item.name,
            "staff": list(created.staff)}


def created_company(created: Staffed[Company]) -> dict[str, Any]:
    return {"company_id": created.item.company_id, "name": created.item.name,
            "staff": list(created.staff)}


def created_estate(e: Estate) -> dict[str, Any]:
    return {"estate_id": e.estate_id, "community_id": e.community_id, "name": e.name,
            "company_id": e.company_id}


def buildings_added(estate_id: str, buildings: Sequence[Building]) -> dict[str, Any]:
    return {"estate_id": estate_id, "buildings": len(buildings)}


def units_imported(estate_id: str, units: Sequence[Unit]) -> dict[str, Any]:
    return {"estate_id": estate_id, "units": len(units)}


def created_grid(created: GridWithBuildings) -> dict[str, Any]:
    g = created.grid
    return {"grid_id": g.grid_id, "name": g.name, "workers": list(g.workers),
            "buildings": [{"estate_id": e, "building_id": b} for e, b in created.buildings]}
