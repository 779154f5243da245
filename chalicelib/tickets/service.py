"""Tickets: reporting, seeing, listing and moving a problem through its lifecycle."""
from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.core.config import get_settings
from chalicelib.core.db import is_conditional_failure, sort_key, transaction
from chalicelib.core.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
    UnprocessableError,
)
from chalicelib.core.ids import new_id
from chalicelib.core.paging import decode_cursor, encode_cursor
from chalicelib.core.timeutil import iso, parse_iso, utcnow
from chalicelib.directory import service as directory
from chalicelib.identity.caller import STAFF_ROLES, Caller
from chalicelib.inbox import service as inbox
from chalicelib.tickets import escalation, lifecycle, photos, ratelimit, sla, stats
from chalicelib.tickets.models import Follower, Ticket, TicketEvent
from chalicelib.tickets.visibility import (
    REPORTER_ROLES,
    Viewer,
    get_ticket_item,
    load_visible,
    viewer,
)

if TYPE_CHECKING:
    from chalicelib.tickets import schemas as docs

MAX_EXAMINED_PER_PAGE = 10


def _now(now: datetime | None) -> datetime:
    return now or utcnow()


# --- creation -------------------------------------------------------------------------------

def create_ticket(caller: Caller, doc: docs.NewTicket, idempotency_key: str | None = None,
                  now: datetime | None = None, lambda_context: Any = None) -> dict[str, Any]:
    """Report a problem: the ticket plus one presigned upload slot per announced photo.

    With an ``idempotency_key`` a retry returns the first result.
    Raises ForbiddenError, InvalidInputError, RateLimitedError, ConflictError (same key still in
    progress), UnprocessableError (same key, different body).
    """
    caller.require(*REPORTER_ROLES)
    if not idempotency_key:
        return _create(caller, doc, _now(now))
    if len(idempotency_key) > 128:
        raise InvalidInputError("Idempotency-Key is longer than 128 characters")
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    request = {
        "key": f"{caller.user_id}:{idempotency_key}",
        "body": doc.model_dump(mode="json"),
    }
    create, config = _idempotent_create()
    if lambda_context is not None:
        config.register_lambda_context(lambda_context)
    try:
        return create(request=request, caller=caller, doc=doc, now=_now(now))
    except IdempotencyValidationError as err:
        raise UnprocessableError("Idempotency-Key was used with a different request") from err
    except IdempotencyAlreadyInProgressError as err:
        raise ConflictError("a request with this Idempotency-Key is in progress") from err


@lru_cache(maxsize=1)
def _idempotent_create() -> tuple[Callable[..., dict[str, Any]], Any]:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    from chalicelib.core import clients

    layer = DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table,
                                     boto3_client=clients.dynamodb())
    config = IdempotencyConfig(event_key_jmespath="key", payload_validation_jmespath="body",
                               expires_after_seconds=24 * 3600)

    @idempotent_function(data_keyword_argument="request", persistence_store=layer, config=config)
    def create(request: dict[str, Any], caller: Caller, doc: docs.NewTicket,
               now: datetime) -> dict[str, Any]:
        return _create(caller, doc, now)

    return create, config


