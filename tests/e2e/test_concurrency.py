"""The running local stack keeps DynamoDB's guarantees under simultaneous requests (SPEC 9):
one winner among racing transitions, one timeline entry per accepted request, counters that
agree with a recount, and no connection reset by the API."""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e

COMMUNITY = "jinxiu"
ESTATE = "jinxiu-huayuan"
OPEN = {"submitted", "acknowledged"}
HANDLED = {"resolved", "closed"}
RACERS = {"ack": 14, "public": 12, "internal": 12, "resident": 12}
BURST = 64
TIMEOUT_S = 120


@dataclass(frozen=True)
class Call:
    kind: str
    user: str
    path: str
    body: dict[str, Any]
    note: str


@dataclass(frozen=True)
class Outcome:
    call: Call
    status: int | None
    error: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def send(stack: LocalStack, method: str, path: str, user: str,
         body: dict[str, Any] | None = None) -> requests.Response:
    """One request on its own connection, as many phones at once would send it."""
    headers = {"Authorization": f"Bearer {stack.token(user)}", "Connection": "close"}
    return requests.request(method, stack.url(path), json=body, headers=headers,
                            timeout=TIMEOUT_S)


def simultaneously(calls: list[Any], run: Callable[[Any], Outcome]) -> list[Outcome]:
    """Every call on its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def released(call: Any) -> Outcome:
        barrier.wait()
        return run(call)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(released, calls))


def attempt(stack: LocalStack, call: Call) -> Outcome:
    try:
        response = send(stack, "POST", call.path, call.user, call.body)
    except requests.ConnectionError as err:
        return Outcome(call, None, repr(err))
    return Outcome(call, response.status_code)


def racing_calls(ticket_id: str) -> list[Call]:
    base = f"/tickets/{ticket_id}"
    makers = {
        "ack": lambda note: Call("ack", "wuye", f"{base}/acknowledge", {"note": note}, note),
        "public": lambda note: Call("public", "wuye", f"{base}/comments",
                                    {"message": note}, note),
        "internal": lambda note: Call("internal", "wuye", f"{base}/comments",
                                      {"message": note, "internal": True}, note),
        "resident": lambda note: Call("resident", "lin", f"{base}/comments",
                                      {"message": note}, note),
    }
    calls = [makers[kind](f"{kind}-{i}") for kind, count in RACERS.items() for i in range(count)]
    return calls[::2] + calls[1::2]


def report(stack: LocalStack, text: str) -> str:
    body = {"category": "public_area", "description": text,
            "location": {"estate_id": ESTATE, "building": "1", "text": "1号楼楼道"}}
    response = send(stack, "POST", "/tickets", "lin", body)
    assert response.status_code == 201, response.text
    return str(response.json()["ticket"]["ticket_id"])


def get_json(stack: LocalStack, path: str, user: str) -> Any:
    response = send(stack, "GET", path, user)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def tokens(stack: LocalStack) -> None:
    for user in ("lin", "wuye", "chen"):
        stack.token(user)


@pytest.fixture(scope="module")
def quiet_ticket(stack: LocalStack, tokens: None) -> str:
    return report(stack, "2号楼门口路灯不亮")


@pytest.fixture(scope="module")
def raced_ticket(stack: LocalStack, tokens: None, quiet_ticket: str) -> str:
    return report(stack, "1号楼楼道灯坏了")


@pytest.fixture(scope="module")
def outcomes(stack: LocalStack, raced_ticket: str) -> list[Outcome]:
    return simultaneously(racing_calls(raced_ticket), lambda call: attempt(stack, call))


def of_kind(outcomes: list[Outcome], kind: str) -> list[Outcome]:
    return [o for o in outcomes if o.call.kind == kind]


def test_no_request_is_reset(outcomes: list[Outcome]) -> None:
    assert len(outcomes) == sum(RACERS.values()) == 50
    assert [o.error for o in outcomes if o.error] == []


def test_one_acknowledge_at_most_wins_and_the_rest_conflict(outcomes: list[Outcome]) -> None:
    statuses = Counter(o.status for o in of_kind(outcomes, "ack"))
    assert statuses[200] <= 1 and statuses[200] + statuses[409] == RACERS["ack"], statuses


def test_comments_are_stored_or_refused_as_conflicts(outcomes: list[Outcome]) -> None:
    comments = [o for o in outcomes if o.call.kind != "ack"]
    assert {o.status for o in comments} <= {201, 409}, Counter(o.status for o in comments)


def test_timeline_has_one_entry_per_accepted_request(stack: LocalStack, raced_ticket: str,
                                                     outcomes: list[Outcome]) -> None:
    timeline = get_json(stack, f"/tickets/{raced_ticket}", "wuye")["timeline"]
    notes = Counter(e["note"] for e in timeline if e["action"] != "created")
    accepted = Counter(o.call.note for o in outcomes if o.accepted)
    assert [e["action"] for e in timeline].count("created") == 1
    assert notes == accepted
    assert len(timeline) == sum(accepted.values()) + 1


def test_exactly_one_request_is_the_first_response(stack: LocalStack, raced_ticket: str,
                                                   outcomes: list[Outcome]) -> None:
    """The first public act of wuye (an acknowledge or a public comment) acknowledges the
    ticket; everything after it finds the ticket acknowledged."""
    ticket = get_json(stack, f"/tickets/{raced_ticket}", "wuye")
    [first] = [e for e in ticket["timeline"] if e["to_status"] == "acknowledged"]
    assert first["from_status"] == "submitted"
    assert ticket["status"] == "acknowledged"
    winners = [o.call.note for o in of_kind(outcomes, "ack") if o.status == 200]
    assert winners in ([], [first["note"]])
    assert first["action"] == ("acknowledge" if winners else "comment")


def stored_counter(stack: LocalStack, metric: str, bucket_prefix: str) -> float:
    """A counter summed over the community's stats buckets, read from the embedded DynamoDB."""
    items = stack.table().query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
        ExpressionAttributeValues={":pk": f"STATS#{COMMUNITY}", ":sk": bucket_prefix},
        ConsistentRead=True,
    )["Items"]
    return float(sum(item.get(metric, 0) for item in items))


