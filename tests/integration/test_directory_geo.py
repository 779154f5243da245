"""Coordinates in the directory (SPEC 7): estates carry a location and an optional boundary,
buildings a location; Open311 finds the estate at a point through ``service.estate_at``."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.errors import InvalidInputError
from chalicelib.directory import service as directory
from tests.integration.conftest import Api

AT = {"lat": 24.5150, "lon": 117.6450}
RING = [[117.6445, 24.5145], [117.6455, 24.5145], [117.6455, 24.5155], [117.6445, 24.5155],
        [117.6445, 24.5145]]
ESTATE = {"estate_id": "geo1", "name": "坐标苑", "company_id": "lvyin", "location": AT,
          "boundary": {"type": "Polygon", "coordinates": [RING]}}


def test_estates_and_buildings_show_their_coordinates(api: Api) -> None:
    assert api.post("/communities/jinxiu/estates", "chen", ESTATE).status_code == 201
    added = api.post("/estates/geo1/buildings", "chen", {"buildings": [
        {"building_id": "1", "name": "1号楼", "location": {"lat": 24.5151, "lon": 117.6449}},
        {"building_id": "2", "name": "2号楼"}]})
    assert added.status_code == 201
    view = api.get("/communities/jinxiu", "lin").json
    estates = {e["estate_id"]: e for e in view["estates"]}
    assert estates["geo1"]["location"] == AT
    assert estates["geo1"]["boundary"] == {"type": "Polygon", "coordinates": [RING]}
    assert estates["huayuan"]["location"] == {"lat": 24.51, "lon": 117.65}
    buildings = {(b["estate_id"], b["building_id"]): b for b in view["buildings"]}
    assert buildings[("geo1", "1")]["location"] == {"lat": 24.5151, "lon": 117.6449}
    assert buildings[("geo1", "2")]["location"] is None
    lx = api.get("/communities/longxing", "zhang").json["estates"][0]
    assert lx["boundary"] is None and lx["location"] == {"lat": 24.52, "lon": 117.66}


@pytest.mark.parametrize(("change", "field"), [
    ({"location": {"lat": 91, "lon": 117.6}}, "location.lat"),
    ({"location": {"lat": 24.5, "lon": -180.5}}, "location.lon"),
    ({"location": {"lat": 24.5}}, "location.lon"),
    ({"location": {"lat": "24.5", "lon": 117.6}}, "location.lat"),
    ({"boundary": {"type": "Point", "coordinates": [RING]}}, "boundary.type"),
    ({"boundary": {"type": "Polygon", "coordinates": [RING[:-1]]}}, "boundary.coordinates"),
    ({"boundary": {"type": "Polygon", "coordinates": [RING[:2] + RING[:1]]}},
     "boundary.coordinates"),
    ({"boundary": {"type": "Polygon", "coordinates": [
        [[117.6 + i / 10_000, 24.5] for i in range(201)] + [[117.6, 24.5]]]}},
     "boundary.coordinates"),
    ({"boundary": {"type": "Polygon", "coordinates": [[[117.6, 95.0], *RING[1:-1],
                                                       [117.6, 95.0]]]}},
     "boundary.coordinates"),
])
def test_bad_coordinates_are_refused(api: Api, change: dict[str, Any], field: str) -> None:
    response = api.post("/communities/jinxiu/estates", "chen", ESTATE | change)
    assert response.status_code == 400, response.body
    assert response.json["details"][0]["field"] == field
    building = api.post("/estates/huayuan/buildings", "chen", {"buildings": [
        {"building_id": "b9", "name": "9", "location": {"lat": -90.5, "lon": 0}}]})
    assert building.status_code == 400
    assert building.json["details"][0]["field"] == "buildings.0.location.lat"


def test_estate_at_a_point(world: dict[str, Any]) -> None:
    def at(lat: float, lon: float, community: str = "jinxiu", **kw: Any) -> str | None:
        found = directory.estate_at(community, lat, lon, **kw)
        return found.estate_id if found else None

    assert at(24.5100, 117.6505) == "huayuan"  # inside its boundary
    assert at(24.5095, 117.6545) == "mingju"
    # between the two boundaries, 200 m east of huayuan's edge: nearer mingju's location
    assert at(24.5100, 117.6525) == "mingju"
    assert at(24.5100, 117.6515) == "huayuan"
    assert at(24.5100, 117.6600) is None  # about 610 m from mingju
    assert at(24.5100, 117.6600, within_m=700) == "mingju"
    assert at(24.5200, 117.6600) is None  # lx1 is another community's
    assert at(24.5200, 117.6600, "longxing") == "lx1"
    assert at(24.5100, 117.6505, "nowhere") is None
    with pytest.raises(InvalidInputError):
        directory.estate_at("jinxiu", 95, 117.65)
