"""PM2.5 readings: the hysteresis step (``hysteresis``) on the sensor's stored state, then the
sprayer commands it calls for, at once, and the alarm. Readings of one sensor arrive in order
(Kinesis partition key = device); the state is written conditionally on its version all the same,
together with the reading's ``seq``, so that a reading delivered again is applied once."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.core.errors import ConflictError
from chalicelib.core.timeutil import iso, parse_iso
from chalicelib.devices import alarms, commands, hysteresis, rules, store
from chalicelib.devices.models import Device
from chalicelib.devices.policies import get_policy
from chalicelib.devices.policy import Pm25Policy

ATTEMPTS = 3


def thresholds(policy: Pm25Policy) -> hysteresis.Thresholds:
    return hysteresis.Thresholds(activate=policy.activate_ugm3, clear=policy.clear_ugm3,
                                 consecutive=policy.consecutive, run_s=policy.spray_duration_s)


def reading(device: Device, message: Any, at: datetime, window: timedelta) -> dict[str, Any]:
    """Apply one reading unless it was applied already (then ``{"duplicate": True}``;
    ``window``: how long a ``seq`` is remembered). The commands go first, then the alarm, then
    the state is saved: if saving fails the reading is processed again, and a command sent twice
    is harmless. Raises ConflictError when the state kept changing under it."""
    policy = get_policy(device.community_id).pm25
    limits = thresholds(policy)
    value = float(message.value_ugm3)
    window_ms = int(window.total_seconds() * 1000)
    for _ in range(ATTEMPTS):
        item = store.pm25_state(device.device_id)
        if hysteresis.already_applied(
                None if item.last_seq is None else int(item.last_seq),
                None if item.last_received_ms is None else int(item.last_received_ms),
                message.seq, message.received_ms, window_ms):
            return {"duplicate": True}
        state = hysteresis.State(
            highs=int(item.highs or 0), active=bool(item.active),
            started_at=parse_iso(item.started_at) if item.started_at else None)
        result = hysteresis.step(state, value, at, limits)
        summary = _act(device, result, value, at, policy)
        values = {"highs": result.state.highs, "active": result.state.active,
                  "started_at": iso(result.state.started_at) if result.state.started_at
                  else None}
        if store.apply_pm25_state(item, values, message.seq, message.received_ms,
                                  message.received_ms - window_ms):
            return summary
    raise ConflictError(f"PM2.5 state of {device.device_id} kept changing")


def _act(device: Device, result: hysteresis.Step, value: float, at: datetime,
         policy: Pm25Policy) -> dict[str, Any]:
    summary: dict[str, Any] = {"value_ugm3": value, "action": result.action,
                               "active": result.state.active, "highs": result.state.highs}
    detail = {"value_ugm3": value}
    if result.action in ("start", "renew"):
        reason = (f"PM2.5 {value:g} µg/m³ ≥ {policy.activate_ugm3:g} for "
                  f"{policy.consecutive} readings ({device.device_id})"
                  if result.action == "start" else
                  f"PM2.5 still {value:g} µg/m³ ({device.device_id})")
        summary["commands"] = commands.send(device.community_id, _actuators(device),
                                            commands.SPRAY_START, policy.spray_duration_s,
                                            reason)
    elif result.action == "stop":
        reason = f"PM2.5 {value:g} µg/m³ < {policy.clear_ugm3:g} ({device.device_id})"
        summary["commands"] = commands.send(device.community_id, _actuators(device),
                                            commands.SPRAY_STOP, 0, reason)
    if result.action == "stop":
        cleared = alarms.clear_by_condition(device.device_id, rules.AIR_QUALITY, at,
                                            rules.CLEARED_BY_DEVICE)
        summary["alarm_id"] = cleared.alarm_id if cleared else None
    elif result.state.active and result.high:
        raised = alarms.raise_alarm(device, rules.AIR_QUALITY, at, detail)
        summary["alarm_id"] = raised.alarm.alarm_id
    return summary


def _actuators(device: Device) -> list[str]:
    return [str(a) for a in device.actuators or []]
