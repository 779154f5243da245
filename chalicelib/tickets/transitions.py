"""Moving a ticket through its lifecycle, and comments.

Each action's effect is a pure function of the ticket as read, the actor's relation to it and
the request, giving a ``Change`` (attribute values, counter bumps, notes); the store commits it
conditionally on the revision read, and the committed ticket is what the caller gets back.

Accountability (SPEC 3.1): a response counts for the property company only when its own staff
make it. A public act of community, street, grid or admin staff on a level-0 ticket is recorded
and marks the ticket ``supervised`` (it will count as handled under supervision), but the
property company's response clock keeps running. At level 1 the community office (or the street
office, or an admin) answers; at level 2 the street office (or an admin).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.core import observability
from chalicelib.core.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    InvalidTransitionError,
)
from chalicelib.core.ids import new_id
from chalicelib.core.timeutil import iso, parse_iso, utcnow
from chalicelib.identity.caller import REPORTER_ROLES, STAFF_ROLES, Caller
from chalicelib.inbox import service as inbox
from chalicelib.tickets import escalation, lifecycle, sla, stats, store
from chalicelib.tickets.errors import TicketBusyError
from chalicelib.tickets.models import Ticket, TicketEvent
from chalicelib.tickets.views import Detail
from chalicelib.tickets.visibility import Relation, Viewer, load_visible, read_ticket, viewer

if TYPE_CHECKING:
    from chalicelib.tickets import schemas as docs
    from chalicelib.tickets.sla_policy import SlaPolicyDoc

ATTEMPTS = 3
ANSWERS_AT_LEVEL: dict[int, frozenset[str]] = {
    0: frozenset({"property"}),
    1: frozenset({"community", "street", "admin"}),
    2: frozenset({"street", "admin"}),
}
FAN_OUT_LIMIT = 500


@dataclass
class Change:
    """What a transition writes besides its status and timeline entry."""

    sets: dict[str, Any] = field(default_factory=dict)
    removes: set[str] = field(default_factory=set)
    bumps: list[stats.Bump] = field(default_factory=list)
    note: str | None = None
    staff_note: bool = False
    tell_followers: str | None = None
    new_cycle: int | None = None

    def add(self, other: Change) -> Change:
        self.sets.update(other.sets)
        self.removes |= other.removes
        self.bumps += other.bumps
        return self


class Clocks:
    """The community's policy, read once per operation, to plan a ticket's next clock."""

    def __init__(self, ticket: Ticket) -> None:
        self._ticket = ticket

    @cached_property
    def policy(self) -> SlaPolicyDoc:
        return sla.get_policy(self._ticket.community_id)

    def plan(self, level: int, phase: sla.Phase, start: datetime, now: datetime) -> sla.Clock:
        return sla.plan(self.policy, self._ticket.category, level, phase, start, now)


def answers_for_level(role: str | None, level: int) -> bool:
    """Whether an act in capacity ``role`` answers for the ticket at ``level``."""
    return role in ANSWERS_AT_LEVEL[min(level, sla.LAST_LEVEL)]


def public_act(t: Ticket, rel: Relation, now: datetime, clocks: Clocks, stays_open: bool
               ) -> Change:
    """A public act of staff: the first one sets ``acknowledged_at``; one by the party that
    answers at the ticket's level stops its response clock (freezing ``responded_in_time``)
    and, while the ticket stays open, starts the resolution clock; one by anybody else on a
    level-0 ticket marks it supervised."""
    change = Change()
    if t.acknowledged_at is None:
        change.sets["acknowledged_at"] = iso(now)
    level = int(t.sla_level or 0)
    if level == 0 and rel.staff_role != "property" and not t.supervised:
        change.sets["supervised"] = True
    if t.sla_phase != "respond" or not answers_for_level(rel.staff_role, level):
        return change
    in_time = sla.in_time(t, now)
    if t.responded_in_time is None:
        change.sets["responded_in_time"] = in_time
    waited = (now - parse_iso(t.created_at)).total_seconds()
    change.bumps += stats.on_first_response(t, now, t.timezone, waited, in_time)
    if stays_open:
        started = parse_iso(t.level_started_at) if t.level_started_at else now
        change.sets.update(sla.clock_values(clocks.plan(level, "resolve", started, now)))
    return change


def _acknowledge(t: Ticket, rel: Relation, doc: Any, now: datetime, clocks: Clocks) -> Change:
    change = Change(note=doc.note, staff_note=True)
    if rel.staff_role == "property":
        change.tell_followers = "物业已受理您的工单"
    elif t.status == lifecycle.SUBMITTED:
        change.tell_followers = "工单已受理"
    return change.add(public_act(t, rel, now, clocks, stays_open=True))


def _resolve(t: Ticket, rel: Relation, doc: Any, now: datetime, clocks: Clocks) -> Change:
    change = public_act(t, rel, now, clocks, stays_open=False)
    supervised = bool(change.sets.get("supervised", t.supervised))
    change.sets.update({"resolved_at": iso(now), "resolved_in_time": sla.in_time(t, now),
                        "resolved_at_level": int(t.sla_level or 0),
                        **sla.auto_close_values(now)})
    change.removes.add("due_at")
    change.bumps += stats.on_resolve(t, now, t.timezone, supervised)
    change.note, change.staff_note = doc.note, True
    change.tell_followers = f"工单已办结：{doc.note}"
    return change


def _dismiss(t: Ticket, rel: Relation, now: datetime, clocks: Clocks, metric: str) -> Change:
    change = public_act(t, rel, now, clocks, stays_open=False)
    change.removes |= sla.STOPPED
    change.bumps += stats.on_dismiss(t, now, t.timezone, metric)
    return change


def _reject(t: Ticket, rel: Relation, doc: Any, now: datetime, clocks: Clocks) -> Change:
    change = _dismiss(t, rel, now, clocks, "rejected")
    change.note, change.staff_note = doc.reason, True
    change.tell_followers = f"工单未予受理：{doc.reason}"
    return change


def _duplicate(t: Ticket, rel: Relation, doc: Any, now: datetime, clocks: Clocks) -> Change:
    change = _dismiss(t, rel, now, clocks, "duplicates")
    change.sets["duplicate_of"] = doc.duplicate_of
    change.note, change.staff_note = doc.reason or f"与工单 {doc.duplicate_of} 重复", True
    change.tell_followers = "工单已合并至另一工单"
    return change


def _reopen(t: Ticket, rel: Relation, doc: Any, now: datetime, clocks: Clocks) -> Change:
    if t.resolved_at and not lifecycle.reopen_allowed(parse_iso(t.resolved_at), now):
        raise InvalidTransitionError("reopen", t.status,
                                     "a ticket can be reopened within 7 days of its resolution")
    cycle = int(t.sla_cycle or 0) + 1
    clock = clocks.plan(int(t.sla_level or 0), "resolve", now, now)
    change = Change(sets={"sla_cycle": cycle, "breached_final": False,
                          **sla.clock_values(clock)},
                    removes={"resolved_at"}, note=doc.note, new_cycle=cycle)
    change.bumps += stats.on_reopen(t, now, t.timezone)
    return change


def _close(t: Ticket, rel: Relation, doc: Any, now: datetime, clocks: Clocks) -> Change:
    change = Change(sets={"closed_at": iso(now), "rating": doc.rating},
                    removes=set(sla.STOPPED), note=doc.comment)
    if doc.comment:
        change.sets["rating_comment"] = doc.comment
    change.bumps += stats.on_rating(t, now, t.timezone, doc.rating)
    return change


Effect = Callable[[Ticket, Relation, Any, datetime, Clocks], Change]
EFFECTS: dict[str, Effect] = {
    "acknowledge": _acknowledge, "resolve": _resolve, "reject": _reject,
    "duplicate": _duplicate, "reopen": _reopen, "close": _close,
}


def authorise(action: str, rel: Relation) -> None:
    """Who may take ``action``. Raises ForbiddenError."""
    if action in lifecycle.STAFF_ACTIONS:
        if not rel.staff:
            raise ForbiddenError("you are not responsible for this ticket")
        if action in lifecycle.ACCOUNTABLE_ACTIONS and not rel.accountable:
            raise ForbiddenError(f"a grid worker may not {action} a ticket")
    elif not rel.reporter:
        raise ForbiddenError("only the reporter may do this")


def next_status(action: str, t: Ticket, rel: Relation) -> str:
    """Raises InvalidTransitionError. The responsible party may still acknowledge a ticket that
    a supervisor acknowledged first while its response clock runs."""
    if (action == "acknowledge" and t.status == lifecycle.ACKNOWLEDGED
            and t.sla_phase == "respond" and answers_for_level(rel.staff_role,
                                                               int(t.sla_level or 0))):
        return lifecycle.ACKNOWLEDGED
    return lifecycle.next_status(action, t.status)


def _event(t: Ticket, now: datetime, caller: Caller, role: str, action: str,
           note: str | None, public: bool, to_status: str | None) -> TicketEvent:
    return store.new_event(t.ticket_id, iso(now), new_id("ev_"), actor_id=caller.user_id,
                           actor_name=caller.name, actor_role=role, action=action, note=note,
                           public=public, from_status=t.status, to_status=to_status)


def _commit(t: Ticket, sets: dict[str, Any], removes: set[str], event: TicketEvent,
            bumps: list[stats.Bump], action: str) -> Ticket:
    try:
        committed = store.commit(t, store.TicketWrite(sets, removes, event, bumps))
    except store.StaleTicketError as err:
        current = read_ticket(t.ticket_id, consistent=True).status
        if current != t.status:
            raise InvalidTransitionError(action, current) from err
        raise TicketBusyError(t.ticket_id) from err
    if t.responded_in_time is None and "responded_in_time" in sets:
        observability.add_metric(sla.response_metric(bool(sets["responded_in_time"])))
    return committed


def _retrying(operation: Callable[[], Detail]) -> Detail:
    for _ in range(ATTEMPTS - 1):
        try:
            return operation()
        except TicketBusyError:
            continue
    try:
        return operation()
    except TicketBusyError as err:
        raise ConflictError("the ticket is changing right now; retry") from err


def transition(caller: Caller, ticket_id: str, action: str, doc: Any,
               now: datetime | None = None) -> Detail:
    """Apply ``action`` (acknowledge, resolve, reopen, close, reject, duplicate); returns the
    ticket as committed with its timeline.

    Raises ForbiddenError (role, or not responsible), NotFoundError (out of scope),
    InvalidTransitionError, InvalidInputError (bad duplicate_of), ConflictError (the ticket
    kept changing).
    """
    now = now or utcnow()
    if action in lifecycle.STAFF_ACTIONS:
        caller.require(*sorted(STAFF_ROLES))
    else:
        caller.require(*REPORTER_ROLES)
    v = viewer(caller)
    return _retrying(lambda: _transition(v, ticket_id, action, doc, now))


def _transition(v: Viewer, ticket_id: str, action: str, doc: Any, now: datetime) -> Detail:
    t, rel = load_visible(v, ticket_id, consistent=True)
    authorise(action, rel)
    to = next_status(action, t, rel)
    original = _duplicate_target(v, t, doc.duplicate_of) if action == "duplicate" else None
    clocks = Clocks(t)
    change = EFFECTS[action](t, rel, doc, now, clocks)
    sets = {"status": to, "updated_at": iso(now), **change.sets}
    if change.note and change.staff_note:
        sets["latest_public_note"] = change.note
    role = (rel.staff_role or "resident") if action in lifecycle.STAFF_ACTIONS else "resident"
    event = _event(t, now, v.caller, role, action, change.note, True, to)
    committed = _commit(t, sets, change.removes, event, change.bumps, action)
    _after(committed, change, now)
    if original is not None:
        _join_followers(committed, original, now)
    return _answer(v, committed, rel)


def _after(ticket: Ticket, change: Change, now: datetime) -> None:
    if change.tell_followers:
        inbox.notify_users(store.follower_ids(ticket.ticket_id, FAN_OUT_LIMIT), "ticket",
                           ticket.ticket_id, change.tell_followers, now)
    if change.new_cycle is not None and ticket.next_check_at:
        escalation.start_workflow(ticket.ticket_id, change.new_cycle, ticket.next_check_at)


def _duplicate_target(v: Viewer, ticket: Ticket, target_id: str) -> Ticket:
    bad = InvalidInputError(
        "duplicate_of must name another ticket of the same community",
        [{"field": "duplicate_of", "message": "not a ticket of this community"}])
    if target_id == ticket.ticket_id:
        raise bad
    original = store.get_ticket(target_id)
    if original is None or original.community_id != ticket.community_id \
            or v.relation(original) is None:
        raise bad
    if original.status == lifecycle.DUPLICATE:
        raise InvalidInputError("duplicate_of names a ticket that is itself a duplicate",
                                [{"field": "duplicate_of", "message": "is a duplicate"}])
    return original


def followers_may_join(duplicate: Ticket, original: Ticket) -> bool:
    """The duplicate's followers could all see it as neighbours of its estate; they join the
    original only when they can see that one too: public, in the same estate."""
    return not original.private and original.estate_id == duplicate.estate_id


def _join_followers(duplicate: Ticket, original: Ticket, now: datetime) -> None:
    if not followers_may_join(duplicate, original):
        return
    for user_id in store.follower_ids(duplicate.ticket_id, FAN_OUT_LIMIT):
        store.follow(original.ticket_id, user_id, iso(now))


# --- comments -------------------------------------------------------------------------------

def add_comment(caller: Caller, ticket_id: str, doc: docs.NewComment,
                now: datetime | None = None) -> Detail:
    """A comment; a public one by staff is a public act (see ``public_act``).

    Raises NotFoundError, ForbiddenError (internal comment by a non-staff caller), ConflictError.
    """
    now = now or utcnow()
    v = viewer(caller)
    return _retrying(lambda: _comment(v, ticket_id, doc, now))


def _comment(v: Viewer, ticket_id: str, doc: docs.NewComment, now: datetime) -> Detail:
    t, rel = load_visible(v, ticket_id, consistent=True)
    if doc.internal and not rel.staff:
        raise ForbiddenError("only staff may write internal notes")
    public = not doc.internal
    change = Change()
    to = t.status
    if rel.staff and public and t.status in lifecycle.OPEN_STATUSES:
        change = public_act(t, rel, now, Clocks(t), stays_open=True)
        change.sets["latest_public_note"] = doc.message
        to = lifecycle.comment_status(t.status, True, True)
    sets = {"updated_at": iso(now), **change.sets}
    if to != t.status:
        sets["status"] = to
    role = rel.staff_role or "resident"
    event = _event(t, now, v.caller, role, "comment", doc.message, public,
                   to if to != t.status else None)
    if set(sets) <= {"updated_at", "latest_public_note"} and not change.bumps:
        committed = store.append(t, sets, event)
    else:
        committed = _commit(t, sets, change.removes, event, change.bumps, "comment on")
    return _answer(v, committed, rel)


def _answer(v: Viewer, committed: Ticket, rel: Relation) -> Detail:
    """The committed ticket with its timeline, as the actor sees it (their sight audited)."""
    from chalicelib.tickets.reading import record_sight

    detail = Detail(committed, rel, v.caller.user_id,
                    store.timeline(committed.ticket_id, consistent=True))
    record_sight(v.caller, [detail])
    return detail
