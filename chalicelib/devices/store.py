"""Keys, queries and conditional writes of the device context (the only module that builds them).

Items (table ``pk`` / ``sk``; indexes as ``gsiN pk / sk``):

- Device (registry): ``DEVICE#{id}`` / ``DEVICE``; gsi1 ``DEVICES#{community}`` /
  ``{device_id}`` (list); gsi2 ``DEVOFFLINE#{community}`` / ``{offline_since}#{id}`` (sparse:
  devices marked offline by the watch).
- DeviceCommunity marker: ``DEVICE_COMMUNITIES`` / ``COMMUNITY#{id}`` (the communities the watch
  visits: a Query, never a Scan).
- Heartbeat (sign of life): ``DEVICE#{id}`` / ``SEEN#{community}``; gsi3 ``DEVSEEN#{community}``
  / ``{last_seen}#{id}``. Written without a Lambda by the IoT rule's DynamoDBv2 action
  (``heartbeat_select``), by the local bridge (``heartbeat_item``) and by the handlers for
  readings and safety events (``touch``). The community in its key comes from the topic: readers
  only ever read the item named by the registry's community, so a heartbeat on a foreign topic or
  from an unknown device is never taken for a sign of life.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import size

from chalicelib.core.db import TTL_ATTRIBUTE, is_conditional_failure, sort_key, transaction
from chalicelib.core.timeutil import iso
from chalicelib.devices.models import (
    ActiveAlarm,
    Alarm,
    ClearedAlarm,
    Device,
    DeviceCommunity,
    DevicePolicy,
    EvidenceAttribute,
    Heartbeat,
    Pm25State,
    SeenMessage,
)

HEARTBEAT_TTL_S = 30 * 24 * 3600
ISO_MS_PATTERN = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
HEARTBEAT_KIND = "heartbeat"
SEEN_INDEX_PK = "gsi3pk"
SEEN_INDEX_SK = "gsi3sk"


def _iso_ms(epoch_ms: int) -> str:
    from datetime import datetime, timezone

    return iso(datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc))


def heartbeat_key(device_id: str, community_id: str) -> tuple[str, str]:
    return f"DEVICE#{device_id}", f"SEEN#{community_id}"


def heartbeat_select() -> str:
    """The SELECT clause (IoT SQL 2016-03-23) of the heartbeat rule: its output is the heartbeat
    item that the rule's DynamoDBv2 action puts, the same item as ``heartbeat_item``."""
    now = f"parse_time(\"{ISO_MS_PATTERN}\", timestamp())"
    return ", ".join([
        "concat('DEVICE#', topic(4)) AS pk",
        "concat('SEEN#', topic(2)) AS sk",
        "topic(4) AS device_id",
        "topic(2) AS community_id",
        f"'{HEARTBEAT_KIND}' AS kind",
        f"{now} AS last_seen",
        "timestamp() AS received_ms",
        f"floor(timestamp() / 1000) + {HEARTBEAT_TTL_S} AS {TTL_ATTRIBUTE}",
        f"concat('DEVSEEN#', topic(2)) AS {SEEN_INDEX_PK}",
        f"concat({now}, '#', topic(4)) AS {SEEN_INDEX_SK}",
    ])


def heartbeat_item(community_id: str, device_id: str, payload: dict[str, Any],
                   received_ms: int) -> dict[str, Any]:
    """The heartbeat item as plain Python values (what ``heartbeat_select`` yields for a message
    received at ``received_ms`` on ``fanglin/{community_id}/devices/{device_id}/events``).
    ``payload`` is not stored: a heartbeat only says the device is alive."""
    pk, sk = heartbeat_key(device_id, community_id)
    last_seen = _iso_ms(received_ms)
    return {
        "pk": pk,
        "sk": sk,
        "device_id": device_id,
        "community_id": community_id,
        "kind": HEARTBEAT_KIND,
        "last_seen": last_seen,
        "received_ms": int(received_ms),
        TTL_ATTRIBUTE: int(received_ms) // 1000 + HEARTBEAT_TTL_S,
        SEEN_INDEX_PK: f"DEVSEEN#{community_id}",
        SEEN_INDEX_SK: f"{last_seen}#{device_id}",
    }


# --- registry -------------------------------------------------------------------------------

DEVICE_COMMUNITIES = "DEVICE_COMMUNITIES"
MAX_KEY_BYTES = 1024


def device_key(device_id: str) -> tuple[str, str]:
    return f"DEVICE#{device_id}", "DEVICE"


def _fits(*parts: str) -> bool:
    return all(len(p.encode()) <= MAX_KEY_BYTES for p in parts)


