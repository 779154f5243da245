"""Telemetry through the real ``device_telemetry`` handler (a Kinesis batch of one shard): PM2.5
hysteresis with the sprayer commands it publishes, partial batch failures kept in each device's
order; and
the ``device_watch`` schedule over heartbeats written as the IoT rule (or the local bridge)
writes them."""
from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from chalicelib.devices import store, watch
from tests.integration.conftest import Api, EmbeddedAws
from tests.integration.test_devices import active_alarms, build_devices, event, safety

STREAM_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/fanglin-test-telemetry"
FUNCTION_ARN = "arn:aws:iam::123456789012:role/device-telemetry"


@pytest.fixture
def devices(api: Api, embedded_aws: EmbeddedAws) -> Iterator[Api]:
    embedded_aws.start_from("devices", build_devices)
    published().clear()
    yield api


def published() -> list[tuple[str, bytes]]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iotdata.models import iotdata_backends

    return iotdata_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].published_payloads  # type: ignore[no-any-return]


def commands() -> list[tuple[str, dict[str, Any]]]:
    return [(topic, json.loads(payload)) for topic, payload in published()]


def now_ms() -> int:
    return int(time.time() * 1000)


def sequence_number(i: int) -> str:
    return f"4963{i:052d}"


def kinesis_record(i: int, data: bytes, partition_key: str) -> dict[str, Any]:
    """One record of a Lambda Kinesis event, as the event source mapping delivers it."""
    return {
        "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": partition_key,
                    "sequenceNumber": sequence_number(i),
                    "data": base64.b64encode(data).decode("ascii"),
                    "approximateArrivalTimestamp": time.time()},
        "eventSource": "aws:kinesis", "eventVersion": "1.0",
        "eventID": f"shardId-000000000000:{sequence_number(i)}",
        "eventName": "aws:kinesis:record", "invokeIdentityArn": FUNCTION_ARN,
        "awsRegion": "us-east-1", "eventSourceARN": STREAM_ARN}


def kinesis_batch(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": [kinesis_record(i, json.dumps(e).encode(), str(e.get("device_id")))
                        for i, e in enumerate(events)]}


def telemetry(api: Api, events: list[dict[str, Any]]) -> dict[str, Any]:
    return api.client.lambda_.invoke(  # type: ignore[no-any-return]
        "device_telemetry", kinesis_batch(events)).payload


def readings(values: list[float], first_seq: int = 1, device: str = "pm-1"
             ) -> list[dict[str, Any]]:
    start = now_ms()
    return [event(device, "pm25.reading", first_seq + i, ms=start + i, value_ugm3=v)
            for i, v in enumerate(values)]


def test_three_high_readings_start_each_linked_sprayer(devices: Api) -> None:
    assert telemetry(devices, readings([80, 80, 50])) == {"batchItemFailures": []}
    assert commands() == [] and active_alarms(devices) == []
    assert telemetry(devices, readings([76, 75, 90], first_seq=4)) == {"batchItemFailures": []}
    sent = commands()
    assert [t for t, _ in sent] == ["fanglin/jinxiu/devices/sp-1/commands",
                                    "fanglin/jinxiu/devices/sp-2/commands"]
    for _, body in sent:
        assert set(body) == {"command", "duration_s", "command_id", "reason"}
        assert body["command"] == "spray.start" and body["duration_s"] == 900
    assert sent[0][1]["command_id"] != sent[1][1]["command_id"]
    [alarm] = active_alarms(devices)
    assert alarm["type"] == "air_quality" and alarm["severity"] == "warning"
    assert alarm["ticket_id"] is None and not alarm["latched"]
    published().clear()
    telemetry(devices, readings([70, 66], first_seq=7))
    assert commands() == []
    assert active_alarms(devices)[0]["count"] == 1
    telemetry(devices, readings([64], first_seq=9))
    assert [(t.split("/")[3], b["command"], b["duration_s"]) for t, b in commands()] == [
        ("sp-1", "spray.stop", 0), ("sp-2", "spray.stop", 0)]
    assert active_alarms(devices) == []
    cleared = devices.get("/communities/jinxiu/alarms?status=cleared", "chen").json["items"]
    assert cleared[0]["cleared_by"] == "device"


def test_high_readings_while_active_count_on_the_alarm(devices: Api) -> None:
    telemetry(devices, readings([80, 80, 80, 90, 95]))
    assert active_alarms(devices)[0]["count"] == 3
    assert len(commands()) == 2


