"""Polls: opening one, the roll frozen when it opens, reading it with its live turnout.

A poll's roll is frozen from the unit registry at the first moment after ``opens_at`` that
anything touches the poll: its creation when it opens at once, else the first read or ballot,
else the per-minute schedule (``closing.run``), whichever comes first, so at most a minute after
it opens. Several may try at once: each writes a roll under its own token, exactly one becomes
the poll's (a conditional write) and the others are deleted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from chalicelib.core.errors import InvalidInputError, NotFoundError, UnprocessableError
from chalicelib.core.ids import new_id
from chalicelib.core.paging import decode_cursor, encode_cursor
from chalicelib.core.timeutil import iso, parse_iso, utcnow
from chalicelib.directory import service as directory
from chalicelib.identity.caller import Caller
from chalicelib.voting import access, electorate, store, tracker
from chalicelib.voting.counting import Share
from chalicelib.voting.display import decimal_text, fraction_of
from chalicelib.voting.models import Poll, RollKey, Voter

if TYPE_CHECKING:
    from chalicelib.directory.service import UnitRegister
    from chalicelib.voting import schemas as docs

Status = Literal["scheduled", "open", "counting", "closed"]
OPENS_IN_PAST_TOLERANCE = timedelta(minutes=5)
MAX_SPAN = timedelta(days=366)


@dataclass(frozen=True)
class YourPlace:
    """The caller's place on the roll and their current ballot."""

    voter_id: str
    units: tuple[str, ...]
    version: int | None
    choice: str | None
    voted_at: str | None
    channel: str | None


@dataclass(frozen=True)
class PollState:
    poll: Poll
    status: Status
    turnout: tracker.Turnout | None = None
    you: YourPlace | None = None
    on_roll: bool | None = None


@dataclass(frozen=True)
class Page:
    items: list[PollState]
    next_cursor: str | None


def status_of(poll: Poll, now: datetime) -> Status:
    if poll.result_at:
        return "closed"
    if poll.closed_at or now >= parse_iso(poll.closes_at):
        return "counting"
    if now < parse_iso(poll.opens_at):
        return "scheduled"
    return "open"


# --- opening --------------------------------------------------------------------------------

def _bad(field: str, message: str) -> InvalidInputError:
    return InvalidInputError(message, [{"field": field, "message": message}])


def open_poll(caller: Caller, community_id: str, doc: docs.NewPoll,
              now: datetime | None = None) -> PollState:
    """Open a poll of an estate of the community (office staff, admins); it freezes its roll
    at once when it opens now. Raises NotFoundError, ForbiddenError, InvalidInputError (an
    estate of another community, with no registered units or with an area that cannot be
    counted; times out of order, past, or more than ``MAX_SPAN`` ahead)."""
    now = now or utcnow()
    access.require_organiser(access.in_community(caller, community_id), community_id)
    directory.get_community(community_id)
    try:
        estate = directory.get_estate(doc.estate_id)
    except NotFoundError:
        estate = None
    if estate is None or estate.community_id != community_id:
        raise _bad("estate_id", f"no estate {doc.estate_id} in community {community_id}")
    register = directory.unit_register(doc.estate_id)
    if not register.units:
        raise _bad("estate_id", "the estate has no registered units with their areas")
    try:
        roll = roll_of(register)
    except ValueError as err:
        raise _bad("estate_id", f"the unit registry cannot be counted: {err}") from err
    opens_at = doc.opens_at or now
    if opens_at < now - OPENS_IN_PAST_TOLERANCE:
        raise _bad("opens_at", "opens_at is in the past")
    if opens_at > now + MAX_SPAN:
        raise _bad("opens_at", f"opens_at is more than {MAX_SPAN.days} days ahead")
    if doc.closes_at <= max(opens_at, now):
        raise _bad("closes_at", "closes_at must be after opens_at and in the future")
    if doc.closes_at > opens_at + MAX_SPAN:
        raise _bad("closes_at", f"a poll stays open at most {MAX_SPAN.days} days")
    poll = store.new_poll(
        poll_id=new_id("pl_"), community_id=community_id, estate_id=doc.estate_id,
        title=doc.title, question=doc.question, matter=doc.matter, options=list(doc.options),
        ballot=doc.ballot, opens_at=iso(opens_at),
        closes_at=iso(doc.closes_at), created_at=iso(now), created_by=caller.user_id)
    store.create_poll(poll)
    if opens_at <= now:
        poll = freeze(poll, now, roll)
    return state_of(poll, now)


def roll_of(register: UnitRegister) -> list[electorate.Elector]:
    """The roll the registry gives now. Raises ValueError (a unit's area cannot be counted)."""
    entries = [electorate.UnitEntry(u.unit_id, u.building, fraction_of(u.area_m2),
                                    tuple(str(o) for o in u.owners), bool(u.developer_unsold))
               for u in register.units]
    return electorate.electorate(entries, register.grid_of_building)