def _create(caller: Caller, doc: docs.NewTicket, now: datetime) -> dict[str, Any]:
    estate, grid_id = _validate_location(caller, doc)
    community = directory.get_community(estate.community_id)
    if doc.category not in directory.category_codes(community):
        raise InvalidInputError(f"unknown category {doc.category}",
                                [{"field": "category", "message": "unknown category"}])
    ratelimit.consume("tickets", caller.user_id, get_settings().tickets_per_hour, now)
    ticket_id = new_id("tk_")
    created = iso(now)
    clock = sla.plan(sla.get_policy(community.community_id), doc.category, 0, "respond", now, now)
    order = f"{created}#{ticket_id}"
    photo_ids = [new_id("ph_") for _ in range(doc.photos)]
    ticket = Ticket(
        *Ticket.key(ticket_id),
        ticket_id=ticket_id, community_id=estate.community_id, estate_id=estate.estate_id,
        grid_id=grid_id, category=doc.category, description=doc.description,
        location=doc.location.model_dump(exclude_none=True), status=lifecycle.SUBMITTED,
        source="resident", reporter_id=caller.user_id, reporter_name=caller.name,
        anonymous=doc.anonymous, private=doc.location.unit_id is not None,
        created_at=created, updated_at=created, followers=1,
        photos={pid: photos.pending_entry(ticket_id, pid, "report", caller.user_id, created)
                for pid in photo_ids},
        report_photos=len(photo_ids), sla_cycle=0, escalation_level=0,
        company_id=estate.company_id, street_id=community.street_id,
        timezone=community.timezone, **sla.clock_values(ticket_id, clock),
        gsi1pk=f"TICKETS#C#{estate.community_id}", gsi1sk=order,
        gsi2pk=f"TICKETS#E#{estate.estate_id}", gsi2sk=order,
        gsi4pk=f"TICKETS#R#{caller.user_id}", gsi4sk=order,
    )
    if grid_id:
        ticket.gsi3pk, ticket.gsi3sk = f"TICKETS#G#{grid_id}", order
    event = _event(ticket_id, now, caller, "resident", "created", None, True, None,
                   lifecycle.SUBMITTED)
    with transaction() as tx:
        tx.save(ticket, condition=Ticket.pk.does_not_exist())
        tx.save(event)
        tx.save(Follower(*Follower.key(ticket_id, caller.user_id), ticket_id=ticket_id,
                         user_id=caller.user_id, since=created))
        stats.add_to(tx, ticket, stats.on_create(ticket, now, community.timezone))
    escalation.start_workflow(ticket_id, 0, iso(clock.next_check))
    return {
        "ticket": represent(ticket, "reporter", now),
        "uploads": [photos.upload_slot(ticket_id, pid) for pid in photo_ids],
    }


def _validate_location(caller: Caller, doc: docs.NewTicket) -> tuple[Any, str | None]:
    loc = doc.location
    try:
        estate = directory.get_estate(loc.estate_id)
    except NotFoundError as err:
        raise InvalidInputError(f"unknown estate {loc.estate_id}",
                                [{"field": "location.estate_id", "message": "unknown estate"}]
                                ) from err
    if estate.community_id != caller.community_id:
        raise InvalidInputError(f"unknown estate {loc.estate_id}",
                                [{"field": "location.estate_id", "message": "unknown estate"}])
    grid_id = None
    if loc.building is not None:
        building = directory.find_building(estate.estate_id, loc.building)
        if building is None:
            raise InvalidInputError(f"unknown building {loc.building}",
                                    [{"field": "location.building", "message": "unknown building"}])
        grid_id = building.grid_id
    if loc.unit_id is not None:
        unit = directory.find_unit(estate.estate_id, loc.unit_id)
        if unit is None or (loc.building is not None and unit.building != loc.building):
            raise InvalidInputError(f"unknown unit {loc.unit_id}",
                                    [{"field": "location.unit_id", "message": "unknown unit"}])
        if grid_id is None:
            building = directory.find_building(estate.estate_id, unit.building)
            grid_id = building.grid_id if building else None
    return estate, grid_id


def _event(ticket_id: str, now: datetime, caller: Caller | None, role: str, action: str,
           note: str | None, public: bool, from_status: str | None,
           to_status: str | None) -> TicketEvent:
    at = iso(now)
    event_id = new_id("ev_")
    return TicketEvent(
        *TicketEvent.key(ticket_id, at, event_id), ticket_id=ticket_id, event_id=event_id, at=at,
        actor_id=caller.user_id if caller else None, actor_name=caller.name if caller else None,
        actor_role=role, action=action, note=note, public=public, from_status=from_status,
        to_status=to_status,
    )


# --- reading --------------------------------------------------------------------------------

