"""Ballots: cast online by an owner on the roll, or entered from paper by the community office
on a voter's behalf; each is a new version of the voter's ballot with its own receipt code. The
highest version counts; every version is kept for the challenge period (a year from the
resolution, Civil Code Art. 280 and 法释〔2009〕7号 art. 12), and nothing deletes them.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from chalicelib.core.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from chalicelib.core.paging import decode_cursor, encode_cursor
from chalicelib.core.timeutil import iso, parse_iso, utcnow
from chalicelib.identity.caller import Caller
from chalicelib.voting import access, polls, schemas, store
from chalicelib.voting.models import Ballot, Poll, Voter

MAX_VERSIONS = 200
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_GROUPS = 4


@dataclass(frozen=True)
class Cast:
    poll: Poll
    ballot: Ballot
    current: bool


@dataclass(frozen=True)
class ReceiptCheck:
    poll: Poll
    ballot: Ballot
    current: bool
    status: polls.Status


@dataclass(frozen=True)
class AuditPage:
    poll: Poll
    items: list[tuple[Ballot, Voter | None]]
    next_cursor: str | None


def new_receipt() -> str:
    """Sixteen random characters (80 bits) in four groups: ``7KQ2-M9XD-P4TB-W3HC``."""
    chars = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(4 * RECEIPT_GROUPS))
    return "-".join(chars[i:i + 4] for i in range(0, len(chars), 4))


def normalized_receipt(code: str) -> str:
    return code.strip().upper()


def _require_open(poll: Poll, now: datetime) -> None:
    if poll.closed_at or now >= parse_iso(poll.closes_at):
        raise ConflictError(f"poll {poll.poll_id} closed at {poll.closes_at}")
    if now < parse_iso(poll.opens_at):
        raise ConflictError(f"poll {poll.poll_id} opens at {poll.opens_at}")


def _require_option(poll: Poll, choice: str) -> None:
    if choice not in poll.options:
        raise InvalidInputError("choice is not one of the options", [{
            "field": "choice", "message": "one of: " + ", ".join(str(o) for o in poll.options)}])


def _counters(voter: Voter) -> dict[str, Decimal]:
    """What the voter adds to the tally when they first take part: one head and their area,
    in all and in each of their groups."""
    counters = {store.counter_name("heads"): Decimal(1),
                store.counter_name("area"): Decimal(voter.area)}
    for group, area in dict(voter.groups).items():
        counters[store.counter_name("heads", group)] = Decimal(1)
        counters[store.counter_name("area", group)] = Decimal(str(area))
    return counters


def _record(poll: Poll, voter_id: str, choice: str, now: datetime, channel: str,
            cast_by: str | None = None, entered_by: str | None = None,
            on_behalf_of: str | None = None) -> Cast:
    voter = store.voter(poll, voter_id)
    if voter is None:
        raise NotFoundError(f"voter {voter_id} is not on the roll")
    version = store.next_version(poll.poll_id, voter_id)
    if version > MAX_VERSIONS:
        raise ConflictError(f"a ballot may be cast at most {MAX_VERSIONS} times")
    ballot = store.new_ballot(poll.poll_id, voter_id, version, choice=choice,
                              receipt=new_receipt(), at=iso(now), channel=channel,
                              cast_by=cast_by, entered_by=entered_by, on_behalf_of=on_behalf_of)
    try:
        stored = store.store_ballot(poll, voter, ballot, _counters(voter))
    except store.PollClosedError as err:
        raise ConflictError(f"poll {poll.poll_id} is closed") from err
    return Cast(poll, ballot, stored != "superseded")


def cast(caller: Caller, poll_id: str, doc: schemas.NewBallot,
         now: datetime | None = None) -> Cast:
    """An owner on the roll casts or changes their ballot. Raises NotFoundError (outside the
    community), ForbiddenError (not an owner, or not on this poll's roll), ConflictError (not
    open), InvalidInputError (not an option), UnprocessableError (a roll that cannot be
    frozen)."""
    now = now or utcnow()
    poll, _ = access.poll_for(caller, poll_id, consistent=True)
    caller.require("owner")
    _require_open(poll, now)
    _require_option(poll, doc.choice)
    poll = polls.ensure_roll(poll, now)
    voter_id = store.voter_id_for(poll, "user", caller.user_id)
    if voter_id is None:
        raise ForbiddenError("you are not on the roll of this poll")
    return _record(poll, voter_id, doc.choice, now, "online", cast_by=caller.user_id)


def enter_paper(caller: Caller, poll_id: str, doc: schemas.PaperBallot,
                now: datetime | None = None) -> Cast:
    """Office staff enter a paper ballot for the voter holding ``unit_id``, recorded as paper
    with their id. Raises NotFoundError, ForbiddenError, ConflictError, InvalidInputError (a
    unit not on the roll, an owner not of that voter, not an option), UnprocessableError."""
    now = now or utcnow()
    poll, scope = access.poll_for(caller, poll_id, consistent=True)
    access.require_organiser(scope, poll.community_id)
    _require_open(poll, now)
    _require_option(poll, doc.choice)
    poll = polls.ensure_roll(poll, now)
    voter_id = store.voter_id_for(poll, "unit", doc.unit_id)
    if voter_id is None:
        raise InvalidInputError("the unit is not on the roll", [{
            "field": "unit_id", "message": f"no unit {doc.unit_id} on the roll of this poll"}])
    voter = store.voter(poll, voter_id)
    if doc.owner_id and (voter is None or doc.owner_id not in (voter.members or set())):
        raise InvalidInputError("the owner does not hold that unit", [{
            "field": "owner_id", "message": f"{doc.owner_id} is not an owner of that unit"}])
    return _record(poll, voter_id, doc.choice, now, "paper", entered_by=caller.user_id,
                   on_behalf_of=doc.owner_id)


def check_receipt(caller: Caller, poll_id: str, code: str,
                  now: datetime | None = None) -> ReceiptCheck:
    """What the ballot of a receipt says and whether it is the one counted: for the voter's
    owners and whoever cast it; office staff and admins only for a paper ballot (they entered
    its choice from the paper). Anyone else gets NotFoundError, so no staff member learns how an
    owner voted online."""
    now = now or utcnow()
    poll, scope = access.poll_for(caller, poll_id, consistent=True)
    found = store.receipt(poll_id, normalized_receipt(code))
    ballot = store.ballot(poll_id, found.voter_id, int(found.version)) if found else None
    voter = store.voter(poll, ballot.voter_id) if ballot and poll.roll_token else None
    if ballot is None or voter is None:
        raise NotFoundError("no such receipt")
    mine = caller.user_id in (voter.members or set()) \
        or caller.user_id in (ballot.cast_by, ballot.on_behalf_of)
    if not mine and not (ballot.channel == "paper" and access.organises(scope, poll.community_id)):
        raise NotFoundError("no such receipt")
    current = voter.current is not None and int(voter.current) == int(ballot.version)
    return ReceiptCheck(poll, ballot, current, polls.status_of(poll, now))


def audit_export(caller: Caller, poll_id: str, limit: int = 100,
                 cursor: str | None = None) -> AuditPage:
    """Every ballot version of a counted poll, by voter and version, with who cast or entered
    it, for the challenge period (the view leaves out the choices of a secret ballot). The read
    is written to the audit log. Raises NotFoundError, ForbiddenError, ConflictError (not
    counted yet), InvalidInputError (bad cursor)."""
    from chalicelib.privacy import audit

    poll, scope = access.poll_for(caller, poll_id, consistent=True)
    access.require_auditor(scope, poll.community_id)
    if not poll.result_at:
        raise ConflictError("the ballots are exported once the poll is closed and counted")
    after = decode_cursor(cursor) if cursor else None
    found = store.ballots(poll_id, after, limit + 1)
    page = found[:limit]
    voters = store.voters_by_id(poll, (b.voter_id for b in page))
    people = dict.fromkeys(p for b in page for p in (b.cast_by, b.on_behalf_of) if p)
    audit.record(caller, "poll_ballots", [(poll_id, p, False) for p in people])
    more = len(found) > limit
    return AuditPage(poll, [(b, voters.get(b.voter_id)) for b in page],
                     encode_cursor(store.ballot_position(page[-1])) if more and page else None)
