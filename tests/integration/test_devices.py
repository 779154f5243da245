"""Devices against the embedded AWS: the registry routes, safety events through the real
``device_safety`` handler (alarms, tickets, duplicates, latching, reopening), evidence, refusals,
and the staff routes on alarms with every refusal they give."""
from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.devices import responses as answers
from tests.integration.conftest import ADMIN, Api, EmbeddedAws, build_world, jpeg_bytes

B1_AT = {"lat": 24.5104, "lon": 117.6496}
RECEIVED_MS = 1_793_606_400_000  # 2026-11-02T08:00:00Z
DEVICES: list[dict[str, Any]] = [
    {"device_id": "mh-1", "type": "manhole_sensor", "estate_id": "huayuan", "building": "b1",
     "location": B1_AT, "zone": "东门"},
    {"device_id": "sp-1", "type": "sprayer", "estate_id": "huayuan",
     "location": {"lat": 24.5101, "lon": 117.6501}},
    {"device_id": "sp-2", "type": "sprayer", "estate_id": "huayuan",
     "location": {"lat": 24.5099, "lon": 117.6499}},
    {"device_id": "pm-1", "type": "pm25_sensor", "estate_id": "huayuan", "building": "b2",
     "location": {"lat": 24.5100, "lon": 117.6500}, "actuators": ["sp-1", "sp-2"]},
    {"device_id": "cam-1", "type": "throw_camera", "estate_id": "huayuan", "building": "b1",
     "location": B1_AT},
    {"device_id": "mv-1", "type": "movement_sensor", "estate_id": "mingju", "building": "m1",
     "location": {"lat": 24.5100, "lon": 117.6540}},
    {"device_id": "lx-mh", "type": "manhole_sensor", "community": "longxing",
     "estate_id": "lx1", "location": {"lat": 24.52, "lon": 117.66}},
]


def register_all() -> None:
    from chalicelib.devices import registry
    from chalicelib.devices.schemas import NewDevice

    for spec in DEVICES:
        fields = {k: v for k, v in spec.items() if k != "community"}
        registry.register_device(ADMIN, spec.get("community", "jinxiu"),
                                 NewDevice.model_validate(fields))


def build_devices() -> None:
    build_world()
    register_all()


@pytest.fixture
def devices(api: Api, embedded_aws: EmbeddedAws) -> Iterator[Api]:
    """The world with the devices registered (built once per module)."""
    embedded_aws.start_from("devices", build_devices)
    s3 = boto3.client("s3")
    bucket = embedded_aws.info["settings"].evidence_bucket
    if bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=bucket)
    yield api


def event(device_id: str, type_: str, seq: int, community: str = "jinxiu",
          ms: int = RECEIVED_MS, **fields: Any) -> dict[str, Any]:
    return {"type": type_, "ts": "2026-11-02T08:00:00Z", "seq": seq, **fields,
            "community_id": community, "device_id": device_id, "received_ms": ms}


def safety(api: Api, payload: dict[str, Any]) -> dict[str, Any]:
    return api.client.lambda_.invoke("device_safety", payload).payload  # type: ignore[no-any-return]


def valid(model: Any, body: Any) -> Any:
    model.model_validate(body, strict=True)
    return body


def active_alarms(api: Api, user: str = "chen", community: str = "jinxiu") -> list[Any]:
    response = api.get(f"/communities/{community}/alarms?status=active", user)
    assert response.status_code == 200, response.body
    return valid(answers.AlarmList, response.json)["items"]  # type: ignore[no-any-return]


def table_items(prefix: str) -> list[dict[str, Any]]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables["fanglin-test"]
    return [item.to_json()["Attributes"] for item in table.all_items()
            if item.hash_key.value.startswith(prefix)]


# --- the registry ---------------------------------------------------------------------------

