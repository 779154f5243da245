"""The only code that knows how tickets are kept in the table: keys, index keys, queries,
conditions and transactions.

- Ticket: pk ``TICKET#{id}``, sk ``TICKET``. List indexes sorted by ``{created_at}#{id}``:
  gsi1 ``TICKETS#C#{community}``, gsi2 ``TICKETS#E#{estate}``, gsi3 ``TICKETS#G#{grid}``,
  gsi4 ``TICKETS#R#{reporter}``. Two sparse indexes hold open tickets with a running clock only:
  gsi5 ``DUE#{shard}`` / ``{next_check_at}#{id}`` (the next checkpoint, read by the sweep) and
  gsi6 ``OVERDUE#{community}`` / ``{due_at}#{id}`` (the current target, counted for
  ``overdue_now``; a ticket past its last target stays there until it leaves the open states).
- TicketEvent: pk ``TICKET#{id}``, sk ``EVENT#{at}#{event_id}``; gsi1 ``ACTOR#{user}`` /
  ``{at}#{ticket}#{event}`` for a person's own acts (export, erasure).
- Follower: pk ``TICKET#{id}``, sk ``FOLLOWER#{user}``; gsi1 ``FOLLOWS#{user}`` /
  ``{since}#{ticket}``.
- SlaPolicy: pk ``COMMUNITY#{id}``, sk ``SLA_POLICY``.
- StatsBucket: pk ``STATS#{community}``, sk the bucket (``DAY#…``, ``MONTH#…``, ``CURRENT``).
- RateWindow: pk ``RATE#{action}#{user}``, sk ``HITS``.

Every change of a ticket's status or clock is conditional on the ``revision`` and status it
read: ``commit`` raises ``StaleTicketError`` when another writer won.
"""
from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError

from chalicelib.core.db import is_conditional_failure, sort_key, transaction
from chalicelib.tickets import stats
from chalicelib.tickets.models import (
    Follower,
    RateWindow,
    SlaPolicy,
    StatsBucket,
    Ticket,
    TicketEvent,
)

if TYPE_CHECKING:
    from chalicelib.inbox.models import Notification

DUE_SHARDS = 4
LISTS = {"community": "TICKETS#C#", "estate": "TICKETS#E#", "grid": "TICKETS#G#",
         "reporter": "TICKETS#R#"}
MIRRORED = {"next_check_at", "due_at"}


class StaleTicketError(Exception):
    """The ticket is no longer the revision (or status) that was read."""


def ticket_key(ticket_id: str) -> tuple[str, str]:
    return f"TICKET#{ticket_id}", "TICKET"


def due_partition(ticket_id: str) -> str:
    return f"DUE#{zlib.crc32(ticket_id.encode()) % DUE_SHARDS}"


def _index_of(kind: str) -> Any:
    return {"community": Ticket.by_community, "estate": Ticket.by_estate, "grid": Ticket.by_grid,
            "reporter": Ticket.by_reporter}[kind]


def _mirror(ticket_id: str, community_id: str, name: str, value: str | None) -> dict[str, Any]:
    """Index attributes that follow ``next_check_at`` (gsi5) and ``due_at`` (gsi6)."""
    if name == "next_check_at":
        return {"gsi5pk": due_partition(ticket_id) if value else None,
                "gsi5sk": f"{value}#{ticket_id}" if value else None}
    return {"gsi6pk": f"OVERDUE#{community_id}" if value else None,
            "gsi6sk": f"{value}#{ticket_id}" if value else None}


# --- tickets --------------------------------------------------------------------------------

def new_ticket(**values: Any) -> Ticket:
    """A ticket item with its keys and list index keys (not yet stored)."""
    ticket = Ticket(*ticket_key(values["ticket_id"]), **values)
    order = ticket.list_key
    ticket.gsi1pk, ticket.gsi1sk = LISTS["community"] + ticket.community_id, order
    ticket.gsi2pk, ticket.gsi2sk = LISTS["estate"] + ticket.estate_id, order
    if ticket.grid_id:
        ticket.gsi3pk, ticket.gsi3sk = LISTS["grid"] + ticket.grid_id, order
    if ticket.reporter_id:
        ticket.gsi4pk, ticket.gsi4sk = LISTS["reporter"] + ticket.reporter_id, order
    for name in MIRRORED:
        for attr, value in _mirror(ticket.ticket_id, ticket.community_id, name,
                                   getattr(ticket, name)).items():
            setattr(ticket, attr, value)
    return ticket


def get_ticket(ticket_id: str, consistent: bool = False) -> Ticket | None:
    try:
        return Ticket.get(*ticket_key(ticket_id), consistent_read=consistent)
    except DoesNotExist:
        return None


