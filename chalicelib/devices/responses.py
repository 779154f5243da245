"""Response documents of the device context (pydantic, extra="forbid"): the OpenAPI document is
built from them and the integration tests validate real answers against them."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from chalicelib.core.documents import View
from chalicelib.devices.schemas import AlarmStatus, DeviceType

AlarmType = Literal["manhole", "thrown_object", "abnormal_movement", "air_quality", "offline"]
Severity = Literal["critical", "major", "minor", "warning"]


class Point(View):
    lat: float
    lon: float


class DeviceView(View):
    device_id: str
    type: DeviceType
    community_id: str
    estate_id: str
    building: str | None
    grid_id: str | None
    location: Point
    zone: str | None
    actuators: list[str]
    status: Literal["online", "offline"] = Field(
        description="offline once silent for offline_after_intervals heartbeat intervals")
    last_seen: str | None = Field(description="its last sign of life (registration at first)")
    registered_at: str


class DeviceList(View):
    items: list[DeviceView]
    next_cursor: str | None


class EvidenceView(View):
    sha256: str = Field(description="SHA-256 the camera gave for its original")
    captured_at: str | None
    device_id: str
    verified: bool = Field(description="the original in the evidence bucket has that hash")
    problem: str | None = Field(description="why no copy is shown (sha256_mismatch, missing, "
                                            "foreign_key, too_large, or an image refusal)")
    url: str | None = Field(description="short-lived URL of the stripped copy")
    thumbnail_url: str | None


class AlarmView(View):
    alarm_id: str
    community_id: str
    device_id: str
    device_type: DeviceType
    type: AlarmType
    severity: Severity
    status: AlarmStatus
    latched: bool = Field(description="only staff clear it (safety alarms)")
    acknowledged: bool
    count: int
    first_seen: str
    last_seen: str
    ticket_id: str | None
    evidence: list[EvidenceView]
    estate_id: str
    building: str | None
    zone: str | None
    location: Point
    detail: dict[str, Any] = Field(description="what the last event reported")
    acknowledged_at: str | None
    acknowledged_by: str | None = Field(description="the role of who acknowledged it")
    condition_gone_at: str | None = Field(description="when the device reported it over")
    cleared_at: str | None
    cleared_by: str | None = Field(description="a staff role, device or watch")
    note: str | None


class AlarmList(View):
    items: list[AlarmView]
    next_cursor: str | None


class PointGeometry(View):
    type: Literal["Point"]
    coordinates: list[float] = Field(min_length=2, max_length=2, description="[lon, lat]")


class FeatureProperties(View):
    kind: Literal["ticket", "device", "alarm"]
    id: str
    status: str
    category: str | None = None
    source: str | None = None
    type: str | None = None
    severity: str | None = None
    device_id: str | None = None
    estate_id: str | None = None
    building: str | None = None
    zone: str | None = None
    count: int | None = None
    acknowledged: bool | None = None
    ticket_id: str | None = None
    created_at: str | None = None
    first_seen: str | None = None
    last_seen: str | None = None


class Feature(View):
    type: Literal["Feature"]
    id: str
    geometry: PointGeometry | None
    properties: FeatureProperties


class FeatureCollection(View):
    """RFC 7946. ``truncated`` (a foreign member) says a kind had more features than a map
    carries."""

    type: Literal["FeatureCollection"]
    features: list[Feature]
    truncated: bool
