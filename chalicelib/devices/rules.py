"""Pure decisions about device alarms: what each alarm type is, who may clear it, when a repeat
reopens the ticket of a cleared alarm, and when a device is silent."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

DEVICE_TYPES = ("manhole_sensor", "pm25_sensor", "sprayer", "throw_camera", "movement_sensor")
ACTIVE, CLEARED = "active", "cleared"
ALARM_STATUSES = (ACTIVE, CLEARED)
MANHOLE, THROWN_OBJECT, MOVEMENT, AIR_QUALITY, OFFLINE = (
    "manhole", "thrown_object", "abnormal_movement", "air_quality", "offline")
SEVERITIES = ("critical", "major", "minor", "warning")
CLEARED_BY_DEVICE = "device"
CLEARED_BY_WATCH = "watch"


@dataclass(frozen=True)
class AlarmKind:
    severity: str
    latched: bool
    ticket: bool
    """Whether the alarm opens a ticket (its category is the alarm type)."""


KINDS: dict[str, AlarmKind] = {
    MANHOLE: AlarmKind("critical", latched=True, ticket=True),
    THROWN_OBJECT: AlarmKind("critical", latched=True, ticket=True),
    MOVEMENT: AlarmKind("major", latched=True, ticket=True),
    AIR_QUALITY: AlarmKind("warning", latched=False, ticket=False),
    OFFLINE: AlarmKind("minor", latched=False, ticket=False),
}
ALARM_TYPES = tuple(KINDS)
EVENT_ALARMS = {"manhole.displaced": MANHOLE, "throw.detected": THROWN_OBJECT,
                "movement.abnormal": MOVEMENT}


def opens_ticket(alarm_type: str, air_quality_tickets: bool) -> bool:
    """Safety alarms open a ticket at once; air quality only when the policy says so."""
    if alarm_type == AIR_QUALITY:
        return air_quality_tickets
    return KINDS[alarm_type].ticket


def ticket_id_for(alarm_id: str) -> str:
    """The ticket an alarm opens has an id derived from the alarm's, so that opening it again
    after a failure finds the same ticket."""
    return "tk_" + alarm_id.split("_", 1)[-1]


def may_clear(latched: bool, by_staff: bool) -> bool:
    """Latched alarms are cleared by staff only; the others also by their condition going."""
    return by_staff or not latched


def reopens_ticket(cleared_at: datetime, at: datetime, window_h: int) -> bool:
    """Whether an alarm raised at ``at`` takes over the ticket of one cleared at
    ``cleared_at`` (an event received before the clear but processed after it does too)."""
    return at - cleared_at <= timedelta(hours=window_h)


def silent(last_seen: datetime, now: datetime, offline_after_s: int) -> bool:
    return (now - last_seen).total_seconds() > offline_after_s


def describe(alarm_type: str, device_id: str, zone: str | None, detail: dict[str, Any]) -> str:
    """The description of the ticket an alarm opens (Chinese, as residents' tickets are)."""
    where = f"（设备 {device_id}{'，' + zone if zone else ''}）"
    if alarm_type == MANHOLE:
        return f"井盖位移，倾角 {detail.get('tilt_deg')}°{where}"
    if alarm_type == THROWN_OBJECT:
        return f"高空抛物，估计楼层 {detail.get('estimated_floor')}{where}"
    if alarm_type == MOVEMENT:
        return f"异常行为：{detail.get('kind')} × {detail.get('count')}{where}"
    if alarm_type == AIR_QUALITY:
        return f"PM2.5 超标：{detail.get('value_ugm3')} µg/m³{where}"
    return f"设备离线{where}"


def repeat_note(alarm_type: str, device_id: str, detail: dict[str, Any]) -> str:
    return "设备再次报警：" + describe(alarm_type, device_id, None, detail)