def test_an_admin_registers_devices_and_staff_read_them(devices: Api) -> None:
    created = devices.post("/communities/jinxiu/devices", "admin", {
        "device_id": "mh-2", "type": "manhole_sensor", "estate_id": "huayuan",
        "building": "b2", "location": {"lat": 24.5102, "lon": 117.6502}, "zone": "北门"})
    assert created.status_code == 201, created.body
    body = valid(answers.DeviceView, created.json)
    assert body["community_id"] == "jinxiu" and body["status"] == "online"
    assert body["location"] == {"lat": 24.5102, "lon": 117.6502} and body["zone"] == "北门"
    got = devices.get("/devices/mh-2", "chen")
    assert got.status_code == 200 and got.json["estate_id"] == "huayuan"
    listed = devices.get("/communities/jinxiu/devices?limit=3", "chen")
    assert listed.status_code == 200
    first = valid(answers.DeviceList, listed.json)
    assert [d["device_id"] for d in first["items"]] == ["cam-1", "mh-1", "mh-2"]
    rest = devices.get(f"/communities/jinxiu/devices?cursor={first['next_cursor']}", "chen")
    assert [d["device_id"] for d in rest.json["items"]] == ["mv-1", "pm-1", "sp-1", "sp-2"]
    assert rest.json["next_cursor"] is None
    sprayers = devices.get("/communities/jinxiu/devices?type=sprayer", "jiedao")
    assert [d["device_id"] for d in sprayers.json["items"]] == ["sp-1", "sp-2"]
    pm = devices.get("/devices/pm-1", "admin").json
    assert pm["actuators"] == ["sp-1", "sp-2"] and pm["grid_id"] == "g2"


def test_staff_see_the_devices_of_their_estates_and_grids(devices: Api) -> None:
    def ids(user: str) -> list[str]:
        response = devices.get("/communities/jinxiu/devices", user)
        assert response.status_code == 200, response.body
        return [d["device_id"] for d in response.json["items"]]

    assert ids("grid1") == ["cam-1", "mh-1"]
    assert ids("grid2") == ["mv-1", "pm-1"]
    assert ids("wuye") == ["cam-1", "mh-1", "pm-1", "sp-1", "sp-2"]
    assert ids("wuye2") == ["mv-1"]
    assert devices.get("/devices/mv-1", "grid1").status_code == 404
    assert devices.get("/devices/mv-1", "grid2").status_code == 200


@pytest.mark.parametrize(("user", "path", "status"), [
    (None, "/communities/jinxiu/devices", 401),
    ("lin", "/communities/jinxiu/devices", 403),
    ("lin", "/devices/mh-1", 403),
    ("longxing_staff", "/communities/jinxiu/devices", 404),
    ("longxing_staff", "/devices/mh-1", 404),
    ("chen", "/devices/nope", 404),
    ("chen", "/devices/" + "x" * 2000, 404),
    ("chen", "/communities/jinxiu/devices?type=toaster", 400),
    ("chen", "/communities/jinxiu/devices?cursor=garbage", 400),
    ("chen", "/communities/jinxiu/devices?limit=1000", 400),
])
def test_reading_devices_refuses(devices: Api, user: str | None, path: str,
                                 status: int) -> None:
    assert devices.get(path, user).status_code == status


NEW = {"device_id": "mh-9", "type": "manhole_sensor", "estate_id": "huayuan",
       "location": {"lat": 24.51, "lon": 117.65}}


