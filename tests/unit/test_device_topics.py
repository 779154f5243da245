"""The device topic rules: their SQL (what IoT Core runs) and ``topics.route`` (what the local
bridge runs) take the same decisions. The SQL is read back with an evaluator written here from
the rule text alone, and both are run over the same generated messages."""
from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.devices import store, topics
from chalicelib.devices.topics import Action, Reason, Refused, Routed

SPEC_TYPES = {"manhole.displaced", "manhole.restored", "throw.detected", "pm25.reading",
              "movement.abnormal", "heartbeat"}
RULE_SQL = re.compile(r"^SELECT (?P<select>.+) FROM '(?P<filter>[^']+)' "
                      r"WHERE type IN \[(?P<types>[^\]]*)\]$")
ALIAS = re.compile(r" AS (\w+)(?:,|$)")
SELECT_ALL = "*, topic(2) AS community_id, topic(4) AS device_id, timestamp() AS received_ms"


def parsed(sql: str) -> dict[str, Any]:
    match = RULE_SQL.match(sql)
    assert match, sql
    types = [t.strip().strip("'") for t in match["types"].split(",")]
    return {"select": match["select"], "filter": match["filter"], "types": types}


def filter_matches(topic_filter: str, topic: str) -> bool:
    """MQTT 3.1.1 filter matching (``+`` is one level, possibly empty)."""
    wanted, levels = topic_filter.split("/"), topic.split("/")
    if len(wanted) != len(levels):
        return False
    return all(w in ("+", t) for w, t in zip(wanted, levels, strict=True))


def rules_by_sql() -> list[tuple[Action, dict[str, Any]]]:
    return [(Action.SAFETY, parsed(topics.SAFETY_RULE.sql)),
            (Action.TELEMETRY, parsed(topics.TELEMETRY_RULE.sql)),
            (Action.HEARTBEAT, parsed(topics.heartbeat_rule().sql))]


def sql_decision(topic: str, payload: bytes) -> Action | None:
    """The rule IoT Core would run for this message, read from the SQL text."""
    try:
        document = json.loads(payload)
    except ValueError:
        return None
    kind = document.get("type") if isinstance(document, dict) else None
    fired = [action for action, rule in rules_by_sql()
             if filter_matches(rule["filter"], topic) and isinstance(kind, str)
             and kind in rule["types"]]
    assert len(fired) <= 1, fired
    return fired[0] if fired else None


def test_safety_and_telemetry_rules_select_the_event_with_its_topic_and_time() -> None:
    assert topics.SAFETY_RULE.sql == (
        f"SELECT {SELECT_ALL} FROM 'fanglin/+/devices/+/events' WHERE type IN "
        "['manhole.displaced', 'manhole.restored', 'throw.detected', 'movement.abnormal']")
    assert topics.TELEMETRY_RULE.sql == (
        f"SELECT {SELECT_ALL} FROM 'fanglin/+/devices/+/events' WHERE type IN ['pm25.reading']")
    assert topics.SQL_VERSION == "2016-03-23"


def test_rules_cover_every_spec_type_once() -> None:
    typed = [t for _, rule in rules_by_sql() for t in rule["types"]]
    assert sorted(typed) == sorted(SPEC_TYPES) == sorted(topics.EVENT_TYPES)
    assert {rule["filter"] for _, rule in rules_by_sql()} == {topics.TOPIC_FILTER}


def test_heartbeat_rule_builds_the_same_item_as_the_bridge() -> None:
    rule = parsed(topics.heartbeat_rule().sql)
    assert rule["types"] == ["heartbeat"]
    assert rule["select"] == store.heartbeat_select()
    aliases = ALIAS.findall(rule["select"])
    item = store.heartbeat_item("jinxiu", "mh-1", {"type": "heartbeat"}, 1_764_000_000_123)
    assert sorted(aliases) == sorted(item)
    assert {"pk", "sk"} <= set(aliases)


