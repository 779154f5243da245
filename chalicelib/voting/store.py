"""The only code that knows how polls, rolls and ballots are kept: keys, index keys, queries,
conditions and transactions.

Key layout in the single table (``pk`` / ``sk``; overloaded indexes ``gsiN``)::

    Poll            POLL#{id} / POLL              gsi1 POLLS#C#{community} / {created_at}#{id}
                                                  gsi2 POLLS#CLOSING / {closes_at}#{id}
                                                       (until its result is stored)
                                                  gsi3 POLLS#OPENING / {opens_at}#{id}
                                                       (until its roll is frozen)
    Tally           POLL#{id} / TALLY             flat counters: heads, area, heads@{group}, ...
    Result          POLL#{id} / RESULT
    Voter           POLL#{id} / VOTER#{token}#{voter_id}
    RollKey         POLL#{id} / ROLLKEY#{token}#user#{user_id}
                                                  gsi1 POLLPLACES#{user_id} / {poll}#{token}
                    POLL#{id} / ROLLKEY#{token}#unit#{unit_id}
    VersionCounter  POLL#{id} / VERSIONS#{voter_id}
    Ballot          POLL#{id} / BALLOT#{voter_id}#{version:08d}
                                                  gsi1 POLLBALLOTS#{user_id} / {at}#{poll}#...
    Receipt         POLL#{id} / RECEIPT#{code}

A roll is written under a fresh token and becomes the poll's only when the poll takes that token
(conditionally, once); a roll that lost the race is deleted. A ballot takes its version number
from the voter's counter (one atomic addition: simultaneous ballots never wait on each other),
then stores the version, its receipt and, unless a later version is already current, makes it
the voter's current ballot, all in one transaction that also checks that the poll is still
open. The tally counts a voter once: it is added to only by the transaction that gives the voter
their first current ballot.
"""
from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, Literal

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.core.db import is_conditional_failure, sort_key, transaction
from chalicelib.voting.models import (
    Ballot,
    DecimalAttribute,
    Poll,
    Receipt,
    Result,
    RollKey,
    Tally,
    VersionCounter,
    Voter,
)

CLOSING = "POLLS#CLOSING"
OPENING = "POLLS#OPENING"
MAX_KEY_BYTES = 1024
CONFLICT_RETRIES = 8
Stored = Literal["first", "changed", "superseded"]


class PollClosedError(Exception):
    """The poll stopped taking ballots before this one was stored."""


def poll_key(poll_id: str) -> tuple[str, str]:
    return f"POLL#{poll_id}", "POLL"


def _partition(poll_id: str) -> str:
    return f"POLL#{poll_id}"


def _fits(*parts: str) -> bool:
    return all(len(p.encode()) <= MAX_KEY_BYTES for p in parts)


# --- polls ----------------------------------------------------------------------------------

def new_poll(**values: Any) -> Poll:
    poll_id = values["poll_id"]
    poll = Poll(*poll_key(poll_id), **values)
    poll.gsi1pk, poll.gsi1sk = f"POLLS#C#{poll.community_id}", f"{poll.created_at}#{poll_id}"
    poll.gsi2pk, poll.gsi2sk = CLOSING, f"{poll.closes_at}#{poll_id}"
    poll.gsi3pk, poll.gsi3sk = OPENING, f"{poll.opens_at}#{poll_id}"
    return poll


def create_poll(poll: Poll) -> None:
    poll.save(condition=Poll.pk.does_not_exist())


def get_poll(poll_id: str, consistent: bool = False) -> Poll | None:
    if not _fits(poll_id):
        return None
    try:
        return Poll.get(*poll_key(poll_id), consistent_read=consistent)
    except DoesNotExist:
        return None


def polls_of_community(community_id: str, before: str | None, limit: int) -> list[Poll]:
    """A community's polls, newest first, before the list position ``before``."""
    index = Poll.by_community
    condition = sort_key(index) < before if before else None
    return list(index.query(f"POLLS#C#{community_id}", condition, scan_index_forward=False,
                            limit=limit, page_size=limit))


def position(poll: Poll) -> str:
    return str(poll.gsi1sk)


def _due(partition: str, index: Any, bound: str, limit: int) -> list[str]:
    return [p.poll_id for p in index.query(partition, sort_key(index) <= f"{bound}#~",
                                           limit=limit, page_size=limit,
                                           attributes_to_get=["poll_id"])]