def new_device(**values: Any) -> Device:
    device = Device(*device_key(values["device_id"]), **values)
    device.gsi1pk, device.gsi1sk = f"DEVICES#{device.community_id}", device.device_id
    return device


def register(device: Device, received_ms: int) -> bool:
    """Store a new device with its community marker, then its first sign of life (the
    registration: a device has ``offline_after`` to be heard). False when the id is taken."""
    marker = DeviceCommunity(DEVICE_COMMUNITIES, f"COMMUNITY#{device.community_id}",
                             community_id=device.community_id)
    try:
        with transaction() as tx:
            tx.save(device, condition=Device.pk.does_not_exist())
            tx.save(marker)
    except TransactWriteError as err:
        if is_conditional_failure(err):
            return False
        raise
    first = Heartbeat(**heartbeat_item(device.community_id, device.device_id, {}, received_ms))
    first.kind = "registered"
    try:
        first.save(condition=Heartbeat.pk.does_not_exist())
    except PutError as err:
        if not is_conditional_failure(err):
            raise
    return True


def get_device(device_id: str) -> Device | None:
    key = device_key(device_id)
    if not _fits(*key):
        return None
    try:
        return Device.get(*key)
    except DoesNotExist:
        return None


def devices(device_ids: Iterable[str]) -> dict[str, Device]:
    keys = [device_key(d) for d in set(device_ids) if _fits(d)]
    return {d.device_id: d for d in Device.batch_get(keys)} if keys else {}


def devices_of_community(community_id: str, after: str | None, page: int) -> Iterator[Device]:
    """Devices of a community in id order, after the device id ``after``."""
    index = Device.by_community
    condition = sort_key(index) > after if after else None
    return iter(index.query(f"DEVICES#{community_id}", condition, page_size=page))


def device_position(device_id: str) -> str:
    """A device's position in its community's list, as cursors carry it."""
    return f"DEVICE#{device_id}"


def device_after(position: str) -> str:
    return position.split("#", 1)[1]


def device_communities() -> Iterator[str]:
    for marker in DeviceCommunity.query(DEVICE_COMMUNITIES):
        yield str(marker.community_id)


# --- signs of life --------------------------------------------------------------------------

def heartbeats(pairs: Iterable[tuple[str, str]]) -> dict[str, Heartbeat]:
    """The signs of life of (device_id, community_id) pairs, by device id."""
    keys = [heartbeat_key(d, c) for d, c in set(pairs)]
    return {h.device_id: h for h in Heartbeat.batch_get(keys)} if keys else {}


def heartbeat(device_id: str, community_id: str) -> Heartbeat | None:
    try:
        return Heartbeat.get(*heartbeat_key(device_id, community_id))
    except DoesNotExist:
        return None


def touch(community_id: str, device_id: str, received_ms: int, kind: str) -> None:
    """Record a sign of life (a reading or a safety event) unless a later one is recorded."""
    item = heartbeat_item(community_id, device_id, {}, received_ms)
    item["kind"] = kind
    names = [n for n in item if n not in ("pk", "sk")]
    try:
        Heartbeat(item["pk"], item["sk"]).update(
            actions=[getattr(Heartbeat, n).set(item[n]) for n in names],
            condition=Heartbeat.received_ms.does_not_exist()
            | (Heartbeat.received_ms < int(received_ms)))
    except UpdateError as err:
        if not is_conditional_failure(err):
            raise


def silent_since(community_id: str, before: str) -> Iterator[Heartbeat]:
    """Signs of life on the community's topics last recorded before ``before`` (an ISO time)
    and not yet dealt with by the watch."""
    index = Heartbeat.by_seen
    return iter(index.query(f"DEVSEEN#{community_id}", sort_key(index) < before))


def settle_silence(beat: Heartbeat, forget: bool) -> None:
    """Take a silent sign of life out of the watch's index (or delete it, for a device the
    registry does not know on that community), unless the device was heard since."""
    condition = Heartbeat.last_seen == beat.last_seen
    try:
        if forget:
            beat.delete(condition=condition)
        else:
            beat.update(actions=[Heartbeat.gsi3pk.remove(), Heartbeat.gsi3sk.remove()],
                        condition=condition)
    except (UpdateError, DeleteError) as err:
        if not is_conditional_failure(err):
            raise


def offline_devices(community_id: str) -> Iterator[Device]:
    return iter(Device.by_offline.query(f"DEVOFFLINE#{community_id}"))


