"""GET /communities/{id}/map (RFC 7946) and device tickets kept out of the human statistics."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.devices import responses as answers
from chalicelib.tickets import responses as ticket_answers
from tests.integration.conftest import (
    HUAYUAN_AT,
    MINGJU_AT,
    Api,
    EmbeddedAws,
    build_world,
    new_ticket,
)
from tests.integration.test_devices import B1_AT, event, register_all, safety

B1 = [B1_AT["lon"], B1_AT["lat"]]


def build() -> None:
    build_world()
    register_all()


MADE: dict[str, str] = {}


@pytest.fixture
def mapped(api: Api, embedded_aws: EmbeddedAws) -> dict[str, str]:
    """Resident tickets (one at b1 without coordinates, one with its own, one in mingju whose
    building has no location), a resolved one, and a manhole alarm with its device ticket;
    built once per module."""

    def content() -> None:
        build()
        MADE["b1"] = new_ticket(api)["ticket"]["ticket_id"]
        MADE["own"] = new_ticket(api, location={
            "estate_id": "huayuan", "lat": 24.5111, "lon": 117.6522})["ticket"]["ticket_id"]
        MADE["mingju"] = new_ticket(api, "zhao", location={
            "estate_id": "mingju", "building": "m1"})["ticket"]["ticket_id"]
        done = new_ticket(api)["ticket"]["ticket_id"]
        assert api.post(f"/tickets/{done}/resolve", "wuye", {"note": "已清理"}).status_code == 200
        raised = safety(api, event("mh-1", "manhole.displaced", 1, tilt_deg=30.0))
        MADE["alarm"], MADE["device_ticket"] = raised["alarm_id"], raised["ticket_id"]

    embedded_aws.start_from("mapped", content)
    return MADE


def features(api: Api, user: str = "chen", query: str = "") -> list[dict[str, Any]]:
    response = api.get(f"/communities/jinxiu/map{query}", user)
    assert response.status_code == 200, response.body
    answers.FeatureCollection.model_validate(response.json, strict=True)
    assert response.json["type"] == "FeatureCollection" and not response.json["truncated"]
    return response.json["features"]  # type: ignore[no-any-return]


def by_kind(found: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {f["properties"]["id"]: f for f in found if f["properties"]["kind"] == kind}


def test_the_map_holds_open_tickets_devices_and_active_alarms(
        api: Api, mapped: dict[str, str]) -> None:
    found = features(api)
    tickets = by_kind(found, "ticket")
    assert tickets[next(iter(tickets))]["type"] == "Feature"
    ticket_ids = {t for t in tickets if t != mapped["device_ticket"]}
    assert len(ticket_ids) == 3 and mapped["device_ticket"] in tickets
    coordinates = {t: f["geometry"]["coordinates"] for t, f in tickets.items()}
    assert [c for t, c in coordinates.items() if t in ticket_ids and c == B1]
    assert [117.6522, 24.5111] in coordinates.values()
    assert [MINGJU_AT["lon"], MINGJU_AT["lat"]] in coordinates.values()
    assert coordinates[mapped["device_ticket"]] == B1
    device_ticket = tickets[mapped["device_ticket"]]["properties"]
    assert device_ticket["source"] == "device" and device_ticket["category"] == "manhole"
    assert all(f["properties"]["status"] == "submitted" for f in tickets.values())
    devices = by_kind(found, "device")
    assert set(devices) == {"mh-1", "sp-1", "sp-2", "pm-1", "cam-1", "mv-1"}
    assert {f["properties"]["status"] for f in devices.values()} == {"online"}
    assert devices["pm-1"]["geometry"]["coordinates"] == [HUAYUAN_AT["lon"], HUAYUAN_AT["lat"]]
    assert devices["mh-1"]["properties"]["type"] == "manhole_sensor"
    [alarm] = by_kind(found, "alarm").values()
    assert alarm["properties"] | {"first_seen": None, "last_seen": None} == {
        "kind": "alarm", "id": mapped["alarm"], "status": "active", "type": "manhole",
        "severity": "critical", "device_id": "mh-1", "estate_id": "huayuan", "building": "b1",
        "zone": "东门", "count": 1, "acknowledged": False,
        "ticket_id": mapped["device_ticket"], "first_seen": None, "last_seen": None}
    assert alarm["geometry"]["coordinates"] == B1 and alarm["id"] == f"alarm:{mapped['alarm']}"


def test_kind_and_bbox_filter_the_map(api: Api, mapped: dict[str, str]) -> None:
    assert {f["properties"]["kind"] for f in features(api, query="?kind=alarm")} == {"alarm"}
    both = features(api, query="?kind=device,alarm")
    assert {f["properties"]["kind"] for f in both} == {"device", "alarm"}
    around_mingju = features(api, query="?bbox=117.6535,24.5095,117.6545,24.5105")
    assert sorted((f["properties"]["kind"], f["properties"]["id"]) for f in around_mingju) == [
        ("device", "mv-1"), ("ticket", next(f["properties"]["id"] for f in around_mingju
                                            if f["properties"]["kind"] == "ticket"))]
    assert features(api, query="?bbox=100,10,101,11") == []
    assert len(features(api, query="?bbox=117,24,118,25")) == len(features(api))


def test_staff_see_the_map_of_what_they_reach(api: Api, mapped: dict[str, str]) -> None:
    grid = features(api, "grid1")
    assert set(by_kind(grid, "device")) == {"mh-1", "cam-1"}
    assert len(by_kind(grid, "ticket")) == 2 and len(by_kind(grid, "alarm")) == 1
    other = features(api, "wuye2")
    assert set(by_kind(other, "device")) == {"mv-1"}
    assert len(by_kind(other, "ticket")) == 1 and by_kind(other, "alarm") == {}
    assert len(features(api, "jiedao")) == len(features(api, "admin")) == len(features(api))


@pytest.mark.parametrize(("user", "query", "status"), [
    (None, "", 401),
    ("lin", "", 403),
    ("longxing_staff", "", 404),
    ("chen", "?kind=lamp", 400),
    ("chen", "?bbox=1,2,3", 400),
    ("chen", "?bbox=0,50,1,40", 400),
    ("chen", "?zoom=12", 400),
])
def test_the_map_refuses(api: Api, mapped: dict[str, str], user: str | None, query: str,
                         status: int) -> None:
    assert api.get(f"/communities/jinxiu/map{query}", user).status_code == status
    assert api.get("/communities/nowhere/map", "admin").status_code == 404


def test_device_tickets_stay_out_of_the_human_statistics(
        api: Api, mapped: dict[str, str]) -> None:
    response = api.get("/communities/jinxiu/stats", "chen")
    assert response.status_code == 200, response.body
    stats = ticket_answers.Stats.model_validate(response.json, strict=True).model_dump(
        by_alias=True)
    assert (stats["created"], stats["open"], stats["handled"]) == (4, 3, 1)
    assert "manhole" not in stats["by_category"]
    assert set(stats["by_category"]) == {"public_area"}
    device = stats["device_tickets"]
    assert (device["created"], device["open"], device["handled"]) == (1, 1, 0)
    resolved = api.post(f"/tickets/{mapped['device_ticket']}/resolve", "wuye",
                        {"note": "井盖已复位"})
    assert resolved.status_code == 200
    after = api.get("/communities/jinxiu/stats", "chen").json
    assert (after["handled"], after["resolved_by_property_in_time"]) == (1, 1)
    assert (after["device_tickets"]["handled"], after["device_tickets"]["open"]) == (1, 0)
    assert after["device_tickets"]["resolved_by_property_in_time"] == 1