def due_to_open(now: str, limit: int) -> list[str]:
    """Polls whose opening time is at or before ``now`` and whose roll is not frozen."""
    return _due(OPENING, Poll.by_open, now, limit)


def due_to_close(now: str, limit: int) -> list[str]:
    """Polls whose closing time is at or before ``now`` and whose result is not stored."""
    return _due(CLOSING, Poll.by_close, now, limit)


# --- the roll -------------------------------------------------------------------------------

def new_voter(poll_id: str, token: str, voter_id: str, members: Iterable[str],
              units: list[str], area: Decimal, groups: Mapping[str, str]) -> Voter:
    return Voter(_partition(poll_id), f"VOTER#{token}#{voter_id}", poll_id=poll_id,
                 voter_id=voter_id, members=set(members) or None, units=units, area=area,
                 groups=dict(groups))


def _roll_key_sk(token: str, kind: str, ref: str) -> str:
    return f"ROLLKEY#{token}#{kind}#{ref}"


def new_member_key(poll_id: str, token: str, user_id: str, voter_id: str) -> RollKey:
    return RollKey(_partition(poll_id), _roll_key_sk(token, "user", user_id), poll_id=poll_id,
                   voter_id=voter_id, user_id=user_id, gsi1pk=f"POLLPLACES#{user_id}",
                   gsi1sk=f"{poll_id}#{token}")


def new_unit_key(poll_id: str, token: str, unit_id: str, voter_id: str) -> RollKey:
    return RollKey(_partition(poll_id), _roll_key_sk(token, "unit", unit_id), poll_id=poll_id,
                   voter_id=voter_id)


def write_roll(items: Iterable[Voter | RollKey]) -> None:
    voters: list[Voter] = []
    keys: list[RollKey] = []
    for item in items:
        if isinstance(item, Voter):
            voters.append(item)
        else:
            keys.append(item)
    with Voter.batch_write() as batch:
        for voter in voters:
            batch.save(voter)
    with RollKey.batch_write() as batch:
        for key in keys:
            batch.save(key)


def commit_roll(poll: Poll, token: str, frozen_at: str, summary: dict[str, Any]) -> bool:
    """Make the roll written under ``token`` the poll's, unless the poll already has one.
    Returns False when another roll came first."""
    try:
        Poll(*poll_key(poll.poll_id)).update(
            actions=[Poll.roll_token.set(token), Poll.roll_frozen_at.set(frozen_at),
                     Poll.roll_summary.set(summary), Poll.gsi3pk.remove(), Poll.gsi3sk.remove()],
            condition=Poll.pk.exists() & Poll.roll_token.does_not_exist())
    except UpdateError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def discard_roll(poll_id: str, token: str) -> int:
    """Delete a roll that lost the race to be the poll's. Returns how many items went."""
    gone = 0
    for model, prefix in ((Voter, f"VOTER#{token}#"), (RollKey, f"ROLLKEY#{token}#")):
        items = list(model.query(_partition(poll_id), model.sk.startswith(prefix)))
        with model.batch_write() as batch:
            for item in items:
                batch.delete(item)
        gone += len(items)
    return gone


def voter_id_for(poll: Poll, kind: Literal["user", "unit"], ref: str) -> str | None:
    """The voter of the poll's roll that a member (``user``) or a unit belongs to."""
    if not poll.roll_token or not _fits(ref):
        return None
    try:
        key = RollKey.get(_partition(poll.poll_id), _roll_key_sk(poll.roll_token, kind, ref),
                          consistent_read=True)
    except DoesNotExist:
        return None
    return str(key.voter_id)


def voter(poll: Poll, voter_id: str) -> Voter | None:
    try:
        return Voter.get(_partition(poll.poll_id), f"VOTER#{poll.roll_token}#{voter_id}",
                         consistent_read=True)
    except DoesNotExist:
        return None


def voters_by_id(poll: Poll, voter_ids: Iterable[str]) -> dict[str, Voter]:
    keys = [(_partition(poll.poll_id), f"VOTER#{poll.roll_token}#{v}") for v in set(voter_ids)]
    return {v.voter_id: v for v in Voter.batch_get(keys)} if keys else {}


