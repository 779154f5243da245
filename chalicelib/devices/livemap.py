"""The monitoring centre's map (SPEC 5): an RFC 7946 FeatureCollection of a community's open
tickets, devices (online or offline) and active alarms, each a Point ``[lon, lat]`` with
``properties.kind``, ``id`` and ``status``; filters ``kind`` and ``bbox``.

Who reads it: the staff of ``access`` (admins, the community's office, its street office: the
whole community; property staff: their estates; grid workers: their grids). A ticket without
its own coordinates takes its building's, else its estate's (else the centre of the estate's
boundary); a feature with no place at all has a null geometry and is left out by a bbox. Each
kind carries at most ``LIMITS[kind]`` features; ``truncated`` says when one had more.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.devices import access, registry, rules, store
from chalicelib.directory import geo
from chalicelib.directory import service as directory
from chalicelib.identity.caller import Caller

if TYPE_CHECKING:
    from chalicelib.devices import schemas as docs

LIMITS = {"ticket": 500, "device": 1000, "alarm": 500}
LonLat = tuple[float, float]


def in_box(lon: float, lat: float, box: tuple[float, float, float, float]) -> bool:
    """RFC 7946 5.2: a west edge greater than the east edge crosses the antimeridian."""
    west, south, east, north = box
    if not south <= lat <= north:
        return False
    return west <= lon <= east if west <= east else (lon >= west or lon <= east)


def feature(kind: str, object_id: str, where: LonLat | None, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature", "id": f"{kind}:{object_id}",
        "geometry": {"type": "Point", "coordinates": [where[0], where[1]]} if where else None,
        "properties": {"kind": kind, "id": object_id,
                       **{k: v for k, v in properties.items() if v is not None}},
    }


def community_map(caller: Caller, community_id: str, query: docs.MapQuery) -> dict[str, Any]:
    """Raises ForbiddenError (not staff), NotFoundError (out of reach)."""
    reach = access.community_reach(caller, community_id)
    features: list[dict[str, Any]] = []
    truncated = False
    makers = {"ticket": _tickets, "device": _devices, "alarm": _alarms}
    for kind in dict.fromkeys(query.kinds):
        made, more = makers[kind](caller, community_id, reach)
        truncated = truncated or more
        features += made
    box = query.box
    if box is not None:
        features = [f for f in features if f["geometry"] is not None
                    and in_box(f["geometry"]["coordinates"][0],
                              f["geometry"]["coordinates"][1], box)]
    return {"type": "FeatureCollection", "features": features, "truncated": truncated}


def _places(caller: Caller, community_id: str) -> tuple[dict[str, LonLat], dict[str, LonLat]]:
    """Points of the community's estates and of its buildings (``{estate}#{building}``)."""
    found = directory.community_directory(caller, community_id)
    estates: dict[str, LonLat] = {}
    for e in found.estates:
        if e.location is not None:
            estates[e.estate_id] = (float(e.location.lon), float(e.location.lat))
        elif e.boundary:
            lat, lon = geo.centroid(e.boundary[0])
            estates[e.estate_id] = (lon, lat)
    buildings = {f"{b.estate_id}#{b.building_id}": (float(b.location.lon), float(b.location.lat))
                 for b in found.buildings if b.location is not None}
    return estates, buildings


def _tickets(caller: Caller, community_id: str, reach: access.Reach
             ) -> tuple[list[dict[str, Any]], bool]:
    from chalicelib.tickets import store as tickets

    limit = LIMITS["ticket"]
    found = tickets.open_in_community(community_id, limit + 1)
    estates, buildings = _places(caller, community_id)
    made = []
    for t in found[:limit]:
        if not reach.covers(t.estate_id, t.grid_id):
            continue
        loc = t.location
        building = loc.building if loc is not None else None
        where: LonLat | None = None
        if loc is not None and loc.lat is not None and loc.lon is not None:
            where = (float(loc.lon), float(loc.lat))
        else:
            where = buildings.get(f"{t.estate_id}#{building}") or estates.get(t.estate_id)
        made.append(feature("ticket", t.ticket_id, where, status=t.status, category=t.category,
                            source=t.source, estate_id=t.estate_id, building=building,
                            created_at=t.created_at))
    return made, len(found) > limit


def _devices(caller: Caller, community_id: str, reach: access.Reach
             ) -> tuple[list[dict[str, Any]], bool]:
    limit = LIMITS["device"]
    found = registry.all_devices(community_id, limit + 1)
    visible = [d for d in found[:limit] if reach.covers(d.estate_id, d.grid_id)]
    made = [feature("device", s.device.device_id,
                    (float(s.device.location.lon), float(s.device.location.lat)),
                    status=s.status, type=s.device.type, estate_id=s.device.estate_id,
                    building=s.device.building, zone=s.device.zone, last_seen=s.last_seen)
            for s in registry.states(visible)]
    return made, len(found) > limit


def _alarms(caller: Caller, community_id: str, reach: access.Reach
            ) -> tuple[list[dict[str, Any]], bool]:
    limit = LIMITS["alarm"]
    made: list[dict[str, Any]] = []
    examined = 0
    for alarm in store.alarms_of_community(community_id, rules.ACTIVE, None, min(limit, 500)):
        examined += 1
        if examined > limit:
            return made, True
        if not reach.covers(alarm.estate_id, alarm.grid_id):
            continue
        made.append(feature(
            "alarm", alarm.alarm_id, (float(alarm.location.lon), float(alarm.location.lat)),
            status=alarm.status, type=alarm.type, severity=alarm.severity,
            device_id=alarm.device_id, estate_id=alarm.estate_id, building=alarm.building,
            zone=alarm.zone, count=int(alarm.occurrences),
            acknowledged=alarm.acknowledged_at is not None,
            ticket_id=alarm.ticket_id, first_seen=alarm.first_seen, last_seen=alarm.last_seen))
    return made, False
