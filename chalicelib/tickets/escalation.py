"""Escalation: one idempotent operation that moves a ticket past its next SLA checkpoint (a
warning, an escalation to the next level, or the final breach). The per-ticket Step Functions
execution and the per-minute sweep both call it; conditional writes let exactly one of them win.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.core import observability
from chalicelib.core.config import get_settings
from chalicelib.core.ids import new_id
from chalicelib.core.timeutil import iso, iso_ceil_second, parse_iso, utcnow
from chalicelib.inbox import service as inbox
from chalicelib.tickets import lifecycle, sla, stats, store
from chalicelib.tickets.errors import TicketBusyError, TicketNotFoundError
from chalicelib.tickets.models import Ticket, TicketEvent

LEVEL_NAMES = {0: "物业", 1: "社区督办", 2: "街道督办"}
SWEEP_PAGE = 100
FAN_OUT_LIMIT = 500


def _read(ticket_id: str) -> Ticket:
    ticket = store.get_ticket(ticket_id, consistent=True)
    if ticket is None:
        raise TicketNotFoundError(ticket_id)
    return ticket


def _answer(ticket: Ticket) -> dict[str, Any]:
    open_clock = ticket.status in lifecycle.OPEN_STATUSES and ticket.next_check_at is not None
    check_at = iso_ceil_second(parse_iso(ticket.next_check_at)) if open_clock else None
    return {"ticket_id": ticket.ticket_id, "done": not open_clock, "check_at": check_at,
            "cycle": int(ticket.sla_cycle)}


def seconds_until_check(ticket_id: str, now: datetime | None = None) -> float:
    """How long until the ticket's next checkpoint (0 if due or none)."""
    ticket = _read(ticket_id)
    if ticket.next_check_at is None:
        return 0.0
    return max(0.0, (parse_iso(ticket.next_check_at) - (now or utcnow())).total_seconds())


@dataclass
class Step:
    """What one checkpoint does: attribute values set and removed, notifications, counters, a
    timeline entry, and a message for the reporter and followers."""

    sets: dict[str, Any]
    removes: set[str] = field(default_factory=set)
    notifications: list[Any] = field(default_factory=list)
    bumps: list[stats.Bump] = field(default_factory=list)
    event: TicketEvent | None = None
    tell_followers: str | None = None
    metrics: tuple[str, ...] = ()


def advance(ticket_id: str, now: datetime | None = None) -> dict[str, Any]:
    """Act on the ticket's next checkpoint if it is due at ``now``; otherwise change nothing.

    Returns ``{ticket_id, done, check_at, cycle}``: when to look again, or done when no clock
    runs. Raises TicketNotFoundError, TicketBusyError (a concurrent change won; retry).
    """
    now = now or utcnow()
    ticket = _read(ticket_id)
    if ticket.next_check_at is None or parse_iso(ticket.next_check_at) > now:
        return _answer(ticket)
    if ticket.status == lifecycle.RESOLVED and ticket.sla_phase == sla.AUTO_CLOSE:
        return _answer(_commit(ticket, _auto_close(ticket, now)))
    if ticket.status not in lifecycle.OPEN_STATUSES:
        return _answer(ticket)
    checkpoints = [str(c) for c in ticket.sla_checkpoints]
    stage = _reached(checkpoints, int(ticket.sla_stage), now)
    if stage < len(checkpoints) - 1:
        step = _warn(ticket, checkpoints, stage, now)
    elif int(ticket.sla_level) < sla.LAST_LEVEL:
        step = _escalate(ticket, now)
    else:
        step = _final_breach(ticket, now)
    committed = _commit(ticket, step)
    for metric in step.metrics:
        observability.add_metric(metric)
    if step.tell_followers:
        inbox.notify_users(store.follower_ids(ticket_id, FAN_OUT_LIMIT), "escalated", ticket_id,
                           step.tell_followers, now)
    return _answer(committed)


def _reached(checkpoints: list[str], stage: int, now: datetime) -> int:
    """The latest checkpoint passed at ``now``: warnings overtaken by a later checkpoint (after an
    outage, say) are skipped rather than sent late."""
    passed = [i for i, at in enumerate(checkpoints) if i >= stage and parse_iso(at) <= now]
    return passed[-1] if passed else stage


def _warn(ticket: Ticket, checkpoints: list[str], stage: int, now: datetime) -> Step:
    fractions = sla.get_policy(ticket.community_id).warnings
    fraction = fractions[min(stage, len(fractions) - 1)] if fractions else 0
    what = "响应" if ticket.sla_phase == "respond" else "办结"
    title = f"工单{what}时限已过{round(fraction * 100)}%，请在 {checkpoints[-1]} 前处理"
    return Step(sla.advance_values(checkpoints, stage + 1),
                notifications=inbox.for_parties(ticket, [int(ticket.sla_level)], "warning",
                                                title, now))