def voters(poll: Poll) -> Iterator[Voter]:
    """The whole roll with each voter's current ballot, read consistently."""
    return iter(Voter.query(_partition(poll.poll_id),
                            Voter.sk.startswith(f"VOTER#{poll.roll_token}#"),
                            consistent_read=True))


# --- tally ----------------------------------------------------------------------------------

def counter_name(measure: Literal["heads", "area"], group: str | None = None) -> str:
    return measure if group is None else f"{measure}@{group}"


class _RawTally(Tally):
    """The tally read with every counter kept (PynamoDB drops undeclared attributes)."""

    @classmethod
    def from_raw_data(cls, data: dict[str, Any]) -> Any:  # type: ignore[override]
        item = super().from_raw_data(data)
        item.attribute_values.update(
            {name: Decimal(value["N"]) for name, value in data.items() if "N" in value})
        return item


def tally(poll_id: str) -> dict[str, Decimal]:
    """Every counter of the poll's tally by name (see ``counter_name``)."""
    try:
        item = _RawTally.get(_partition(poll_id), "TALLY", consistent_read=True)
    except DoesNotExist:
        return {}
    return {k: v for k, v in item.attribute_values.items() if isinstance(v, Decimal)}


# --- ballots --------------------------------------------------------------------------------

def next_version(poll_id: str, voter_id: str) -> int:
    """The next version number of a voter's ballot: unique, increasing, never handed out
    twice however many ballots arrive at once."""
    counter = VersionCounter(_partition(poll_id), f"VERSIONS#{voter_id}")
    counter.update(actions=[VersionCounter.issued.add(1)])
    return int(counter.issued)


def new_ballot(poll_id: str, voter_id: str, version: int, **values: Any) -> Ballot:
    ballot = Ballot(_partition(poll_id), f"BALLOT#{voter_id}#{version:08d}", poll_id=poll_id,
                    voter_id=voter_id, version=version, **values)
    person = ballot.cast_by or ballot.on_behalf_of
    if person:
        ballot.gsi1pk = f"POLLBALLOTS#{person}"
        ballot.gsi1sk = f"{ballot.at}#{poll_id}#{voter_id}#{version:08d}"
    return ballot


def store_ballot(poll: Poll, current: Voter, ballot: Ballot,
                 counters: Mapping[str, Decimal]) -> Stored:
    """Store a ballot version with its receipt. It becomes the voter's current ballot unless a
    later version already is; the voter's first current ballot adds ``counters`` to the tally.
    Raises PollClosedError when the poll no longer takes ballots."""
    mode: Stored = "first" if current.current is None else (
        "changed" if int(current.current) < int(ballot.version) else "superseded")
    conflicts = 0
    while True:
        try:
            _ballot_transaction(poll, ballot, mode, counters)
            return mode
        except TransactWriteError as err:
            reasons = [r.code if r else None for r in err.cancellation_reasons]
            if reasons[:1] == ["ConditionalCheckFailed"]:
                raise PollClosedError(poll.poll_id) from err
            if reasons[3:4] == ["ConditionalCheckFailed"] and mode != "superseded":
                mode = "changed" if mode == "first" else "superseded"
            elif "TransactionConflict" in reasons and conflicts < CONFLICT_RETRIES:
                conflicts += 1
                time.sleep(random.uniform(0.005, 0.02) * conflicts)
            else:
                raise


def _ballot_transaction(poll: Poll, ballot: Ballot, mode: Stored,
                        counters: Mapping[str, Decimal]) -> None:
    """In the order DynamoDB receives them (PynamoDB sends condition checks, then puts, then
    updates): 0 the poll is open, 1 the version, 2 its receipt, 3 the voter, 4 the tally."""
    with transaction() as tx:
        tx.condition_check(Poll, *poll_key(poll.poll_id),
                           condition=Poll.closed_at.does_not_exist()
                           & (Poll.roll_token == poll.roll_token))
        tx.save(ballot, condition=Ballot.pk.does_not_exist())
        tx.save(Receipt(_partition(poll.poll_id), f"RECEIPT#{ballot.receipt}",
                        poll_id=poll.poll_id, voter_id=ballot.voter_id, version=ballot.version),
                condition=Receipt.pk.does_not_exist())
        if mode != "superseded":
            voter_item = Voter(_partition(poll.poll_id), f"VOTER#{poll.roll_token}#"
                               f"{ballot.voter_id}")
            condition = Voter.current.does_not_exist() if mode == "first" \
                else Voter.current < ballot.version
            tx.update(voter_item, actions=[
                Voter.current.set(ballot.version), Voter.choice.set(ballot.choice),
                Voter.voted_at.set(ballot.at), Voter.channel.set(ballot.channel)],
                condition=Voter.pk.exists() & condition)
        if mode == "first" and counters:
            tx.update(Tally(_partition(poll.poll_id), "TALLY"),
                      actions=[DecimalAttribute(attr_name=n).add(v) for n, v in counters.items()])


