"""One device message from a topic rule, whichever way it came (the safety Lambda, the
telemetry stream): validated, checked against the registry, processed once per (device, seq).

A refused message (bad payload, unknown device, a topic community other than the registry's, an
event its type of device does not send) changes nothing: it is logged and counted by reason
(metric ``DeviceMessageRefused``) and the handler returns normally, so nothing retries it.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.core import observability
from chalicelib.devices import alarms, evidence, known, messages, rules, store
from chalicelib.devices.models import Device

REFUSED_METRIC = "DeviceMessageRefused"
DUPLICATE_WINDOW = timedelta(hours=24)
"""How long a (device, seq) is remembered: a device keeps ``seq`` increasing across reboots."""


def refuse(reason: str, event: Any, **extra: Any) -> dict[str, Any]:
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    fields = event if isinstance(event, dict) else {}
    observability.logger().warning("device message refused", extra={
        "reason": reason, "community_id": str(fields.get("community_id"))[:64],
        "device_id": str(fields.get("device_id"))[:64], "type": str(fields.get("type"))[:40],
        **extra})
    with single_metric(name=REFUSED_METRIC, unit=MetricUnit.Count, value=1,
                       namespace=observability.metrics().namespace) as metric:
        metric.add_dimension(name="reason", value=reason)
    return {"refused": reason}


def handle(event: Any) -> dict[str, Any]:
    """Process one message; returns a small summary. Raises only when processing failed (the
    claim on its seq is then released so that a redelivery is processed)."""
    try:
        message = messages.parse_message(event)
    except messages.BadMessageError as err:
        return refuse("bad_payload", event, fields=err.fields[:10])
    device = known.registered(message.device_id)
    if device is None:
        return refuse("unknown_device", event)
    if device.community_id != message.community_id:
        return refuse("community_mismatch", event)
    senders = messages.SENT_BY.get(message.type)
    if senders is not None and device.type not in senders:
        return refuse("wrong_device_type", event)
    at = messages.sent_at(message)
    if message.type == "heartbeat":
        store.touch(device.community_id, device.device_id, message.received_ms, "heartbeat")
        return {"device_id": device.device_id, "type": message.type}
    if message.type == "pm25.reading":
        return _reading(device, message, at)
    if not store.claim_message(device.device_id, message.seq, at + DUPLICATE_WINDOW):
        observability.add_metric("DeviceMessageDuplicate")
        return {"device_id": device.device_id, "type": message.type, "duplicate": True}
    try:
        store.touch(device.community_id, device.device_id, message.received_ms, message.type)
        summary = _process(device, message, at)
    except Exception:
        store.release_message(device.device_id, message.seq)
        raise
    return {"device_id": device.device_id, "type": message.type, **summary}


def _reading(device: Device, message: Any, at: datetime) -> dict[str, Any]:
    """A reading is claimed by the state write that applies it (``air``), not by a claim of its
    own; its sign of life is recorded once the sprayers have their commands."""
    from chalicelib.devices import air

    summary = air.reading(device, message, at, DUPLICATE_WINDOW)
    if summary.get("duplicate"):
        observability.add_metric("DeviceMessageDuplicate")
    else:
        store.touch(device.community_id, device.device_id, message.received_ms, message.type)
    return {"device_id": device.device_id, "type": message.type, **summary}


def _raised(result: alarms.Raised) -> dict[str, Any]:
    return {"alarm_id": result.alarm.alarm_id, "new_alarm": result.new,
            "count": int(result.alarm.occurrences), "ticket_id": result.alarm.ticket_id,
            "ticket": result.ticket}


def _process(device: Device, message: Any, at: datetime) -> dict[str, Any]:
    kind = message.type
    if kind == "manhole.displaced":
        return _raised(alarms.raise_alarm(device, rules.MANHOLE, at,
                                          {"tilt_deg": message.tilt_deg}))
    if kind == "manhole.restored":
        gone = alarms.condition_gone(device, rules.MANHOLE, at)
        return {"alarm_id": gone.alarm_id if gone else None}
    if kind == "throw.detected":
        found = evidence.collect(device.device_id, message.evidence)
        detail = {"estimated_floor": message.estimated_floor,
                  "trajectory_points": len(message.trajectory)}
        return _raised(alarms.raise_alarm(device, rules.THROWN_OBJECT, at, detail, found))
    if kind == "movement.abnormal":
        return _raised(alarms.raise_alarm(device, rules.MOVEMENT, at,
                                          {"kind": message.kind, "count": message.count}))
    raise AssertionError(f"unhandled device message type {kind}")