@pytest.mark.parametrize(("user", "community", "changes", "status", "field"), [
    ("chen", "jinxiu", {}, 403, None),
    ("lin", "jinxiu", {}, 403, None),
    ("admin", "nowhere", {}, 404, None),
    ("admin", "jinxiu", {"device_id": "mh-1"}, 409, None),
    ("admin", "jinxiu", {"estate_id": "lx1"}, 400, "estate_id"),
    ("admin", "jinxiu", {"estate_id": "nope"}, 400, "estate_id"),
    ("admin", "jinxiu", {"building": "m1"}, 400, "building"),
    ("admin", "jinxiu", {"actuators": ["sp-1"]}, 400, "actuators"),
    ("admin", "jinxiu", {"type": "pm25_sensor", "actuators": ["sp-1", "mh-1"]}, 400,
     "actuators.1"),
    ("admin", "jinxiu", {"type": "pm25_sensor", "actuators": ["ghost"]}, 400, "actuators.0"),
    ("admin", "longxing", {"estate_id": "lx1", "type": "pm25_sensor", "actuators": ["sp-1"]},
     400, "actuators.0"),
    ("admin", "jinxiu", {"type": "pm25_sensor", "actuators": ["sp-1", "sp-1"]}, 400,
     "actuators"),
    ("admin", "jinxiu", {"location": {"lat": 124.5, "lon": 117.65}}, 400, "location.lat"),
    ("admin", "jinxiu", {"device_id": "a b"}, 400, "device_id"),
    ("admin", "jinxiu", {"serial": "123"}, 400, "serial"),
])
def test_registering_refuses(devices: Api, user: str, community: str, changes: dict[str, Any],
                             status: int, field: str | None) -> None:
    response = devices.post(f"/communities/{community}/devices", user, NEW | changes)
    assert response.status_code == status, response.body
    if field:
        assert field in [d["field"] for d in response.json.get("details", [])], response.body
    if status != 409:
        assert devices.get("/devices/mh-9", "admin").status_code == 404


# --- safety events --------------------------------------------------------------------------

def test_a_displaced_cover_makes_one_alarm_and_one_device_ticket(devices: Api) -> None:
    first = safety(devices, event("mh-1", "manhole.displaced", 1, tilt_deg=35.0))
    assert first["new_alarm"] and first["ticket"] == "opened"
    ticket_id = first["ticket_id"]
    again = safety(devices, event("mh-1", "manhole.displaced", 2, ms=RECEIVED_MS + 5000,
                                  tilt_deg=40.0))
    assert not again["new_alarm"] and again["ticket_id"] == ticket_id and again["count"] == 2
    duplicate = safety(devices, event("mh-1", "manhole.displaced", 2, ms=RECEIVED_MS + 6000,
                                      tilt_deg=40.0))
    assert duplicate["duplicate"] is True
    [alarm] = active_alarms(devices)
    assert alarm["type"] == "manhole" and alarm["severity"] == "critical"
    assert alarm["count"] == 2 and alarm["latched"] and alarm["status"] == "active"
    assert alarm["first_seen"] == "2026-11-02T08:00:00.000Z"
    assert alarm["last_seen"] == "2026-11-02T08:00:05.000Z"
    assert alarm["detail"] == {"tilt_deg": 40} and alarm["ticket_id"] == ticket_id
    ticket = devices.get(f"/tickets/{ticket_id}", "chen")
    assert ticket.status_code == 200, ticket.body
    t = ticket.json
    assert (t["source"], t["category"], t["status"]) == ("device", "manhole", "submitted")
    assert t["location"] == {"estate_id": "huayuan", "building": "b1", "text": "东门", **B1_AT}
    assert t["grid_id"] == "g1" and "reporter" not in t and t["followers"] == 0
    assert t["timeline"][0]["actor"] == {"role": "device"} and "mh-1" in t["description"]
    assert devices.get(f"/tickets/{ticket_id}", "lin").status_code == 200
    listed = devices.get("/tickets?community_id=jinxiu", "chen").json["items"]
    assert [x["ticket_id"] for x in listed] == [ticket_id]


def test_a_restored_cover_leaves_the_latched_alarm_for_staff(devices: Api) -> None:
    safety(devices, event("mh-1", "manhole.displaced", 1, tilt_deg=35.0))
    restored = safety(devices, event("mh-1", "manhole.restored", 2, ms=RECEIVED_MS + 60000))
    [alarm] = active_alarms(devices)
    assert restored["alarm_id"] == alarm["alarm_id"]
    assert alarm["status"] == "active" and alarm["condition_gone_at"] == "2026-11-02T08:01:00.000Z"