def receipt(poll_id: str, code: str) -> Receipt | None:
    if not _fits(poll_id, code):
        return None
    try:
        return Receipt.get(_partition(poll_id), f"RECEIPT#{code}", consistent_read=True)
    except DoesNotExist:
        return None


def ballot(poll_id: str, voter_id: str, version: int) -> Ballot | None:
    try:
        return Ballot.get(_partition(poll_id), f"BALLOT#{voter_id}#{version:08d}",
                          consistent_read=True)
    except DoesNotExist:
        return None


def ballots(poll_id: str, after: str | None, limit: int) -> list[Ballot]:
    """Every ballot version of a poll, by voter and version, after the position ``after``."""
    condition = Ballot.sk > after if after else Ballot.sk.startswith("BALLOT#")
    found = Ballot.query(_partition(poll_id), condition, limit=limit, page_size=limit,
                         consistent_read=True)
    return [b for b in found if str(b.sk).startswith("BALLOT#")]


def ballot_position(item: Ballot) -> str:
    return str(item.sk)


# --- closing --------------------------------------------------------------------------------

def mark_closed(poll_id: str, at: str) -> None:
    """Stop the poll taking ballots (again: no change)."""
    try:
        Poll(*poll_key(poll_id)).update(actions=[Poll.closed_at.set(at)],
                                        condition=Poll.pk.exists()
                                        & Poll.closed_at.does_not_exist())
    except UpdateError as err:
        if not is_conditional_failure(err):
            raise


def save_result(poll_id: str, document: dict[str, Any], at: str) -> bool:
    """Store a closed poll's result once, taking the poll off the closing index. Returns False
    when a result was already stored."""
    try:
        with transaction() as tx:
            tx.save(Result(_partition(poll_id), "RESULT", poll_id=poll_id, document=document,
                           computed_at=at), condition=Result.pk.does_not_exist())
            tx.update(Poll(*poll_key(poll_id)),
                      actions=[Poll.result_at.set(at), Poll.gsi2pk.remove(),
                               Poll.gsi2sk.remove()],
                      condition=Poll.closed_at.exists())
    except TransactWriteError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def result(poll_id: str) -> dict[str, Any] | None:
    try:
        return dict(Result.get(_partition(poll_id), "RESULT").document)
    except DoesNotExist:
        return None


# --- a person's own ------------------------------------------------------------------------

def ballots_of(user_id: str) -> Iterator[Ballot]:
    """The ballot versions a person cast online, or that staff entered on their behalf."""
    return iter(Ballot.by_person.query(f"POLLBALLOTS#{user_id}"))


def places_of(user_id: str) -> Iterator[RollKey]:
    """The rolls a person is a member of (one key per poll)."""
    return iter(RollKey.by_person.query(f"POLLPLACES#{user_id}"))


def detach_ballot(item: Ballot) -> bool:
    """The version stays, counted, without the person's id. False when already detached."""
    try:
        item.update(actions=[Ballot.cast_by.remove(), Ballot.on_behalf_of.remove(),
                             Ballot.gsi1pk.remove(), Ballot.gsi1sk.remove(),
                             Ballot.detached.set(True)],
                    condition=Ballot.gsi1pk.exists())
    except UpdateError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def leave_roll(key: RollKey) -> bool:
    """Take a person off a roll's members: their voter stays, with its ballot; they can no
    longer be found on it. False when already gone."""
    token = str(key.sk).split("#")[1]
    try:
        with transaction() as tx:
            tx.delete(key, condition=RollKey.pk.exists())
            tx.update(Voter(_partition(key.poll_id), f"VOTER#{token}#{key.voter_id}"),
                      actions=[Voter.members.delete({key.user_id})],
                      condition=Voter.pk.exists())
    except TransactWriteError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True