def get_ticket(caller: Caller, ticket_id: str, now: datetime | None = None) -> dict[str, Any]:
    """The ticket with its SLA, photos and timeline. Raises NotFoundError."""
    v = viewer(caller)
    ticket, relation = load_visible(v, ticket_id)
    events = TicketEvent.query(f"TICKET#{ticket_id}", TicketEvent.sk.startswith("EVENT#"))
    view = represent(ticket, relation, _now(now))
    view["timeline"] = [_represent_event(e, ticket, relation) for e in events
                        if e.public or relation == "staff"]
    return view


def mask_name(name: str | None) -> str | None:
    if not name:
        return None
    return name[0] + "*" * min(len(name) - 1, 3) if len(name) > 1 else "*"


def _reporter(ticket: Ticket, relation: str) -> dict[str, Any] | None:
    if ticket.source != "resident" or not ticket.reporter_id:
        return None
    if relation in ("staff", "reporter"):
        return {"user_id": ticket.reporter_id, "name": ticket.reporter_name}
    if ticket.anonymous:
        return None
    return {"name": mask_name(ticket.reporter_name)}


def represent(ticket: Ticket, relation: str, now: datetime) -> dict[str, Any]:
    view: dict[str, Any] = {
        "ticket_id": ticket.ticket_id,
        "community_id": ticket.community_id,
        "category": ticket.category,
        "description": ticket.description,
        "location": ticket.location.as_dict() if hasattr(ticket.location, "as_dict")
        else dict(ticket.location),
        "grid_id": ticket.grid_id,
        "status": ticket.status,
        "source": ticket.source,
        "anonymous": ticket.anonymous,
        "private": ticket.private,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "sla": sla.live(ticket, now),
        "photos": photos.represent_all(ticket),
        "followers": int(ticket.followers),
        "latest_public_note": ticket.latest_public_note,
        "rating": int(ticket.rating) if ticket.rating is not None else None,
        "duplicate_of": ticket.duplicate_of,
        "acknowledged_at": ticket.acknowledged_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
    }
    reporter = _reporter(ticket, relation)
    if reporter is not None:
        view["reporter"] = reporter
    return view


def _represent_event(e: TicketEvent, ticket: Ticket, relation: str) -> dict[str, Any]:
    actor: dict[str, Any] = {"role": e.actor_role}
    hide = (e.actor_role == "resident" and e.actor_id == ticket.reporter_id
            and relation == "neighbour")
    if e.actor_id and not hide:
        if relation in ("staff", "reporter") or e.actor_role != "resident":
            actor.update(user_id=e.actor_id, name=e.actor_name)
        elif not ticket.anonymous:
            actor["name"] = mask_name(e.actor_name)
    return {"at": e.at, "actor": actor, "action": e.action, "note": e.note, "public": e.public,
            "from_status": e.from_status, "to_status": e.to_status}


# --- listing --------------------------------------------------------------------------------

def _sources(v: Viewer, q: docs.TicketQuery) -> list[tuple[Any, str]]:
    c, s = v.caller, v.scope
    if q.mine:
        return [(Ticket.by_reporter, f"TICKETS#R#{c.user_id}")]
    if q.grid_id:
        return [(Ticket.by_grid, f"TICKETS#G#{q.grid_id}")]
    if q.estate_id:
        return [(Ticket.by_estate, f"TICKETS#E#{q.estate_id}")]
    sources: list[tuple[Any, str]] = []
    communities: set[str] = set()
    if c.is_admin or "community" in c.roles:
        community = q.community_id or c.community_id
        if community is None:
            raise InvalidInputError("community_id is required",
                                    [{"field": "community_id", "message": "required"}])
        communities.add(community)
    if "street" in c.roles:
        communities |= set(s.street_communities) if q.community_id is None \
            else {q.community_id} & set(s.street_communities)
    sources += [(Ticket.by_community, f"TICKETS#C#{cid}") for cid in sorted(communities)]
    if "property" in c.roles:
        sources += [(Ticket.by_estate, f"TICKETS#E#{e}") for e in sorted(s.managed_estates)]
    if "grid" in c.roles:
        sources += [(Ticket.by_grid, f"TICKETS#G#{g}") for g in sorted(s.grid_ids)]
    if c.has_any(*REPORTER_ROLES):
        sources.append((Ticket.by_reporter, f"TICKETS#R#{c.user_id}"))
        sources += [(Ticket.by_estate, f"TICKETS#E#{e}") for e in sorted(s.home_estates)]
    return list(dict.fromkeys(sources))