def newest(kind: str, value: str, before: str | None, page: int) -> Iterator[Ticket]:
    """Tickets of one list (community, estate, grid or reporter), newest first, before the list
    position ``before``."""
    index = _index_of(kind)
    condition = sort_key(index) < before if before else None
    return iter(index.query(LISTS[kind] + value, condition, scan_index_forward=False,
                            page_size=page))


def newest_of_estate(estate_id: str, limit: int) -> Iterator[Ticket]:
    return iter(Ticket.by_estate.query(LISTS["estate"] + estate_id, scan_index_forward=False,
                                       limit=limit, page_size=limit))


def due_ticket_ids(bound: str, page: int) -> list[str]:
    """Ids of tickets whose next checkpoint sorts at or before ``bound`` (an ISO time)."""
    ids: list[str] = []
    for shard in range(DUE_SHARDS):
        for ticket in Ticket.by_due.query(f"DUE#{shard}", sort_key(Ticket.by_due) <= f"{bound}#~",
                                          page_size=page,
                                          attributes_to_get=["ticket_id"]):
            ids.append(ticket.ticket_id)
    return ids


def overdue(community_id: str, now: str) -> list[Ticket]:
    """Open tickets of the community whose current target is at or before ``now`` (only their
    breakdown attributes are read)."""
    index = Ticket.by_target
    return list(index.query(f"OVERDUE#{community_id}", sort_key(index) <= f"{now}#~",
                            attributes_to_get=["ticket_id", "category", "grid_id", "estate_id",
                                               "source"]))


@dataclass
class TicketWrite:
    """One change of a ticket: attribute values to set and names to remove, its timeline
    event, counter bumps, notifications and follower items written in the same transaction."""

    sets: dict[str, Any] = field(default_factory=dict)
    removes: set[str] = field(default_factory=set)
    event: TicketEvent | None = None
    bumps: list[stats.Bump] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)


def _values(ticket: Ticket, write: TicketWrite) -> tuple[dict[str, Any], set[str]]:
    sets = dict(write.sets)
    removes = set(write.removes) - set(sets)
    for name in MIRRORED:
        if name in sets or name in removes:
            for attr, value in _mirror(ticket.ticket_id, ticket.community_id, name,
                                       sets.get(name)).items():
                if value is None:
                    removes.add(attr)
                else:
                    sets[attr] = value
    return sets, removes


def commit(ticket: Ticket, write: TicketWrite) -> Ticket:
    """Store ``write`` if the ticket is still the revision and status read; returns the ticket
    as committed. Raises StaleTicketError when it changed meanwhile."""
    sets, removes = _values(ticket, write)
    actions = [getattr(Ticket, n).set(v) for n, v in sets.items()]
    actions += [getattr(Ticket, n).remove() for n in sorted(removes)]
    actions.append(Ticket.revision.add(1))
    condition = (Ticket.revision == ticket.revision) & (Ticket.status == ticket.status)
    try:
        with transaction() as tx:
            tx.update(ticket, actions=actions, condition=condition)
            if write.event is not None:
                tx.save(write.event)
            for notification in write.notifications:
                tx.save(notification)
            _add_counters(tx, ticket, write.bumps)
    except TransactWriteError as err:
        if is_conditional_failure(err):
            raise StaleTicketError(ticket.ticket_id) from err
        raise
    return _applied(ticket, sets, removes)


def append(ticket: Ticket, sets: Mapping[str, Any], event: TicketEvent) -> Ticket:
    """A timeline entry that changes neither status nor clock (a comment), with the plain
    attributes it sets; no revision check, so simultaneous comments never conflict."""
    with transaction() as tx:
        tx.update(Ticket(*ticket_key(ticket.ticket_id)),
                  actions=[getattr(Ticket, n).set(v) for n, v in sets.items()],
                  condition=Ticket.pk.exists())
        tx.save(event)
    committed = _applied(ticket, sets, ())
    committed.revision = ticket.revision
    return committed


def _applied(ticket: Ticket, sets: Mapping[str, Any], removes: Iterable[str]) -> Ticket:
    committed = Ticket.from_raw_data(ticket.serialize())
    for name, value in sets.items():
        setattr(committed, name, value)
    for name in removes:
        setattr(committed, name, None)
    committed.revision = int(ticket.revision or 0) + 1
    return committed


def create(ticket: Ticket, event: TicketEvent, reporter_id: str | None, since: str,
           bumps: list[stats.Bump]) -> None:
    """Store a new ticket with its first event, its reporter (if any: devices are none) as
    follower and its counters."""
    with transaction() as tx:
        tx.save(ticket, condition=Ticket.pk.does_not_exist())
        tx.save(event)
        if reporter_id is not None:
            tx.save(_follower(ticket.ticket_id, reporter_id, since))
        _add_counters(tx, ticket, bumps)