def test_a_reading_delivered_twice_counts_once(devices: Api) -> None:
    first, second = readings([80, 80])
    telemetry(devices, [first, second, second])
    assert store.pm25_state("pm-1").highs == 2
    telemetry(devices, readings([50], first_seq=3))
    assert store.pm25_state("pm-1").highs == 0 and commands() == []


def test_a_reading_redelivered_in_a_later_batch_counts_once(devices: Api) -> None:
    first = readings([80, 80])
    telemetry(devices, first)
    # Kinesis retries from the first failed record: what followed it comes again.
    assert telemetry(devices, first + readings([80], first_seq=3)) == {"batchItemFailures": []}
    assert [b["command"] for _, b in commands()] == ["spray.start"] * 2
    assert active_alarms(devices)[0]["count"] == 1
    published().clear()
    telemetry(devices, readings([80, 80, 80]))  # seq 1..3 again, within the day: applied once
    assert commands() == [] and active_alarms(devices)[0]["count"] == 1


def test_a_device_refused_as_unknown_is_heard_once_registered(devices: Api) -> None:
    late = [event("pm-late", "pm25.reading", 1, ms=now_ms(), value_ugm3=80)]
    telemetry(devices, late)
    assert store.pm25_state("pm-late").highs == 0
    body = {"device_id": "pm-late", "type": "pm25_sensor", "estate_id": "huayuan",
            "location": {"lat": 24.5, "lon": 117.6}, "zone": "gate", "actuators": []}
    assert devices.call("POST", "/communities/jinxiu/devices", "admin", body).status_code == 201
    telemetry(devices, late)
    assert store.pm25_state("pm-late").highs == 1


def test_thresholds_are_policy_data(devices: Api) -> None:
    policy = devices.get("/communities/jinxiu/device-policy", "chen")
    assert policy.status_code == 200
    document = policy.json
    document["pm25"] |= {"activate_ugm3": 100, "clear_ugm3": 90, "consecutive": 2}
    assert devices.call("PUT", "/communities/jinxiu/device-policy", "admin",
                        document).status_code == 200
    telemetry(devices, readings([95, 95, 95]))
    assert commands() == []
    telemetry(devices, readings([100, 120], first_seq=4))
    assert {b["command"] for _, b in commands()} == {"spray.start"}


@pytest.mark.parametrize(("user", "body", "status"), [
    ("wuye", None, 403),
    ("grid1", None, 403),
    ("longxing_staff", None, 404),
    ("chen", {"pm25": {"activate_ugm3": 60, "clear_ugm3": 65}}, 400),
    ("chen", {"heartbeat_s": {"sprayer": 0}}, 400),
    ("chen", {"offline_after_intervals": "3"}, 400),
    ("chen", {"colour": "red"}, 400),
])
def test_changing_the_policy_refuses(devices: Api, user: str, body: dict[str, Any] | None,
                                     status: int) -> None:
    current = devices.get("/communities/jinxiu/device-policy", "chen").json
    response = devices.call("PUT", "/communities/jinxiu/device-policy", user,
                            current | (body or {}))
    assert response.status_code == status, response.body
    assert devices.get("/communities/jinxiu/device-policy", "chen").json == current


def test_reading_the_policy(devices: Api) -> None:
    assert devices.get("/communities/jinxiu/device-policy", "wuye").status_code == 200
    assert devices.get("/communities/jinxiu/device-policy", "lin").status_code == 403
    assert devices.get("/communities/jinxiu/device-policy", "longxing_staff").status_code == 404
    assert devices.get("/communities/nowhere/device-policy", "admin").status_code == 404