def mark_offline(device: Device, since: str) -> bool:
    """False when the device was already marked offline."""
    try:
        Device(*device_key(device.device_id)).update(
            actions=[Device.offline_since.set(since),
                     Device.gsi2pk.set(f"DEVOFFLINE#{device.community_id}"),
                     Device.gsi2sk.set(f"{since}#{device.device_id}")],
            condition=Device.pk.exists() & Device.offline_since.does_not_exist())
    except UpdateError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def mark_online(device: Device) -> bool:
    """False when the device was no longer marked offline."""
    try:
        Device(*device_key(device.device_id)).update(
            actions=[Device.offline_since.remove(), Device.gsi2pk.remove(),
                     Device.gsi2sk.remove()],
            condition=Device.offline_since == device.offline_since)
    except UpdateError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


# --- duplicates -----------------------------------------------------------------------------

def claim_message(device_id: str, seq: int, expires_at: datetime) -> bool:
    """Record (device, seq) as processed; False when it already was."""
    item = SeenMessage(f"DEVICE#{device_id}", f"SEQ#{seq}", expires_at=expires_at)
    try:
        item.save(condition=SeenMessage.pk.does_not_exist())
    except PutError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def release_message(device_id: str, seq: int) -> None:
    """Forget a claim whose processing failed, so that a redelivery is processed."""
    SeenMessage(f"DEVICE#{device_id}", f"SEQ#{seq}").delete()


# --- PM2.5 state ----------------------------------------------------------------------------

def pm25_state(device_id: str) -> Pm25State:
    """The sensor's state, read consistently; a new, unsaved one when there is none."""
    key = f"DEVICE#{device_id}", "PM25"
    try:
        return Pm25State.get(*key, consistent_read=True)
    except DoesNotExist:
        return Pm25State(*key)


def apply_pm25_state(state: Pm25State, values: dict[str, Any], seq: int, received_ms: int,
                     repeat_after_ms: int) -> bool:
    """Write the sensor's next state and claim its reading in one conditional update: only if
    the state is still the version read and ``seq`` is after the last reading applied (or that
    one was received before ``repeat_after_ms``: a device that restarted its count). False when
    another write came first or the reading was applied already."""
    actions = [getattr(Pm25State, name).set(value) if value is not None
               else getattr(Pm25State, name).remove() for name, value in values.items()]
    actions += [Pm25State.last_seq.set(seq), Pm25State.last_received_ms.set(received_ms)]
    new_reading = (Pm25State.last_seq.does_not_exist() | (Pm25State.last_seq < seq)
                   | Pm25State.last_received_ms.does_not_exist()
                   | (Pm25State.last_received_ms < repeat_after_ms))
    try:
        state.update(actions=actions, condition=new_reading)
    except UpdateError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


# --- alarms ---------------------------------------------------------------------------------

def alarm_key(alarm_id: str) -> tuple[str, str]:
    return f"ALARM#{alarm_id}", "ALARM"


def _alarm_list(community_id: str, status: str) -> str:
    return f"ALARMS#{community_id}#{status}"


def new_alarm(**values: Any) -> Alarm:
    alarm = Alarm(*alarm_key(values["alarm_id"]), **values)
    alarm.gsi1pk = _alarm_list(alarm.community_id, alarm.status)
    alarm.gsi1sk = f"{alarm.first_seen}#{alarm.alarm_id}"
    return alarm


def _slot_key(device_id: str, alarm_type: str) -> tuple[str, str]:
    return f"DEVICE#{device_id}", f"ACTIVE#{alarm_type}"


def _cleared_key(device_id: str, alarm_type: str) -> tuple[str, str]:
    return f"DEVICE#{device_id}", f"CLEARED#{alarm_type}"


def open_alarm(alarm: Alarm) -> bool:
    """Store a new active alarm with its slot; False when the (device, type) has one already."""
    slot = ActiveAlarm(*_slot_key(alarm.device_id, alarm.type), alarm_id=alarm.alarm_id)
    try:
        with transaction() as tx:
            tx.save(slot, condition=ActiveAlarm.pk.does_not_exist())
            tx.save(alarm, condition=Alarm.pk.does_not_exist())
    except TransactWriteError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def active_alarm_id(device_id: str, alarm_type: str) -> str | None:
    try:
        return str(ActiveAlarm.get(*_slot_key(device_id, alarm_type),
                                   consistent_read=True).alarm_id)
    except DoesNotExist:
        return None


def repeat_alarm(alarm_id: str, at: str, detail: dict[str, Any],
                 evidence: list[dict[str, Any]], max_evidence: int) -> Alarm | None:
    """Count one more occurrence of an active alarm, with its evidence while the alarm holds
    fewer than ``max_evidence`` entries; None when it is no longer active."""
    alarm = Alarm(*alarm_key(alarm_id))
    try:
        alarm.update(actions=[Alarm.occurrences.add(1), Alarm.detail.set(detail)],
                     condition=Alarm.status == "active")
    except UpdateError as err:
        if is_conditional_failure(err):
            return None
        raise
    _later(alarm, at)
    if evidence:
        _add_evidence(alarm, evidence, max_evidence)
    return alarm


