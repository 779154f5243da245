"""Community statistics (SPEC 3.3) from counters kept up to date at each ticket change.

Each change adds to its day and month buckets (the community's time zone) and to the ``current``
bucket in the same transaction as the ticket write, so ``handled = resolved_by_property_in_time +
resolved_under_supervision`` holds by construction, and a read is one Query plus one GetItem
however many tickets there are: all-time reads take the month buckets, periods the day buckets.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalicelib.core.errors import InvalidInputError, NotFoundError
from chalicelib.core.timeutil import iso, utcnow

if TYPE_CHECKING:
    from chalicelib.identity.caller import Caller
    from chalicelib.tickets.models import Ticket

CURRENT = "current"
DIMENSIONS = ("category", "grid", "estate")
RESPONSE_HISTOGRAM = "response_s"
DAY_METRICS = ("created", "responded", "responded_in_time", "handled", "in_time", "supervised",
               "rejected", "duplicates", "reopened", "ratings", "rating_sum", "escalations")
CURRENT_METRICS = ("open", "escalated_open")


@dataclass(frozen=True)
class Bump:
    """Add ``delta`` to ``metric`` in ``bucket`` for a ticket (and each of its dimensions)."""

    metric: str
    delta: int | float
    bucket: str


def day_bucket(at: datetime, timezone: str) -> str:
    return "day:" + at.astimezone(ZoneInfo(timezone)).date().isoformat()


RESPONSE_EDGES_S = (60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10800, 14400,
                    21600, 28800, 43200, 64800, 86400, 129600, 172800, 259200, 432000, 604800)
WEEK_S = 604800


def response_bucket(seconds: float) -> int:
    """Histogram bucket (its upper bound, in seconds) of a first-response time: a fixed, short
    list of edges (1 min … 7 days, then whole weeks) keeps every bucket item small."""
    s = max(0.0, seconds)
    for edge in RESPONSE_EDGES_S:
        if s <= edge:
            return edge
    return math.ceil(s / WEEK_S) * WEEK_S


def month_bucket(day: str) -> str:
    return "month:" + day[len("day:"):len("day:") + 7]


DEVICE = "device_"
"""The prefix of device tickets' counters: they are kept apart from the human figures."""


def _prefix(ticket: Ticket) -> str:
    return DEVICE if ticket.source == "device" else ""


def attribute_names(metric: str, ticket: Ticket) -> list[str]:
    names = [metric]
    values = {"category": ticket.category, "grid": ticket.grid_id, "estate": ticket.estate_id}
    for dimension in DIMENSIONS:
        if values[dimension]:
            names.append(f"{metric}#{dimension}#{values[dimension]}")
    return names


def deltas(ticket: Ticket, bumps: Iterable[Bump]) -> dict[str, dict[str, float]]:
    """Counter deltas by bucket and attribute name: each day bump also counts in its month."""
    by_bucket: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    prefix = _prefix(ticket)
    for bump in bumps:
        if bump.delta == 0:
            continue
        buckets = [bump.bucket]
        if bump.bucket.startswith("day:"):
            buckets.append(month_bucket(bump.bucket))
        for name in attribute_names(prefix + bump.metric, ticket):
            for bucket in buckets:
                by_bucket[bucket][name] += bump.delta
    return by_bucket


# --- what each ticket change counts ---------------------------------------------------------

def on_create(ticket: Ticket, now: datetime, tz: str) -> list[Bump]:
    return [Bump("created", 1, day_bucket(now, tz)), Bump("open", 1, CURRENT)]


def on_first_response(ticket: Ticket, now: datetime, tz: str, seconds: float,
                      in_time: bool) -> list[Bump]:
    day = day_bucket(now, tz)
    return [Bump("responded", 1, day), Bump("responded_in_time", int(in_time), day),
            Bump(f"{RESPONSE_HISTOGRAM}#{response_bucket(seconds)}", 1, day)]


def on_escalation(ticket: Ticket, now: datetime, tz: str, first: bool) -> list[Bump]:
    return [Bump("escalations", 1, day_bucket(now, tz)),
            Bump("escalated_open", int(first), CURRENT)]


def _leaving_open(ticket: Ticket) -> list[Bump]:
    return [Bump("open", -1, CURRENT),
            Bump("escalated_open", -int(int(ticket.escalation_level) > 0), CURRENT)]


def supervised_metric(supervised: bool) -> str:
    return "supervised" if supervised else "in_time"


def counted_supervised(ticket: Ticket) -> bool:
    """Whether a resolution of ``ticket`` counts as handled under supervision: it escalated, or
    somebody other than the property company acted on it at level 0."""
    return int(ticket.escalation_level or 0) > 0 or bool(ticket.supervised)


def on_resolve(ticket: Ticket, now: datetime, tz: str, supervised: bool) -> list[Bump]:
    day = day_bucket(now, tz)
    supervised = supervised or int(ticket.escalation_level or 0) > 0
    return [Bump("handled", 1, day), Bump(supervised_metric(supervised), 1, day),
            *_leaving_open(ticket)]


def on_reopen(ticket: Ticket, now: datetime, tz: str) -> list[Bump]:
    """A reopened ticket is no longer handled: the reversal is posted in the period of the
    reopen, so the figures of past periods never change; the next resolution counts in its own
    period."""
    day = day_bucket(now, tz)
    escalated = int(int(ticket.escalation_level or 0) > 0)
    return [Bump("handled", -1, day),
            Bump(supervised_metric(counted_supervised(ticket)), -1, day),
            Bump("reopened", 1, day), Bump("open", 1, CURRENT),
            Bump("escalated_open", escalated, CURRENT)]


