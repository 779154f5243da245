"""The per-minute schedule of polls, and reading a result.

``run(now)`` freezes the roll of each poll that has opened without one (from the opening index,
which holds only polls waiting for their roll) and closes each poll whose closing time has come
(from the closing index, which holds only polls without a stored result). Closing is two
idempotent steps: ballots stop (``closed_at``, which every ballot's transaction checks), then
the roll's current ballots are counted from a consistent read and the result stored once.
A run that fails between them is finished by the next. A poll whose roll cannot be frozen (the
registry holds an area that cannot be counted) is logged, counted as ``PollRollRefused`` and left
for a later run; it never holds up the others.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.core import observability
from chalicelib.core.errors import ConflictError, UnprocessableError
from chalicelib.core.timeutil import iso, parse_iso, utcnow
from chalicelib.identity.caller import Caller
from chalicelib.voting import access, polls, results, store
from chalicelib.voting.counting import Share
from chalicelib.voting.display import fraction_of

PAGE = 50


def run(now: datetime | None = None) -> dict[str, int]:
    """Freeze what has opened, close what is due. Returns counts."""
    now = now or utcnow()
    counts = {"opened": 0, "closed": 0}
    for poll_id in store.due_to_open(iso(now), PAGE):
        poll = store.get_poll(poll_id, consistent=True)
        if poll is not None and not poll.roll_token and parse_iso(poll.opens_at) <= now:
            try:
                polls.freeze(poll, now)
            except UnprocessableError as err:
                _refused(poll_id, err)
                continue
            counts["opened"] += 1
    for poll_id in store.due_to_close(iso(now), PAGE):
        try:
            closed = close(poll_id, now)
        except UnprocessableError as err:
            _refused(poll_id, err)
            continue
        counts["closed"] += int(closed)
    return counts


def _refused(poll_id: str, err: UnprocessableError) -> None:
    observability.logger().error("poll roll cannot be frozen", extra={
        "poll_id": poll_id, "reason": str(err)})
    observability.add_metric("PollRollRefused")


def close(poll_id: str, now: datetime) -> bool:
    """Stop ballots and store the result of a poll whose closing time has come. False when
    it is not due or was already counted. Raises UnprocessableError (a roll never frozen that
    cannot be frozen yet: ballots go on being refused, nothing is counted)."""
    poll = store.get_poll(poll_id, consistent=True)
    if poll is None or poll.result_at or now < parse_iso(poll.closes_at):
        return False
    poll = polls.freeze(poll, now)
    store.mark_closed(poll_id, iso(now))
    poll = store.get_poll(poll_id, consistent=True) or poll
    outcome, participants = results.outcome_of(poll, store.voters(poll))
    _check_tally(poll_id, outcome.participating)
    return store.save_result(poll_id, results.document(poll, outcome, participants, iso(now)),
                             iso(now))


def _check_tally(poll_id: str, recount: Share) -> None:
    """The live counters must equal the recount; the result always uses the recount."""
    counters = store.tally(poll_id)
    kept = Share(int(counters.get(store.counter_name("heads"), 0)),
                 fraction_of(counters.get(store.counter_name("area"), 0)))
    if kept != recount:
        observability.logger().error("poll tally differs from the recount", extra={
            "poll_id": poll_id, "kept": str(kept), "recount": str(recount)})
        observability.add_metric("PollTallyDrift")


def read_result(caller: Caller, poll_id: str) -> dict[str, Any]:
    """The counted result, for anyone of the poll's community. Raises NotFoundError,
    ConflictError (not closed and counted yet)."""
    poll, _ = access.poll_for(caller, poll_id)
    document = store.result(poll_id) if poll.result_at else None
    if document is None:
        raise ConflictError(f"poll {poll_id} has no result until it closes at {poll.closes_at} "
                            "and is counted")
    return document
