"""PIPL for ballots (SPEC 10): the export includes the caller's ballots; erasure detaches them,
and they stay counted."""
from __future__ import annotations

import pytest

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


def test_export_lists_my_ballots_and_erasure_detaches_them_yet_they_count(voters: Api) -> None:
    poll = open_poll(voters, ballot="open")  # the audit export shows the detached choices
    poll_id = poll["poll_id"]
    receipts = [vote(voters, poll_id, "lin", c).json["receipt"] for c in ("no", "yes")]
    vote(voters, poll_id, "zhou", "yes")
    exported = voters.get("/me/export", "lin").json["ballots"]
    assert [(b["poll_id"], b["version"], b["choice"], b["receipt"]) for b in exported] == [
        (poll_id, 1, "no", receipts[0]), (poll_id, 2, "yes", receipts[1])]
    assert voters.get("/me/export", "zhou").json["ballots"][0]["choice"] == "yes"

    erased = voters.call("DELETE", "/me", "lin").json
    assert (erased["ballots_detached"], erased["roll_places_left"]) == (2, 1)
    again = voters.call("DELETE", "/me", "lin").json
    assert (again["ballots_detached"], again["roll_places_left"]) == (0, 0)
    assert voters.get("/me/export", "lin").json["ballots"] == []

    seen = voters.get(f"/polls/{poll_id}", "chen").json["turnout"]
    assert seen["heads"]["voted"] == 2 and seen["area"]["voted"]["exact"] == "299/1"
    stored = store.get_poll(poll_id)
    assert stored is not None
    voter = store.voter(stored, "u:b1-101")
    assert voter is not None and voter.members is None and voter.choice == "yes"
    assert vote(voters, poll_id, "lin", "no").status_code == 403  # no longer on the roll

    close_now(voters, poll)
    result = voters.get(f"/polls/{poll_id}/results", "huang").json
    assert {"units": ["b1-101"], "developer": False, "choice": "yes"} in result["participants"]
    assert next(r for r in result["results"] if r["option"] == "yes")["heads"] == 2
    audit = voters.get(f"/polls/{poll_id}/ballots", "chen").json["items"]
    lins = [b for b in audit if b["voter_id"] == "u:b1-101"]
    assert [(b["cast_by"], b["detached"], b["choice"]) for b in lins] == [
        (None, True, "no"), (None, True, "yes")]
    assert [b["cast_by"] for b in audit if b["voter_id"] != "u:b1-101"] == ["zhou"]
