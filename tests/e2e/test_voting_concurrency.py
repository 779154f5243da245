"""50 simultaneous ballots of one owner on the running stack (issue 11): exactly one counted
ballot, every accepted request has its version in the history and none is lost, and the live
tally equals a recount of the roll read from the embedded DynamoDB."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
import requests

from tests.e2e.conftest import LocalStack
from tests.e2e.test_concurrency import send, simultaneously

pytestmark = pytest.mark.e2e

BALLOTS = 50
CHOICES = ("同意", "不同意", "弃权")


def items(stack: LocalStack, poll_id: str, prefix: str) -> list[dict[str, Any]]:
    found, start = [], None
    while True:
        page = stack.table().query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
            ExpressionAttributeValues={":pk": f"POLL#{poll_id}", ":sk": prefix},
            ConsistentRead=True, **({"ExclusiveStartKey": start} if start else {}))
        found += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return found


@pytest.fixture(scope="module")
def poll(stack: LocalStack) -> dict[str, Any]:
    response = send(stack, "GET", "/communities/jinxiu/polls", "lin")
    assert response.status_code == 200, response.text
    [open_poll] = [p for p in response.json()["items"] if p["status"] == "open"]
    return open_poll  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def outcomes(stack: LocalStack, poll: dict[str, Any]) -> list[tuple[str, int | None, Any]]:
    stack.token("lin")

    def cast(i: int) -> tuple[str, int | None, Any]:
        choice = CHOICES[i % len(CHOICES)]
        try:
            response = send(stack, "POST", f"/polls/{poll['poll_id']}/ballots", "lin",
                            {"choice": choice})
        except requests.ConnectionError as err:
            return choice, None, repr(err)
        return choice, response.status_code, response.json()

    return simultaneously(list(range(BALLOTS)), cast)  # type: ignore[arg-type]


def accepted(outcomes: list[tuple[str, int | None, Any]]) -> list[dict[str, Any]]:
    return [body for _, status, body in outcomes if status == 201]


def test_every_request_is_answered_and_accepted_or_refused_cleanly(
        outcomes: list[tuple[str, int | None, Any]]) -> None:
    # version numbers come from one atomic counter: simultaneous ballots never refuse each other
    statuses = Counter(status for _, status, _ in outcomes)
    assert statuses == {201: BALLOTS}, [o for o in outcomes if o[1] != 201][:3]


def test_every_accepted_ballot_is_one_version_of_the_history(
        stack: LocalStack, poll: dict[str, Any],
        outcomes: list[tuple[str, int | None, Any]]) -> None:
    receipts = accepted(outcomes)
    versions = sorted(b["version"] for b in receipts)
    assert versions == list(range(1, BALLOTS + 1))
    assert len({b["receipt"] for b in receipts}) == len(receipts)
    history = items(stack, poll["poll_id"], "BALLOT#u:1-101#")
    assert sorted(int(h["version"]) for h in history) == versions
    assert {h["receipt"]: h["choice"] for h in history} == {b["receipt"]: b["choice"]
                                                           for b in receipts}


def test_exactly_one_ballot_counts_the_latest_version(
        stack: LocalStack, poll: dict[str, Any],
        outcomes: list[tuple[str, int | None, Any]]) -> None:
    receipts = accepted(outcomes)
    latest = max(receipts, key=lambda b: b["version"])
    you = send(stack, "GET", f"/polls/{poll['poll_id']}", "lin").json()["you"]
    assert (you["version"], you["choice"]) == (latest["version"], latest["choice"])
    checks = [send(stack, "GET", f"/polls/{poll['poll_id']}/receipts/{b['receipt']}",
                   "lin").json() for b in receipts]
    assert [c["version"] for c in checks if c["current"]] == [latest["version"]]


def test_the_live_tally_equals_a_recount_of_the_roll(
        stack: LocalStack, poll: dict[str, Any],
        outcomes: list[tuple[str, int | None, Any]]) -> None:
    turnout = send(stack, "GET", f"/polls/{poll['poll_id']}", "chen").json()["turnout"]
    voters = items(stack, poll["poll_id"], "VOTER#")
    assert len({v["sk"].split("#")[1] for v in voters}) == 1  # one roll
    took_part = [v for v in voters if "current" in v]
    assert turnout["heads"]["voted"] == len(took_part) == 3  # lin, and two paper ballots
    assert Decimal(str(turnout["area"]["voted"]["m2"])) == sum(
        (Decimal(v["area"]) for v in took_part), Decimal(0))
    [tally] = items(stack, poll["poll_id"], "TALLY")
    assert int(tally["heads"]) == len(took_part)
    assert tally["area"] == sum((Decimal(v["area"]) for v in took_part), Decimal(0))
