"""Reporting a problem: validation of the place, the hourly quota, the first SLA clock, and the
ticket stored with its first timeline entry, follower and counters in one transaction."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chalicelib.core.config import get_settings
from chalicelib.core.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    UnprocessableError,
)
from chalicelib.core.ids import new_id
from chalicelib.core.timeutil import iso, utcnow
from chalicelib.directory import service as directory
from chalicelib.identity.caller import REPORTER_ROLES, Caller
from chalicelib.tickets import escalation, lifecycle, photos, ratelimit, sla, stats, store
from chalicelib.tickets.views import Created, Seen
from chalicelib.tickets.visibility import Relation, viewer

if TYPE_CHECKING:
    from chalicelib.directory.models import Estate
    from chalicelib.tickets import schemas as docs
    from chalicelib.tickets.sla_policy import SlaPolicyDoc

    PolicyOf = Callable[[str], SlaPolicyDoc]

QUOTA = "tickets"


def create_ticket(caller: Caller, doc: docs.NewTicket, idempotency_key: str | None = None,
                  now: datetime | None = None, lambda_context: Any = None,
                  policy_of: PolicyOf | None = None) -> Created:
    """Report a problem: the ticket plus one presigned upload slot per announced photo.

    With an ``idempotency_key`` a retry returns the first result. ``policy_of`` gives a
    community's SLA policy (default ``sla.get_policy``).
    Raises ForbiddenError, InvalidInputError, RateLimitedError, ConflictError (same key still in
    progress), UnprocessableError (same key, different body).
    """
    caller.require(*REPORTER_ROLES)
    now = now or utcnow()
    policy_of = policy_of or sla.get_policy
    if not idempotency_key:
        return _create(caller, doc, now, policy_of)
    if len(idempotency_key) > 128:
        raise InvalidInputError("Idempotency-Key is longer than 128 characters")
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    request = {"key": f"{caller.user_id}:{idempotency_key}",
               "body": doc.model_dump(mode="json")}
    create, config = _idempotent_create()
    if lambda_context is not None:
        config.register_lambda_context(lambda_context)
    made: list[Created] = []
    try:
        first = create(request=request, caller=caller, doc=doc, now=now, made=made,
                       policy_of=policy_of)
    except IdempotencyValidationError as err:
        raise UnprocessableError("Idempotency-Key was used with a different request") from err
    except IdempotencyAlreadyInProgressError as err:
        raise ConflictError("a request with this Idempotency-Key is in progress") from err
    return made[0] if made else _replayed(caller, first)


def _replayed(caller: Caller, first: dict[str, Any]) -> Created:
    ticket = store.get_ticket(first["ticket_id"], consistent=True)
    if ticket is None:
        raise ConflictError("the first request with this Idempotency-Key left no ticket")
    return Created(Seen(ticket, Relation(reporter=True), caller.user_id), first["uploads"])


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
               now: datetime, made: list[Created], policy_of: PolicyOf) -> dict[str, Any]:
        created = _create(caller, doc, now, policy_of, keyed_ticket_id(request["key"]))
        made.append(created)
        return {"ticket_id": created.seen.ticket.ticket_id, "uploads": created.uploads}

    return create, config


def keyed_ticket_id(key: str) -> str:
    """The id of the ticket a keyed create makes: every retry of it names the same ticket, so
    one whose first attempt stored the ticket and then died cannot store a second."""
    return "tk_" + hashlib.sha256(key.encode()).hexdigest()[:26]


def _create(caller: Caller, doc: docs.NewTicket, now: datetime, policy_of: PolicyOf,
            ticket_id: str | None = None) -> Created:
    v = viewer(caller)
    estate, grid_id = validate_location(v.scope, doc)
    community = directory.get_community(estate.community_id)
    if doc.category not in directory.category_codes(community):
        raise InvalidInputError(f"unknown category {doc.category}",
                                [{"field": "category", "message": "unknown category"}])
    ticket_id = ticket_id or new_id("tk_")
    created = iso(now)
    clock = sla.plan(policy_of(community.community_id), doc.category, 0, "respond", now, now)
    photo_ids = [new_id("ph_") for _ in range(doc.photos)]
    ticket = store.new_ticket(
        ticket_id=ticket_id, community_id=estate.community_id, estate_id=estate.estate_id,
        grid_id=grid_id, category=doc.category, description=doc.description,
        location=doc.location.model_dump(exclude_none=True), status=lifecycle.SUBMITTED,
        source="resident", reporter_id=caller.user_id, reporter_name=caller.name,
        reporter_phone=caller.phone, anonymous=doc.anonymous,
        private=doc.location.unit_id is not None, created_at=created, updated_at=created,
        followers=1, revision=0,
        photos={pid: photos.pending_entry(ticket_id, pid, "report", caller.user_id, created)
                for pid in photo_ids},
        report_photos=len(photo_ids), sla_cycle=0, escalation_level=0,
        company_id=estate.company_id, street_id=community.street_id,
        timezone=community.timezone, **sla.clock_values(clock),
    )
    event = store.new_event(ticket_id, created, new_id("ev_"), actor_id=caller.user_id,
                            actor_name=caller.name, actor_role="resident", action="created",
                            note=None, public=True, from_status=None,
                            to_status=lifecycle.SUBMITTED)
    hit = ratelimit.consume(QUOTA, caller.user_id, get_settings().tickets_per_hour, now)
    try:
        stored = store.create_once(ticket, event, stats.on_create(ticket, now, community.timezone),
                                   caller.user_id)
    except Exception:
        ratelimit.release(QUOTA, caller.user_id, hit)
        raise
    if not stored:
        ratelimit.release(QUOTA, caller.user_id, hit)
        return _stored_before(caller, doc, ticket_id)
    escalation.start_workflow(ticket_id, 0, iso(clock.next_check))
    relation = v.relation(ticket) or Relation(reporter=True)
    return Created(Seen(ticket, relation, caller.user_id),
                   [photos.upload_slot(ticket_id, pid) for pid in photo_ids])


def _stored_before(caller: Caller, doc: docs.NewTicket, ticket_id: str) -> Created:
    """The ticket an earlier attempt of this keyed create stored before it died, with its
    workflow (started if it was not) and the slots of its photos still pending.
    Raises UnprocessableError (the key was used for another problem)."""
    ticket = store.get_ticket(ticket_id, consistent=True)
    if ticket is None or ticket.reporter_id != caller.user_id:
        raise ConflictError("a request with this Idempotency-Key is in progress")
    if (ticket.category, ticket.description) != (doc.category, doc.description):
        raise UnprocessableError("Idempotency-Key was used with a different request")
    if int(ticket.sla_cycle) == 0 and ticket.next_check_at:
        escalation.start_workflow(ticket_id, 0, ticket.next_check_at)
    pending = sorted(pid for pid, entry in photos.photo_entries(ticket).items()
                     if entry.get("status") == photos.PENDING and entry.get("purpose") == "report")
    return Created(Seen(ticket, viewer(caller).relation(ticket) or Relation(reporter=True),
                        caller.user_id), [photos.upload_slot(ticket_id, pid) for pid in pending])


def _unknown(field: str, what: str, value: str) -> InvalidInputError:
    return InvalidInputError(f"unknown {what} {value}",
                             [{"field": field, "message": f"unknown {what}"}])


def validate_location(scope: directory.Scope, doc: docs.NewTicket) -> tuple[Estate, str | None]:
    """The estate (of a community the caller verifiably belongs to) and the grid of the named
    building or unit. Raises InvalidInputError."""
    loc = doc.location
    try:
        estate = directory.get_estate(loc.estate_id)
    except NotFoundError as err:
        raise _unknown("location.estate_id", "estate", loc.estate_id) from err
    if not scope.belongs_to_community(estate.community_id):
        raise _unknown("location.estate_id", "estate", loc.estate_id)
    grid_id = None
    if loc.building is not None:
        building = directory.find_building(estate.estate_id, loc.building)
        if building is None:
            raise _unknown("location.building", "building", loc.building)
        grid_id = building.grid_id
    if loc.unit_id is not None:
        unit = directory.find_unit(estate.estate_id, loc.unit_id)
        if unit is None or (loc.building is not None and unit.building != loc.building):
            raise _unknown("location.unit_id", "unit", loc.unit_id)
        if grid_id is None:
            building = directory.find_building(estate.estate_id, unit.building)
            grid_id = building.grid_id if building else None
    return estate, grid_id
