"""Devices over real MQTT against the running local stack: paho clients publish on the device
topics of the stack's broker, the bridge applies the topic rules, the real handlers run, and
commands come back on the actuators' topics. Devices are registered through the admin API."""
from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.devices import topics
from tests.e2e.conftest import LocalStack, poll

pytestmark = pytest.mark.e2e

COMMUNITY = "jinxiu"
ESTATE = "jinxiu-huayuan"
STAFF = "admin"
MANHOLE, MANHOLE_TWICE, PM25, PM25_CALM, GHOST = (
    "e2e-mh-1", "e2e-mh-2", "e2e-pm-1", "e2e-pm-2", "e2e-ghost")
SPRAYERS = ("e2e-sp-1", "e2e-sp-2")
CALM_SPRAYER = "e2e-sp-3"
COMMAND_TIMEOUT_S = 10
ALARM_DEADLINE_S = 1.0


class Mqtt:
    """One paho connection to the stack's broker; messages on subscribed topics are queued."""

    def __init__(self, host: str, port: int) -> None:
        import paho.mqtt.client as mqtt

        self.received: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        self._subscribed: dict[int, threading.Event] = {}
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                   client_id=f"e2e-{uuid.uuid4().hex[:8]}")
        self._client.on_message = lambda c, userdata, m: self.received.put(
            (m.topic, json.loads(m.payload)))
        self._client.on_subscribe = lambda c, userdata, mid, codes, props: \
            self._subscribed.setdefault(mid, threading.Event()).set()
        self._client.connect(host, port)
        self._client.loop_start()

    def subscribe(self, topic: str) -> None:
        _, mid = self._client.subscribe(topic, qos=1)
        assert mid is not None
        assert self._subscribed.setdefault(mid, threading.Event()).wait(5), topic

    def publish(self, topic: str, payload: bytes | dict[str, Any]) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        info = self._client.publish(topic, data, qos=1)
        info.wait_for_publish(5)
        assert info.is_published(), topic

    def next_message(self, timeout_s: float) -> tuple[str, dict[str, Any]]:
        return self.received.get(timeout=timeout_s)

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


def event(kind: str, seq: int, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "seq": seq,
            **fields}


def register(stack: LocalStack, device_id: str, kind: str, actuators: tuple[str, ...] = (),
             lat: float = 24.5102) -> None:
    body = {"device_id": device_id, "type": kind, "estate_id": ESTATE, "building": "1",
            "location": {"lat": lat, "lon": 117.6521}, "zone": "e2e",
            "actuators": list(actuators)}
    response = stack.session(STAFF).post(stack.url(f"/communities/{COMMUNITY}/devices"),
                                         json=body, timeout=10)
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def devices(stack: LocalStack) -> None:
    for sprayer in (*SPRAYERS, CALM_SPRAYER):
        register(stack, sprayer, "sprayer")
    register(stack, PM25, "pm25_sensor", SPRAYERS)
    register(stack, PM25_CALM, "pm25_sensor", (CALM_SPRAYER,))
    register(stack, MANHOLE, "manhole_sensor")
    register(stack, MANHOLE_TWICE, "manhole_sensor", lat=24.5104)


@pytest.fixture
def mqtt(stack: LocalStack, devices: None) -> Iterator[Mqtt]:
    client = Mqtt(*stack.mqtt_address)
    yield client
    client.close()


def active_alarms(stack: LocalStack, device_id: str) -> list[dict[str, Any]]:
    response = stack.session(STAFF).get(stack.url(f"/communities/{COMMUNITY}/alarms"),
                                        params={"status": "active"}, timeout=10)
    assert response.status_code == 200, response.text
    return [a for a in response.json()["items"] if a["device_id"] == device_id]


def ticket_of(stack: LocalStack, alarm: dict[str, Any]) -> dict[str, Any] | None:
    response = stack.session(STAFF).get(stack.url(f"/tickets/{alarm['ticket_id']}"), timeout=10)
    assert response.status_code in (200, 404), response.text
    return dict(response.json()) if response.status_code == 200 else None