def community_tickets(stack: LocalStack) -> list[dict[str, Any]]:
    """Every resident ticket of the community, as its staff list them (all pages)."""
    found: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = get_json(stack, f"/tickets?community_id={COMMUNITY}&limit=100{cursor}", "chen")
        found += [t for t in page["items"] if t["source"] == "resident"]
        if not page["next_cursor"]:
            return found
        cursor = f"&cursor={page['next_cursor']}"


def test_statistics_agree_with_a_recount(stack: LocalStack, quiet_ticket: str,
                                         raced_ticket: str, outcomes: list[Outcome]) -> None:
    """The stack is shared with other modules: the figures are recounted from every ticket of
    the community, and must include this module's two."""
    tickets = community_tickets(stack)
    assert {quiet_ticket, raced_ticket} <= {t["ticket_id"] for t in tickets}
    stats = get_json(stack, f"/communities/{COMMUNITY}/stats", "chen")
    responded = sum(1 for t in tickets if t["acknowledged_at"])
    assert stats["created"] == len(tickets)
    assert stats["open"] == sum(1 for t in tickets if t["status"] in OPEN)
    assert stats["handled"] == sum(1 for t in tickets if t["status"] in HANDLED)
    assert stats["escalated_open"] == sum(
        1 for t in tickets if t["status"] in OPEN and t["sla"]["escalation_level"] > 0)
    assert stats["response_in_time_rate"] == 1.0
    assert stored_counter(stack, "responded", "DAY#") == responded >= 1
    assert stored_counter(stack, "responded", "MONTH#") == responded


def fetch(stack: LocalStack, path: str, user: str) -> Outcome:
    call = Call("read", user, path, {}, "")
    try:
        return Outcome(call, send(stack, "GET", path, user).status_code)
    except requests.ConnectionError as err:
        return Outcome(call, None, repr(err))


@pytest.mark.parametrize("user, path", [("lin", "/me"), ("wuye", "/tickets/{ticket}")])
def test_burst_of_simultaneous_connections_is_served(stack: LocalStack, quiet_ticket: str,
                                                     user: str, path: str) -> None:
    target = path.format(ticket=quiet_ticket)
    outcomes = simultaneously(list(range(BURST)), lambda _: fetch(stack, target, user))
    assert [o.error for o in outcomes if o.error] == []
    assert Counter(o.status for o in outcomes) == {200: BURST}
