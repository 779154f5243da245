"""What the voting routes answer, from the domain's objects (shapes in ``responses.py``)."""
from __future__ import annotations

from typing import Any

from chalicelib.voting import display, tracker
from chalicelib.voting.ballots import AuditPage, Cast, ReceiptCheck
from chalicelib.voting.counting import QUORUM, ratio, text
from chalicelib.voting.models import Ballot, Poll
from chalicelib.voting.polls import Page, PollState, roll_totals


def _summary(poll: Poll, status: str) -> dict[str, Any]:
    return {"poll_id": poll.poll_id, "community_id": poll.community_id,
            "estate_id": poll.estate_id, "title": poll.title, "question": poll.question,
            "matter": poll.matter, "options": list(poll.options), "ballot": poll.ballot,
            "opens_at": poll.opens_at, "closes_at": poll.closes_at,
            "created_at": poll.created_at, "status": status}


def _progress(progress: tracker.Progress) -> dict[str, Any]:
    total, voted, rest = progress.total, progress.voted, progress.not_voted
    return {
        "heads": {"voted": voted.heads, "total": total.heads, "not_voted": rest.heads,
                  "ratio": display.ratio(ratio(voted.heads, total.heads))},
        "area": {"voted": display.area(voted.area), "total": display.area(total.area),
                 "not_voted": display.area(rest.area),
                 "ratio": display.ratio(ratio(voted.area, total.area))},
        "shortfall": {"heads": progress.heads_short,
                      "area": display.area(progress.area_short, needed=True)},
    }


def turnout_view(turnout: tracker.Turnout) -> dict[str, Any]:
    overall = _progress(turnout.overall)
    by_building, by_grid = [], []
    for group, progress in turnout.groups.items():
        kind, _, ref = group.partition(":")
        if kind == "building":
            by_building.append({"building": ref, **_progress(progress)})
        else:
            by_grid.append({"grid_id": ref or None, **_progress(progress)})
    return {"heads": overall["heads"], "area": overall["area"],
            "quorum": {"met": turnout.quorum_met, "required": text(QUORUM),
                       "shortfall": overall["shortfall"]},
            "by_building": by_building, "by_grid": by_grid}


def poll_view(state: PollState) -> dict[str, Any]:
    poll = state.poll
    view = _summary(poll, state.status)
    roll = None
    if poll.roll_token:
        total, _ = roll_totals(poll)
        roll = {"frozen_at": poll.roll_frozen_at, "heads": total.heads,
                "area": display.area(total.area)}
    view["roll"] = roll
    view["turnout"] = turnout_view(state.turnout) if state.turnout else None
    if state.on_roll is not None:
        view["on_roll"] = state.on_roll
    you = state.you
    if you is not None:
        view["you"] = {"voter_id": you.voter_id, "units": list(you.units),
                       "voted": you.version is not None, "version": you.version,
                       "choice": you.choice, "voted_at": you.voted_at, "channel": you.channel}
    return view


def poll_list(page: Page) -> dict[str, Any]:
    return {"items": [_summary(s.poll, s.status) for s in page.items],
            "next_cursor": page.next_cursor}


def _ballot(poll_id: str, ballot: Ballot) -> dict[str, Any]:
    return {"poll_id": poll_id, "receipt": ballot.receipt, "version": int(ballot.version),
            "choice": ballot.choice, "cast_at": ballot.at, "channel": ballot.channel}


def cast_view(cast: Cast) -> dict[str, Any]:
    return {**_ballot(cast.poll.poll_id, cast.ballot), "current": cast.current}


def receipt_view(check: ReceiptCheck) -> dict[str, Any]:
    return {**_ballot(check.poll.poll_id, check.ballot), "current": check.current,
            "poll_status": check.status,
            "counted": check.current if check.status == "closed" else None}


def audit_view(page: AuditPage) -> dict[str, Any]:
    """Who cast each version, when and how; its choice only when the ballot was open."""
    shown = page.poll.ballot == "open"
    items = []
    for ballot, voter in page.items:
        items.append({
            "voter_id": ballot.voter_id, "units": list(voter.units) if voter else [],
            "version": int(ballot.version), "choice": ballot.choice if shown else None,
            "at": ballot.at,
            "channel": ballot.channel, "cast_by": ballot.cast_by,
            "entered_by": ballot.entered_by, "on_behalf_of": ballot.on_behalf_of,
            "detached": bool(ballot.detached),
            "counted": voter is not None and voter.current is not None
            and int(voter.current) == int(ballot.version)})
    return {"poll_id": page.poll.poll_id, "items": items, "next_cursor": page.next_cursor}
