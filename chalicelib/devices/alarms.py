"""Alarms (SPEC 6): raised by device events and the watch, at most one active per (device,
type); repeats count; staff acknowledge and clear; safety alarms open a ticket at once, latch,
and a repeat within the policy's window after a clear reopens their ticket."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.core.errors import (
    ConflictError,
    ForbiddenError,
    InvalidTransitionError,
    NotFoundError,
)
from chalicelib.core.ids import new_id
from chalicelib.core.paging import decode_cursor, encode_cursor
from chalicelib.core.timeutil import iso, parse_iso, utcnow
from chalicelib.devices import access, rules, store
from chalicelib.devices.models import Alarm, Device
from chalicelib.devices.policies import get_policy
from chalicelib.directory import service as directory
from chalicelib.identity.caller import Caller

if TYPE_CHECKING:
    from chalicelib.devices import schemas as docs

ATTEMPTS = 4
MAX_EVIDENCE_ON_ALARM = 50
MAX_EXAMINED_PAGES = 10


@dataclass(frozen=True)
class Raised:
    alarm: Alarm
    new: bool
    ticket: str | None = None
    """What happened to the ticket: opened, reopened, noted, missing, or None."""


@dataclass(frozen=True)
class AlarmPage:
    items: list[Alarm]
    next_cursor: str | None


def _report(device: Device, alarm_type: str, ticket_id: str, at: datetime,
            detail: dict[str, Any], evidence: list[dict[str, Any]]) -> Any:
    from chalicelib.tickets.device_reports import DeviceReport

    return DeviceReport(
        ticket_id=ticket_id, community_id=device.community_id, estate_id=device.estate_id,
        building=device.building, lat=float(device.location.lat),
        lon=float(device.location.lon), zone=device.zone, category=alarm_type,
        description=rules.describe(alarm_type, device.device_id, device.zone, detail),
        device_id=device.device_id, at=at, evidence=evidence)


def raise_alarm(device: Device, alarm_type: str, at: datetime, detail: dict[str, Any],
                evidence: list[dict[str, Any]] | None = None) -> Raised:
    """Raise the (device, type) alarm, or count a repeat of the active one. Raises
    ConflictError when the alarm kept changing under it."""
    evidence = evidence or []
    policy = get_policy(device.community_id)
    with_ticket = rules.opens_ticket(alarm_type, policy.pm25.open_ticket)
    for _ in range(ATTEMPTS):
        active_id = store.active_alarm_id(device.device_id, alarm_type)
        if active_id is not None:
            repeated = store.repeat_alarm(active_id, iso(at), detail, evidence,
                                          MAX_EVIDENCE_ON_ALARM)
            if repeated is not None:
                return Raised(repeated, False, _follow_up(device, repeated, at, detail,
                                                          evidence) if with_ticket else None)
            continue
        alarm_id = new_id("al_")
        ticket_id, reopen = None, False
        if with_ticket:
            ticket_id, reopen = _ticket_for(device, alarm_type, alarm_id, at,
                                            policy.reopen_window_h)
        alarm = _new_alarm(device, alarm_type, alarm_id, at, detail, evidence, ticket_id)
        if store.open_alarm(alarm):
            outcome = None
            if ticket_id is not None:
                outcome = _ticket_of_new_alarm(device, alarm, at, detail, evidence, reopen)
            return Raised(alarm, True, outcome)
    raise ConflictError(f"alarm {alarm_type} of {device.device_id} kept changing")


def _new_alarm(device: Device, alarm_type: str, alarm_id: str, at: datetime,
               detail: dict[str, Any], evidence: list[dict[str, Any]],
               ticket_id: str | None) -> Alarm:
    kind = rules.KINDS[alarm_type]
    return store.new_alarm(
        alarm_id=alarm_id, community_id=device.community_id, device_id=device.device_id,
        device_type=device.type, type=alarm_type, severity=kind.severity, status=rules.ACTIVE,
        latched=kind.latched, occurrences=1, first_seen=iso(at), last_seen=iso(at),
        estate_id=device.estate_id, building=device.building, grid_id=device.grid_id,
        zone=device.zone, location=device.location, ticket_id=ticket_id, detail=detail,
        evidence=evidence[:MAX_EVIDENCE_ON_ALARM])


def _ticket_for(device: Device, alarm_type: str, alarm_id: str, at: datetime,
                window_h: int) -> tuple[str, bool]:
    """The ticket a new alarm goes with: that of the alarm cleared within the window, else a
    new one (reopen flag)."""
    memory = store.last_cleared(device.device_id, alarm_type)
    if memory is not None and memory.ticket_id and rules.reopens_ticket(
            parse_iso(memory.cleared_at), at, window_h):
        return str(memory.ticket_id), True
    return rules.ticket_id_for(alarm_id), False


def _ticket_of_new_alarm(device: Device, alarm: Alarm, at: datetime, detail: dict[str, Any],
                         evidence: list[dict[str, Any]], reopen: bool) -> str:
    from chalicelib.tickets import device_reports

    ticket_id = str(alarm.ticket_id)
    if reopen:
        outcome = device_reports.repeat_on_ticket(
            ticket_id, rules.repeat_note(alarm.type, device.device_id, detail), at, evidence)
        if outcome != "missing":
            return outcome
    device_reports.open_device_ticket(_report(device, alarm.type, ticket_id, at, detail,
                                              evidence))
    return "opened"


def _follow_up(device: Device, alarm: Alarm, at: datetime, detail: dict[str, Any],
               evidence: list[dict[str, Any]]) -> str | None:
    """A repeat makes no new ticket; it opens the alarm's ticket if an earlier attempt failed
    before doing so, and adds the repeat's evidence to it."""
    from chalicelib.tickets import device_reports

    if not alarm.ticket_id:
        return None
    ticket_id = str(alarm.ticket_id)
    if not device_reports.ticket_exists(ticket_id):
        device_reports.open_device_ticket(_report(device, alarm.type, ticket_id, at, detail,
                                                  evidence))
        return "opened"
    if evidence:
        device_reports.attach_evidence(ticket_id, evidence, at)
    return None


