"""A community's device policy (what ``GET|PUT /communities/{id}/device-policy`` carry): the
PM2.5 thresholds and sprayer run, heartbeat intervals per device type, when a silent device is
offline and how long after a clear a repeat reopens the same ticket. Pure data and checks."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from chalicelib.core.documents import Document

DEFAULT_HEARTBEAT_S = 300
HeartbeatSeconds = Annotated[int, Field(ge=1, le=86400)]


class Pm25Policy(Document):
    activate_ugm3: float = Field(default=75, gt=0, le=1000, allow_inf_nan=False,
                                 description="readings at or above this count as high")
    clear_ugm3: float = Field(default=65, gt=0, le=1000, allow_inf_nan=False,
                              description="a reading below this clears an active alarm")
    consecutive: int = Field(default=3, ge=1, le=100,
                             description="high readings in a row that activate the alarm")
    spray_duration_s: int = Field(default=900, ge=10, le=7200,
                                  description="duration_s of spray.start; renewed while high")
    open_ticket: bool = Field(default=False,
                              description="whether an air-quality alarm also opens a ticket")

    @model_validator(mode="after")
    def _clear_below_activate(self) -> Pm25Policy:
        if self.clear_ugm3 >= self.activate_ugm3:
            raise ValueError("clear_ugm3 must be below activate_ugm3 (hysteresis)")
        return self


class HeartbeatPolicy(Document):
    """The interval, in seconds, at which each type of device sends a heartbeat."""

    manhole_sensor: HeartbeatSeconds = DEFAULT_HEARTBEAT_S
    pm25_sensor: HeartbeatSeconds = DEFAULT_HEARTBEAT_S
    sprayer: HeartbeatSeconds = DEFAULT_HEARTBEAT_S
    throw_camera: HeartbeatSeconds = DEFAULT_HEARTBEAT_S
    movement_sensor: HeartbeatSeconds = DEFAULT_HEARTBEAT_S


class DevicePolicyDoc(Document):
    pm25: Pm25Policy = Field(default_factory=Pm25Policy)
    heartbeat_s: HeartbeatPolicy = Field(default_factory=HeartbeatPolicy)
    offline_after_intervals: int = Field(
        default=3, ge=1, le=100, description="silent for this many intervals: offline")
    reopen_window_h: int = Field(
        default=24, ge=0, le=720,
        description="a repeat within this many hours of a clear reopens the same ticket")

    def heartbeat_interval_s(self, device_type: str) -> int:
        return int(getattr(self.heartbeat_s, device_type, DEFAULT_HEARTBEAT_S))

    def offline_after_s(self, device_type: str) -> int:
        """Silence after which a device of ``device_type`` is offline."""
        return self.offline_after_intervals * self.heartbeat_interval_s(device_type)

    def shortest_offline_after_s(self) -> int:
        intervals = self.heartbeat_s.model_dump().values()
        return self.offline_after_intervals * min(int(v) for v in intervals)


def default_policy() -> DevicePolicyDoc:
    return DevicePolicyDoc()
