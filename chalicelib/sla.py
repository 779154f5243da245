"""Service levels: who is responsible at each escalation level and when a response is due.

This module holds the default policy of SPEC 3.2 and the live SLA shown on every ticket.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.lifecycle import ACKNOWLEDGED, SUBMITTED
from chalicelib.timeutil import iso, parse_iso


@dataclass(frozen=True)
class Level:
    level: int
    responsible: str
    respond_min: int
    resolve_min: int


DEFAULT_LEVELS = (
    Level(0, "property", 360, 4320),
    Level(1, "community", 240, 4320),
    Level(2, "street", 240, 4320),
)


def initial_due(created: datetime) -> tuple[datetime, datetime]:
    """Response and resolution due times of a new ticket at level 0 (wall clock)."""
    first = DEFAULT_LEVELS[0]
    return created + timedelta(minutes=first.respond_min), created + timedelta(
        minutes=first.resolve_min)


def live(status: str, level: int, response_due_at: str | None, resolution_due_at: str | None,
         now: datetime, responsible_name: str | None = None) -> dict[str, Any]:
    """The SLA block of a ticket: level, responsible party, due time, seconds left, breached."""
    responsible = DEFAULT_LEVELS[min(level, len(DEFAULT_LEVELS) - 1)].responsible
    due: str | None = None
    if status == SUBMITTED:
        due = response_due_at
    elif status == ACKNOWLEDGED:
        due = resolution_due_at
    remaining = None
    breached = False
    if due is not None:
        remaining = int((parse_iso(due) - now).total_seconds())
        breached = remaining < 0
    return {
        "level": level,
        "responsible": responsible,
        "responsible_name": responsible_name,
        "due_at": due,
        "remaining_s": remaining,
        "breached": breached,
    }


__all__ = ["DEFAULT_LEVELS", "Level", "initial_due", "iso", "live"]
