"""Request documents of the device context (pydantic)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from chalicelib.core.documents import (
    Document,
    Id,
    Latitude,
    Longitude,
    Name,
    PageQuery,
    QueryDocument,
    ShortText,
)
from chalicelib.devices.rules import ALARM_STATUSES, DEVICE_TYPES

DeviceType = Literal[DEVICE_TYPES]  # type: ignore[valid-type]
AlarmStatus = Literal[ALARM_STATUSES]  # type: ignore[valid-type]
DeviceId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
"""A device id is its IoT thing name and a topic level: letters, digits, ``_`` and ``-``."""
MAX_ACTUATORS = 20
MAP_KINDS = ("ticket", "device", "alarm")
_KIND = "(?:" + "|".join(MAP_KINDS) + ")"
KINDS_PATTERN = rf"^ *{_KIND} *(?:, *{_KIND} *)*$"
_LON = r"-?(?:180(?:\.0+)?|(?:1[0-7][0-9]|[0-9]{1,2})(?:\.[0-9]+)?)"
_LAT = r"-?(?:90(?:\.0+)?|[0-8]?[0-9](?:\.[0-9]+)?)"
BBOX_PATTERN = rf"^{_LON},{_LAT},{_LON},{_LAT}$"


class Point(Document):
    lat: Latitude
    lon: Longitude


class NewDevice(Document):
    device_id: DeviceId
    type: DeviceType
    estate_id: Id
    building: Id | None = None
    location: Point
    zone: Name | None = None
    actuators: list[DeviceId] = Field(
        default_factory=list, max_length=MAX_ACTUATORS,
        description="sprayers a PM2.5 sensor drives: registered sprayers of the community")

    @field_validator("actuators")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("actuators must not repeat")
        return value


class DeviceQuery(PageQuery):
    type: DeviceType | None = None
    estate_id: Id | None = None


class AlarmQuery(PageQuery):
    status: AlarmStatus = "active"


class AlarmNote(Document):
    note: ShortText | None = None


def _kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(part.strip() for part in text.split(","))
    unknown = [k for k in kinds if k not in MAP_KINDS]
    if unknown or not kinds:
        raise ValueError("kind is a comma-separated list of ticket, device, alarm")
    return kinds


def _box(text: str) -> tuple[float, float, float, float]:
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError("bbox is west,south,east,north (degrees, WGS-84)")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError as err:
        raise ValueError("bbox holds four numbers") from err
    if not all(-180 <= x <= 180 for x in (west, east)) or not all(
            -90 <= y <= 90 for y in (south, north)):
        raise ValueError("bbox is out of range")
    if south > north:
        raise ValueError("bbox south is above its north")
    return west, south, east, north


class MapQuery(QueryDocument):
    kind: Annotated[str, StringConstraints(max_length=40, pattern=KINDS_PATTERN)] | None = Field(
        default=None, description="ticket, device or alarm (comma-separated for several)")
    bbox: Annotated[str, StringConstraints(max_length=100, pattern=BBOX_PATTERN)] | None = Field(
        default=None, description="west,south,east,north as RFC 7946 orders a bbox; "
                                  "west > east crosses the antimeridian")

    @field_validator("kind")
    @classmethod
    def _valid_kind(cls, value: str | None) -> str | None:
        if value is not None:
            _kinds(value)
        return value

    @field_validator("bbox")
    @classmethod
    def _valid_box(cls, value: str | None) -> str | None:
        if value is not None:
            _box(value)
        return value

    @property
    def kinds(self) -> tuple[str, ...]:
        return _kinds(self.kind) if self.kind else MAP_KINDS

    @property
    def box(self) -> tuple[float, float, float, float] | None:
        return _box(self.bbox) if self.bbox else None


__all__ = ["AlarmNote", "AlarmQuery", "DeviceQuery", "MapQuery", "NewDevice", "Point",
           "ShortText"]