def test_staff_acknowledge_and_clear_alarms(devices: Api) -> None:
    safety(devices, event("mh-1", "manhole.displaced", 1, tilt_deg=35.0))
    [alarm] = active_alarms(devices)
    path = f"/alarms/{alarm['alarm_id']}"
    assert devices.post(path + "/acknowledge", "lin", {}).status_code == 403
    assert devices.post(path + "/acknowledge", "grid2", {}).status_code == 404
    assert devices.post(path + "/acknowledge", "longxing_staff", {}).status_code == 404
    assert devices.post(path + "/acknowledge", "grid1", {"note": "x" * 501}).status_code == 400
    taken = devices.post(path + "/acknowledge", "grid1", {"note": "在路上"})
    assert taken.status_code == 200, taken.body
    body = valid(answers.AlarmView, taken.json)
    assert body["acknowledged"] and body["acknowledged_by"] == "grid" and body["note"] == "在路上"
    assert body["status"] == "active"
    assert devices.post(path + "/acknowledge", "chen", {}).status_code == 409
    assert devices.post(path + "/clear", "grid1", {}).status_code == 403
    cleared = devices.post(path + "/clear", "wuye", {"note": "已复位"})
    assert cleared.status_code == 200, cleared.body
    assert cleared.json["status"] == "cleared" and cleared.json["cleared_by"] == "property"
    assert devices.post(path + "/clear", "chen", {}).status_code == 409
    assert devices.post(path + "/acknowledge", "chen", {}).status_code == 409
    assert active_alarms(devices) == []
    history = devices.get("/communities/jinxiu/alarms?status=cleared", "chen").json["items"]
    assert [a["alarm_id"] for a in history] == [alarm["alarm_id"]]
    assert devices.get(path, "chen").json["cleared_at"] is not None
    assert devices.get("/alarms/al_nope", "chen").status_code == 404
    assert devices.get("/communities/jinxiu/alarms?status=gone", "chen").status_code == 400
    assert devices.get("/communities/jinxiu/alarms", "lin").status_code == 403
    assert devices.get("/communities/jinxiu/alarms", "longxing_staff").status_code == 404


def now_ms() -> int:
    return int(time.time() * 1000)


def test_a_repeat_after_clearing_reopens_the_same_ticket(devices: Api) -> None:
    first = safety(devices, event("mh-1", "manhole.displaced", 1, ms=now_ms(), tilt_deg=35.0))
    ticket_id = first["ticket_id"]
    resolved = devices.post(f"/tickets/{ticket_id}/resolve", "wuye", {"note": "井盖已复位"})
    assert resolved.status_code == 200, resolved.body
    assert devices.post(f"/alarms/{first['alarm_id']}/clear", "chen", {}).status_code == 200
    again = safety(devices, event("mh-1", "manhole.displaced", 2, ms=now_ms(), tilt_deg=20.0))
    assert again["new_alarm"] and again["alarm_id"] != first["alarm_id"]
    assert again["ticket_id"] == ticket_id and again["ticket"] == "reopened"
    ticket = devices.get(f"/tickets/{ticket_id}", "chen").json
    assert ticket["status"] == "acknowledged" and ticket["resolved_at"] is None
    assert [e["action"] for e in ticket["timeline"]][-1] == "reopen"
    assert ticket["timeline"][-1]["actor"] == {"role": "device"}
    # cleared again while the ticket is open: the next repeat notes it on the same ticket
    assert devices.post(f"/alarms/{again['alarm_id']}/clear", "chen", {}).status_code == 200
    third = safety(devices, event("mh-1", "manhole.displaced", 3, ms=now_ms(), tilt_deg=20.0))
    assert third["ticket_id"] == ticket_id and third["ticket"] == "noted"
    assert [e["action"] for e in devices.get(f"/tickets/{ticket_id}", "chen").json[
        "timeline"]][-1] == "device_repeat"


def test_past_the_window_a_repeat_opens_a_new_ticket(devices: Api) -> None:
    policy = devices.get("/communities/jinxiu/device-policy", "chen").json
    assert devices.call("PUT", "/communities/jinxiu/device-policy", "chen",
                        policy | {"reopen_window_h": 0}).status_code == 200
    first = safety(devices, event("mh-1", "manhole.displaced", 1, ms=now_ms(), tilt_deg=35.0))
    assert devices.post(f"/alarms/{first['alarm_id']}/clear", "chen", {}).status_code == 200
    again = safety(devices, event("mh-1", "manhole.displaced", 2, ms=now_ms() + 1000,
                                  tilt_deg=35.0))
    assert again["ticket"] == "opened" and again["ticket_id"] != first["ticket_id"]


