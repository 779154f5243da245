"""The time bank on the running local stack under simultaneous requests: many redemptions of
a reward with one unit left (or costing all the redeemer has) give exactly one prize, and
stock, balance and ledger tie out; many residents accepting one task at the same moment give
exactly one 200, the rest 409."""
from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import requests

from tests.e2e.conftest import LocalStack
from tests.e2e.test_concurrency import simultaneously

pytestmark = pytest.mark.e2e

COMMUNITY = "jinxiu"
ESTATE = "jinxiu-huayuan"
RACERS = [f"racer{n}" for n in range(1, 9)]
REDEEMERS = 12
TIMEOUT_S = 120


def send(stack: LocalStack, method: str, path: str, user: str,
         body: dict[str, Any] | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {stack.token(user)}", "Connection": "close"}
    return requests.request(method, stack.url(path), json=body, headers=headers,
                            timeout=TIMEOUT_S)


def ok(response: requests.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def post_status(stack: LocalStack, path: str, user: str) -> int | str:
    try:
        return send(stack, "POST", path, user).status_code
    except requests.ConnectionError as err:
        return repr(err)


def ledger_accounts(stack: LocalStack) -> dict[str, tuple[str, int]]:
    """Every account of the community in the embedded DynamoDB: ``{id: (kind, balance)}``."""
    items = stack.table().query(IndexName="gsi1", KeyConditionExpression="gsi1pk = :pk",
                        ExpressionAttributeValues={":pk": f"PTACCTS#{COMMUNITY}"})["Items"]
    return {str(i["account_id"]): (str(i["kind"]), int(i["balance"])) for i in items}


def assert_ledger_ties_out(stack: LocalStack) -> dict[str, tuple[str, int]]:
    accounts = ledger_accounts(stack)
    assert sum(balance for _, balance in accounts.values()) == 0, accounts
    assert all(balance >= 0 for kind, balance in accounts.values() if kind != "issuer")
    return accounts


@pytest.fixture(scope="module")
def racers(stack: LocalStack) -> list[str]:
    """Eight more residents of 锦绣花园 3号楼, made as an admin would: users, then units."""
    for n, user in enumerate(RACERS, start=1):
        stack.add_user(user, f"邻居{n}号", ["resident"], COMMUNITY)
    units = [{"unit_id": f"3-{800 + n}", "building": "3", "area_m2": 80.0, "owners": [user]}
             for n, user in enumerate(RACERS, start=1)]
    ok(send(stack, "POST", f"/estates/{ESTATE}/units", "admin", {"units": units}), 201)
    for user in [*RACERS, "lin", "huang", "chen"]:
        stack.token(user)
    return RACERS


def points(stack: LocalStack, user: str) -> int:
    return int(ok(send(stack, "GET", "/me/points", user))["balance"])


def test_the_demo_seeds_rewards_points_and_a_task(stack: LocalStack) -> None:
    titles = {r["title"] for r in ok(send(stack, "GET", f"/communities/{COMMUNITY}/rewards",
                                          "lin"))["items"]}
    assert {"环保袋", "大米5kg", "理发券"} <= titles
    assert points(stack, "lin") > 0 and points(stack, "huang") > 0
    board = ok(send(stack, "GET", f"/communities/{COMMUNITY}/tasks?status=open", "lin"))
    parcel = [t for t in board["items"] if t["title"] == "帮忙取快递"]
    assert parcel and parcel[0]["reward_points"] == 10
    assert parcel[0]["poster"] == {"name": "黄**", "you": False}
    assert_ledger_ties_out(stack)


def test_one_unit_left_goes_to_exactly_one_of_many_redemptions(stack: LocalStack,
                                                               racers: list[str]) -> None:
    reward = ok(send(stack, "POST", f"/communities/{COMMUNITY}/rewards", "chen",
                     {"title": "电影票", "points": 3, "stock": 1}), 201)
    before = {u: points(stack, u) for u in ("lin", "huang")}
    path = f"/rewards/{reward['reward_id']}/redemptions"
    users = ["lin", "huang"] * (REDEEMERS // 2)
    statuses = simultaneously(users, lambda u: (u, post_status(stack, path, u)))
    assert Counter(s for _, s in statuses) == {201: 1, 409: REDEEMERS - 1}, statuses
    [winner] = [u for u, s in statuses if s == 201]
    after = {u: points(stack, u) for u in ("lin", "huang")}
    assert after[winner] == before[winner] - 3
    assert all(after[u] == before[u] for u in after if u != winner)
    stored = ok(send(stack, "GET", f"/rewards/{reward['reward_id']}", "lin"))
    assert (stored["stock"], stored["redeemed"]) == (0, 1)
    mine = ok(send(stack, "GET", "/me/redemptions?limit=100", winner))["items"]
    assert [r["reward_id"] for r in mine].count(reward["reward_id"]) == 1
    assert_ledger_ties_out(stack)


def test_points_for_one_buy_exactly_one(stack: LocalStack, racers: list[str]) -> None:
    balance = points(stack, "lin")
    assert balance > 0
    reward = ok(send(stack, "POST", f"/communities/{COMMUNITY}/rewards", "chen",
                     {"title": "全部积分大礼包", "points": balance, "stock": 10}), 201)
    path = f"/rewards/{reward['reward_id']}/redemptions"
    statuses = simultaneously(list(range(REDEEMERS)), lambda _: post_status(stack, path, "lin"))
    assert Counter(statuses) == {201: 1, 409: REDEEMERS - 1}, statuses
    assert points(stack, "lin") == 0
    stored = ok(send(stack, "GET", f"/rewards/{reward['reward_id']}", "lin"))
    assert (stored["stock"], stored["redeemed"]) == (9, 1)
    history = ok(send(stack, "GET", "/me/points?limit=100", "lin"))["movements"]
    assert sum(m["amount"] for m in history) == 0
    assert_ledger_ties_out(stack)


def test_many_accepts_of_one_task_give_exactly_one_taker(stack: LocalStack,
                                                         racers: list[str]) -> None:
    escrow_before = ledger_accounts(stack).get(f"escrow.{COMMUNITY}", ("escrow", 0))[1]
    task = ok(send(stack, "POST", f"/communities/{COMMUNITY}/tasks", "huang",
                   {"title": "帮忙搬桌子", "kind": "request", "reward_points": 2}), 201)
    path = f"/tasks/{task['task_id']}/accept"
    statuses = simultaneously(racers, lambda u: (u, post_status(stack, path, u)))
    assert Counter(s for _, s in statuses) == {200: 1, 409: len(racers) - 1}, statuses
    [winner] = [u for u, s in statuses if s == 200]
    seen = ok(send(stack, "GET", f"/tasks/{task['task_id']}", winner))
    assert seen["status"] == "accepted" and seen["your_role"] == "taker"
    assert seen["taker"]["you"] is True
    for loser in (u for u, s in statuses if s == 409):
        assert ok(send(stack, "GET", f"/tasks/{task['task_id']}", loser))["your_role"] is None
    accounts = assert_ledger_ties_out(stack)
    assert accounts[f"escrow.{COMMUNITY}"][1] == escrow_before + 2