def test_unrouted_rule_counts_exactly_what_no_other_rule_takes() -> None:
    assert topics.UNROUTED_SQL.startswith("SELECT topic(2) AS community_id, topic(4) AS device_id")
    assert f"FROM '{topics.TOPIC_FILTER}'" in topics.UNROUTED_SQL
    listed = re.search(r"NOT \(type IN \[([^\]]*)\]\)", topics.UNROUTED_SQL)
    assert listed is not None
    assert sorted(t.strip().strip("'") for t in listed[1].split(",")) == sorted(SPEC_TYPES)
    # Undefined (no type, not JSON) must take the ELSE branch: IN and NOT give Undefined on it.
    assert topics.UNROUTED_WHERE.startswith("CASE isString(type) WHEN true THEN ")
    assert topics.UNROUTED_WHERE.endswith(" ELSE true END")


@pytest.mark.parametrize("kind", sorted(SPEC_TYPES))
def test_route_takes_the_rule_the_sql_names(kind: str) -> None:
    topic = "fanglin/jinxiu/devices/dev-7/events"
    payload = json.dumps({"type": kind, "ts": "2026-12-01T08:00:00Z", "seq": 4}).encode()
    outcome = topics.route(topic, payload, 1_764_000_000_000)
    assert isinstance(outcome, Routed)
    assert outcome.action is sql_decision(topic, payload)
    assert outcome.event == {"type": kind, "ts": "2026-12-01T08:00:00Z", "seq": 4,
                             "community_id": "jinxiu", "device_id": "dev-7",
                             "received_ms": 1_764_000_000_000}
    assert (outcome.community_id, outcome.device_id, outcome.type) == ("jinxiu", "dev-7", kind)


def test_topic_and_clock_decide_the_ids_not_the_payload() -> None:
    payload = json.dumps({"type": "manhole.displaced", "community_id": "longxing",
                          "device_id": "someone-else", "received_ms": 1}).encode()
    outcome = topics.route("fanglin/jinxiu/devices/mh-1/events", payload, 99)
    assert isinstance(outcome, Routed)
    assert (outcome.community_id, outcome.device_id, outcome.received_ms) == ("jinxiu", "mh-1", 99)
    assert outcome.payload["community_id"] == "longxing"


@pytest.mark.parametrize(("topic", "payload", "reason"), [
    ("fanglin/jinxiu/devices/mh-1/events", b"\xff\xfe{", Reason.NOT_JSON),
    ("fanglin/jinxiu/devices/mh-1/events", b"{\"type\": ", Reason.NOT_JSON),
    ("fanglin/jinxiu/devices/mh-1/events", b"[1, 2]", Reason.NOT_AN_OBJECT),
    ("fanglin/jinxiu/devices/mh-1/events", b"\"heartbeat\"", Reason.NOT_AN_OBJECT),
    ("fanglin/jinxiu/devices/mh-1/events", b"{}", Reason.UNKNOWN_TYPE),
    ("fanglin/jinxiu/devices/mh-1/events", b"{\"type\": 5}", Reason.UNKNOWN_TYPE),
    ("fanglin/jinxiu/devices/mh-1/events", b"{\"type\": \"door.opened\"}", Reason.UNKNOWN_TYPE),
    ("fanglin//devices/mh-1/events", b"{\"type\": \"heartbeat\"}", Reason.MALFORMED_TOPIC),
    ("fanglin/jinxiu/devices//events", b"{\"type\": \"heartbeat\"}", Reason.MALFORMED_TOPIC),
    ("fanglin/jinxiu/devices/mh-1/commands", b"{\"type\": \"heartbeat\"}",
     Reason.MALFORMED_TOPIC),
    ("fanglin/jinxiu/devices/mh-1/events/x", b"{\"type\": \"heartbeat\"}",
     Reason.MALFORMED_TOPIC),
    ("other/jinxiu/devices/mh-1/events", b"{\"type\": \"heartbeat\"}", Reason.MALFORMED_TOPIC),
    ("fanglin/jinxiu/devices/mh-1/events",
     b"{\"type\": \"heartbeat\", \"pad\": \"" + b"x" * topics.MAX_PAYLOAD_BYTES + b"\"}",
     Reason.TOO_LARGE),
    ("fanglin/jinxiu/devices/mh-1/events", b"[" * 100_000, Reason.NOT_JSON),
])
def test_route_refuses_with_a_reason(topic: str, payload: bytes, reason: Reason) -> None:
    assert topics.route(topic, payload, 0) == Refused(reason)


