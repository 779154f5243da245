"""Device topics and the IoT topic rules that route their messages: the one definition used by the
deployed rules (``infra/stacks/devices.py``) and by the local bridge (``infra/local/mqtt.py``).

Every rule reads ``fanglin/{community_id}/devices/{device_id}/events`` with SQL version
2016-03-23. Safety events invoke ``device_safety`` at once, PM2.5 readings go into a Kinesis data
stream (partition key = device, so a device's readings stay in order within its shard) that
``device_telemetry`` consumes in large batches, heartbeats are written to the table by the rule
itself, and anything else is only counted. ``route`` is the same decision in Python; the stream's
consumer settings below are those of the deployed event source mapping and of the local poller.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

TOPIC_FILTER = "fanglin/+/devices/+/events"
COMMANDS_TOPIC = "fanglin/{community_id}/devices/{device_id}/commands"
TOPIC_ROOT = "fanglin"
SQL_VERSION = "2016-03-23"
MAX_PAYLOAD_BYTES = 128 * 1024  # AWS IoT Core refuses larger MQTT messages
EVIDENCE_PREFIX = "devices/"  # evidence keys: devices/{device_id}/..., a camera writes its own
EVIDENCE_RETENTION_DAYS = 1095  # Object Lock; three years, the PRC Civil Code's limitation period
REFUSED_METRIC = "DeviceMessagesUnrouted"

SAFETY_TYPES = ("manhole.displaced", "manhole.restored", "throw.detected", "movement.abnormal")
TELEMETRY_TYPES = ("pm25.reading",)
HEARTBEAT_TYPES = ("heartbeat",)
EVENT_TYPES = SAFETY_TYPES + TELEMETRY_TYPES + HEARTBEAT_TYPES

TELEMETRY_PARTITION_KEY = "${topic(4)}"  # the device id: one device's readings, one shard
TELEMETRY_SHARDS = 1  # 1,000 records/s, 1 MB/s in: ~3,500 messages/s of the mix
TELEMETRY_BATCH_SIZE = 500
TELEMETRY_BATCHING_WINDOW_S = 0  # Lambda reads a shard once a second: that batches already
TELEMETRY_POLL_S = 1.0  # Lambda's base rate of reads of a caught-up shard (standard consumer)
TELEMETRY_RETRY_ATTEMPTS = 3
TELEMETRY_MAX_RECORD_AGE_S = 3600  # an older reading no longer says what the air is like

SELECT_EVENT = "*, topic(2) AS community_id, topic(4) AS device_id, timestamp() AS received_ms"
SELECT_REFUSED = "topic(2) AS community_id, topic(4) AS device_id, timestamp() AS received_ms"
TOPIC_FIELDS = ("community_id", "device_id", "received_ms")


class Action(StrEnum):
    SAFETY = "safety"  # Lambda action: device_safety
    TELEMETRY = "telemetry"  # Kinesis stream consumed in batches by device_telemetry
    HEARTBEAT = "heartbeat"  # DynamoDBv2 action into the main table, no Lambda


class Reason(StrEnum):
    """Why a message reaches no handler. The first three never pass IoT Core's broker or topic
    filter; the rest match the ``unrouted`` rule, which only counts them."""

    TOO_LARGE = "too_large"
    MALFORMED_TOPIC = "malformed_topic"
    NOT_JSON = "not_json"
    NOT_AN_OBJECT = "not_an_object"
    UNKNOWN_TYPE = "unknown_type"


def sql_list(values: tuple[str, ...]) -> str:
    """An IoT SQL array literal of strings: ``['a', 'b']`` (the values hold no quote)."""
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


@dataclass(frozen=True)
class Rule:
    """One topic rule. ``name`` is the rule's name suffix (IoT rule names: letters, digits, _)."""

    name: str
    action: Action
    types: tuple[str, ...]
    select: str = field(default=SELECT_EVENT, compare=False)

    @property
    def where(self) -> str:
        return f"type IN {sql_list(self.types)}"

    @property
    def sql(self) -> str:
        return f"SELECT {self.select} FROM '{TOPIC_FILTER}' WHERE {self.where}"


