"""The device registry (SPEC 6): admins register devices; staff read those they reach, each with
its online/offline status from its last sign of life on its own community's topic."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.core.errors import ConflictError, InvalidInputError, NotFoundError
from chalicelib.core.paging import decode_cursor, encode_cursor
from chalicelib.core.timeutil import iso, parse_iso, utcnow
from chalicelib.devices import access, known, rules, store
from chalicelib.devices.models import Device, Heartbeat, PointAttribute
from chalicelib.devices.policies import get_policy
from chalicelib.devices.policy import DevicePolicyDoc
from chalicelib.directory import service as directory
from chalicelib.identity.caller import Caller

if TYPE_CHECKING:
    from chalicelib.devices import schemas as docs

ONLINE, OFFLINE = "online", "offline"
MAX_EXAMINED_PAGES = 10


@dataclass(frozen=True)
class DeviceState:
    device: Device
    status: str
    last_seen: str | None


@dataclass(frozen=True)
class DevicePage:
    items: list[DeviceState]
    next_cursor: str | None


def status_of(beat: Heartbeat | None, policy: DevicePolicyDoc, device_type: str,
              now: datetime) -> str:
    """Online while the last sign of life is recent enough for its type."""
    if beat is None:
        return OFFLINE
    silent = rules.silent(parse_iso(beat.last_seen), now, policy.offline_after_s(device_type))
    return OFFLINE if silent else ONLINE


def states(devices: list[Device], now: datetime | None = None) -> list[DeviceState]:
    """The devices with their status (one batch read of their signs of life)."""
    now = now or utcnow()
    beats = store.heartbeats((d.device_id, d.community_id) for d in devices)
    policies: dict[str, DevicePolicyDoc] = {}
    found = []
    for device in devices:
        policy = policies.get(device.community_id) or policies.setdefault(
            device.community_id, get_policy(device.community_id))
        beat = beats.get(device.device_id)
        found.append(DeviceState(device, status_of(beat, policy, device.type, now),
                                 beat.last_seen if beat else None))
    return found


def _field_error(field: str, message: str) -> InvalidInputError:
    return InvalidInputError(message, [{"field": field, "message": message}])


def register_device(caller: Caller, community_id: str, doc: docs.NewDevice,
                    now: datetime | None = None) -> DeviceState:
    """Register a device of a community: admins only. Its estate must be of the community, its
    building of the estate, and its actuators (PM2.5 sensors only) registered sprayers of the
    same community. A new device has ``offline_after`` to be heard before it shows offline.
    Raises ForbiddenError, NotFoundError, InvalidInputError, ConflictError (id taken)."""
    caller.require("admin")
    directory.get_community(community_id)
    try:
        estate = directory.get_estate(doc.estate_id)
    except NotFoundError:
        estate = None
    if estate is None or estate.community_id != community_id:
        raise _field_error("estate_id", f"no estate {doc.estate_id} in {community_id}")
    grid_id = None
    if doc.building is not None:
        building = directory.find_building(doc.estate_id, doc.building)
        if building is None:
            raise _field_error("building", f"no building {doc.building} in {doc.estate_id}")
        grid_id = building.grid_id
    _check_actuators(community_id, doc)
    now = now or utcnow()
    device = store.new_device(
        device_id=doc.device_id, type=doc.type, community_id=community_id,
        estate_id=doc.estate_id, building=doc.building, grid_id=grid_id,
        location=PointAttribute(lat=doc.location.lat, lon=doc.location.lon), zone=doc.zone,
        actuators=list(doc.actuators), registered_at=iso(now))
    registered = store.register(device, int(now.timestamp() * 1000))
    known.forget(doc.device_id)
    if not registered:
        raise ConflictError(f"device {doc.device_id} is registered already")
    return DeviceState(device, ONLINE, iso(now))


def _check_actuators(community_id: str, doc: docs.NewDevice) -> None:
    if not doc.actuators:
        return
    if doc.type != "pm25_sensor":
        raise _field_error("actuators", "only PM2.5 sensors drive actuators")
    found = store.devices(doc.actuators)
    details = [{"field": f"actuators.{i}",
                "message": f"{a} is not a registered sprayer of {community_id}"}
               for i, a in enumerate(doc.actuators)
               if a not in found or found[a].type != "sprayer"
               or found[a].community_id != community_id]
    if details:
        raise InvalidInputError("actuators must be registered sprayers of the community",
                                details)


def get_device(caller: Caller, device_id: str) -> DeviceState:
    """A device the caller reaches. Raises ForbiddenError (not staff), NotFoundError."""
    caller.require(*access.STAFF)
    device = store.get_device(device_id)
    if device is None:
        raise NotFoundError(f"device {device_id} not found")
    reach = access.reach_of(directory.load_scope(caller), device.community_id)
    if not reach.covers(device.estate_id, device.grid_id):
        raise NotFoundError(f"device {device_id} not found")
    return states([device])[0]


def list_devices(caller: Caller, community_id: str, query: docs.DeviceQuery) -> DevicePage:
    """Devices of a community that the caller reaches, in id order, with optional type and
    estate filters. Raises ForbiddenError, NotFoundError, InvalidInputError (bad cursor)."""
    reach = access.community_reach(caller, community_id)
    after = store.device_after(decode_cursor(query.cursor)) if query.cursor else None
    found: list[Device] = []
    examined = 0
    for device in store.devices_of_community(community_id, after, query.limit):
        examined += 1
        after = device.device_id
        if reach.covers(device.estate_id, device.grid_id) and _matches(device, query):
            found.append(device)
        if len(found) == query.limit or examined >= query.limit * MAX_EXAMINED_PAGES:
            return DevicePage(states(found), encode_cursor(store.device_position(after)))
    return DevicePage(states(found), None)


def _matches(device: Device, query: docs.DeviceQuery) -> bool:
    return (query.type is None or device.type == query.type) and (
        query.estate_id is None or device.estate_id == query.estate_id)


def all_devices(community_id: str, limit: int) -> list[Device]:
    """Up to ``limit`` devices of a community (the map)."""
    found = []
    for device in store.devices_of_community(community_id, None, min(limit, 500)):
        found.append(device)
        if len(found) >= limit:
            break
    return found