def freeze(poll: Poll, now: datetime, roll: list[electorate.Elector] | None = None) -> Poll:
    """The poll with its roll frozen from the unit registry (already frozen: unchanged).
    Raises UnprocessableError while the registry holds an area that cannot be counted."""
    if poll.roll_token:
        return poll
    if roll is None:
        try:
            roll = roll_of(directory.unit_register(poll.estate_id))
        except ValueError as err:
            raise UnprocessableError(f"the roll of poll {poll.poll_id} cannot be frozen until "
                                     f"the community office corrects the unit registry: {err}"
                                     ) from err
    token = new_id()[-12:]
    store.write_roll(_roll_items(poll.poll_id, token, roll))
    frozen_at, summary = iso(now), summarize(roll)
    if store.commit_roll(poll, token, frozen_at, summary):
        poll.roll_token, poll.roll_frozen_at, poll.roll_summary = token, frozen_at, summary
        return poll
    store.discard_roll(poll.poll_id, token)
    return store.get_poll(poll.poll_id, consistent=True) or poll


def ensure_roll(poll: Poll, now: datetime) -> Poll:
    """Freeze the roll of a poll that has opened (first touch after ``opens_at``).
    Raises UnprocessableError (see ``freeze``)."""
    if poll.roll_token or now < parse_iso(poll.opens_at):
        return poll
    return freeze(poll, now)


def _roll_items(poll_id: str, token: str,
                roll: list[electorate.Elector]) -> list[Voter | RollKey]:
    items: list[Voter | RollKey] = []
    for e in roll:
        items.append(store.new_voter(
            poll_id, token, e.voter_id, e.members, list(e.units), Decimal(decimal_text(e.area)),
            {g: decimal_text(a) for g, a in e.area_by_group.items()}))
        items += [store.new_member_key(poll_id, token, m, e.voter_id) for m in sorted(e.members)]
        items += [store.new_unit_key(poll_id, token, u, e.voter_id) for u in e.units]
    return items


def summarize(roll: list[electorate.Elector]) -> dict[str, object]:
    """Heads and area of the roll, in all and per group (areas as exact decimal text)."""
    groups: dict[str, Share] = {}
    for e in roll:
        for group, area in e.area_by_group.items():
            groups[group] = groups.get(group, Share()) + Share(1, area)
    total = sum((Share(1, e.area) for e in roll), Share())
    return {"heads": total.heads, "area": decimal_text(total.area),
            "groups": {g: {"heads": s.heads, "area": decimal_text(s.area)}
                       for g, s in sorted(groups.items())}}


# --- reading --------------------------------------------------------------------------------

def _share(heads: object, area: object) -> Share:
    return Share(int(str(heads)), fraction_of(str(area)))


def roll_totals(poll: Poll) -> tuple[Share, dict[str, Share]]:
    summary = dict(poll.roll_summary or {})
    groups = {g: _share(v["heads"], v["area"]) for g, v in dict(summary.get("groups", {})).items()}
    return _share(summary.get("heads", 0), summary.get("area", "0")), groups


def live_turnout(poll: Poll) -> tracker.Turnout:
    total, group_totals = roll_totals(poll)
    counters = store.tally(poll.poll_id)
    voted = _share(counters.get(store.counter_name("heads"), 0),
                   counters.get(store.counter_name("area"), 0))
    group_voted = {g: _share(counters.get(store.counter_name("heads", g), 0),
                             counters.get(store.counter_name("area", g), 0))
                   for g in group_totals}
    return tracker.turnout(total, voted, group_totals, group_voted)


def your_place(poll: Poll, caller: Caller) -> YourPlace | None:
    voter_id = store.voter_id_for(poll, "user", caller.user_id)
    voter = store.voter(poll, voter_id) if voter_id else None
    if voter is None:
        return None
    return YourPlace(voter.voter_id, tuple(str(u) for u in voter.units),
                     int(voter.current) if voter.current is not None else None,
                     voter.choice, voter.voted_at, voter.channel)


def state_of(poll: Poll, now: datetime, caller: Caller | None = None) -> PollState:
    status = status_of(poll, now)
    if not poll.roll_token:
        return PollState(poll, status)
    owner = caller is not None and "owner" in caller.roles
    you = your_place(poll, caller) if caller is not None and owner else None
    return PollState(poll, status, live_turnout(poll), you,
                     on_roll=you is not None if owner else None)


def get_poll(caller: Caller, poll_id: str, now: datetime | None = None) -> PollState:
    """A poll with its live turnout and the caller's own place on its roll.
    Raises NotFoundError, ForbiddenError, UnprocessableError (a roll that cannot be frozen)."""
    now = now or utcnow()
    poll, _ = access.poll_for(caller, poll_id)
    access.require_reader(caller)
    return state_of(ensure_roll(poll, now), now, caller)


def list_polls(caller: Caller, community_id: str, limit: int = 20, cursor: str | None = None,
               now: datetime | None = None) -> Page:
    """The community's polls, newest first (without turnout).
    Raises NotFoundError, ForbiddenError, InvalidInputError (a cursor this API did not make)."""
    now = now or utcnow()
    access.in_community(caller, community_id)
    access.require_reader(caller)
    before = decode_cursor(cursor) if cursor else None
    found = store.polls_of_community(community_id, before, limit + 1)
    page = found[:limit]
    more = len(found) > limit
    return Page([PollState(p, status_of(p, now)) for p in page],
                encode_cursor(store.position(page[-1])) if more and page else None)
