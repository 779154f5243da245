"""Every figure of the statistics equals a recount, all-time and per period, for any sequence of
reports, responses by the property company and by supervisors, escalations, resolutions,
reopens, duplicates, rejections and ratings (SPEC 3.1, 3.3)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.core.errors import ForbiddenError, InvalidInputError, InvalidTransitionError
from chalicelib.core.timeutil import parse_iso
from chalicelib.identity.caller import Caller
from chalicelib.tickets import escalation, reporting, stats, store, transitions
from chalicelib.tickets import schemas as docs
from chalicelib.tickets.models import Ticket, TicketEvent

ZONE = ZoneInfo("Asia/Shanghai")
LIN = Caller("lin", "林小梅", None, frozenset({"resident", "owner"}), "jinxiu")
HUANG = Caller("huang", "黄大伟", None, frozenset({"resident"}), "jinxiu")
STAFF = {
    "property": Caller("wuye", "物业", None, frozenset({"property"}), "jinxiu"),
    "community": Caller("chen", "陈", None, frozenset({"community"}), "jinxiu"),
    "street": Caller("jiedao", "街道", None, frozenset({"street"}), "jinxiu"),
    "grid": Caller("grid1", "网格", None, frozenset({"grid"}), "jinxiu"),
}
SUPERVISORS = {"community", "street", "grid", "admin"}
ALL_TIME = ("handled", "resolved_by_property_in_time", "resolved_under_supervision", "open",
            "overdue_now", "escalated_open", "rejected", "duplicates", "reopened", "ratings",
            "created")
PERIOD = ("handled", "resolved_by_property_in_time", "resolved_under_supervision", "rejected",
          "duplicates", "reopened", "ratings", "created")
ACTIONS = ["create", "acknowledge", "comment", "resolve", "reopen", "close", "reject",
           "duplicate", "advance", "wait"]
STEP = st.tuples(st.sampled_from(ACTIONS), st.integers(0, 7), st.sampled_from(sorted(STAFF)),
                 st.sampled_from(["public_area", "noise"]))
EXPECTED_REFUSALS = (InvalidTransitionError, InvalidInputError, ForbiddenError)


TRANSIENT = ("TICKET#", "STATS#", "INBOX#", "RATE#", "AUDIT#")


def table() -> Any:
    """The embedded table itself: the recount reads moto's items in-process, as a scan would,
    without serialising every item for every example."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables["fanglin-test"]


def raw_items() -> list[dict[str, Any]]:
    return [item.to_json()["Attributes"] for by_range in table().items.values()
            for item in by_range.values()]


def forget_tickets() -> None:
    """Start an example from a community without tickets (the directory stays)."""
    items = table().items
    for partition in [pk for pk in items if str(pk.value).startswith(TRANSIENT)]:
        del items[partition]


def tickets_and_events() -> tuple[list[Ticket], dict[str, list[TicketEvent]]]:
    """Every ticket and timeline entry in the table (a test may read everything; the app
    never scans)."""
    items = raw_items()
    tickets = [Ticket.from_raw_data(i) for i in items if i["sk"]["S"] == "TICKET"]
    events: dict[str, list[TicketEvent]] = defaultdict(list)
    for i in items:
        if i["sk"]["S"].startswith("EVENT#"):
            event = TicketEvent.from_raw_data(i)
            events[event.ticket_id].append(event)
    for timeline in events.values():
        timeline.sort(key=lambda e: e.sk)
    return tickets, events


def day_of(at: str) -> date:
    return parse_iso(at).astimezone(ZONE).date()


def period_recount(tickets: list[Ticket], events: dict[str, list[TicketEvent]],
                   first: date | None, last: date | None) -> dict[str, int]:
    """The period figures from the timelines: a resolution counts on its day, as supervised when
    the ticket escalated or a supervisor acted in public before or with it; a reopen reverses it
    on the reopen's day."""
    f = dict.fromkeys(PERIOD, 0)

    def inside(at: str) -> bool:
        d = day_of(at)
        return (first is None or d >= first) and (last is None or d <= last)

    for t in tickets:
        supervised = False
        counted_as: list[bool] = []
        if inside(t.created_at):
            f["created"] += 1
        for e in events[t.ticket_id]:
            if e.action == "escalated" or (e.public and e.actor_role in SUPERVISORS):
                supervised = True
            if e.action == "resolve":
                counted_as.append(supervised)
                if inside(e.at):
                    f["handled"] += 1
                    f["resolved_under_supervision" if supervised
                      else "resolved_by_property_in_time"] += 1
            elif e.action == "reopen":
                was = counted_as[-1]
                if inside(e.at):
                    f["handled"] -= 1
                    f["reopened"] += 1
                    f["resolved_under_supervision" if was
                      else "resolved_by_property_in_time"] -= 1
            elif e.action in ("reject", "duplicate") and inside(e.at):
                f["rejected" if e.action == "reject" else "duplicates"] += 1
            elif e.action == "close" and e.actor_role == "resident" and inside(e.at):
                f["ratings"] += 1
    return f


