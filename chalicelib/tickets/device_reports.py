"""Tickets that devices open (SPEC 3.1, 6): source ``device``, a device-alarm category, the place
from the device registry, no reporter and no followers. They run the same SLA clock and
escalation as residents' tickets; their counters are kept apart (``device_*``, shown as
``device_tickets``). A repeat soon after an alarm was cleared reopens the ticket (a resolved or
closed one returns to ``acknowledged`` with a new resolution cycle) or, while it is still open
(or was rejected or marked a duplicate by staff), adds a public timeline entry to it.
Evidence photos are stripped copies, stored ready under the ``evidence`` purpose."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.core.ids import new_id
from chalicelib.core.timeutil import iso
from chalicelib.directory import service as directory
from chalicelib.tickets import escalation, lifecycle, photos, sla, stats, store
from chalicelib.tickets.models import Ticket, TicketEvent

if TYPE_CHECKING:
    from chalicelib.tickets.sla_policy import SlaPolicyDoc

DEVICE_ROLE = "device"
EVIDENCE = "evidence"
ATTEMPTS = 3
REOPENABLE = frozenset({lifecycle.RESOLVED, lifecycle.CLOSED})


@dataclass(frozen=True)
class DeviceReport:
    """What a device alarm puts on its ticket."""

    ticket_id: str
    community_id: str
    estate_id: str
    building: str | None
    lat: float
    lon: float
    zone: str | None
    category: str
    description: str
    device_id: str
    at: datetime
    evidence: list[dict[str, Any]] = field(default_factory=list)


def evidence_photos(evidence: list[dict[str, Any]], at: str) -> dict[str, dict[str, Any]]:
    """Ticket photo entries of the evidence that has a stripped copy (keyed by its hash, so
    attaching it again changes nothing)."""
    return {
        "ph_" + e["sha256"][:26]: {
            "status": photos.READY, "purpose": EVIDENCE, "created_at": at,
            "display_key": e["display_key"], "thumbnail_key": e["thumbnail_key"],
            "width": e.get("width"), "height": e.get("height"),
            "evidence": {"sha256": e["sha256"], "captured_at": e.get("captured_at"),
                         "device_id": e["device_id"], "verified": bool(e.get("verified"))},
        }
        for e in evidence if e.get("display_key") and e.get("thumbnail_key")
    }


def _event(ticket_id: str, at: str, action: str, note: str, from_status: str | None,
           to_status: str | None) -> TicketEvent:
    return store.new_event(ticket_id, at, new_id("ev_"), actor_id=None, actor_name=None,
                           actor_role=DEVICE_ROLE, action=action, note=note, public=True,
                           from_status=from_status, to_status=to_status)


def ticket_exists(ticket_id: str) -> bool:
    return store.get_ticket(ticket_id) is not None


def open_device_ticket(report: DeviceReport,
                       policy_of: Callable[[str], SlaPolicyDoc] | None = None) -> bool:
    """Open the ticket of a device alarm; False when it exists already (a retry)."""
    if store.get_ticket(report.ticket_id) is not None:
        return False
    estate = directory.get_estate(report.estate_id)
    community = directory.get_community(report.community_id)
    building = directory.find_building(report.estate_id, report.building) \
        if report.building else None
    created = iso(report.at)
    policy = (policy_of or sla.get_policy)(report.community_id)
    clock = sla.plan(policy, report.category, 0, "respond", report.at, report.at)
    location = {"estate_id": report.estate_id, "building": report.building,
                "text": report.zone, "lat": report.lat, "lon": report.lon}
    ticket = store.new_ticket(
        ticket_id=report.ticket_id, community_id=report.community_id,
        estate_id=report.estate_id, grid_id=building.grid_id if building else None,
        category=report.category, description=report.description,
        location={k: v for k, v in location.items() if v is not None},
        status=lifecycle.SUBMITTED, source="device", anonymous=False, private=False,
        created_at=created, updated_at=created, followers=0, revision=0,
        photos=evidence_photos(report.evidence, created), report_photos=0, sla_cycle=0,
        escalation_level=0, company_id=estate.company_id, street_id=community.street_id,
        timezone=community.timezone, **sla.clock_values(clock))
    event = _event(report.ticket_id, created, "created", report.description, None,
                   lifecycle.SUBMITTED)
    if not store.create_once(ticket, event, stats.on_create(ticket, report.at,
                                                            community.timezone)):
        return False
    escalation.start_workflow(report.ticket_id, 0, iso(clock.next_check))
    return True


def repeat_on_ticket(ticket_id: str, note: str, at: datetime,
                     evidence: list[dict[str, Any]] | None = None) -> str:
    """A device alarm again, on the ticket of an alarm cleared shortly before: ``reopened``,
    ``noted`` (the ticket was open, rejected or a duplicate) or ``missing``."""
    for attempt in range(ATTEMPTS):
        ticket = store.get_ticket(ticket_id, consistent=True)
        if ticket is None:
            return "missing"
        try:
            return _repeat(ticket, note, at, evidence or [])
        except store.StaleTicketError:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _merged_photos(ticket: Ticket, evidence: list[dict[str, Any]], at: str
                   ) -> dict[str, dict[str, Any]] | None:
    added = evidence_photos(evidence, at)
    if not added:
        return None
    return photos.photo_entries(ticket) | added


def _repeat(ticket: Ticket, note: str, at: datetime, evidence: list[dict[str, Any]]) -> str:
    stamp = iso(at)
    merged = _merged_photos(ticket, evidence, stamp)
    if ticket.status not in REOPENABLE:
        sets: dict[str, Any] = {"updated_at": stamp}
        if merged is not None:
            sets["photos"] = merged
        store.append(ticket, sets, _event(ticket.ticket_id, stamp, "device_repeat", note,
                                          None, None))
        return "noted"
    cycle = int(ticket.sla_cycle or 0) + 1
    clock = sla.plan(sla.get_policy(ticket.community_id), ticket.category,
                     int(ticket.sla_level or 0), "resolve", at, at)
    sets = {"status": lifecycle.ACKNOWLEDGED, "updated_at": stamp, "sla_cycle": cycle,
            "breached_final": False, **sla.clock_values(clock)}
    if merged is not None:
        sets["photos"] = merged
    event = _event(ticket.ticket_id, stamp, "reopen", note, ticket.status,
                   lifecycle.ACKNOWLEDGED)
    committed = store.commit(ticket, store.TicketWrite(
        sets, {"resolved_at", "closed_at"}, event, stats.on_reopen(ticket, at, ticket.timezone)))
    if committed.next_check_at:
        escalation.start_workflow(ticket.ticket_id, cycle, committed.next_check_at)
    return "reopened"


def attach_evidence(ticket_id: str, evidence: list[dict[str, Any]], at: datetime) -> bool:
    """Add evidence photos to a device ticket (a repeat of its active alarm); False when there is
    none to add or the ticket is gone."""
    for _ in range(ATTEMPTS):
        ticket = store.get_ticket(ticket_id, consistent=True)
        if ticket is None:
            return False
        merged = _merged_photos(ticket, evidence, iso(at))
        if merged is None:
            return False
        try:
            store.commit(ticket, store.TicketWrite({"photos": merged}))
            return True
        except store.StaleTicketError:
            continue
    return False