def condition_gone(device: Device, alarm_type: str, at: datetime) -> Alarm | None:
    """The device reports its condition over (a cover restored): a latched alarm stays active
    for staff to clear and shows when; any other clears. None when none was active."""
    active_id = store.active_alarm_id(device.device_id, alarm_type)
    alarm = store.get_alarm(active_id, consistent=True) if active_id else None
    if alarm is None:
        return None
    if alarm.latched:
        return store.set_alarm(alarm, {"condition_gone_at": iso(at)})
    return alarm if _clear_quietly(alarm, at, rules.CLEARED_BY_DEVICE) else None


def clear_by_condition(device_id: str, alarm_type: str, at: datetime, by: str) -> Alarm | None:
    """Clear the active (device, type) alarm because its condition went (PM2.5 back below the
    threshold, a device heard again). None when none was active."""
    active_id = store.active_alarm_id(device_id, alarm_type)
    alarm = store.get_alarm(active_id, consistent=True) if active_id else None
    if alarm is None or not _clear_quietly(alarm, at, by):
        return None
    return alarm


def _clear_quietly(alarm: Alarm, at: datetime, by: str) -> bool:
    window = get_policy(alarm.community_id).reopen_window_h
    return store.clear_alarm(alarm, {"cleared_at": iso(at), "cleared_by": by,
                                     "condition_gone_at": alarm.condition_gone_at or iso(at)},
                             at + timedelta(hours=window))


# --- staff ----------------------------------------------------------------------------------

def _visible(caller: Caller, alarm_id: str, consistent: bool = False
             ) -> tuple[Alarm, access.Reach, str]:
    caller.require(*access.STAFF)
    alarm = store.get_alarm(alarm_id, consistent)
    if alarm is None:
        raise NotFoundError(f"alarm {alarm_id} not found")
    reach = access.reach_of(directory.load_scope(caller), alarm.community_id)
    role = reach.role_for(alarm.estate_id, alarm.grid_id)
    if role is None:
        raise NotFoundError(f"alarm {alarm_id} not found")
    return alarm, reach, role


def get_alarm(caller: Caller, alarm_id: str) -> Alarm:
    """Raises ForbiddenError (not staff), NotFoundError (absent or out of reach)."""
    return _visible(caller, alarm_id)[0]


def acknowledge(caller: Caller, alarm_id: str, doc: docs.AlarmNote,
                now: datetime | None = None) -> Alarm:
    """Staff who reach the alarm say they took it (grid workers included). Raises
    ForbiddenError, NotFoundError, InvalidTransitionError (cleared, or acknowledged already)."""
    alarm, _, role = _visible(caller, alarm_id, consistent=True)
    if alarm.status != rules.ACTIVE or alarm.acknowledged_at:
        raise InvalidTransitionError("acknowledge", _state(alarm),
                                     f"cannot acknowledge an alarm that is {_state(alarm)}")
    values: dict[str, Any] = {"acknowledged_at": iso(now or utcnow()), "acknowledged_by": role}
    if doc.note:
        values["note"] = doc.note
    if not store.acknowledge_alarm(alarm, values):
        current = store.get_alarm(alarm_id, consistent=True) or alarm
        raise InvalidTransitionError("acknowledge", _state(current),
                                     f"cannot acknowledge an alarm that is {_state(current)}")
    return alarm


def clear(caller: Caller, alarm_id: str, doc: docs.AlarmNote, now: datetime | None = None
          ) -> Alarm:
    """Staff accountable for the alarm's place clear it (grid workers may not). Its ticket, if
    any, is left as it is. Raises ForbiddenError, NotFoundError, InvalidTransitionError."""
    alarm, _, role = _visible(caller, alarm_id, consistent=True)
    if role not in access.ACCOUNTABLE:
        raise ForbiddenError("a grid worker may acknowledge an alarm, not clear it")
    if alarm.status != rules.ACTIVE:
        raise InvalidTransitionError("clear", alarm.status, "the alarm is cleared already")
    at = now or utcnow()
    window = get_policy(alarm.community_id).reopen_window_h
    values: dict[str, Any] = {"cleared_at": iso(at), "cleared_by": role}
    if doc.note:
        values["note"] = doc.note
    if not store.clear_alarm(alarm, values, at + timedelta(hours=window)):
        raise InvalidTransitionError("clear", rules.CLEARED, "the alarm is cleared already")
    return alarm


def _state(alarm: Alarm) -> str:
    if alarm.status == rules.ACTIVE and alarm.acknowledged_at:
        return "acknowledged"
    return str(alarm.status)


def list_alarms(caller: Caller, community_id: str, query: docs.AlarmQuery) -> AlarmPage:
    """Alarms of one status that the caller reaches, newest first. Raises ForbiddenError,
    NotFoundError, InvalidInputError (a bad cursor)."""
    reach = access.community_reach(caller, community_id)
    before = decode_cursor(query.cursor) if query.cursor else None
    found: list[Alarm] = []
    position = before
    examined = 0
    for alarm in store.alarms_of_community(community_id, query.status, before, query.limit):
        examined += 1
        position = alarm.gsi1sk
        if reach.covers(alarm.estate_id, alarm.grid_id):
            found.append(alarm)
        if len(found) == query.limit or examined >= query.limit * MAX_EXAMINED_PAGES:
            return AlarmPage(found, encode_cursor(str(position)))
    return AlarmPage(found, None)
