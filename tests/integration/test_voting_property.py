"""Random ballot sequences (online and paper, changes included) on the embedded DynamoDB: the live
counters and the stored result equal a brute-force recount from the stored ballot history, which
the audit export lists version by version (with the choices only for an open ballot). Few
examples: each one opens, fills and closes a poll."""
from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.voting import store
from tests.integration.conftest import Api, EmbeddedAws
from tests.integration.voting_helpers import (
    close_now,
    open_poll,
    vote,
    voting_world,
)


@pytest.fixture
def voters(api: Api, embedded_aws: EmbeddedAws) -> Api:
    return voting_world(api, embedded_aws)

# Who may act for each voter of the huayuan roll, and the voter's area in tenths of m².
ONLINE = {"lin": "u:b1-101", "zhou": "u:b1-201", "li": "u:b2-301"}
PAPER = {"b2-101": "developer", "b1-102": "u:b1-102", "b2-202": "u:b1-201", "b2-301": "u:b2-301"}
TENTHS = {"u:b1-101": 885, "u:b1-102": 920, "developer": 1200, "u:b1-201": 2105, "u:b2-301": 800}
OPTIONS = ["yes", "no", "abstain"]
ACTORS = sorted(ONLINE) + [f"paper:{unit}" for unit in sorted(PAPER)]


def recount(history: list[dict[str, object]], matter: str) -> dict[str, object]:
    latest: dict[str, tuple[int, str]] = {}
    for b in history:
        voter, version = str(b["voter_id"]), int(str(b["version"]))
        if voter not in latest or latest[voter][0] < version:
            latest[voter] = (version, str(b["choice"]))
    heads = {o: sum(1 for _, c in latest.values() if c == o) for o in OPTIONS}
    area = {o: sum(TENTHS[v] for v, (_, c) in latest.items() if c == o) for o in OPTIONS}
    part_heads, part_area = len(latest), sum(TENTHS[v] for v in latest)
    quorum = 3 * part_heads >= 2 * len(TENTHS) and 3 * part_area >= 2 * sum(TENTHS.values())
    if matter == "major":
        bar = 4 * heads["yes"] >= 3 * part_heads and 4 * area["yes"] >= 3 * part_area
    else:
        bar = 2 * heads["yes"] > part_heads and 2 * area["yes"] > part_area
    return {"participation": (part_heads, part_area), "heads": heads, "area": area,
            "quorum": quorum, "passed": quorum and bar,
            "counted": {v: version for v, (version, _) in latest.items()}}


def tenths(exact: str) -> int:
    value = Fraction(exact) * 10
    assert value.denominator == 1
    return int(value)


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(matter=st.sampled_from(["ordinary", "major"]), ballot=st.sampled_from(["secret", "open"]),
       actions=st.lists(st.tuples(st.sampled_from(ACTORS), st.sampled_from(OPTIONS)),
                        max_size=12))
def test_counters_and_result_equal_a_recount_of_the_history(
        voters: Api, matter: str, ballot: str, actions: list[tuple[str, str]]) -> None:
    poll = open_poll(voters, matter=matter, options=OPTIONS, ballot=ballot)
    poll_id = poll["poll_id"]
    for actor, choice in actions:
        if actor.startswith("paper:"):
            response = voters.post(f"/polls/{poll_id}/paper-ballots", "chen",
                                   {"unit_id": actor.split(":")[1], "choice": choice})
        else:
            response = vote(voters, poll_id, actor, choice)
        assert response.status_code == 201, response.body
    live = voters.get(f"/polls/{poll_id}", "chen").json["turnout"]
    close_now(voters, poll)
    exported = voters.get(f"/polls/{poll_id}/ballots?limit=100", "chen").json
    stored = [{"voter_id": b.voter_id, "version": int(b.version), "choice": b.choice}
              for b in store.ballots(poll_id, None, 1000)]
    assert exported["next_cursor"] is None and len(stored) == len(actions)
    assert [(b["voter_id"], b["version"], b["choice"]) for b in exported["items"]] == [
        (b["voter_id"], b["version"], b["choice"] if ballot == "open" else None) for b in stored]
    expected = recount(stored, matter)
    assert (live["heads"]["voted"], tenths(live["area"]["voted"]["exact"])) == \
        expected["participation"]
    result = voters.get(f"/polls/{poll_id}/results", "lin").json
    assert (result["participation"]["heads"], tenths(result["participation"]["area"]["exact"])
            ) == expected["participation"]
    assert {r["option"]: r["heads"] for r in result["results"]} == expected["heads"]
    assert {r["option"]: tenths(r["area"]["exact"]) for r in result["results"]} == \
        expected["area"]
    assert (result["quorum"]["met"], result["passed"]) == (expected["quorum"], expected["passed"])
    counted = {b["voter_id"]: b["version"] for b in exported["items"] if b["counted"]}
    assert counted == expected["counted"]