def all_time_recount(tickets: list[Ticket], events: dict[str, list[TicketEvent]],
                     now: datetime) -> dict[str, int]:
    """All-time figures from the tickets' current outcomes (and, for what only a timeline
    knows, reopens and ratings, from the timelines)."""
    f = period_recount(tickets, events, None, None)
    handled = [t for t in tickets if t.status in ("resolved", "closed")]
    supervised = [t for t in handled if int(t.escalation_level) > 0 or bool(t.supervised)]
    open_ = [t for t in tickets if t.status in ("submitted", "acknowledged")]
    f.update(
        handled=len(handled), resolved_under_supervision=len(supervised),
        resolved_by_property_in_time=len(handled) - len(supervised), open=len(open_),
        escalated_open=sum(int(t.escalation_level) > 0 for t in open_),
        overdue_now=sum(t.due_at is not None and parse_iso(t.due_at) <= now for t in open_),
        rejected=sum(t.status == "rejected" for t in tickets),
        duplicates=sum(t.status == "duplicate" for t in tickets),
        created=len(tickets))
    return f


def perform(step: tuple[str, int, str, str], ids: list[str], clock: datetime) -> None:
    action, pick, capacity, category = step
    if action == "create" or not ids:
        reporter = LIN if pick % 2 else HUANG
        body = docs.NewTicket(category=category, description="x",
                              location=docs.Location(estate_id="huayuan", building="b1"))
        ids.append(reporting.create_ticket(reporter, body, now=clock).seen.ticket.ticket_id)
        return
    ticket_id = ids[pick % len(ids)]
    staff = STAFF[capacity]
    if action == "advance":
        escalation.advance(ticket_id, clock)
    elif action == "comment":
        transitions.add_comment(staff, ticket_id, docs.NewComment(message="收到"), now=clock)
    elif action in ("reopen", "close"):
        ticket = store.get_ticket(ticket_id)
        assert ticket is not None
        reporter = LIN if ticket.reporter_id == "lin" else HUANG
        doc: Any = (docs.Note(note="没修好") if action == "reopen"
                    else docs.Close(rating=pick % 5 + 1))
        transitions.transition(reporter, ticket_id, action, doc, now=clock)
    elif action != "wait":
        doc = {"acknowledge": docs.OptionalNote(), "resolve": docs.Note(note="已处理"),
               "reject": docs.Reject(reason="不属实"),
               "duplicate": docs.Duplicate(duplicate_of=ids[0])}[action]
        transitions.transition(staff, ticket_id, action, doc, now=clock)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(STEP, min_size=3, max_size=10), gap_h=st.sampled_from([1, 3, 7, 30]))
def test_every_figure_equals_a_recount(world: dict[str, Any], steps: list[Any],
                                       gap_h: int) -> None:
    forget_tickets()
    ids: list[str] = []
    clock = datetime.now(timezone.utc)
    for step in steps:
        clock += timedelta(hours=gap_h)
        try:
            perform(step, ids, clock)
        except EXPECTED_REFUSALS:
            pass
    tickets, events = tickets_and_events()
    body = stats.community_stats(STAFF["community"], "jinxiu", now=clock)
    assert {k: body[k] for k in ALL_TIME} == all_time_recount(tickets, events, clock)
    assert body["handled"] == body["resolved_by_property_in_time"] + \
        body["resolved_under_supervision"]
    days = sorted({day_of(e.at) for timeline in events.values() for e in timeline})
    middle = days[len(days) // 2]
    for first, last in ((days[0], middle), (middle + timedelta(days=1), days[-1]),
                        (middle, middle)):
        if first > last:
            continue
        period = stats.community_stats(STAFF["community"], "jinxiu", first.isoformat(),
                                       last.isoformat(), now=clock)
        assert {k: period[k] for k in PERIOD} == period_recount(tickets, events, first, last), (
            first, last)
