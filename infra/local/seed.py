"""Load the demo data into a fresh stack: Cognito users, then the directory through the same
domain functions the API uses (users first: the directory checks the staff it is given against
the pool)."""
from __future__ import annotations

from typing import Any

from infra.local import provision
from infra.local.demo import DEMO, DEMO_PASSWORD


def seed_users(cognito: Any, pool: provision.UserPool, data: dict[str, Any] = DEMO,
               password: str = DEMO_PASSWORD) -> list[str]:
    """Create every demo user with the shared password; returns their usernames."""
    for user in data["users"]:
        provision.create_user(cognito, pool, user["username"], password, user["name"],
                              list(user["roles"]), user.get("community"), user.get("phone"))
    return [u["username"] for u in data["users"]]


def seed_directory(data: dict[str, Any] = DEMO) -> None:
    """Communities with their office staff, streets, companies, estates with their coordinates,
    buildings and units, then grids."""
    from chalicelib.directory import schemas as docs
    from chalicelib.directory import service as directory
    from chalicelib.identity.caller import Caller

    admin = Caller(user_id="seed", name="seed", phone=None, roles=frozenset({"admin"}),
                   community_id=None)
    for community in data["communities"]:
        directory.create_community(admin, docs.NewCommunity(**community))
    for street in data["streets"]:
        directory.create_street(admin, docs.NewStreet(**street))
    for company in data["companies"]:
        directory.create_company(admin, docs.NewCompany(**company))
    for entry in data["estates"]:
        estate = docs.NewEstate(**entry["estate"])
        buildings = docs.BuildingBatch.model_validate({"buildings": entry["buildings"]})
        units = docs.UnitBatch.model_validate({"units": entry["units"]})
        directory.create_estate(admin, entry["community_id"], estate)
        directory.add_buildings(admin, estate.estate_id, buildings)
        directory.import_units(admin, estate.estate_id, units)
    for grid in data["grids"]:
        fields = {k: v for k, v in grid.items() if k != "community_id"}
        directory.create_grid(admin, grid["community_id"], docs.NewGrid.model_validate(fields))


def seed_content() -> None:
    """What each context shows in the demo once the directory exists (notices, guides,
    activities, points, tasks, polls, devices): one ``seed_<context>.seed()`` per context."""
    import importlib
    import pkgutil

    import infra.local as local

    for module in sorted(m.name for m in pkgutil.iter_modules(local.__path__)
                         if m.name.startswith("seed_")):
        importlib.import_module(f"infra.local.{module}").seed()
