"""GET /me/points over the API, and what the other points and task tests share: minting in
the embedded table, the ledger's invariants, answers checked against the OpenAPI document."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from chalicelib.points import ledger
from chalicelib.web import openapi
from tests.integration.conftest import Api
from tests.integration.test_openapi import conforms


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    import app  # noqa: F401  (registers every route)

    return json.loads(json.dumps(openapi.document()))


def give(user: str, amount: int, key: str | None = None, community: str = "jinxiu") -> None:
    ledger.mint(community, user, amount, key or f"test:{user}:{amount}:{id(object())}",
                "志愿服务 (test)")


def balance(user: str, community: str = "jinxiu") -> int:
    return ledger.balance_of(community, user)


@dataclass
class Snapshot:
    balances: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    entries: dict[str, list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))
    holders: dict[str, str] = field(default_factory=dict)


def snapshot(community: str) -> Snapshot:
    """The community's accounts, entries and holders, read in one consistent Scan (a test's
    check of the whole ledger; no request path scans)."""
    from chalicelib.core.config import get_settings

    found = Snapshot()
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(
        TableName=get_settings().table_name, ConsistentRead=True,
        FilterExpression="begins_with(pk, :a) OR begins_with(pk, :h)",
        ExpressionAttributeValues={":a": {"S": "PTACCT#"}, ":h": {"S": "PTHOLDER#"}})
    items = [i for page in pages for i in page["Items"]]
    for item in items:
        if item["pk"]["S"].startswith("PTHOLDER#") and item["community_id"]["S"] == community:
            found.holders[item["user_id"]["S"]] = item["account_id"]["S"]
        elif item["sk"]["S"] == "ACCOUNT" and item["community_id"]["S"] == community:
            found.balances[item["account_id"]["S"]] = int(item["balance"]["N"])
            found.kinds[item["account_id"]["S"]] = item["kind"]["S"]
    for item in items:
        account = item.get("account_id", {}).get("S", "")
        if item["sk"]["S"].startswith("ENTRY#") and account in found.balances:
            found.entries[account].append((item["movement_id"]["S"], int(item["amount"]["N"])))
    return found


def account_balances(community: str = "jinxiu") -> dict[str, int]:
    return snapshot(community).balances


def assert_ledger_holds(community: str = "jinxiu") -> dict[str, int]:
    """Sum zero; no resident, escrow or retired account below zero; every balance is the sum of
    its entries; every movement has exactly its two entries, one out and one in."""
    return assert_snapshot_holds(snapshot(community)).balances


def assert_snapshot_holds(found: Snapshot) -> Snapshot:
    balances = found.balances
    assert sum(balances.values()) == 0, balances
    for account_id, value in balances.items():
        if found.kinds[account_id] != "issuer":
            assert value >= 0, (account_id, value)
        assert sum(a for _, a in found.entries[account_id]) == value, account_id
    by_movement: dict[str, list[int]] = defaultdict(list)
    for entries in found.entries.values():
        for movement_id, amount in entries:
            by_movement[movement_id].append(amount)
    for movement_id, amounts in by_movement.items():
        assert len(amounts) == 2 and sum(amounts) == 0 and max(amounts) > 0, movement_id
    return found


def test_points_of_a_newcomer_are_zero(api: Api, doc: dict[str, Any]) -> None:
    body = conforms(doc, "get_my_points", api.get("/me/points", "huang"))
    assert body == {"community_id": "jinxiu", "balance": 0, "movements": [],
                    "next_cursor": None}


def test_points_show_balance_and_movements_newest_first(api: Api, doc: dict[str, Any]) -> None:
    for n, amount in enumerate((3, 5, 2)):
        ledger.mint("jinxiu", "lin", amount, f"act:{n}", f"志愿服务 {n}")
    first = conforms(doc, "get_my_points", api.get("/me/points?limit=2", "lin"))
    assert first["balance"] == 10
    assert [m["memo"] for m in first["movements"]] == ["志愿服务 2", "志愿服务 1"]
    assert all(m["kind"] == "mint" and m["amount"] > 0 for m in first["movements"])
    rest = api.get(f"/me/points?limit=2&cursor={first['next_cursor']}", "lin").json
    assert [m["memo"] for m in rest["movements"]] == ["志愿服务 0"]
    assert rest["next_cursor"] is None and rest["balance"] == 10
    assert balance("huang") == 0
    assert_ledger_holds()


def test_points_of_another_community_are_out_of_scope(api: Api) -> None:
    give("zhang", 4, community="longxing")
    assert api.get("/me/points?community_id=longxing", "lin").status_code == 404
    assert api.get("/me/points", "zhang").json["balance"] == 4
    assert api.get("/me/points?community_id=longxing", "zhang").json["balance"] == 4


@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=101", "limit"), ("limit=x", "limit"),
    ("cursor=nonsense", "cursor"), ("community_id=a%20b", "community_id"), ("other=1", "other")])
def test_bad_queries_are_400_with_details(api: Api, query: str, field: str) -> None:
    response = api.get(f"/me/points?{query}", "lin")
    assert response.status_code == 400, response.body
    assert response.json["Code"] == "BadRequestError"
    assert [d["field"] for d in response.json["details"]] == [field]


def test_points_need_a_token(api: Api) -> None:
    assert api.get("/me/points").status_code == 401


def test_staff_without_a_home_have_an_empty_account(api: Api) -> None:
    body = api.get("/me/points", "chen").json
    assert body["balance"] == 0 and body["movements"] == []
