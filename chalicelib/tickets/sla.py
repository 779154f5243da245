"""Service levels on tickets: the community's policy, the checkpoints of the running clock, and
the live SLA block every ticket shows.

A ticket in an open phase carries its checkpoints (warning times, then the due time) for the
current level; ``sla_stage`` points at the next one and ``next_check_at`` mirrors it into the
sparse due index, where both the Step Functions execution and the sweep find it.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pynamodb.exceptions import DoesNotExist

from chalicelib.core.errors import NotFoundError
from chalicelib.core.timeutil import iso, parse_iso
from chalicelib.tickets.models import SlaPolicy, Ticket

if TYPE_CHECKING:
    from chalicelib.identity.caller import Caller
    from chalicelib.tickets.sla_policy import SlaPolicyDoc

Phase = Literal["respond", "resolve"]
AUTO_CLOSE = "close"
AUTO_CLOSE_AFTER = timedelta(days=7)
DUE_SHARDS = 4
RESPONSIBLE = ("property", "community", "street")
LAST_LEVEL = 2


def due_partition(ticket_id: str) -> str:
    return f"DUE#{zlib.crc32(ticket_id.encode()) % DUE_SHARDS}"


# --- policy ---------------------------------------------------------------------------------

def get_policy(community_id: str) -> SlaPolicyDoc:
    """The community's policy, or the SPEC default when none was set."""
    from chalicelib.tickets.sla_policy import SlaPolicyDoc, default_policy

    try:
        stored = SlaPolicy.get(*SlaPolicy.key(community_id))
    except DoesNotExist:
        return default_policy()
    return SlaPolicyDoc.model_validate_json(stored.document)


def policy_view(caller: Caller, community_id: str) -> dict[str, Any]:
    """Raises ForbiddenError, NotFoundError."""
    from chalicelib.directory import service as directory

    caller.require("community", "street", "admin", "property", "grid")
    directory.visible_community(caller, community_id)
    return get_policy(community_id).model_dump(mode="json")


def put_policy(caller: Caller, community_id: str, doc: SlaPolicyDoc,
               now: datetime) -> dict[str, Any]:
    """Replace the policy; tickets already running keep their checkpoints until their next level
    or cycle. Community staff of the community and admins. Raises ForbiddenError, NotFoundError."""
    from chalicelib.directory import service as directory

    caller.require("community", "admin")
    if not caller.is_admin and caller.community_id != community_id:
        raise NotFoundError(f"community {community_id} not found")
    directory.get_community(community_id)
    item = SlaPolicy(*SlaPolicy.key(community_id), community_id=community_id,
                     document=doc.model_dump_json(), updated_at=iso(now),
                     updated_by=caller.user_id)
    item.save()
    return doc.model_dump(mode="json")


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


def clock_values(ticket_id: str, clock: Clock) -> dict[str, Any]:
    """Ticket attributes that put ``clock`` on the ticket and in the due index."""
    next_check = iso(clock.next_check)
    return {
        "sla_phase": clock.phase,
        "sla_level": clock.level,
        "level_started_at": iso(clock.started_at),
        "sla_checkpoints": [iso(c) for c in clock.checkpoints],
        "sla_stage": clock.stage,
        "next_check_at": next_check,
        "response_due_at" if clock.phase == "respond" else "resolution_due_at": iso(clock.due),
        "gsi5pk": due_partition(ticket_id),
        "gsi5sk": f"{next_check}#{ticket_id}",
    }


def clock_actions(ticket_id: str, clock: Clock) -> list[Any]:
    """The update actions of ``clock_values``."""
    return [getattr(Ticket, name).set(value)
            for name, value in clock_values(ticket_id, clock).items()]


def advance_actions(ticket_id: str, checkpoints: list[str], stage: int) -> list[Any]:
    next_check = checkpoints[stage]
    return [Ticket.sla_stage.set(stage), Ticket.next_check_at.set(next_check),
            Ticket.gsi5sk.set(f"{next_check}#{ticket_id}")]


def stop_actions() -> list[Any]:
    """Take the ticket out of the due index: no clock runs while it is not open."""
    return [Ticket.sla_phase.remove(), Ticket.next_check_at.remove(), Ticket.gsi5pk.remove(),
            Ticket.gsi5sk.remove()]


def in_time(ticket: Ticket, now: datetime) -> bool:
    """Whether ``now`` meets the running level-0 target: never escalated and not yet due."""
    due = current_due(ticket)
    return int(ticket.escalation_level) == 0 and (due is None or now <= due)


def auto_close_actions(ticket_id: str, resolved: datetime) -> list[Any]:
    """After a resolution the only checkpoint left is the automatic close, 7 days later, unless
    the reporter confirms or reopens first."""
    at = iso(resolved + AUTO_CLOSE_AFTER)
    checkpoints: list[Any] = [at]
    return [Ticket.sla_phase.set(AUTO_CLOSE), Ticket.sla_checkpoints.set(checkpoints),
            Ticket.sla_stage.set(0), Ticket.next_check_at.set(at),
            Ticket.gsi5pk.set(due_partition(ticket_id)), Ticket.gsi5sk.set(f"{at}#{ticket_id}")]


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