def on_dismiss(ticket: Ticket, now: datetime, tz: str, metric: str) -> list[Bump]:
    """Rejected or duplicate: counted on its day, and no longer open."""
    return [Bump(metric, 1, day_bucket(now, tz)), *_leaving_open(ticket)]


def on_rating(ticket: Ticket, now: datetime, tz: str, rating: int) -> list[Bump]:
    day = day_bucket(now, tz)
    return [Bump("ratings", 1, day), Bump("rating_sum", rating, day)]


# --- reading --------------------------------------------------------------------------------

def _parse_day(text: str | None, field: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise InvalidInputError(f"{field} must be a date YYYY-MM-DD",
                                [{"field": field, "message": "not a date"}]) from err


def _totals(buckets: Iterable[dict[str, float]]) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for bucket in buckets:
        for name, value in bucket.items():
            totals[name] += value
    return totals


def _bounds(first: date | None, last: date | None) -> tuple[str, str]:
    if first is None and last is None:
        return "month:", "month:~"
    return (f"day:{first.isoformat()}" if first else "day:",
            f"day:{last.isoformat()}" if last else "day:~")


def overdue_counts(tickets: Iterable[Ticket]) -> dict[str, float]:
    """``overdue`` counters (overall and per dimension) of the tickets past their target now."""
    counts: dict[str, float] = defaultdict(float)
    for ticket in tickets:
        for name in attribute_names(_prefix(ticket) + "overdue", ticket):
            counts[name] += 1
    return counts


def median_from_histogram(histogram: dict[int, float]) -> int | None:
    total = sum(histogram.values())
    if total <= 0:
        return None
    running = 0.0
    for upper in sorted(histogram):
        running += histogram[upper]
        if running >= total / 2:
            return upper
    return None


def _figures(days: dict[str, float], current: dict[str, float], suffix: str,
             prefix: str = "") -> dict[str, Any]:
    """The figures of the counters named ``{prefix}{metric}{suffix}`` (prefix ``device_``:
    device tickets)."""
    def day(metric: str) -> float:
        return days.get(prefix + metric + suffix, 0.0)

    histogram_name = prefix + RESPONSE_HISTOGRAM + "#"
    histogram = {
        int(name[len(histogram_name):].split("#")[0]): value
        for name, value in days.items()
        if name.startswith(histogram_name) and name.endswith(suffix)
        and name.count("#") == 1 + suffix.count("#")
    }
    responded = day("responded")
    ratings = day("ratings")
    return {
        "handled": int(day("handled")),
        "resolved_by_property_in_time": int(day("in_time")),
        "resolved_under_supervision": int(day("supervised")),
        "created": int(day("created")),
        "open": int(current.get(prefix + "open" + suffix, 0)),
        "overdue_now": int(current.get(prefix + "overdue" + suffix, 0)),
        "escalated_open": int(current.get(prefix + "escalated_open" + suffix, 0)),
        "rejected": int(day("rejected")),
        "duplicates": int(day("duplicates")),
        "reopened": int(day("reopened")),
        "escalations": int(day("escalations")),
        "median_first_response_s": median_from_histogram(histogram),
        "response_in_time_rate": round(day("responded_in_time") / responded, 4)
        if responded else None,
        "satisfaction_avg": round(day("rating_sum") / ratings, 2) if ratings else None,
        "ratings": int(ratings),
    }


def _dimension_values(names: Iterable[str], dimension: str) -> set[str]:
    marker = f"#{dimension}#"
    return {name.split(marker, 1)[1] for name in names if marker in name}


def community_stats(caller: Caller, community_id: str, first: str | None = None,
                    last: str | None = None, now: datetime | None = None) -> dict[str, Any]:
    """SPEC 3.3 figures for ``first``..``last`` (dates in the community's zone; all time when
    omitted). Raises ForbiddenError, NotFoundError, InvalidInputError."""
    from chalicelib.directory import service as directory

    caller.require("community", "street", "admin")
    community, scope = directory.visible_community(caller, community_id)
    if not scope.supervises_community(community_id):
        raise NotFoundError(f"community {community_id} not found")
    start, end = _parse_day(first, "from"), _parse_day(last, "to")
    if start and end and end < start:
        raise InvalidInputError("to is before from", [{"field": "to", "message": "before from"}])
    from chalicelib.tickets import store

    day_totals = _totals(store.stats_buckets(community_id, *_bounds(start, end)))
    current_totals = _totals([store.stats_bucket(community_id, CURRENT),
                              overdue_counts(store.overdue(community_id, iso(now or utcnow())))])
    names = {n for n in set(day_totals) | set(current_totals) if not n.startswith(DEVICE)}
    result: dict[str, Any] = {
        "community_id": community_id, "timezone": community.timezone,
        "from": first, "to": last, **_figures(day_totals, current_totals, ""),
        "device_tickets": _figures(day_totals, current_totals, "", DEVICE),
    }
    for dimension in DIMENSIONS:
        result[f"by_{dimension}"] = {
            value: _figures(day_totals, current_totals, f"#{dimension}#{value}")
            for value in sorted(_dimension_values(names, dimension))
        }
    return result
