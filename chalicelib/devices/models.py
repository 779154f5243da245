"""The device context's PynamoDB models. Their keys and indexes are built by ``devices.store``,
which documents the layout. No model holds personal data: staff acts are recorded by role."""
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)

from chalicelib.core.db import BaseModel, gsi


class PointAttribute(MapAttribute[str, float]):
    """A WGS-84 point."""

    lat = NumberAttribute()
    lon = NumberAttribute()


class Device(BaseModel):
    """A registered device (the registry, SPEC 6). ``offline_since`` is set by the watch while
    the device is silent (it then sits in the sparse offline index)."""

    device_id = UnicodeAttribute()
    type = UnicodeAttribute()
    community_id = UnicodeAttribute()
    estate_id = UnicodeAttribute()
    building = UnicodeAttribute(null=True)
    grid_id = UnicodeAttribute(null=True)
    location = PointAttribute()
    zone = UnicodeAttribute(null=True)
    actuators = ListAttribute(of=UnicodeAttribute, default=list)
    registered_at = UnicodeAttribute()
    offline_since = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    by_community = gsi("gsi1")
    by_offline = gsi("gsi2")


class DeviceCommunity(BaseModel):
    """A community that has devices: the watch visits each."""

    community_id = UnicodeAttribute()


class Heartbeat(BaseModel):
    """The last sign of life of a device on one community's topic (see ``store``)."""

    device_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    kind = UnicodeAttribute(null=True)
    last_seen = UnicodeAttribute()
    received_ms = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    by_seen = gsi("gsi3")


class SeenMessage(BaseModel):
    """A (device, seq) already processed; expires after the duplicate window."""

    expires_at = TTLAttribute()


class EvidenceAttribute(MapAttribute[str, Any]):
    s3_key = UnicodeAttribute()
    sha256 = UnicodeAttribute()
    captured_at = UnicodeAttribute(null=True)
    device_id = UnicodeAttribute()
    verified = BooleanAttribute()
    actual_sha256 = UnicodeAttribute(null=True)
    problem = UnicodeAttribute(null=True)
    display_key = UnicodeAttribute(null=True)
    thumbnail_key = UnicodeAttribute(null=True)
    width = NumberAttribute(null=True)
    height = NumberAttribute(null=True)


class Alarm(BaseModel):
    """An alarm of one device and type. At most one is active per (device, type): its slot item
    (``ActiveAlarm``) is created in the same transaction, on the condition that none exists."""

    alarm_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    device_id = UnicodeAttribute()
    device_type = UnicodeAttribute()
    type = UnicodeAttribute()
    severity = UnicodeAttribute()
    status = UnicodeAttribute()
    latched = BooleanAttribute(default=False)
    occurrences = NumberAttribute(default=1, attr_name="count")
    first_seen = UnicodeAttribute()
    last_seen = UnicodeAttribute()
    estate_id = UnicodeAttribute()
    building = UnicodeAttribute(null=True)
    grid_id = UnicodeAttribute(null=True)
    zone = UnicodeAttribute(null=True)
    location = PointAttribute()
    ticket_id = UnicodeAttribute(null=True)
    detail: MapAttribute[str, Any] = MapAttribute(default=dict)
    evidence = ListAttribute(of=EvidenceAttribute, default=list)
    acknowledged_at = UnicodeAttribute(null=True)
    acknowledged_by = UnicodeAttribute(null=True)
    condition_gone_at = UnicodeAttribute(null=True)
    cleared_at = UnicodeAttribute(null=True)
    cleared_by = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_community = gsi("gsi1")


class ActiveAlarm(BaseModel):
    """The slot of the active alarm of one (device, type)."""

    alarm_id = UnicodeAttribute()


class ClearedAlarm(BaseModel):
    """The last cleared alarm of one (device, type) and its ticket, for a repeat soon after."""

    alarm_id = UnicodeAttribute()
    ticket_id = UnicodeAttribute(null=True)
    cleared_at = UnicodeAttribute()
    expires_at = TTLAttribute()


class Pm25State(BaseModel):
    """The hysteresis state of one PM2.5 sensor, with the last reading applied to it (its
    ``seq`` and when IoT received it): written together, so a reading is applied once."""

    highs = NumberAttribute(default=0)
    active = BooleanAttribute(default=False)
    started_at = UnicodeAttribute(null=True)
    last_seq = NumberAttribute(null=True)
    last_received_ms = NumberAttribute(null=True)
    version = VersionAttribute()


class DevicePolicy(BaseModel):
    """A community's device policy document (JSON)."""

    community_id = UnicodeAttribute()
    document = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    updated_by_role = UnicodeAttribute()