def _matches(t: Ticket, q: docs.TicketQuery, now: datetime) -> bool:
    if q.status and t.status != q.status:
        return False
    if q.category and t.category != q.category:
        return False
    if q.estate_id and t.estate_id != q.estate_id:
        return False
    if q.grid_id and t.grid_id != q.grid_id:
        return False
    if q.community_id and t.community_id != q.community_id:
        return False
    if q.escalated is not None and (int(t.sla_level) > 0) != q.escalated:
        return False
    if q.overdue is not None and sla.live(t, now)["breached"] != q.overdue:
        return False
    return True


def _newest_first(index: Any, pk: str, before: str | None, page: int) -> Iterator[Ticket]:
    condition = sort_key(index) < before if before else None
    return iter(index.query(pk, condition, scan_index_forward=False, page_size=page))


def list_tickets(caller: Caller, q: docs.TicketQuery, now: datetime | None = None
                 ) -> dict[str, Any]:
    """Newest first, only what the caller may see, filtered; ``next_cursor`` continues.

    A page examines at most ``MAX_EXAMINED_PER_PAGE × limit`` tickets, so a sparse filter may
    return a short page with a cursor. Raises InvalidInputError (bad cursor or filters).
    """
    now = _now(now)
    v = viewer(caller)
    before = decode_cursor(q.cursor) if q.cursor else None
    streams = [_newest_first(index, pk, before, q.limit + 1) for index, pk in _sources(v, q)]
    merged: Iterable[Ticket] = heapq.merge(*streams, key=lambda t: t.list_key, reverse=True)
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    examined = 0
    last_key: str | None = None
    budget = MAX_EXAMINED_PER_PAGE * q.limit
    exhausted = True
    for t in merged:
        if t.ticket_id in seen:
            continue
        if len(items) == q.limit or examined >= budget:
            exhausted = False
            break
        seen.add(t.ticket_id)
        examined += 1
        last_key = t.list_key
        relation = v.relation(t)
        if relation is None or not _matches(t, q, now):
            continue
        items.append(represent(t, relation, now))
    next_cursor = encode_cursor(last_key) if not exhausted and last_key else None
    return {"items": items, "next_cursor": next_cursor}


# --- transitions ----------------------------------------------------------------------------

@dataclass
class Change:
    """What a transition writes besides status and timeline: ticket actions, counters, and what
    to do once it is stored."""

    actions: list[Any] = field(default_factory=list)
    bumps: list[stats.Bump] = field(default_factory=list)
    note: str | None = None
    tell_followers: str | None = None
    new_cycle: int | None = None

    def add(self, other: Change) -> Change:
        self.actions += other.actions
        self.bumps += other.bumps
        return self


ATTEMPTS = 3


def _commit(ticket: Ticket, actions: list[Any], event: TicketEvent, action: str,
            bumps: list[stats.Bump] = ()) -> None:  # type: ignore[assignment]
    """Write the change only if the ticket is still the revision read, with its timeline event
    and counters. Raises InvalidTransitionError when the status moved meanwhile, TicketBusyError
    when only the SLA clock did (the caller retries)."""
    condition = (Ticket.revision == ticket.revision) & (Ticket.status == ticket.status)
    try:
        with transaction() as tx:
            tx.update(ticket, actions=[*actions, Ticket.revision.add(1)], condition=condition)
            tx.save(event)
            stats.add_to(tx, ticket, bumps)
    except TransactWriteError as err:
        if is_conditional_failure(err):
            current = get_ticket_item(ticket.ticket_id).status
            if current != ticket.status:
                raise InvalidTransitionError(action, current) from err
            raise escalation.TicketBusyError(ticket.ticket_id) from err
        raise


