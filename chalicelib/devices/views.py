"""Devices, alarms and evidence as staff see them: evidence shows the stripped copy only, by
short-lived URL, with the original's hash and capture time, never the original."""
from __future__ import annotations

from typing import Any

from chalicelib.core import clients
from chalicelib.core.config import get_settings
from chalicelib.devices.alarms import AlarmPage
from chalicelib.devices.models import Alarm
from chalicelib.devices.registry import DevicePage, DeviceState


def point(location: Any) -> dict[str, float]:
    return {"lat": float(location.lat), "lon": float(location.lon)}


def device_view(state: DeviceState) -> dict[str, Any]:
    d = state.device
    return {
        "device_id": d.device_id, "type": d.type, "community_id": d.community_id,
        "estate_id": d.estate_id, "building": d.building, "grid_id": d.grid_id,
        "location": point(d.location), "zone": d.zone, "actuators": list(d.actuators or []),
        "status": state.status, "last_seen": state.last_seen, "registered_at": d.registered_at,
    }


def device_page_view(page: DevicePage) -> dict[str, Any]:
    return {"items": [device_view(s) for s in page.items], "next_cursor": page.next_cursor}


def _media_url(key: str | None) -> str | None:
    if not key:
        return None
    settings = get_settings()
    url: str = clients.s3().generate_presigned_url(
        "get_object", Params={"Bucket": settings.media_bucket, "Key": key},
        ExpiresIn=settings.url_ttl_s)
    return url


def evidence_view(entry: Any) -> dict[str, Any]:
    e = entry.as_dict() if hasattr(entry, "as_dict") else dict(entry)
    return {
        "sha256": e["sha256"], "captured_at": e.get("captured_at"), "device_id": e["device_id"],
        "verified": bool(e.get("verified")), "problem": e.get("problem"),
        "url": _media_url(e.get("display_key")),
        "thumbnail_url": _media_url(e.get("thumbnail_key")),
    }


def alarm_view(alarm: Alarm) -> dict[str, Any]:
    detail = alarm.detail.as_dict() if hasattr(alarm.detail, "as_dict") else dict(
        alarm.detail or {})
    return {
        "alarm_id": alarm.alarm_id, "community_id": alarm.community_id,
        "device_id": alarm.device_id, "device_type": alarm.device_type, "type": alarm.type,
        "severity": alarm.severity, "status": alarm.status, "latched": bool(alarm.latched),
        "acknowledged": alarm.acknowledged_at is not None, "count": int(alarm.occurrences),
        "first_seen": alarm.first_seen, "last_seen": alarm.last_seen,
        "ticket_id": alarm.ticket_id,
        "evidence": [evidence_view(e) for e in alarm.evidence or []],
        "estate_id": alarm.estate_id, "building": alarm.building, "zone": alarm.zone,
        "location": point(alarm.location), "detail": _plain(detail),
        "acknowledged_at": alarm.acknowledged_at, "acknowledged_by": alarm.acknowledged_by,
        "condition_gone_at": alarm.condition_gone_at, "cleared_at": alarm.cleared_at,
        "cleared_by": alarm.cleared_by, "note": alarm.note,
    }


def _plain(value: Any) -> Any:
    """Numbers read back from DynamoDB as ints or floats."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def alarm_page_view(page: AlarmPage) -> dict[str, Any]:
    return {"items": [alarm_view(a) for a in page.items], "next_cursor": page.next_cursor}
