"""Device messages validated with powertools Parser: one model per event type."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.devices import messages
from chalicelib.devices.messages import BadMessageError, parse_message

SHA = "ab" * 32


def event(type_: str, **fields: Any) -> dict[str, Any]:
    return {"type": type_, "ts": "2026-11-02T08:00:00Z", "seq": 7, "community_id": "jinxiu",
            "device_id": "mh-1", "received_ms": 1_793_606_400_000, **fields}


@pytest.mark.parametrize(("type_", "fields", "model"), [
    ("manhole.displaced", {"tilt_deg": 12.5}, messages.ManholeDisplaced),
    ("manhole.restored", {}, messages.ManholeRestored),
    ("throw.detected", {"estimated_floor": 12, "trajectory": [[0, 30.5, 0], [1, 0, 900]],
                        "evidence": [{"s3_key": "devices/cam-1/a.jpg", "sha256": SHA,
                                      "captured_at": "2026-11-02T07:59:59.500Z"}]},
     messages.ThrowDetected),
    ("pm25.reading", {"value_ugm3": 80}, messages.Pm25Reading),
    ("movement.abnormal", {"kind": "loitering", "count": 3}, messages.MovementAbnormal),
    ("heartbeat", {"battery": 88}, messages.Heartbeat),
])
def test_every_event_type_parses_to_its_model(type_: str, fields: dict[str, Any],
                                               model: type[Any]) -> None:
    parsed: Any = parse_message(event(type_, **fields))
    assert isinstance(parsed, model)
    assert parsed.seq == 7 and parsed.device_id == "mh-1"
    assert not hasattr(parsed, "battery")


@pytest.mark.parametrize(("payload", "field"), [
    ({"type": "manhole.displaced"}, "tilt_deg"),
    ({"type": "manhole.displaced", "tilt_deg": 400}, "tilt_deg"),
    ({"type": "pm25.reading", "value_ugm3": "80"}, "value_ugm3"),
    ({"type": "pm25.reading", "value_ugm3": -1}, "value_ugm3"),
    ({"type": "pm25.reading", "value_ugm3": 80, "seq": True}, "seq"),
    ({"type": "pm25.reading", "value_ugm3": 80, "seq": "7"}, "seq"),
    ({"type": "pm25.reading", "value_ugm3": 80, "ts": "yesterday"}, "ts"),
    ({"type": "pm25.reading", "value_ugm3": 80, "ts": "2026-11-02T08:00:00"}, "ts"),
    ({"type": "movement.abnormal", "kind": "", "count": 1}, "kind"),
    ({"type": "throw.detected", "estimated_floor": 0}, "estimated_floor"),
    ({"type": "throw.detected", "estimated_floor": 3, "trajectory": [[1, 2]]}, "trajectory"),
    ({"type": "throw.detected", "estimated_floor": 3,
      "evidence": [{"s3_key": "devices/../x", "sha256": SHA, "captured_at":
                    "2026-11-02T08:00:00Z"}]}, "s3_key"),
    ({"type": "throw.detected", "estimated_floor": 3,
      "evidence": [{"s3_key": "devices/cam-1/a.jpg", "sha256": "xyz",
                    "captured_at": "2026-11-02T08:00:00Z"}]}, "sha256"),
    ({"type": "rocket.launched"}, "(message)"),
])
def test_bad_payloads_name_the_field(payload: dict[str, Any], field: str) -> None:
    merged = event(payload.pop("type"))
    merged.update(payload)
    with pytest.raises(BadMessageError) as info:
        parse_message(merged)
    assert any(field in f for f in info.value.fields), info.value.fields


def test_topic_fields_are_required_and_checked() -> None:
    for name in ("community_id", "device_id", "received_ms"):
        broken = event("heartbeat")
        del broken[name]
        with pytest.raises(BadMessageError):
            parse_message(broken)
    with pytest.raises(BadMessageError):
        parse_message(event("heartbeat", device_id="a/b"))
    with pytest.raises(BadMessageError):
        parse_message(["not", "an", "object"])


def test_hashes_are_compared_in_lower_case() -> None:
    parsed = parse_message(event("throw.detected", estimated_floor=2, evidence=[
        {"s3_key": "devices/cam-1/a.jpg", "sha256": SHA.upper(),
         "captured_at": "2026-11-02T08:00:00Z"}]))
    assert parsed.evidence[0].sha256 == SHA


def test_alarm_times_are_when_iot_core_received_the_message() -> None:
    parsed = parse_message(event("heartbeat", ts="2020-01-01T00:00:00Z"))
    assert messages.sent_at(parsed).isoformat() == "2026-11-02T08:00:00+00:00"


def test_every_routed_type_has_a_model_and_senders() -> None:
    from chalicelib.devices import topics

    assert set(topics.EVENT_TYPES) == messages.SAFETY_TYPES | messages.TELEMETRY_TYPES
    assert set(topics.SAFETY_TYPES) == messages.SAFETY_TYPES
    assert set(messages.SENT_BY) == set(topics.EVENT_TYPES) - {"heartbeat"}