LEVEL = st.sampled_from(["jinxiu", "longxing", "mh-1", "pm-2", "", "devices", "events", "+"])
TOPICS = st.one_of(
    st.builds(lambda c, d: f"fanglin/{c}/devices/{d}/events", LEVEL, LEVEL),
    st.lists(LEVEL | st.sampled_from(["fanglin", "commands"]), min_size=1, max_size=7)
    .map("/".join),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=6)
PAYLOADS = st.one_of(
    st.builds(lambda kind, extra: json.dumps({**extra, "type": kind}).encode(),
              st.sampled_from(sorted(SPEC_TYPES)) | st.text(max_size=12) | st.integers(),
              st.dictionaries(st.sampled_from(["seq", "ts", "value_ugm3", "device_id"]),
                              JSON_VALUES, max_size=3)),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=40),
)


@settings(max_examples=400, deadline=None)
@given(topic=TOPICS, payload=PAYLOADS)
def test_route_agrees_with_the_sql_on_any_message(topic: str, payload: bytes) -> None:
    outcome = topics.route(topic, payload, 1)
    decided = sql_decision(topic, payload) if topics.topic_ids(topic) else None
    if isinstance(outcome, Routed):
        assert outcome.action is decided
        assert topics.events_topic(outcome.community_id, outcome.device_id) == topic
    else:
        assert decided is None
        if outcome.reason is not Reason.MALFORMED_TOPIC:
            assert filter_matches(topics.TOPIC_FILTER, topic)


def test_topic_names() -> None:
    assert topics.commands_topic("jinxiu", "sp-1") == "fanglin/jinxiu/devices/sp-1/commands"
    assert topics.events_topic("jinxiu", "mh-1") == "fanglin/jinxiu/devices/mh-1/events"
    assert topics.topic_ids("fanglin/jinxiu/devices/mh-1/events") == ("jinxiu", "mh-1")


# --- the local bridge applies the same decision -------------------------------------------------


class FakeSqs:
    def __init__(self, fail_on: str | None = None) -> None:
        self.sent: list[dict[str, Any]] = []
        self.fail_on = fail_on

    def send_message(self, **message: Any) -> dict[str, str]:
        if message["QueueUrl"] == self.fail_on:
            raise ConnectionError("queue unavailable")
        self.sent.append(message)
        return {"MessageId": "m"}


class FakeKinesis:
    def __init__(self, fail: bool = False) -> None:
        self.records: list[dict[str, Any]] = []
        self.fail = fail

    def put_record(self, **record: Any) -> dict[str, str]:
        if self.fail:
            raise ConnectionError("stream unavailable")
        self.records.append(record)
        return {"ShardId": "shardId-000000000000", "SequenceNumber": "1"}


class FakeDynamoDB:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def put_item(self, TableName: str, Item: dict[str, Any]) -> None:  # noqa: N803 - boto3
        self.items.append({"table": TableName, **Item})


class FakeDispatcher:
    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.error = error

    def invoke(self, name: str, event: dict[str, Any]) -> Any:
        self.calls.append((name, event))
        if self.error is not None:
            raise self.error
        return {"ok": True}


def bridge(dispatcher: FakeDispatcher, sqs: FakeSqs, dynamodb: FakeDynamoDB,
           kinesis: FakeKinesis | None = None) -> Any:
    from infra.local.mqtt import BridgeTargets, DeviceBridge

    return DeviceBridge(dispatcher, sqs, kinesis or FakeKinesis(),  # type: ignore[arg-type]
                        dynamodb, BridgeTargets("telemetry", "dead-letters", "table"))


def message(kind: str, **fields: Any) -> bytes:
    return json.dumps({"type": kind, "ts": "2026-12-01T08:00:00Z", "seq": 3, **fields}).encode()


def test_bridge_invokes_the_safety_function_with_the_rule_output() -> None:
    dispatcher, sqs, dynamodb = FakeDispatcher(), FakeSqs(), FakeDynamoDB()
    rules = bridge(dispatcher, sqs, dynamodb)
    assert rules.handle("fanglin/jinxiu/devices/mh-1/events",
                        message("manhole.displaced", tilt_deg=30), 1234) == "safety"
    rules.stop()
    assert dispatcher.calls == [("device_safety", {
        "type": "manhole.displaced", "ts": "2026-12-01T08:00:00Z", "seq": 3, "tilt_deg": 30,
        "community_id": "jinxiu", "device_id": "mh-1", "received_ms": 1234})]
    assert sqs.sent == [] and dynamodb.items == []