SAFETY_RULE = Rule("device_safety", Action.SAFETY, SAFETY_TYPES)
TELEMETRY_RULE = Rule("device_telemetry", Action.TELEMETRY, TELEMETRY_TYPES)
EVENT_RULES = (SAFETY_RULE, TELEMETRY_RULE)
HEARTBEAT_RULE_NAME = "device_heartbeat"
UNROUTED_RULE_NAME = "device_unrouted"
# A message whose ``type`` is missing or not a string is unrouted too: CASE keeps Undefined out of
# IN and NOT, whose result on Undefined is Undefined (the rule would not fire).
UNROUTED_WHERE = (f"CASE isString(type) WHEN true THEN NOT (type IN {sql_list(EVENT_TYPES)}) "
                  "ELSE true END")
UNROUTED_SQL = f"SELECT {SELECT_REFUSED} FROM '{TOPIC_FILTER}' WHERE {UNROUTED_WHERE}"


def heartbeat_rule() -> Rule:
    """The heartbeat rule: its SELECT builds the table item itself (``devices.store``)."""
    from chalicelib.devices import store

    return Rule(HEARTBEAT_RULE_NAME, Action.HEARTBEAT, HEARTBEAT_TYPES,
                select=store.heartbeat_select())


def commands_topic(community_id: str, device_id: str) -> str:
    return COMMANDS_TOPIC.format(community_id=community_id, device_id=device_id)


def events_topic(community_id: str, device_id: str) -> str:
    return TOPIC_FILTER.replace("+", community_id, 1).replace("+", device_id, 1)


@dataclass(frozen=True)
class Routed:
    """A message one rule takes: ``event`` is that rule's SELECT output (the payload's fields,
    then ``community_id``, ``device_id`` and ``received_ms``, which the topic and clock decide)."""

    action: Action
    payload: dict[str, Any]
    event: dict[str, Any]

    @property
    def community_id(self) -> str:
        return str(self.event["community_id"])

    @property
    def device_id(self) -> str:
        return str(self.event["device_id"])

    @property
    def received_ms(self) -> int:
        return int(self.event["received_ms"])

    @property
    def type(self) -> str:
        return str(self.payload["type"])


@dataclass(frozen=True)
class Refused:
    reason: Reason


def topic_ids(topic: str) -> tuple[str, str] | None:
    """(community_id, device_id) of an events topic, or None when it is not one. Empty levels,
    which the filter's ``+`` would match, name no community or device and are refused."""
    levels = topic.split("/")
    if len(levels) != 5 or levels[0] != TOPIC_ROOT or levels[2] != "devices" \
            or levels[4] != "events":
        return None
    community_id, device_id = levels[1], levels[3]
    if not community_id or not device_id or "+" in topic or "#" in topic:
        return None
    return community_id, device_id


ACTIONS = {kind: action for action, kinds in ((Action.SAFETY, SAFETY_TYPES),
                                              (Action.TELEMETRY, TELEMETRY_TYPES),
                                              (Action.HEARTBEAT, HEARTBEAT_TYPES))
           for kind in kinds}


def route(topic: str, payload: bytes, received_ms: int) -> Routed | Refused:
    """Which action takes a message published on ``topic`` at ``received_ms``, as the rules
    decide; never raises."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        return Refused(Reason.TOO_LARGE)
    ids = topic_ids(topic)
    if ids is None:
        return Refused(Reason.MALFORMED_TOPIC)
    try:
        document = json.loads(payload)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return Refused(Reason.NOT_JSON)
    if not isinstance(document, dict):
        return Refused(Reason.NOT_AN_OBJECT)
    kind = document.get("type")
    action = ACTIONS.get(kind) if isinstance(kind, str) else None
    if action is None:
        return Refused(Reason.UNKNOWN_TYPE)
    community_id, device_id = ids
    event = {k: v for k, v in document.items() if k not in TOPIC_FIELDS}
    event |= {"community_id": community_id, "device_id": device_id, "received_ms": received_ms}
    return Routed(action=action, payload=document, event=event)
