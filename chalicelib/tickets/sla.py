"""Service levels on tickets: the community's policy, the checkpoints of the running clock, and
the live SLA block every ticket shows.

A ticket in an open phase carries its checkpoints (warning times, then the due time) for the
current level; ``sla_stage`` points at the next one and ``next_check_at`` mirrors it into the
sparse due index, where both the Step Functions execution and the sweep find it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from chalicelib.core.cache import ttl_cache
from chalicelib.core.errors import NotFoundError
from chalicelib.core.timeutil import iso, parse_iso
from chalicelib.tickets import store
from chalicelib.tickets.models import Ticket

if TYPE_CHECKING:
    from chalicelib.identity.caller import Caller
    from chalicelib.tickets.sla_policy import SlaPolicyDoc

Phase = Literal["respond", "resolve"]
AUTO_CLOSE = "close"
AUTO_CLOSE_AFTER = timedelta(days=7)
RESPONSIBLE = ("property", "community", "street")
LAST_LEVEL = 2
FINAL_BREACH_METRIC = "SlaFinalBreach"
RESPONSE_METRICS = {True: "SlaResponseMet", False: "SlaResponseMissed"}
POLICY_TTL_S = 30
"""How long a container keeps a community's policy document (or its absence) after reading it:
a new policy reaches new tickets in other containers at most this late."""


# --- policy ---------------------------------------------------------------------------------

def get_policy(community_id: str) -> SlaPolicyDoc:
    """The community's policy, or the SPEC default when none was set."""
    from chalicelib.tickets.sla_policy import SlaPolicyDoc, default_policy

    stored = ttl_cache("sla_policy", POLICY_TTL_S).get(
        community_id, lambda: store.policy_document(community_id))
    return default_policy() if stored is None else SlaPolicyDoc.model_validate_json(stored)


def policy_view(caller: Caller, community_id: str) -> SlaPolicyDoc:
    """Staff of the community read it. Raises ForbiddenError, NotFoundError."""
    from chalicelib.directory import service as directory

    caller.require("community", "street", "admin", "property", "grid")
    directory.visible_community(caller, community_id)
    return get_policy(community_id)


def put_policy(caller: Caller, community_id: str, doc: SlaPolicyDoc,
               now: datetime) -> SlaPolicyDoc:
    """Replace the policy; tickets already running keep their checkpoints until their next level
    or cycle. Community staff of the community and admins. Raises ForbiddenError, NotFoundError."""
    from chalicelib.directory import service as directory

    caller.require("community", "admin")
    _, scope = directory.visible_community(caller, community_id)
    if not caller.is_admin and not scope.staffs_community(community_id):
        raise NotFoundError(f"community {community_id} not found")
    try:
        store.put_policy_document(community_id, doc.model_dump_json(), iso(now), caller.user_id)
    finally:
        ttl_cache("sla_policy", POLICY_TTL_S).forget(community_id)
    return doc


# --- the clock on a ticket ------------------------------------------------------------------

@dataclass(frozen=True)
class Clock:
    """The checkpoints of one phase at one level, and which comes next."""

    phase: Phase
    level: int
    started_at: datetime
    checkpoints: tuple[datetime, ...]
    stage: int

    @property
    def due(self) -> datetime:
        return self.checkpoints[-1]

    @property
    def next_check(self) -> datetime:
        return self.checkpoints[self.stage]

    @property
    def at_due(self) -> bool:
        return self.stage == len(self.checkpoints) - 1


def plan(policy: SlaPolicyDoc, category: str, level: int, phase: Phase, start: datetime,
         now: datetime) -> Clock:
    """Checkpoints of ``phase`` at ``level`` counted from ``start``; warnings already past at
    ``now`` are skipped, the due time never is."""
    checkpoints = (*policy.warning_times(category, level, phase, start),
                   policy.due(category, level, phase, start))
    stage = next((i for i, at in enumerate(checkpoints[:-1]) if at > now), len(checkpoints) - 1)
    return Clock(phase, level, start, checkpoints, stage)


def clock_values(clock: Clock) -> dict[str, Any]:
    """Ticket attributes that put ``clock`` on the ticket (the store mirrors ``next_check_at``
    and ``due_at`` into the due indexes)."""
    return {
        "sla_phase": clock.phase,
        "sla_level": clock.level,
        "level_started_at": iso(clock.started_at),
        "sla_checkpoints": [iso(c) for c in clock.checkpoints],
        "sla_stage": clock.stage,
        "next_check_at": iso(clock.next_check),
        "due_at": iso(clock.due),
        "response_due_at" if clock.phase == "respond" else "resolution_due_at": iso(clock.due),
    }


def advance_values(checkpoints: list[str], stage: int) -> dict[str, Any]:
    return {"sla_stage": stage, "next_check_at": checkpoints[stage]}


STOPPED = frozenset({"sla_phase", "next_check_at", "due_at"})
"""Removed when a ticket leaves the open states: no clock runs, nothing is overdue."""
FINAL = frozenset({"next_check_at"})
"""Removed at the final breach: no checkpoint is left, but the ticket stays overdue."""


def in_time(ticket: Ticket, now: datetime) -> bool:
    """Whether ``now`` meets the running level-0 target: never escalated and not yet due."""
    due = current_due(ticket)
    return int(ticket.escalation_level) == 0 and (due is None or now <= due)


def auto_close_values(resolved: datetime) -> dict[str, Any]:
    """After a resolution the only checkpoint left is the automatic close, 7 days later, unless
    the reporter confirms or reopens first."""
    at = iso(resolved + AUTO_CLOSE_AFTER)
    return {"sla_phase": AUTO_CLOSE, "sla_checkpoints": [at], "sla_stage": 0,
            "next_check_at": at}


def current_due(ticket: Ticket) -> datetime | None:
    if ticket.sla_phase not in ("respond", "resolve") or not ticket.sla_checkpoints:
        return None
    return parse_iso(str(ticket.sla_checkpoints[-1]))


def live(ticket: Ticket, now: datetime) -> dict[str, Any]:
    """The SLA block of a ticket: level, responsible party, due time, seconds left, breached."""
    level = int(ticket.sla_level)
    due = current_due(ticket)
    remaining = int((due - now).total_seconds()) if due else None
    return {
        "level": level,
        "responsible": RESPONSIBLE[min(level, LAST_LEVEL)],
        "phase": ticket.sla_phase if due else None,
        "due_at": iso(due) if due else None,
        "remaining_s": remaining,
        "breached": bool(ticket.breached_final) or (remaining is not None and remaining < 0),
        "escalation_level": int(ticket.escalation_level),
        "responded_in_time": ticket.responded_in_time,
        "resolved_in_time": ticket.resolved_in_time,
        "resolved_at_level": ticket.resolved_at_level,
    }


def escalation_metric(level: int) -> str:
    """The metric counting escalations to ``level`` (the dashboard's escalations by level)."""
    return f"EscalatedToLevel{level}"


def response_metric(in_time: bool) -> str:
    """The metric counting first responses at a ticket's level, met or missed."""
    return RESPONSE_METRICS[in_time]