def test_bridge_puts_readings_into_the_stream_keyed_by_device() -> None:
    sqs, kinesis = FakeSqs(), FakeKinesis()
    rules = bridge(FakeDispatcher(), sqs, FakeDynamoDB(), kinesis)
    assert rules.handle("fanglin/jinxiu/devices/pm-1/events",
                        message("pm25.reading", value_ugm3=80), 55) == "telemetry"
    rules.stop()
    [record] = kinesis.records
    assert (record["StreamName"], record["PartitionKey"]) == ("telemetry", "pm-1")
    assert json.loads(record["Data"]) == {
        "type": "pm25.reading", "ts": "2026-12-01T08:00:00Z", "seq": 3, "value_ugm3": 80,
        "community_id": "jinxiu", "device_id": "pm-1", "received_ms": 55}
    assert sqs.sent == []



def test_bridge_puts_the_heartbeat_item_as_the_rule_would() -> None:
    dynamodb = FakeDynamoDB()
    rules = bridge(FakeDispatcher(), FakeSqs(), dynamodb)
    assert rules.handle("fanglin/jinxiu/devices/mh-1/events", message("heartbeat"),
                        1_764_000_000_123) == "heartbeat"
    rules.stop()
    [item] = dynamodb.items
    expected = store.heartbeat_item("jinxiu", "mh-1", {}, 1_764_000_000_123)
    assert item["table"] == "table"
    assert item["pk"] == {"S": expected["pk"]} and item["sk"] == {"S": expected["sk"]}
    assert item["received_ms"] == {"N": "1764000000123"}
    assert set(item) - {"table"} == set(expected)


def test_bridge_sends_a_failed_action_to_the_dead_letter_queue_as_iot_does() -> None:
    sqs = FakeSqs()
    rules = bridge(FakeDispatcher(RuntimeError("table busy")), sqs, FakeDynamoDB())
    payload = message("throw.detected", estimated_floor=9)
    rules.handle("fanglin/jinxiu/devices/cam-1/events", payload, 1)
    rules.stop()
    [dead] = sqs.sent
    assert dead["QueueUrl"] == "dead-letters"
    body = json.loads(dead["MessageBody"])
    assert body["topic"] == "fanglin/jinxiu/devices/cam-1/events"
    assert body["ruleName"].endswith("device_safety")
    assert base64.b64decode(body["base64OriginalPayload"]) == payload
    assert body["failures"] == [{"failedAction": "LambdaAction", "failedResource": "device_safety",
                                 "errorMessage": "RuntimeError: table busy"}]
    assert rules.failed == {"device_safety": 1}


def test_bridge_dead_letters_a_reading_the_stream_refused() -> None:
    sqs = FakeSqs()
    rules = bridge(FakeDispatcher(), sqs, FakeDynamoDB(), FakeKinesis(fail=True))
    rules.handle("fanglin/jinxiu/devices/pm-1/events", message("pm25.reading", value_ugm3=1), 1)
    rules.stop()
    [dead] = sqs.sent
    assert json.loads(dead["MessageBody"])["failures"] == [{
        "failedAction": "KinesisAction", "failedResource": "telemetry",
        "errorMessage": "ConnectionError: stream unavailable"}]


def test_bridge_counts_what_no_rule_takes() -> None:
    dispatcher, sqs, dynamodb = FakeDispatcher(), FakeSqs(), FakeDynamoDB()
    rules = bridge(dispatcher, sqs, dynamodb)
    assert rules.handle("fanglin/jinxiu/devices/mh-1/events", b"tilt=30", 1) == "not_json"
    assert rules.handle("fanglin/jinxiu/devices/mh-1/events", message("door.opened"), 1) \
        == "unknown_type"
    rules.stop()
    assert rules.unrouted == {"not_json": 1, "unknown_type": 1}
    assert dispatcher.calls == [] and sqs.sent == [] and dynamodb.items == []
