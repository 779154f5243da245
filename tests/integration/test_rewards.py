"""Rewards and redemptions over the API: staff stock, residents redeem (points and stock drop
together, or nothing changes), staff fulfil once."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.points import store
from tests.integration.conftest import Api
from tests.integration.test_openapi import conforms
from tests.integration.test_points import assert_ledger_holds, balance, doc, give

__all__ = ["doc"]
RICE = {"title": "大米5kg", "description": "东北大米", "points": 30, "stock": 2}


def new_reward(api: Api, body: dict[str, Any] | None = None, user: str = "chen") -> Any:
    response = api.post("/communities/jinxiu/rewards", user, body or RICE)
    assert response.status_code == 201, response.body
    return response.json


def reward(api: Api, reward_id: str, user: str = "lin") -> Any:
    return api.get(f"/rewards/{reward_id}", user).json


def redeem(api: Api, reward_id: str, user: str = "lin", key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else None
    return api.post(f"/rewards/{reward_id}/redemptions", user, headers=headers)


def test_staff_stock_a_reward_and_residents_list_it(api: Api, doc: dict[str, Any]) -> None:
    created = conforms(doc, "create_reward", api.post("/communities/jinxiu/rewards", "chen",
                                                      RICE))
    assert created | {"reward_id": "", "created_at": "", "updated_at": ""} == {
        "reward_id": "", "community_id": "jinxiu", "title": "大米5kg", "description": "东北大米",
        "points": 30, "stock": 2, "redeemed": 0, "created_at": "", "updated_at": ""}
    new_reward(api, {"title": "环保袋", "points": 5, "stock": 50}, user="admin")
    listed = conforms(doc, "list_rewards", api.get("/communities/jinxiu/rewards", "huang"))
    assert [r["title"] for r in listed["items"]] == ["环保袋", "大米5kg"]
    page = api.get("/communities/jinxiu/rewards?limit=1", "lin").json
    rest = api.get(f"/communities/jinxiu/rewards?limit=1&cursor={page['next_cursor']}",
                   "lin").json
    assert [r["title"] for r in page["items"] + rest["items"]] == ["环保袋", "大米5kg"]
    assert rest["next_cursor"] is None
    assert conforms(doc, "get_reward", api.get(f"/rewards/{created['reward_id']}", "wuye"))


def test_who_may_stock_and_see_rewards(api: Api) -> None:
    assert api.post("/communities/jinxiu/rewards", "lin", RICE).status_code == 403
    assert api.post("/communities/jinxiu/rewards", "wuye", RICE).status_code == 403
    assert api.post("/communities/jinxiu/rewards", "longxing_staff", RICE).status_code == 404
    assert api.post("/communities/nowhere/rewards", "chen", RICE).status_code == 404
    rid = new_reward(api)["reward_id"]
    assert api.get("/communities/jinxiu/rewards", "zhang").status_code == 404
    assert api.get(f"/rewards/{rid}", "zhang").status_code == 404
    assert api.get("/rewards/rw_unknown", "lin").status_code == 404
    assert api.get("/communities/jinxiu/rewards").status_code == 401


@pytest.mark.parametrize("body, field", [
    ({"title": "", "points": 1, "stock": 1}, "title"),
    ({"points": 1, "stock": 1}, "title"),
    ({"title": "x", "points": 0, "stock": 1}, "points"),
    ({"title": "x", "points": "5", "stock": 1}, "points"),
    ({"title": "x", "points": 5, "stock": -1}, "stock"),
    ({"title": "x", "points": 5, "stock": 1.5}, "stock"),
    ({"title": "x", "points": 5, "stock": 1, "price": 3}, "price"),
    ({"title": "x" * 101, "points": 5, "stock": 1}, "title"),
])
def test_bad_rewards_are_refused_field_by_field(api: Api, body: dict[str, Any],
                                                field: str) -> None:
    response = api.post("/communities/jinxiu/rewards", "chen", body)
    assert response.status_code == 400, response.body
    assert field in [d["field"] for d in response.json["details"]]
    assert api.get("/communities/jinxiu/rewards", "chen").json["items"] == []


def test_a_redemption_moves_points_and_stock_together(api: Api, doc: dict[str, Any]) -> None:
    rid = new_reward(api)["reward_id"]
    give("lin", 70)
    made = conforms(doc, "redeem_reward", redeem(api, rid))
    assert made["status"] == "issued" and len(made["code"]) == 10 and made["points"] == 30
    assert balance("lin") == 40
    assert (reward(api, rid)["stock"], reward(api, rid)["redeemed"]) == (1, 1)
    latest = api.get("/me/points", "lin").json["movements"][0]
    assert (latest["amount"], latest["kind"], latest["ref"]) == (-30, "redeem", made["code"])
    balances = assert_ledger_holds()
    assert balances["retired.jinxiu"] == 30 and balances["issuer.jinxiu"] == -70
    mine = conforms(doc, "list_my_redemptions", api.get("/me/redemptions", "lin"))
    assert [r["code"] for r in mine["items"]] == [made["code"]]
    assert api.get("/me/redemptions", "huang").json["items"] == []


def test_too_few_points_is_409_and_nothing_changes(api: Api) -> None:
    rid = new_reward(api)["reward_id"]
    give("lin", 29)
    response = redeem(api, rid)
    assert response.status_code == 409, response.body
    assert "points" in response.json["Message"]
    assert balance("lin") == 29
    assert (reward(api, rid)["stock"], reward(api, rid)["redeemed"]) == (2, 0)
    assert api.get("/me/redemptions", "lin").json["items"] == []
    assert len(api.get("/me/points", "lin").json["movements"]) == 1
    assert_ledger_holds()


def test_no_stock_is_409_and_nothing_changes(api: Api) -> None:
    rid = new_reward(api, {"title": "理发券", "points": 10, "stock": 1})["reward_id"]
    give("lin", 100)
    assert redeem(api, rid).status_code == 201
    response = redeem(api, rid)
    assert response.status_code == 409, response.body
    assert "stock" in response.json["Message"]
    assert balance("lin") == 90
    assert (reward(api, rid)["stock"], reward(api, rid)["redeemed"]) == (0, 1)
    assert len(api.get("/me/redemptions", "lin").json["items"]) == 1
    assert_ledger_holds()


def test_the_same_idempotency_key_redeems_once(api: Api) -> None:
    rid = new_reward(api)["reward_id"]
    other = new_reward(api, {"title": "环保袋", "points": 5, "stock": 9})["reward_id"]
    give("lin", 100)
    first, again = redeem(api, rid, key="tap-1"), redeem(api, rid, key="tap-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json == again.json
    assert balance("lin") == 70 and reward(api, rid)["stock"] == 1
    assert redeem(api, other, key="tap-1").status_code == 422
    assert redeem(api, rid, key="x" * 129).status_code == 400
    assert balance("lin") == 70
    assert_ledger_holds()


def test_who_may_redeem(api: Api) -> None:
    rid = new_reward(api)["reward_id"]
    give("zhang", 100, community="longxing")
    assert redeem(api, rid, user="chen").status_code == 403
    assert redeem(api, rid, user="wuye").status_code == 403
    assert redeem(api, rid, user="zhang").status_code == 404
    assert redeem(api, "rw_unknown").status_code == 404
    assert reward(api, rid)["stock"] == 2


def test_staff_fulfil_a_redemption_once(api: Api, doc: dict[str, Any]) -> None:
    rid = new_reward(api)["reward_id"]
    give("lin", 30)
    code = redeem(api, rid).json["code"]
    assert api.post(f"/redemptions/{code}/fulfil", "lin").status_code == 403
    assert api.post(f"/redemptions/{code}/fulfil", "longxing_staff").status_code == 404
    assert api.post("/redemptions/NOSUCHCODE/fulfil", "chen").status_code == 404
    done = conforms(doc, "fulfil_redemption", api.post(f"/redemptions/{code}/fulfil", "chen"))
    assert done["status"] == "fulfilled" and done["fulfilled_at"]
    again = api.post(f"/redemptions/{code}/fulfil", "chen")
    assert again.status_code == 409 and "already" in again.json["Message"]
    assert conforms(doc, "get_redemption", api.get(f"/redemptions/{code}", "lin"))["status"] \
        == "fulfilled"
    assert api.get(f"/redemptions/{code}", "chen").status_code == 200
    assert api.get(f"/redemptions/{code}", "huang").status_code == 404
    stored = store.redemption(code)
    assert stored is not None and stored.fulfilled_by == "chen"


def test_staff_restock_with_an_atomic_add(api: Api, doc: dict[str, Any]) -> None:
    rid = new_reward(api)["reward_id"]
    body = conforms(doc, "restock_reward", api.post(f"/rewards/{rid}/stock", "chen",
                                                    {"add": 5}))
    assert body["stock"] == 7
    assert api.post(f"/rewards/{rid}/stock", "lin", {"add": 5}).status_code == 403
    assert api.post(f"/rewards/{rid}/stock", "zhang", {"add": 5}).status_code == 404
    bad = api.post(f"/rewards/{rid}/stock", "chen", {"add": 0})
    assert bad.status_code == 400 and bad.json["details"][0]["field"] == "add"
    assert reward(api, rid)["stock"] == 7