def test_abnormal_movement_opens_its_ticket_in_its_own_estate(devices: Api) -> None:
    raised = safety(devices, event("mv-1", "movement.abnormal", 1, kind="loitering", count=4))
    ticket = devices.get(f"/tickets/{raised['ticket_id']}", "wuye2").json
    assert ticket["category"] == "abnormal_movement" and ticket["location"]["estate_id"] == "mingju"
    assert devices.get(f"/tickets/{raised['ticket_id']}", "wuye").status_code == 404
    [alarm] = active_alarms(devices, "wuye2")
    assert alarm["severity"] == "major" and alarm["detail"] == {"kind": "loitering", "count": 4}
    assert active_alarms(devices, "wuye") == []
    assert active_alarms(devices, "grid2")[0]["alarm_id"] == alarm["alarm_id"]


# --- evidence -------------------------------------------------------------------------------

def put_original(aws_settings: Any, key: str, data: bytes) -> None:
    boto3.client("s3").put_object(Bucket=aws_settings.evidence_bucket, Key=key, Body=data,
                                  ContentType="image/jpeg")


def test_thrown_object_evidence_is_verified_and_shown_stripped(devices: Api,
                                                               aws: dict[str, Any]) -> None:
    from PIL import Image

    settings = aws["settings"]
    original = jpeg_bytes((640, 480), gps=True)
    digest = hashlib.sha256(original).hexdigest()
    put_original(settings, "devices/cam-1/2026-11-02/a.jpg", original)
    put_original(settings, "devices/cam-1/2026-11-02/b.jpg", original + b"tampered")
    raised = safety(devices, event(
        "cam-1", "throw.detected", 1, estimated_floor=12, trajectory=[[0, 36.0, 0]],
        evidence=[
            {"s3_key": "devices/cam-1/2026-11-02/a.jpg", "sha256": digest,
             "captured_at": "2026-11-02T07:59:58.250Z"},
            {"s3_key": "devices/cam-1/2026-11-02/b.jpg", "sha256": digest,
             "captured_at": "2026-11-02T07:59:58.500Z"},
            {"s3_key": "devices/mh-1/stolen.jpg", "sha256": digest,
             "captured_at": "2026-11-02T07:59:58.750Z"},
            {"s3_key": "devices/cam-1/never-uploaded.jpg", "sha256": digest,
             "captured_at": "2026-11-02T07:59:59.000Z"}]))
    alarm = devices.get(f"/alarms/{raised['alarm_id']}", "chen")
    assert alarm.status_code == 200
    shown = valid(answers.AlarmView, alarm.json)["evidence"]
    assert [(e["verified"], e["problem"]) for e in shown] == [
        (True, None), (False, "sha256_mismatch"), (False, "foreign_key"), (False, "missing")]
    good = shown[0]
    assert good["sha256"] == digest and good["captured_at"] == "2026-11-02T07:59:58.250Z"
    assert good["device_id"] == "cam-1" and good["url"] and good["thumbnail_url"]
    assert all(e["url"] is None for e in shown[1:])
    assert "s3_key" not in good and settings.evidence_bucket not in good["url"]
    s3 = boto3.client("s3")
    kept = s3.get_object(Bucket=settings.evidence_bucket, Key="devices/cam-1/2026-11-02/a.jpg")
    assert kept["Body"].read() == original
    [item] = [i for i in table_items("ALARM#")]
    copy_key = item["evidence"]["L"][0]["M"]["display_key"]["S"]
    copy = s3.get_object(Bucket=settings.media_bucket, Key=copy_key)["Body"].read()
    assert copy != original and 0x8825 not in Image.open(io.BytesIO(copy)).getexif()
    ticket = devices.get(f"/tickets/{raised['ticket_id']}", "lin").json
    assert ticket["category"] == "thrown_object"
    [photo] = ticket["photos"]
    assert photo["purpose"] == "evidence" and photo["status"] == "ready" and photo["url"]
    assert photo["evidence"] == {"sha256": digest, "captured_at": "2026-11-02T07:59:58.250Z",
                                 "device_id": "cam-1", "verified": True}


