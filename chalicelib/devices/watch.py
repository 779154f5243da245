"""The watch (every minute): a device silent for ``offline_after_intervals`` heartbeat intervals
of its type is marked offline and raises one maintenance alarm (no ticket); a device heard again
is marked online and its maintenance alarm clears.

Queries only: the communities that have devices (one partition), each community's signs of life
older than its shortest offline limit (an index ordered by last sign of life, which the watch
takes a sign out of once dealt with, so it is not read again until the device is heard), and the
community's offline devices (a sparse index). A sign of life of a device the registry does not
know on that community (an unknown device, a foreign topic) is deleted.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from chalicelib.core.timeutil import iso, parse_iso, utcnow
from chalicelib.devices import alarms, known, rules, store
from chalicelib.devices.models import Device, Heartbeat
from chalicelib.devices.policies import get_policy
from chalicelib.devices.policy import DevicePolicyDoc


def run(now: datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    counts = {"communities": 0, "offline": 0, "online": 0, "forgotten": 0}
    for community_id in store.device_communities():
        counts["communities"] += 1
        for name, value in watch_community(community_id, now).items():
            counts[name] += value
    return counts


def watch_community(community_id: str, now: datetime) -> dict[str, int]:
    policy = get_policy(community_id)
    cutoff = now - timedelta(seconds=policy.shortest_offline_after_s())
    silent = list(store.silent_since(community_id, iso(cutoff)))
    counts = {"offline": 0, "online": 0, "forgotten": 0}
    registry = store.devices(b.device_id for b in silent)
    for beat in silent:
        device = registry.get(beat.device_id)
        if device is None or device.community_id != community_id:
            store.settle_silence(beat, forget=True)
            counts["forgotten"] += 1
        elif _went_offline(device, beat, policy, now):
            counts["offline"] += 1
    counts["online"] = _heard_again(store.offline_devices(community_id), now)
    return counts


def _went_offline(device: Device, beat: Heartbeat, policy: DevicePolicyDoc,
                  now: datetime) -> bool:
    if not rules.silent(parse_iso(beat.last_seen), now, policy.offline_after_s(device.type)):
        return False
    went = False
    if device.offline_since is None:
        alarms.raise_alarm(device, rules.OFFLINE, now, {"last_seen": beat.last_seen})
        went = store.mark_offline(device, beat.last_seen)
        known.forget(device.device_id)
    store.settle_silence(beat, forget=False)
    return went


def _heard_again(offline: Iterable[Device], now: datetime) -> int:
    devices = list(offline)
    beats = store.heartbeats((d.device_id, d.community_id) for d in devices)
    back = 0
    for device in devices:
        beat = beats.get(device.device_id)
        if beat is None or not device.offline_since or beat.last_seen <= device.offline_since:
            continue
        marked = store.mark_online(device)
        known.forget(device.device_id)
        if marked:
            alarms.clear_by_condition(device.device_id, rules.OFFLINE, now,
                                      rules.CLEARED_BY_WATCH)
            back += 1
    return back