def create_once(ticket: Ticket, event: TicketEvent, bumps: list[stats.Bump],
                reporter_id: str | None = None) -> bool:
    """Store a new ticket whose id was derived (a device's report, a keyed create); False when
    it exists already."""
    try:
        create(ticket, event, reporter_id, ticket.created_at, bumps)
    except TransactWriteError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def open_in_community(community_id: str, limit: int) -> list[Ticket]:
    """Open tickets of a community (every open ticket is on the overdue index, under its
    current target), at most ``limit``."""
    return list(Ticket.by_target.query(f"OVERDUE#{community_id}", limit=limit,
                                       page_size=min(limit, 500)))


# --- timeline -------------------------------------------------------------------------------

def new_event(ticket_id: str, at: str, event_id: str, **values: Any) -> TicketEvent:
    event = TicketEvent(f"TICKET#{ticket_id}", f"EVENT#{at}#{event_id}", ticket_id=ticket_id,
                        event_id=event_id, at=at, **values)
    if event.actor_id:
        event.gsi1pk, event.gsi1sk = f"ACTOR#{event.actor_id}", f"{at}#{ticket_id}#{event_id}"
    return event


def timeline(ticket_id: str, consistent: bool = False) -> list[TicketEvent]:
    return list(TicketEvent.query(f"TICKET#{ticket_id}", TicketEvent.sk.startswith("EVENT#"),
                                  consistent_read=consistent))


def acts_of(user_id: str) -> Iterator[TicketEvent]:
    """Every timeline entry a person made, oldest first."""
    return iter(TicketEvent.by_actor.query(f"ACTOR#{user_id}"))


def forget_actor(event: TicketEvent) -> None:
    """Detach a person from one of their timeline entries (the entry and its note stay)."""
    try:
        event.update(actions=[TicketEvent.actor_id.remove(), TicketEvent.actor_name.remove(),
                              TicketEvent.gsi1pk.remove(), TicketEvent.gsi1sk.remove()],
                     condition=TicketEvent.pk.exists())
    except UpdateError as err:
        if not is_conditional_failure(err):
            raise


# --- followers ------------------------------------------------------------------------------

def _follower(ticket_id: str, user_id: str, since: str) -> Follower:
    return Follower(f"TICKET#{ticket_id}", f"FOLLOWER#{user_id}", ticket_id=ticket_id,
                    user_id=user_id, since=since, gsi1pk=f"FOLLOWS#{user_id}",
                    gsi1sk=f"{since}#{ticket_id}")


def follower_ids(ticket_id: str, limit: int) -> list[str]:
    return [f.user_id for f in Follower.query(f"TICKET#{ticket_id}",
                                              Follower.sk.startswith("FOLLOWER#"), limit=limit)]


def follow(ticket_id: str, user_id: str, since: str) -> bool:
    """Add a follower once, with the ticket's counter; False when already following or the
    ticket is gone."""
    try:
        with transaction() as tx:
            tx.save(_follower(ticket_id, user_id, since), condition=Follower.pk.does_not_exist())
            tx.update(Ticket(*ticket_key(ticket_id)), actions=[Ticket.followers.add(1)],
                      condition=Ticket.pk.exists())
    except TransactWriteError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def followed_by(user_id: str) -> list[Follower]:
    return list(Follower.by_user.query(f"FOLLOWS#{user_id}"))


def unfollow(follower: Follower) -> bool:
    """Remove a follower with the ticket's counter; False when already gone (a concurrent
    removal won)."""
    try:
        with transaction() as tx:
            tx.delete(follower, condition=Follower.pk.exists())
            tx.update(Ticket(*ticket_key(follower.ticket_id)),
                      actions=[Ticket.followers.add(-1)], condition=Ticket.pk.exists())
    except TransactWriteError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def reported_by(user_id: str) -> Iterator[Ticket]:
    return iter(Ticket.by_reporter.query(LISTS["reporter"] + user_id))


def detach_reporter(ticket: Ticket) -> None:
    """Erase the reporter's identity from a ticket; it stays, anonymised, off their list."""
    Ticket(*ticket_key(ticket.ticket_id)).update(actions=[
        Ticket.reporter_id.remove(), Ticket.reporter_name.remove(),
        Ticket.reporter_phone.remove(), Ticket.gsi4pk.remove(), Ticket.gsi4sk.remove(),
        Ticket.anonymous.set(True), Ticket.reporter_erased.set(True)],
        condition=Ticket.pk.exists())


# --- photos ---------------------------------------------------------------------------------