# --- refusals -------------------------------------------------------------------------------

@pytest.mark.parametrize(("payload", "reason"), [
    (event("ghost", "manhole.displaced", 1, tilt_deg=30.0), "unknown_device"),
    (event("mh-1", "manhole.displaced", 1, community="longxing", tilt_deg=30.0),
     "community_mismatch"),
    (event("mh-1", "manhole.displaced", 1, tilt_deg="steep"), "bad_payload"),
    (event("mh-1", "manhole.displaced", 1), "bad_payload"),
    ({"type": "manhole.displaced"}, "bad_payload"),
    (event("pm-1", "manhole.displaced", 1, tilt_deg=30.0), "wrong_device_type"),
    (event("mh-1", "throw.detected", 1, estimated_floor=3), "wrong_device_type"),
])
def test_refused_messages_create_nothing_and_are_counted(
        devices: Api, capsys: pytest.CaptureFixture[str], payload: dict[str, Any],
        reason: str) -> None:
    before = {k: len(table_items(k)) for k in ("ALARM#", "TICKET#")}
    capsys.readouterr()
    assert safety(devices, payload) == {"refused": reason}
    assert {k: len(table_items(k)) for k in before} == before
    assert not [i for i in table_items("DEVICE#") if i["sk"]["S"].startswith("SEQ#")]
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines()
               if line.startswith("{") and "_aws" in line]
    refused = [m for m in metrics if "DeviceMessageRefused" in m]
    assert refused and refused[0]["reason"] == reason
    assert refused[0]["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["reason"]]


def test_answers_match_the_openapi_document(devices: Api) -> None:
    from chalicelib.web import openapi
    from tests.integration.test_openapi import conforms

    doc = json.loads(json.dumps(openapi.document()))
    raised = safety(devices, event("cam-1", "throw.detected", 1, estimated_floor=9))
    alarm = f"/alarms/{raised['alarm_id']}"
    policy = devices.get("/communities/jinxiu/device-policy", "chen")
    checks = [
        ("register_device", devices.post("/communities/jinxiu/devices", "admin", NEW)),
        ("register_device", devices.post("/communities/jinxiu/devices", "admin", NEW)),
        ("register_device", devices.post("/communities/jinxiu/devices", "chen", NEW)),
        ("list_devices", devices.get("/communities/jinxiu/devices", "wuye")),
        ("get_device", devices.get("/devices/mh-9", "chen")),
        ("get_device", devices.get("/devices/mh-9", "longxing_staff")),
        ("list_alarms", devices.get("/communities/jinxiu/alarms", "chen")),
        ("get_alarm", devices.get(alarm, "grid1")),
        ("acknowledge_alarm", devices.post(alarm + "/acknowledge", "grid1", {})),
        ("clear_alarm", devices.post(alarm + "/clear", "grid1", {})),
        ("clear_alarm", devices.post(alarm + "/clear", "chen", {"note": "已处理"})),
        ("clear_alarm", devices.post(alarm + "/clear", "chen", {})),
        ("get_device_policy", policy),
        ("put_device_policy", devices.call("PUT", "/communities/jinxiu/device-policy", "admin",
                                           policy.json)),
        ("put_device_policy", devices.call("PUT", "/communities/jinxiu/device-policy", "admin",
                                           {"pm25": {"clear_ugm3": 80}})),
        ("community_map", devices.get("/communities/jinxiu/map", "chen")),
        ("community_map", devices.get("/communities/jinxiu/map?bbox=x", "chen")),
    ]
    assert [r.status_code for _, r in checks] == [201, 409, 403, 200, 200, 404, 200, 200, 200,
                                                  403, 200, 409, 200, 200, 400, 200, 400]
    for op_id, response in checks:
        conforms(doc, op_id, response)
