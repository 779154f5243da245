"""Bad input to the directory gets a 4xx naming what is wrong, never a 500 (SPEC 8), and
writes nothing."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.core import config
from tests.integration.conftest import Api

GRID = {"grid_id": "g9", "name": "第九网格"}


@pytest.fixture
def unchanged(world: dict[str, Any]) -> Iterator[None]:
    """The test's bad requests leave the table as it was."""
    table = world["settings"].table_name

    def count() -> int:
        return int(boto3.client("dynamodb").scan(TableName=table, Select="COUNT")["Count"])

    before = count()
    yield
    assert count() == before


def fields(response: Any) -> list[str]:
    assert response.status_code == 400, response.body
    return [d["field"] for d in response.json["details"]]


def messages(response: Any) -> str:
    return " ".join(d["message"] for d in response.json["details"])


@pytest.mark.usefixtures("unchanged")
def test_duplicate_list_entries(api: Api) -> None:
    b1 = {"estate_id": "huayuan", "building_id": "b1"}
    assert fields(api.post("/communities/jinxiu/grids", "chen",
                           GRID | {"workers": ["grid1", "grid2", "grid1"]})) == ["workers"]
    assert fields(api.post("/communities/jinxiu/grids", "chen",
                           GRID | {"buildings": [b1, b1]})) == ["buildings"]
    assert fields(api.post("/streets", "admin", {"street_id": "s9", "name": "九",
                                                 "staff": ["jiedao", "jiedao"]})) == ["staff"]
    assert fields(api.post("/companies", "admin", {"company_id": "co9", "name": "九",
                                                   "staff": ["wuye", "wuye"]})) == ["staff"]
    assert fields(api.post("/communities", "admin", {"community_id": "c9", "name": "九",
                                                     "staff": ["chen", "chen"]})) == ["staff"]
    assert fields(api.post("/communities/jinxiu/staff", "admin",
                           {"staff": ["chen", "chen"]})) == ["staff"]
    duplicate = api.post("/communities/jinxiu/grids", "chen",
                         GRID | {"workers": ["grid1", "grid1"]})
    assert "grid1" in messages(duplicate)


@pytest.mark.usefixtures("unchanged")
def test_named_users_must_exist(api: Api) -> None:
    grid = api.post("/communities/jinxiu/grids", "chen",
                    GRID | {"workers": ["grid1", "ghost", "phantom"]})
    assert fields(grid) == ["workers.1", "workers.2"]
    assert "ghost" in messages(grid) and "phantom" in messages(grid)
    assert fields(api.post("/streets", "admin", {"street_id": "s9", "name": "九",
                                                 "staff": ["ghost"]})) == ["staff.0"]
    assert fields(api.post("/companies", "admin", {"company_id": "co9", "name": "九",
                                                   "staff": ["wuye", "ghost"]})) == ["staff.1"]
    assert fields(api.post("/communities", "admin", {"community_id": "c9", "name": "九",
                                                     "staff": ["ghost"]})) == ["staff.0"]
    assert fields(api.post("/communities/jinxiu/staff", "admin",
                           {"staff": ["ghost"]})) == ["staff.0"]