def reserve_photo(ticket_id: str, photo_id: str, entry: dict[str, Any], counter: str,
                  limit: int) -> bool:
    """Add a pending photo if the ticket has fewer than ``limit`` in ``counter``."""
    count = getattr(Ticket, counter)
    try:
        Ticket(*ticket_key(ticket_id)).update(
            actions=[Ticket.photos[photo_id].set(entry), count.add(1)],
            condition=Ticket.pk.exists() & (count.does_not_exist() | (count < limit)))
    except UpdateError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def settle_photo(ticket_id: str, photo_id: str, entry: dict[str, Any],
                 release: str | None = None) -> bool:
    """Replace a pending photo entry; False when it was no longer pending. ``release`` names a
    counter to give the photo's place back (an expired or refused slot)."""
    actions = [Ticket.photos[photo_id].set(entry)]
    if release:
        actions.append(getattr(Ticket, release).add(-1))
    try:
        Ticket(*ticket_key(ticket_id)).update(
            actions=actions, condition=Ticket.photos[photo_id]["status"] == "pending")
    except UpdateError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def photos_of(ticket_id: str) -> Ticket | None:
    try:
        return Ticket.get(*ticket_key(ticket_id), attributes_to_get=[
            "ticket_id", "photos", "reporter_id", "community_id", "estate_id"])
    except DoesNotExist:
        return None


# --- SLA policy -----------------------------------------------------------------------------

def policy_document(community_id: str) -> str | None:
    try:
        return str(SlaPolicy.get(f"COMMUNITY#{community_id}", "SLA_POLICY").document)
    except DoesNotExist:
        return None


def put_policy_document(community_id: str, document: str, at: str, by: str) -> None:
    SlaPolicy(f"COMMUNITY#{community_id}", "SLA_POLICY", community_id=community_id,
              document=document, updated_at=at, updated_by=by).save()


# --- rate limits ----------------------------------------------------------------------------

def rate_window(action: str, user_id: str) -> RateWindow:
    """The hits of one user and action (``RATE#{action}#{user}`` / ``HITS``), read consistently;
    a new, unsaved item when there is none."""
    key = f"RATE#{action}#{user_id}", "HITS"
    try:
        return RateWindow.get(*key, consistent_read=True)
    except DoesNotExist:
        return RateWindow(*key)


def save_rate_window(window: RateWindow) -> bool:
    """Write the window if it is still at the version read; False when another write came
    first."""
    try:
        window.save()
    except PutError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


# --- statistics -----------------------------------------------------------------------------

def bucket_key(bucket: str) -> str:
    """The sort key of a statistics bucket: ``day:2026-11-02`` is ``DAY#2026-11-02``,
    ``month:2026-11`` is ``MONTH#2026-11``, ``current`` is ``CURRENT``."""
    kind, colon, value = bucket.partition(":")
    return f"{kind.upper()}#{value}" if colon else kind.upper()


def _add_counters(tx: Any, ticket: Ticket, bumps: Iterable[stats.Bump]) -> None:
    for bucket, values in sorted(stats.deltas(ticket, bumps).items()):
        actions = [NumberAttribute(attr_name=n).add(v) for n, v in values.items() if v]
        if actions:
            tx.update(StatsBucket(f"STATS#{ticket.community_id}", bucket_key(bucket)),
                      actions=actions)


def stats_buckets(community_id: str, low: str, high: str) -> list[dict[str, float]]:
    """The counters of every bucket whose name sorts between ``low`` and ``high``."""
    between = _DynamicBucket.sk.between(bucket_key(low), bucket_key(high))
    return [_counters(item) for item in _DynamicBucket.query(f"STATS#{community_id}", between)]


def stats_bucket(community_id: str, bucket: str) -> dict[str, float]:
    try:
        return _counters(_DynamicBucket.get(f"STATS#{community_id}", bucket_key(bucket)))
    except DoesNotExist:
        return {}


def add_to_bucket(community_id: str, bucket: str, values: Mapping[str, float]) -> None:
    """Add to counters outside a ticket change (benchmarks and repairs)."""
    StatsBucket(f"STATS#{community_id}", bucket_key(bucket)).update(
        actions=[NumberAttribute(attr_name=n).add(v) for n, v in values.items()])


def _counters(item: Any) -> dict[str, float]:
    return {name: value for name, value in item.attribute_values.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool)}


class _DynamicBucket(StatsBucket):
    """StatsBucket read with every attribute kept (PynamoDB drops undeclared ones)."""

    @classmethod
    def from_raw_data(cls, data: dict[str, Any]) -> Any:  # type: ignore[override]
        item = super().from_raw_data(data)
        for name, value in data.items():
            if "N" in value:
                number = float(value["N"])
                item.attribute_values[name] = int(number) if number.is_integer() else number
        return item