def _retrying(operation: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    for _ in range(ATTEMPTS - 1):
        try:
            return operation()
        except escalation.TicketBusyError:
            continue
    try:
        return operation()
    except escalation.TicketBusyError as err:
        raise ConflictError("the ticket is changing right now; retry") from err


def _staff_role(caller: Caller) -> str:
    for role in ("admin", "street", "community", "grid", "property"):
        if role in caller.roles:
            return role
    return "resident"


def _first_response(t: Ticket, now: datetime, stays_open: bool) -> Change:
    """The first public act of staff: freezes ``responded_in_time`` and, when the ticket stays
    open, starts the resolution clock of the current level."""
    change = Change()
    if t.acknowledged_at is None:
        change.actions.append(Ticket.acknowledged_at.set(iso(now)))
    if t.sla_phase != "respond":
        return change
    in_time = sla.in_time(t, now)
    if t.responded_in_time is None:
        change.actions.append(Ticket.responded_in_time.set(in_time))
    waited = (now - parse_iso(t.created_at)).total_seconds()
    change.bumps += stats.on_first_response(t, now, t.timezone, waited, in_time)
    if stays_open:
        started = parse_iso(t.level_started_at) if t.level_started_at else now
        clock = sla.plan(sla.get_policy(t.community_id), t.category, int(t.sla_level),
                         "resolve", started, now)
        change.actions += sla.clock_actions(t.ticket_id, clock)
    return change


def _acknowledge(v: Viewer, t: Ticket, doc: Any, now: datetime) -> Change:
    return Change(note=doc.note, tell_followers="物业已受理您的工单").add(
        _first_response(t, now, stays_open=True))


def _resolve(v: Viewer, t: Ticket, doc: Any, now: datetime) -> Change:
    change = _first_response(t, now, stays_open=False)
    change.actions += [Ticket.resolved_at.set(iso(now)),
                       Ticket.resolved_in_time.set(sla.in_time(t, now)),
                       Ticket.resolved_at_level.set(int(t.sla_level)),
                       *sla.auto_close_actions(t.ticket_id, now)]
    change.bumps += stats.on_resolve(t, now, t.timezone)
    change.note, change.tell_followers = doc.note, f"工单已办结：{doc.note}"
    return change


def _reject(v: Viewer, t: Ticket, doc: Any, now: datetime) -> Change:
    change = _first_response(t, now, stays_open=False)
    change.actions += sla.stop_actions()
    change.bumps += stats.on_dismiss(t, now, t.timezone, "rejected")
    change.note, change.tell_followers = doc.reason, f"工单未予受理：{doc.reason}"
    return change


def _duplicate(v: Viewer, t: Ticket, doc: Any, now: datetime) -> Change:
    original = _duplicate_target(v, t, doc.duplicate_of)
    change = _first_response(t, now, stays_open=False)
    change.actions += [Ticket.duplicate_of.set(original.ticket_id), *sla.stop_actions()]
    change.bumps += stats.on_dismiss(t, now, t.timezone, "duplicates")
    change.note = doc.reason or f"duplicate of {original.ticket_id}"
    return change


def _reopen(v: Viewer, t: Ticket, doc: Any, now: datetime) -> Change:
    if t.resolved_at and not lifecycle.reopen_allowed(parse_iso(t.resolved_at), now):
        raise InvalidTransitionError("reopen", t.status,
                                     "a ticket can be reopened within 7 days of its resolution")
    cycle = int(t.sla_cycle) + 1
    clock = sla.plan(sla.get_policy(t.community_id), t.category, int(t.sla_level), "resolve",
                     now, now)
    actions = [Ticket.sla_cycle.set(cycle), Ticket.resolved_at.remove(),
               Ticket.breached_final.set(False), *sla.clock_actions(t.ticket_id, clock)]
    resolved_at = parse_iso(t.resolved_at) if t.resolved_at else now
    return Change(actions, stats.on_reopen(t, resolved_at, t.timezone), doc.note,
                  new_cycle=cycle)


def _close(v: Viewer, t: Ticket, doc: Any, now: datetime) -> Change:
    actions = [Ticket.closed_at.set(iso(now)), Ticket.rating.set(doc.rating),
               *sla.stop_actions()]
    if doc.comment:
        actions.append(Ticket.rating_comment.set(doc.comment))
    return Change(actions, stats.on_rating(t, now, t.timezone, doc.rating), doc.comment)


EFFECTS: dict[str, Callable[[Viewer, Ticket, Any, datetime], Change]] = {
    "acknowledge": _acknowledge, "resolve": _resolve, "reject": _reject,
    "duplicate": _duplicate, "reopen": _reopen, "close": _close,
}


def _authorise(caller: Caller, action: str) -> Viewer:
    if action in lifecycle.STAFF_ACTIONS:
        caller.require(*sorted(STAFF_ROLES))
    else:
        caller.require(*REPORTER_ROLES)
    return viewer(caller)


def transition(caller: Caller, ticket_id: str, action: str, doc: Any,
               now: datetime | None = None) -> dict[str, Any]:
    """Apply ``action`` (acknowledge, resolve, reopen, close, reject, duplicate).

    Raises ForbiddenError (role, or not responsible), NotFoundError (out of scope),
    InvalidTransitionError, InvalidInputError (bad duplicate_of), ConflictError (the ticket
    kept changing).
    """
    now = _now(now)
    v = _authorise(caller, action)
    return _retrying(lambda: _transition(v, ticket_id, action, doc, now))


def _transition(v: Viewer, ticket_id: str, action: str, doc: Any,
                now: datetime) -> dict[str, Any]:
    ticket, relation = load_visible(v, ticket_id)
    by_staff = action in lifecycle.STAFF_ACTIONS
    if by_staff and relation != "staff":
        raise ForbiddenError("you are not responsible for this ticket")
    if not by_staff and relation != "reporter":
        raise ForbiddenError("only the reporter may do this")
    to = lifecycle.next_status(action, ticket.status)
    change = EFFECTS[action](v, ticket, doc, now)
    actions: list[Any] = [Ticket.status.set(to), Ticket.updated_at.set(iso(now)),
                          *change.actions]
    if change.note:
        actions.append(Ticket.latest_public_note.set(change.note))
    role = _staff_role(v.caller) if by_staff else "resident"
    event = _event(ticket_id, now, v.caller, role, action, change.note, True, ticket.status, to)
    _commit(ticket, actions, event, action, change.bumps)
    _after(ticket, change, now)
    if action == "duplicate":
        _join_followers(ticket.ticket_id, doc.duplicate_of, now)
    return get_ticket(v.caller, ticket_id, now)


def _after(ticket: Ticket, change: Change, now: datetime) -> None:
    if change.tell_followers:
        inbox.notify_followers(ticket, "ticket", change.tell_followers, now)
    if change.new_cycle is not None:
        fresh = get_ticket_item(ticket.ticket_id)
        if fresh.next_check_at:
            escalation.start_workflow(ticket.ticket_id, change.new_cycle, fresh.next_check_at)


def _duplicate_target(v: Viewer, ticket: Ticket, target_id: str) -> Ticket:
    bad = InvalidInputError(
        "duplicate_of must name another ticket of the same community",
        [{"field": "duplicate_of", "message": "not a ticket of this community"}])
    if target_id == ticket.ticket_id:
        raise bad
    try:
        original = Ticket.get(*Ticket.key(target_id))
    except DoesNotExist as err:
        raise bad from err
    if original.community_id != ticket.community_id or v.relation(original) is None:
        raise bad
    if original.status == lifecycle.DUPLICATE:
        raise InvalidInputError("duplicate_of names a ticket that is itself a duplicate",
                                [{"field": "duplicate_of", "message": "is a duplicate"}])
    return original


def _join_followers(duplicate_id: str, original_id: str, now: datetime) -> None:
    for f in Follower.query(f"TICKET#{duplicate_id}", Follower.sk.startswith("FOLLOWER#")):
        follow(original_id, f.user_id, now)


def follow(ticket_id: str, user_id: str, now: datetime) -> bool:
    """Add a follower once (conditional put and counter in one transaction); False if already."""
    try:
        with transaction() as tx:
            tx.save(Follower(*Follower.key(ticket_id, user_id), ticket_id=ticket_id,
                             user_id=user_id, since=iso(now)),
                    condition=Follower.pk.does_not_exist())
            tx.update(Ticket(*Ticket.key(ticket_id)), actions=[Ticket.followers.add(1)],
                      condition=Ticket.pk.exists())
    except TransactWriteError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def add_comment(caller: Caller, ticket_id: str, doc: docs.NewComment,
                now: datetime | None = None) -> dict[str, Any]:
    """A comment; a public one by staff on a submitted ticket is its first response.

    Raises NotFoundError, ForbiddenError (internal comment by a non-staff caller), ConflictError.
    """
    now = _now(now)
    v = viewer(caller)
    return _retrying(lambda: _comment(v, ticket_id, doc, now))


def _comment(v: Viewer, ticket_id: str, doc: docs.NewComment, now: datetime) -> dict[str, Any]:
    ticket, relation = load_visible(v, ticket_id)
    if doc.internal and relation != "staff":
        raise ForbiddenError("only staff may write internal notes")
    public = not doc.internal
    by_staff = relation == "staff"
    to = lifecycle.comment_status(ticket.status, by_staff, public)
    change = Change()
    if by_staff and public:
        change = _first_response(ticket, now, stays_open=True)
        change.actions.append(Ticket.latest_public_note.set(doc.message))
    actions: list[Any] = [Ticket.updated_at.set(iso(now)), *change.actions]
    if to != ticket.status:
        actions.append(Ticket.status.set(to))
    role = _staff_role(v.caller) if by_staff else "resident"
    event = _event(ticket_id, now, v.caller, role, "comment", doc.message, public, ticket.status,
                   to if to != ticket.status else None)
    _commit(ticket, actions, event, "comment on", change.bumps)
    return get_ticket(v.caller, ticket_id, now)


def follow_ticket(caller: Caller, ticket_id: str, now: datetime | None = None) -> dict[str, Any]:
    """'Me too': follow a ticket the caller can see. Following twice changes nothing.

    Raises ForbiddenError (not a resident), NotFoundError.
    """
    caller.require(*REPORTER_ROLES)
    ticket, _ = load_visible(viewer(caller), ticket_id)
    added = follow(ticket_id, caller.user_id, _now(now))
    return {"ticket_id": ticket_id, "following": True, "added": added,
            "followers": int(ticket.followers) + int(added)}


NEARBY_EXAMINED = 200


def nearby(caller: Caller, q: Any, now: datetime | None = None) -> dict[str, Any]:
    """Open tickets of an estate (optionally a building and category) the caller can see, newest
    first: candidates to follow instead of reporting again. Raises NotFoundError (estate out of
    scope)."""
    now = _now(now)
    v = viewer(caller)
    items: list[dict[str, Any]] = []
    examined = Ticket.by_estate.query(f"TICKETS#E#{q.estate_id}", scan_index_forward=False,
                                      limit=NEARBY_EXAMINED, page_size=NEARBY_EXAMINED)
    for t in examined:
        if t.status not in lifecycle.OPEN_STATUSES or (q.category and t.category != q.category):
            continue
        if q.building and t.location.building != q.building:
            continue
        relation = v.relation(t)
        if relation is not None:
            items.append(represent(t, relation, now))
        if len(items) == q.limit:
            break
    return {"items": items, "next_cursor": None}