def device_view(stack: LocalStack, device_id: str) -> dict[str, Any]:
    response = stack.session(STAFF).get(stack.url(f"/devices/{device_id}"), timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def seen_after(stack: LocalStack, device_id: str, iso: str) -> None:
    """Wait until the device's last sign of life is at or after ``iso``: its message is done."""
    poll(lambda: device_view(stack, device_id)["last_seen"] or "",
         lambda last: last >= iso, COMMAND_TIMEOUT_S, 0.05)


def now_iso() -> str:
    at = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + f".{int(at * 1000) % 1000:03d}Z"


def test_ready_line_names_the_broker(stack: LocalStack) -> None:
    assert stack.ready["mqtt"] == f"mqtt://127.0.0.1:{stack.mqtt_port}"


def test_displaced_manhole_makes_one_alarm_and_one_ticket_within_a_second(
    stack: LocalStack, mqtt: Mqtt,
) -> None:
    published = time.monotonic()
    mqtt.publish(topics.events_topic(COMMUNITY, MANHOLE),
                 event("manhole.displaced", 1, tilt_deg=38.5))
    [alarm] = poll(lambda: active_alarms(stack, MANHOLE), lambda found: found, 5, 0.02)
    ticket = poll(lambda: ticket_of(stack, alarm), lambda found: found is not None, 5, 0.02)
    took = time.monotonic() - published
    assert took < ALARM_DEADLINE_S, f"alarm and ticket after {took:.2f} s"
    assert alarm["type"] == "manhole" and alarm["count"] == 1 and alarm["latched"]
    assert ticket["source"] == "device"
    assert ticket["category"] == "manhole"

    mqtt.publish(topics.events_topic(COMMUNITY, MANHOLE),
                 event("manhole.displaced", 2, tilt_deg=41.0))
    [again] = poll(lambda: active_alarms(stack, MANHOLE), lambda found: found[0]["count"] == 2,
                   5, 0.05)
    assert (again["alarm_id"], again["ticket_id"]) == (alarm["alarm_id"], alarm["ticket_id"])


def test_the_same_seq_twice_is_processed_once(stack: LocalStack, mqtt: Mqtt) -> None:
    topic = topics.events_topic(COMMUNITY, MANHOLE_TWICE)
    for seq in (7, 7, 8):
        mqtt.publish(topic, event("manhole.displaced", seq, tilt_deg=30.0))
    poll(lambda: active_alarms(stack, MANHOLE_TWICE), lambda found: found
         and found[0]["count"] == 2, 5, 0.05)
    time.sleep(0.5)
    [alarm] = active_alarms(stack, MANHOLE_TWICE)
    assert alarm["count"] == 2


def spray_commands(mqtt: Mqtt, expected: int) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    while len(found) < expected:
        topic, body = mqtt.next_message(COMMAND_TIMEOUT_S)
        found[topic] = body
    return found


def test_three_high_readings_start_both_sprayers_and_a_low_one_stops_them(
    stack: LocalStack, mqtt: Mqtt,
) -> None:
    for sprayer in SPRAYERS:
        mqtt.subscribe(topics.commands_topic(COMMUNITY, sprayer))
    topic = topics.events_topic(COMMUNITY, PM25)
    for seq, value in enumerate((80.0, 92.5, 77.0), start=1):
        mqtt.publish(topic, event("pm25.reading", seq, value_ugm3=value))
    started = spray_commands(mqtt, len(SPRAYERS))
    assert set(started) == {topics.commands_topic(COMMUNITY, s) for s in SPRAYERS}
    for body in started.values():
        assert body["command"] == "spray.start" and body["duration_s"] == 900
        assert body["command_id"] and body["reason"]
    assert len({b["command_id"] for b in started.values()}) == len(SPRAYERS)
    [alarm] = poll(lambda: active_alarms(stack, PM25), lambda found: found, 5, 0.05)
    assert alarm["type"] == "air_quality"

    mqtt.publish(topic, event("pm25.reading", 4, value_ugm3=52.0))
    stopped = spray_commands(mqtt, len(SPRAYERS))
    assert {b["command"] for b in stopped.values()} == {"spray.stop"}
    assert set(stopped) == set(started)
    poll(lambda: active_alarms(stack, PM25), lambda found: not found, 5, 0.05)


def test_two_high_readings_then_a_low_one_start_nothing(stack: LocalStack, mqtt: Mqtt) -> None:
    mqtt.subscribe(topics.commands_topic(COMMUNITY, CALM_SPRAYER))
    topic = topics.events_topic(COMMUNITY, PM25_CALM)
    for seq, value in enumerate((90.0, 88.0, 40.0), start=1):
        sent = now_iso()
        mqtt.publish(topic, event("pm25.reading", seq, value_ugm3=value))
    seen_after(stack, PM25_CALM, sent)
    time.sleep(0.3)
    assert mqtt.received.empty()
    assert active_alarms(stack, PM25_CALM) == []


def test_heartbeats_are_written_by_the_rule_without_a_handler(stack: LocalStack,
                                                              mqtt: Mqtt) -> None:
    sent = now_iso()
    mqtt.publish(topics.events_topic(COMMUNITY, MANHOLE), event("heartbeat", 100))
    seen_after(stack, MANHOLE, sent)
    assert device_view(stack, MANHOLE)["status"] == "online"


def test_unknown_devices_foreign_communities_and_bad_payloads_are_refused(
    stack: LocalStack, mqtt: Mqtt,
) -> None:
    mqtt.publish(topics.events_topic(COMMUNITY, GHOST), event("manhole.displaced", 1,
                                                               tilt_deg=50.0))
    mqtt.publish(topics.events_topic("longxing", MANHOLE_TWICE),
                 event("manhole.displaced", 99, tilt_deg=50.0))
    mqtt.publish(topics.events_topic(COMMUNITY, MANHOLE_TWICE), b"tilt=50")
    mqtt.publish(topics.events_topic(COMMUNITY, MANHOLE_TWICE), {"type": "door.opened"})
    for reason in ("unknown_device", "community_mismatch", "not_json", "unknown_type"):
        poll(stack.output, lambda text, r=reason: r in text, 10, 0.1)
    ghost = stack.session(STAFF).get(stack.url(f"/devices/{GHOST}"), timeout=10)
    assert ghost.status_code == 404
    assert active_alarms(stack, GHOST) == []
    response = stack.session(STAFF).get(stack.url(f"/communities/{COMMUNITY}/alarms"),
                                        params={"status": "active"}, timeout=10)
    assert all(a["detail"].get("tilt_deg") != 50.0 for a in response.json()["items"])
