"""The published result of a closed poll (pure): participation, each option's heads and area,
quorum, passed, the rule applied in words. Who took part is published by their units (never a
name or user id); how each voted only when the ballot was open."""
from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from chalicelib.voting import counting, display
from chalicelib.voting.counting import MAJOR, ORDINARY, QUORUM, Outcome, Share, ratio, text
from chalicelib.voting.electorate import DEVELOPER
from chalicelib.voting.models import Poll, Voter


def _share(share: Share, of: Share) -> dict[str, Any]:
    return {"heads": share.heads, "area": display.area(share.area),
            "heads_ratio": display.ratio(ratio(share.heads, of.heads)),
            "area_ratio": display.ratio(ratio(share.area, of.area))}


def outcome_of(poll: Poll, voters: Iterable[Voter]) -> tuple[Outcome, list[Voter]]:
    """The Art. 278 outcome of the roll's current ballots, and those who took part."""
    roll = list(voters)
    outcome = counting.count(
        poll.matter, list(poll.options),  # type: ignore[arg-type]
        {v.voter_id: display.fraction_of(v.area) for v in roll},
        {v.voter_id: str(v.choice) for v in roll if v.current is not None})
    return outcome, [v for v in roll if v.current is not None]


def document(poll: Poll, outcome: Outcome, participants: list[Voter], at: str) -> dict[str, Any]:
    major = poll.matter == "major"
    rule, rule_zh = counting.RULES[poll.matter]
    bar: Fraction = MAJOR if major else ORDINARY
    return {
        "poll_id": poll.poll_id,
        "title": poll.title,
        "community_id": poll.community_id,
        "estate_id": poll.estate_id,
        "matter": poll.matter,
        "ballot": poll.ballot,
        "options": list(poll.options),
        "motion": poll.options[0],
        "opens_at": poll.opens_at,
        "closes_at": poll.closes_at,
        "closed_at": poll.closed_at,
        "roll_frozen_at": poll.roll_frozen_at,
        "counted_at": at,
        "roll": {"heads": outcome.roll.heads, "area": display.area(outcome.roll.area)},
        "participation": _share(outcome.participating, outcome.roll),
        "quorum": {"met": outcome.quorum_met, "required": text(QUORUM),
                   "rule": "at least 2/3 of the area and at least 2/3 of the owners vote"},
        "results": [{"option": option, **_share(share, outcome.participating)}
                    for option, share in outcome.by_option.items()],
        "passed": outcome.passed,
        "threshold": {"fraction": text(bar), "inclusive": major,
                      "rule": ("at least 3/4" if major else "more than 1/2")
                      + " of the participating area and of the participating owners"},
        "rule": rule,
        "rule_zh": rule_zh,
        "explanation": outcome.explanation,
        "participants": [_participant(v, poll.ballot == "open") for v in
                         sorted(participants, key=lambda v: [str(u) for u in v.units])],
    }


def _participant(voter: Voter, open_ballot: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"units": list(voter.units), "developer": voter.voter_id == DEVELOPER}
    if open_ballot:
        entry["choice"] = voter.choice
    return entry