def test_without_a_user_pool_names_are_not_checked(api: Api,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("USER_POOL_ID")
    config.reset()
    created = api.post("/communities/jinxiu/grids", "chen", GRID | {"workers": ["ghost"]})
    assert created.status_code == 201, created.body


@pytest.mark.usefixtures("unchanged")
def test_oversized_and_malformed_csv(api: Api) -> None:
    csv = {"Content-Type": "text/csv"}
    header = b"unit_id,building,area_m2,owners\n"
    cases = {
        "huge field": header + b"u1,b1,50," + b"x" * 200_000 + b"\n",
        "NUL byte": header + b"u1,b1,50,li\x00n\n",
        "extra fields": header + b"u1,b1,50,lin,surplus\n",
        "duplicate column": b"unit_id,building,area_m2,area_m2\nu1,b1,50,60\n",
        "duplicate unit": header + b"u1,b1,50,\nu1,b1,60,\n",
        "not UTF-8": header + b"u1,b1,50,\xff\n",
        "empty body": b"",
        "header only": header,
    }
    for case, raw in cases.items():
        response = api.post("/estates/huayuan/units", "chen", raw=raw, headers=csv)
        assert response.status_code == 400, (case, response.body)
        assert response.json["Code"] == "BadRequestError"
    huge = api.post("/estates/huayuan/units", "chen", raw=cases["huge field"], headers=csv)
    assert fields(huge) == ["row 2"]


@pytest.mark.usefixtures("unchanged")
def test_duplicates_inside_units(api: Api) -> None:
    unit = {"unit_id": "u1", "building": "b1", "area_m2": 50}
    assert fields(api.post("/estates/huayuan/units", "chen", {"units": [unit, unit]})) == [
        "units"]
    assert fields(api.post("/estates/huayuan/units", "chen", {"units": [
        unit | {"owners": ["lin", "lin"]}]})) == ["units.0.owners"]
    assert fields(api.post("/estates/huayuan/units", "chen", {"units": [
        unit | {"residents": ["huang", "huang"]}]})) == ["units.0.residents"]
    assert fields(api.post("/estates/huayuan/units", "chen", {"units": [
        unit | {"owners": ["lin"], "residents": ["lin"]}]})) == ["units.0.residents"]


@pytest.mark.usefixtures("unchanged")
def test_too_many_for_one_transaction(api: Api) -> None:
    buildings = [{"estate_id": "huayuan", "building_id": f"b{i}"} for i in range(99)]
    grid = api.post("/communities/jinxiu/grids", "chen",
                    GRID | {"workers": ["grid1"], "buildings": buildings})
    assert fields(grid) == ["buildings"]
    people = {"owners": [f"o{i}" for i in range(20)], "residents": [f"r{i}" for i in range(30)]}
    crowded = api.post("/estates/huayuan/units", "chen", {"units": [
        {"unit_id": "u1", "building": "b1", "area_m2": 50} | people]})
    assert fields(crowded) == ["units.0.residents"]
    staff = [f"u{i}" for i in range(100)]
    assert fields(api.post("/streets", "admin", {"street_id": "s9", "name": "九",
                                                 "staff": staff})) == ["staff"]
    assert fields(api.post("/companies", "admin", {"company_id": "co9", "name": "九",
                                                   "staff": staff})) == ["staff"]


@pytest.mark.usefixtures("unchanged")
def test_categories_of_a_new_community(api: Api) -> None:
    lifts = {"code": "elevator", "zh": "电梯", "en": "Lifts"}
    body = {"community_id": "c9", "name": "九"}
    assert fields(api.post("/communities", "admin", body | {"categories": [lifts, lifts]})) == [
        "categories"]
    reserved = api.post("/communities", "admin", body | {"categories": [
        {"code": "manhole", "zh": "井盖", "en": "Manholes"}]})
    assert fields(reserved) == ["categories.0.code"]


@pytest.mark.usefixtures("unchanged")
def test_empty_and_unknown_references(api: Api) -> None:
    assert fields(api.post("/communities/jinxiu/staff", "admin", {"staff": []})) == ["staff"]
    assert fields(api.post("/estates/huayuan/buildings", "chen", {"buildings": []})) == [
        "buildings"]
    duplicate = api.post("/estates/huayuan/buildings", "chen", {"buildings": [
        {"building_id": "b7", "name": "7"}, {"building_id": "b7", "name": "七"}]})
    assert fields(duplicate) == ["buildings"]
    no_grid = api.post("/estates/huayuan/buildings", "chen", {"buildings": [
        {"building_id": "b7", "name": "7", "grid_id": "g404"}]})
    assert fields(no_grid) == ["buildings.0.grid_id"]
    missing = api.post("/communities/jinxiu/grids", "chen", GRID | {"buildings": [
        {"estate_id": "huayuan", "building_id": "b404"}]})
    assert fields(missing) == ["buildings.0"]


def test_ids_too_long_for_a_key_name_nothing(api: Api) -> None:
    from chalicelib.directory import service, store

    huge = "x" * 3000
    assert not store.key_fits(f"COMMUNITY#{huge}") and store.key_fits("COMMUNITY#jinxiu")
    assert not store.key_fits("ESTATE#e", "UNIT#" + "u" * 1020)
    assert api.get(f"/communities/{huge}", "admin").status_code == 404
    assert api.get(f"/communities/{huge}/grids", "admin").status_code == 404
    assert api.post(f"/communities/{huge}/staff", "admin", {"staff": ["chen"]}).status_code == 404
    assert api.post(f"/estates/{huge}/buildings", "admin", {"buildings": [
        {"building_id": "b", "name": "B"}]}).status_code == 404
    assert service.estate_at(huge, 24.51, 117.65) is None