def _escalate(ticket: Ticket, now: datetime) -> Step:
    level = int(ticket.sla_level) + 1
    phase: sla.Phase = "resolve" if ticket.sla_phase == "resolve" else "respond"
    clock = sla.plan(sla.get_policy(ticket.community_id), ticket.category, level, phase, now, now)
    sets = sla.clock_values(clock)
    sets["escalation_level"] = max(level, int(ticket.escalation_level))
    metrics = [sla.escalation_metric(level)]
    if phase == "respond" and ticket.responded_in_time is None:
        sets["responded_in_time"] = False
        metrics.append(sla.response_metric(False))
    what = "响应" if phase == "respond" else "办结"
    note = f"{LEVEL_NAMES[level - 1]}未在时限内{what}，升级至{LEVEL_NAMES[level]}"
    first = int(ticket.escalation_level) == 0
    return Step(sets, notifications=inbox.for_parties(ticket, [level, 0], "escalated", note,
                                                      now, level=level),
                bumps=stats.on_escalation(ticket, now, ticket.timezone, first),
                event=_event(ticket, now, "escalated", note), tell_followers=note,
                metrics=tuple(metrics))


def _final_breach(ticket: Ticket, now: datetime) -> Step:
    note = f"{LEVEL_NAMES[sla.LAST_LEVEL]}时限已过，工单逾期"
    return Step({"breached_final": True}, set(sla.FINAL),
                notifications=inbox.for_parties(ticket, [sla.LAST_LEVEL, 1, 0], "breached",
                                                note, now),
                event=_event(ticket, now, "breached", note), metrics=(sla.FINAL_BREACH_METRIC,))


def _auto_close(ticket: Ticket, now: datetime) -> Step:
    note = "办结 7 天内未确认，自动结案"
    return Step({"status": lifecycle.CLOSED, "closed_at": iso(now), "updated_at": iso(now)},
                set(sla.STOPPED),
                event=_event(ticket, now, "close", note, to_status=lifecycle.CLOSED))


def _event(ticket: Ticket, now: datetime, action: str, note: str,
           to_status: str | None = None) -> TicketEvent:
    return store.new_event(ticket.ticket_id, iso(now), new_id("ev_"), actor_id=None,
                           actor_name=None, actor_role="system", action=action, note=note,
                           public=True, from_status=ticket.status,
                           to_status=to_status or ticket.status)


def _commit(ticket: Ticket, step: Step) -> Ticket:
    try:
        return store.commit(ticket, store.TicketWrite(step.sets, step.removes, step.event,
                                                      step.bumps, step.notifications))
    except store.StaleTicketError as err:
        raise TicketBusyError(f"ticket {ticket.ticket_id} changed; retry") from err


# --- the sweep ------------------------------------------------------------------------------

def due_tickets(now: datetime) -> list[str]:
    """Ids of tickets whose next checkpoint is at or before ``now``, from the sparse due index:
    only due items are read."""
    return store.due_ticket_ids(iso(now), SWEEP_PAGE)


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Advance every ticket that is due: whatever the workflows missed. Returns counts."""
    now = now or utcnow()
    counts = {"due": 0, "advanced": 0, "busy": 0, "gone": 0}
    for ticket_id in due_tickets(now):
        counts["due"] += 1
        try:
            advance(ticket_id, now)
            counts["advanced"] += 1
        except TicketBusyError:
            counts["busy"] += 1
        except TicketNotFoundError:
            counts["gone"] += 1
    return counts


# --- the workflow ---------------------------------------------------------------------------

def execution_name(ticket_id: str, cycle: int) -> str:
    return f"{ticket_id}-c{cycle}"


def start_workflow(ticket_id: str, cycle: int, check_at: str) -> str | None:
    """Start the ticket's Step Functions execution for this cycle; an existing one is kept.

    Returns the execution name, or None when it could not be started (the sweep covers it).
    """
    from chalicelib.core import clients

    sfn = clients.client("stepfunctions")
    name = execution_name(ticket_id, cycle)
    try:
        sfn.start_execution(
            stateMachineArn=get_settings().escalation_state_machine_arn, name=name,
            input=json.dumps({"ticket_id": ticket_id, "cycle": cycle,
                              "check_at": iso_ceil_second(parse_iso(check_at))}))
    except sfn.exceptions.ExecutionAlreadyExists:
        return name
    except Exception:  # noqa: BLE001 - the sweep escalates what a lost execution would have
        observability.logger().exception("could not start escalation workflow",
                                         extra={"ticket_id": ticket_id})
        observability.add_metric("WorkflowStartFailures")
        return None
    return name