def test_a_failed_reading_fails_the_rest_of_its_device_only(
        devices: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.devices import commands as sender

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("iot-data unavailable")

    batch = readings([80, 80, 80, 50]) + [event("sp-1", "heartbeat", 1, ms=now_ms())]
    with monkeypatch.context() as patch:
        patch.setattr(sender, "send", broken)
        answer = telemetry(devices, batch)
    assert answer == {"batchItemFailures": [{"itemIdentifier": sequence_number(2)},
                                            {"itemIdentifier": sequence_number(3)}]}
    assert store.pm25_state("pm-1").highs == 2
    assert store.heartbeat("sp-1", "jinxiu").kind == "heartbeat"  # type: ignore[union-attr]
    assert telemetry(devices, batch[2:4]) == {"batchItemFailures": []}
    assert [b["command"] for _, b in commands()] == ["spray.start"] * 2 + ["spray.stop"] * 2


def test_bad_telemetry_is_refused_without_a_retry(devices: Api) -> None:
    batch = kinesis_batch([event("pm-1", "pm25.reading", 1, value_ugm3="high")])
    batch["Records"].append(kinesis_record(1, b"{", "pm-1"))
    batch["Records"].append(kinesis_record(2, b"", "pm-1") | {"kinesis": {
        **kinesis_record(2, b"", "pm-1")["kinesis"], "data": "not base64!"}})
    answer = devices.client.lambda_.invoke("device_telemetry", batch).payload
    assert answer == {"batchItemFailures": []}
    assert store.pm25_state("pm-1").highs == 0


def test_a_batch_that_fails_entirely_is_an_error(
        devices: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.devices import ingest

    def broken(event: Any) -> Any:
        raise RuntimeError("table unavailable")

    monkeypatch.setattr(ingest, "handle", broken)
    with pytest.raises(Exception, match="All records failed"):
        devices.client.lambda_.invoke("device_telemetry", kinesis_batch(readings([80, 80])))


# --- the watch ------------------------------------------------------------------------------

def beat(community: str, device: str, ms: int) -> None:
    """A heartbeat as the IoT rule's DynamoDBv2 action (and the local bridge) writes it."""
    table = boto3.resource("dynamodb").Table("fanglin-test")
    table.put_item(Item=store.heartbeat_item(community, device, {"type": "heartbeat"}, ms))


def device_status(api: Api, device: str) -> str:
    return api.get(f"/devices/{device}", "chen").json["status"]  # type: ignore[no-any-return]


def test_a_silent_device_goes_offline_and_comes_back(devices: Api) -> None:
    sixteen_minutes_ago = now_ms() - 16 * 60 * 1000
    beat("jinxiu", "mh-1", sixteen_minutes_ago)
    assert device_status(devices, "mh-1") == "offline"
    tick = devices.client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])
    counts = devices.client.lambda_.invoke("device_watch", tick).payload
    assert counts["offline"] == 1 and counts["communities"] == 2
    [alarm] = active_alarms(devices)
    assert (alarm["type"], alarm["device_id"], alarm["ticket_id"]) == ("offline", "mh-1", None)
    assert watch.run()["offline"] == 0
    assert len(active_alarms(devices)) == 1
    beat("longxing", "mh-1", now_ms())
    assert watch.run()["online"] == 0 and device_status(devices, "mh-1") == "offline"
    safety(devices, event("mh-1", "manhole.restored", 1, ms=now_ms()))
    assert device_status(devices, "mh-1") == "online"
    assert watch.run()["online"] == 1
    assert active_alarms(devices) == []
    cleared = devices.get("/communities/jinxiu/alarms?status=cleared", "chen").json["items"]
    assert cleared[0]["cleared_by"] == "watch"


def test_heartbeats_of_unknown_devices_are_forgotten(devices: Api) -> None:
    old = now_ms() - 60 * 60 * 1000
    beat("jinxiu", "ghost", old)
    beat("jinxiu", "lx-mh", old)
    counts = watch.run()
    assert counts["forgotten"] == 2 and counts["offline"] == 0
    assert store.heartbeat("ghost", "jinxiu") is None
    assert store.heartbeat("lx-mh", "longxing") is not None
    ids = [d["device_id"] for d in devices.get("/communities/jinxiu/devices", "chen").json[
        "items"]]
    assert "ghost" not in ids and "lx-mh" not in ids


def test_intervals_are_per_device_type(devices: Api) -> None:
    document = devices.get("/communities/jinxiu/device-policy", "chen").json
    document["heartbeat_s"] |= {"sprayer": 60}
    assert devices.call("PUT", "/communities/jinxiu/device-policy", "chen",
                        document).status_code == 200
    five_minutes_ago = now_ms() - 5 * 60 * 1000
    for device in ("sp-1", "mh-1"):
        beat("jinxiu", device, five_minutes_ago)
    assert watch.run()["offline"] == 1
    assert device_status(devices, "sp-1") == "offline"
    assert device_status(devices, "mh-1") == "online"
    assert [a["device_id"] for a in active_alarms(devices)] == ["sp-1"]