def _add_evidence(alarm: Alarm, evidence: list[dict[str, Any]], max_evidence: int) -> None:
    try:
        alarm.update(actions=[Alarm.evidence.set(Alarm.evidence.append(
            [EvidenceAttribute(**e) for e in evidence]))],
            condition=size(Alarm.evidence) < max_evidence)
    except UpdateError as err:
        if not is_conditional_failure(err):
            raise


def _later(alarm: Alarm, at: str) -> None:
    """Move ``last_seen`` forward to ``at`` (never back: deliveries may come out of order)."""
    try:
        alarm.update(actions=[Alarm.last_seen.set(at)], condition=Alarm.last_seen < at)
    except UpdateError as err:
        if not is_conditional_failure(err):
            raise


def get_alarm(alarm_id: str, consistent: bool = False) -> Alarm | None:
    key = alarm_key(alarm_id)
    if not _fits(*key):
        return None
    try:
        return Alarm.get(*key, consistent_read=consistent)
    except DoesNotExist:
        return None


def alarms_of_community(community_id: str, status: str, before: str | None,
                        page: int) -> Iterator[Alarm]:
    """Alarms of one status, newest first, before the list position ``before``."""
    index = Alarm.by_community
    condition = sort_key(index) < before if before else None
    return iter(index.query(_alarm_list(community_id, status), condition,
                            scan_index_forward=False, page_size=page))


def set_alarm(alarm: Alarm, values: dict[str, Any], when_status: str = "active") -> Alarm | None:
    """Set attributes of an alarm still in ``when_status``; None when it is not."""
    try:
        alarm.update(actions=[getattr(Alarm, n).set(v) for n, v in values.items()],
                     condition=Alarm.status == when_status)
    except UpdateError as err:
        if is_conditional_failure(err):
            return None
        raise
    return alarm


def acknowledge_alarm(alarm: Alarm, values: dict[str, Any]) -> bool:
    """False when the alarm is no longer active or was acknowledged meanwhile."""
    try:
        alarm.update(actions=[getattr(Alarm, n).set(v) for n, v in values.items()],
                     condition=(Alarm.status == "active") & Alarm.acknowledged_at.does_not_exist())
    except UpdateError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def clear_alarm(alarm: Alarm, values: dict[str, Any], remember_until: datetime) -> bool:
    """Clear an active alarm: it moves to the cleared list, frees its slot and is remembered
    (with its ticket) for a repeat soon after. False when it was not active any more."""
    cleared_at = str(values["cleared_at"])
    sets = dict(values, status="cleared", gsi1pk=_alarm_list(alarm.community_id, "cleared"),
                gsi1sk=f"{cleared_at}#{alarm.alarm_id}")
    memory = ClearedAlarm(*_cleared_key(alarm.device_id, alarm.type), alarm_id=alarm.alarm_id,
                          ticket_id=alarm.ticket_id, cleared_at=cleared_at,
                          expires_at=remember_until)
    try:
        with transaction() as tx:
            tx.update(alarm, actions=[getattr(Alarm, n).set(v) for n, v in sets.items()],
                      condition=Alarm.status == "active")
            tx.delete(ActiveAlarm(*_slot_key(alarm.device_id, alarm.type)),
                      condition=ActiveAlarm.alarm_id == alarm.alarm_id)
            tx.save(memory)
    except TransactWriteError as err:
        if is_conditional_failure(err):
            return False
        raise
    for name, value in sets.items():
        setattr(alarm, name, value)
    return True


def last_cleared(device_id: str, alarm_type: str) -> ClearedAlarm | None:
    try:
        return ClearedAlarm.get(*_cleared_key(device_id, alarm_type), consistent_read=True)
    except DoesNotExist:
        return None


# --- policy ---------------------------------------------------------------------------------

def _policy_key(community_id: str) -> tuple[str, str]:
    return f"DEVPOLICY#{community_id}", "POLICY"


def policy_document(community_id: str) -> str | None:
    key = _policy_key(community_id)
    if not _fits(*key):
        return None
    try:
        return str(DevicePolicy.get(*key).document)
    except DoesNotExist:
        return None


def put_policy_document(community_id: str, document: str, at: str, by_role: str) -> None:
    DevicePolicy(*_policy_key(community_id), community_id=community_id, document=document,
                 updated_at=at, updated_by_role=by_role).save()
