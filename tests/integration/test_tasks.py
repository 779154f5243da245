"""The task board over the API: escrow at posting, first accept wins, delivery, confirmation,
cancellation with refund or consent, disputes settled by staff, auto-confirmation by the
scheduled handler under a controlled clock, ratings once, names per viewer."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.core.timeutil import iso, parse_iso
from chalicelib.tasks import handlers
from tests.integration.conftest import Api
from tests.integration.test_openapi import conforms
from tests.integration.test_points import assert_ledger_holds, balance, doc, give

__all__ = ["doc"]
PARCEL = {"title": "帮忙取快递", "description": "菜鸟驿站，两件", "kind": "request",
          "reward_points": 10}


def post(api: Api, user: str = "lin", body: dict[str, Any] | None = None,
         key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else None
    return api.post("/communities/jinxiu/tasks", user, PARCEL if body is None else body,
                    headers=headers)


def posted(api: Api, user: str = "lin", body: dict[str, Any] | None = None) -> str:
    response = post(api, user, body)
    assert response.status_code == 201, response.body
    return str(response.json["task_id"])


def act(api: Api, task_id: str, action: str, user: str, body: Any = None) -> Any:
    return api.post(f"/tasks/{task_id}/{action}", user, body)


def task(api: Api, task_id: str, user: str = "lin") -> Any:
    return api.get(f"/tasks/{task_id}", user).json


def escrow() -> int:
    return assert_ledger_holds().get("escrow.jinxiu", 0)


def accepted(api: Api, reward: bool = True) -> str:
    if reward:
        give("lin", 10)
    tid = posted(api, body=None if reward else PARCEL | {"reward_points": None})
    assert act(api, tid, "accept", "huang").status_code == 200
    return tid


def delivered(api: Api) -> str:
    tid = accepted(api)
    assert act(api, tid, "deliver", "huang", {"note": "放门口了"}).status_code == 200
    return tid


def test_posting_escrows_the_reward_in_the_same_step(api: Api, doc: dict[str, Any]) -> None:
    give("lin", 25)
    body = conforms(doc, "post_task", post(api))
    assert (body["status"], body["reward_points"], body["kind"]) == ("open", 10, "request")
    assert body["poster"] == {"name": "林小梅", "you": True} and body["taker"] is None
    assert body["your_role"] == "poster" and body["actions"] == ["cancel"]
    assert balance("lin") == 15 and escrow() == 10
    latest = api.get("/me/points", "lin").json["movements"][0]
    assert (latest["amount"], latest["kind"], latest["ref"]) == (-10, "task_escrow",
                                                                 body["task_id"])


def test_too_few_points_to_post_is_409_and_nothing_is_stored(api: Api) -> None:
    give("lin", 9)
    response = post(api)
    assert response.status_code == 409, response.body
    assert balance("lin") == 9 and escrow() == 0
    assert api.get("/communities/jinxiu/tasks", "lin").json["items"] == []


def test_a_task_with_an_offline_price_holds_no_points(api: Api) -> None:
    body = post(api, "huang", {"title": "修自行车", "kind": "offer", "price_text": "20元"}).json
    assert (body["reward_points"], body["price_text"]) == (None, "20元")
    assert act(api, body["task_id"], "accept", "lin").status_code == 200
    assert act(api, body["task_id"], "deliver", "lin").status_code == 200
    assert act(api, body["task_id"], "confirm", "huang").json["status"] == "confirmed"
    assert assert_ledger_holds() == {}


@pytest.mark.parametrize("body, field", [
    ({"title": "x"}, "kind"),
    ({"title": "x", "kind": "favour"}, "kind"),
    ({"kind": "request"}, "title"),
    ({"title": " ", "kind": "request"}, "title"),
    ({"title": "x", "kind": "request", "reward_points": 0}, "reward_points"),
    ({"title": "x", "kind": "request", "reward_points": 10001}, "reward_points"),
    ({"title": "x", "kind": "request", "reward_points": "10"}, "reward_points"),
    ({"title": "x", "kind": "request", "reward_points": 5, "price_text": "20元"}, "price_text"),
    ({"title": "x", "kind": "request", "owner": "lin"}, "owner"),
])
def test_bad_tasks_are_refused_field_by_field(api: Api, body: dict[str, Any],
                                              field: str) -> None:
    give("lin", 100)
    response = post(api, body=body)
    assert response.status_code == 400, response.body
    assert field in [d["field"] for d in response.json["details"]]
    assert balance("lin") == 100


def test_who_may_post_and_see_the_board(api: Api) -> None:
    give("lin", 10)
    tid = posted(api)
    assert post(api, "chen").status_code == 403
    assert post(api, "wuye").status_code == 403
    assert post(api, "zhang").status_code == 404
    assert api.get("/communities/jinxiu/tasks", "zhang").status_code == 404
    assert api.get(f"/tasks/{tid}", "zhang").status_code == 404
    assert api.get("/tasks/tk_unknown", "lin").status_code == 404
    assert act(api, tid, "accept", "zhang").status_code == 404
    assert api.get(f"/tasks/{tid}").status_code == 401


def test_residents_see_masked_names_and_no_ids(api: Api, doc: dict[str, Any]) -> None:
    tid = accepted(api)
    for user, poster, taker in (("zhao", "林**", "黄**"), ("lin", "林小梅", "黄大伟"),
                                ("huang", "林小梅", "黄大伟"), ("chen", "林小梅", "黄大伟")):
        body = conforms(doc, "get_task", api.get(f"/tasks/{tid}", user))
        assert (body["poster"]["name"], body["taker"]["name"]) == (poster, taker), user
        text = json.dumps(body, ensure_ascii=False)
        assert '"lin"' not in text and '"huang"' not in text
    listed = conforms(doc, "list_tasks", api.get("/communities/jinxiu/tasks", "zhao"))
    assert listed["items"][0]["poster"] == {"name": "林**", "you": False}
    assert listed["items"][0]["notes"] is None


def test_first_accept_wins_and_the_poster_cannot_accept(api: Api, doc: dict[str, Any]) -> None:
    give("lin", 10)
    tid = posted(api)
    own = act(api, tid, "accept", "lin")
    assert own.status_code == 403 and "own" in own.json["Message"]
    assert act(api, tid, "accept", "chen").status_code == 403
    won = conforms(doc, "accept_task", act(api, tid, "accept", "huang"))
    assert won["status"] == "accepted" and won["taker"] == {"name": "黄大伟", "you": True}
    late = act(api, tid, "accept", "zhao")
    assert late.status_code == 409 and late.json["status"] == "accepted"
    again = act(api, tid, "accept", "huang")
    assert again.status_code == 200 and again.json["accepted_at"] == won["accepted_at"]


def test_delivery_then_confirmation_pays_the_taker_once(api: Api, doc: dict[str, Any]) -> None:
    tid = accepted(api)
    assert act(api, tid, "deliver", "lin").status_code == 403
    assert act(api, tid, "confirm", "lin").status_code == 409
    done = conforms(doc, "deliver_task", act(api, tid, "deliver", "huang", {"note": "放门口"}))
    assert done["status"] == "delivered" and done["auto_confirm_at"]
    assert act(api, tid, "deliver", "huang").status_code == 200
    assert act(api, tid, "confirm", "huang").status_code == 403
    confirmed = conforms(doc, "confirm_task", act(api, tid, "confirm", "lin"))
    assert (confirmed["status"], confirmed["resolution"]) == ("confirmed", "confirmed")
    assert balance("huang") == 10 and balance("lin") == 0 and escrow() == 0
    assert act(api, tid, "confirm", "lin").status_code == 200
    assert balance("huang") == 10
    paid = api.get("/me/points", "huang").json["movements"]
    assert [(m["amount"], m["kind"]) for m in paid] == [(10, "task_release")]


def test_cancel_before_acceptance_refunds(api: Api, doc: dict[str, Any]) -> None:
    give("lin", 10)
    tid = posted(api)
    assert act(api, tid, "cancel", "huang").status_code == 403
    body = conforms(doc, "cancel_task", act(api, tid, "cancel", "lin", {"reason": "不用了"}))
    assert (body["status"], body["resolution"]) == ("cancelled", "cancelled")
    assert balance("lin") == 10 and escrow() == 0
    assert act(api, tid, "cancel", "lin", {}).status_code == 200
    assert balance("lin") == 10
    assert act(api, tid, "accept", "huang").status_code == 409


def test_cancel_after_acceptance_needs_both_parties(api: Api) -> None:
    tid = accepted(api)
    first = act(api, tid, "cancel", "lin", {"reason": "临时有事"})
    assert first.status_code == 200
    assert (first.json["status"], first.json["cancel_requested_by"]) == ("accepted", ["poster"])
    assert "cancel" not in first.json["actions"]
    assert act(api, tid, "cancel", "lin", {}).json["status"] == "accepted"
    assert escrow() == 10
    assert "cancel" in task(api, tid, "huang")["actions"]
    done = act(api, tid, "cancel", "huang", {})
    assert done.json["status"] == "cancelled"
    assert balance("lin") == 10 and balance("huang") == 0 and escrow() == 0


def test_a_delivery_withdraws_the_takers_earlier_request_to_cancel(api: Api) -> None:
    tid = accepted(api)
    asked = act(api, tid, "cancel", "huang", {"reason": "可能来不及"})
    assert asked.json["cancel_requested_by"] == ["taker"]
    done = act(api, tid, "deliver", "huang", {"note": "还是送到了"})
    assert (done.json["status"], done.json["cancel_requested_by"]) == ("delivered", [])
    after = act(api, tid, "cancel", "lin", {})
    assert (after.json["status"], after.json["cancel_requested_by"]) == ("delivered",
                                                                        ["poster"])
    assert escrow() == 10 and balance("lin") == 0
    assert act(api, tid, "confirm", "lin").json["status"] == "confirmed"
    assert balance("huang") == 10 and escrow() == 0


def test_staff_cancel_an_accepted_task_alone(api: Api) -> None:
    tid = accepted(api)
    body = act(api, tid, "cancel", "chen", {"reason": "双方电话确认取消"}).json
    assert body["status"] == "cancelled" and body["notes"] == {"cancellation": "双方电话确认取消"}
    assert balance("lin") == 10 and escrow() == 0
    assert act(api, tid, "cancel", "wuye", {}).status_code == 403


@pytest.mark.parametrize("to, poster_gets, taker_gets, status", [
    ("taker", 0, 10, "confirmed"), ("poster", 10, 0, "cancelled")])
def test_disputes_go_to_staff_who_settle_either_way(api: Api, doc: dict[str, Any], to: str,
                                                    poster_gets: int, taker_gets: int,
                                                    status: str) -> None:
    tid = delivered(api)
    assert act(api, tid, "dispute", "zhao", {"reason": "x"}).status_code == 403
    assert act(api, tid, "dispute", "lin", {}).status_code == 400
    disputed = conforms(doc, "dispute_task", act(api, tid, "dispute", "lin",
                                                 {"reason": "只取了一件"}))
    assert disputed["status"] == "disputed"
    assert disputed["dispute"] == {"by": "poster", "reason": "只取了一件"}
    assert act(api, tid, "confirm", "lin").status_code == 409
    assert act(api, tid, "settle", "lin", {"to": "poster"}).status_code == 403
    assert act(api, tid, "settle", "longxing_staff", {"to": to}).status_code == 404
    assert act(api, tid, "settle", "chen", {"to": "nobody"}).status_code == 400
    settled = conforms(doc, "settle_task", act(api, tid, "settle", "chen",
                                               {"to": to, "note": "核实后决定"}))
    assert (settled["status"], settled["resolution"], settled["settled_to"]) == (
        status, "settled", to)
    assert (balance("lin"), balance("huang"), escrow()) == (poster_gets, taker_gets, 0)
    assert act(api, tid, "settle", "chen", {"to": to}).status_code == 200
    other = "poster" if to == "taker" else "taker"
    assert act(api, tid, "settle", "chen", {"to": other}).status_code == 409
    assert (balance("lin"), balance("huang")) == (poster_gets, taker_gets)


def test_settle_needs_a_dispute(api: Api) -> None:
    tid = delivered(api)
    assert act(api, tid, "settle", "chen", {"to": "taker"}).status_code == 409
    assert escrow() == 10


def run_autoconfirm(monkeypatch: pytest.MonkeyPatch, at: datetime) -> dict[str, int]:
    monkeypatch.setattr("chalicelib.tasks.service.utcnow", lambda: at)
    event = {"version": "0", "id": "1", "detail-type": "Scheduled Event",
             "source": "aws.events", "account": "123456789012",
             "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": "us-east-1",
             "resources": [], "detail": {}}
    result: dict[str, int] = handlers.task_autoconfirm(event, None)
    return result


def test_delivered_tasks_confirm_themselves_after_three_days(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    tid = delivered(api)
    other = accepted(api)
    at = parse_iso(task(api, tid)["delivered_at"])
    assert task(api, tid)["auto_confirm_at"] == iso(at + timedelta(days=3))
    early = run_autoconfirm(monkeypatch, at + timedelta(days=3) - timedelta(minutes=1))
    assert early == {"confirmed": 0, "skipped": 0}
    assert task(api, tid)["status"] == "delivered"
    due = run_autoconfirm(monkeypatch, at + timedelta(days=3, minutes=1))
    assert due == {"confirmed": 1, "skipped": 0}
    body = task(api, tid)
    assert (body["status"], body["resolution"]) == ("confirmed", "auto_confirmed")
    assert balance("huang") == 10 and escrow() == 10
    assert task(api, other)["status"] == "accepted"
    again = run_autoconfirm(monkeypatch, at + timedelta(days=4))
    assert again == {"confirmed": 0, "skipped": 0}
    assert balance("huang") == 10
    assert act(api, tid, "confirm", "lin").status_code == 200
    assert balance("huang") == 10


def test_both_sides_rate_once_when_it_is_over(api: Api, doc: dict[str, Any]) -> None:
    tid = delivered(api)
    early = act(api, tid, "rating", "lin", {"stars": 5})
    assert early.status_code == 409
    act(api, tid, "confirm", "lin")
    assert "rating" in task(api, tid, "lin")["actions"]
    rated = conforms(doc, "rate_task", act(api, tid, "rating", "lin",
                                           {"stars": 5, "comment": "很及时"}))
    assert rated["ratings"]["by_poster"]["stars"] == 5 and rated["ratings"]["by_taker"] is None
    assert "rating" not in rated["actions"]
    assert act(api, tid, "rating", "lin", {"stars": 1}).status_code == 409
    assert act(api, tid, "rating", "huang", {"stars": 4}).json["ratings"]["by_taker"][
        "stars"] == 4
    assert act(api, tid, "rating", "huang", {"stars": 4}).status_code == 409
    assert act(api, tid, "rating", "zhao", {"stars": 4}).status_code == 403
    assert act(api, tid, "rating", "chen", {"stars": 4}).status_code == 403
    for bad in ({"stars": 6}, {"stars": 0}, {}, {"stars": 3, "comment": ""}):
        assert act(api, tid, "rating", "huang", bad).status_code == 400, bad
    assert task(api, tid)["ratings"]["by_poster"]["comment"] == "很及时"


def test_a_cancelled_open_task_cannot_be_rated(api: Api) -> None:
    give("lin", 10)
    tid = posted(api)
    act(api, tid, "cancel", "lin")
    assert act(api, tid, "rating", "lin", {"stars": 3}).status_code == 409


def test_the_same_idempotency_key_posts_once(api: Api) -> None:
    give("lin", 30)
    first, again = post(api, key="post-1"), post(api, key="post-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json["task_id"] == again.json["task_id"]
    assert balance("lin") == 20 and escrow() == 10
    changed = post(api, body=PARCEL | {"reward_points": 5}, key="post-1")
    assert changed.status_code == 422
    plain = {"title": "借梯子", "kind": "request"}
    assert post(api, body=plain, key="p2").json["task_id"] == post(api, body=plain,
                                                                   key="p2").json["task_id"]
    assert len(api.get("/communities/jinxiu/tasks", "lin").json["items"]) == 2


def test_a_simultaneous_retry_with_the_same_key_answers_the_first_task(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.tasks import store as tasks_store

    give("lin", 10)
    first = post(api, key="race-1")
    assert first.status_code == 201
    real = tasks_store.key_item
    calls: list[str] = []

    def not_yet_seen(user_id: str, key: str) -> Any:
        calls.append(key)
        return None if len(calls) == 1 else real(user_id, key)

    monkeypatch.setattr(tasks_store, "key_item", not_yet_seen)
    again = post(api, key="race-1")
    assert again.status_code == 201, again.body
    assert again.json["task_id"] == first.json["task_id"]
    assert balance("lin") == 0 and escrow() == 10


def test_a_key_reused_in_another_community_is_422(api: Api) -> None:
    from chalicelib.directory import schemas as d
    from chalicelib.directory import service as directory
    from tests.integration.conftest import ADMIN

    directory.import_units(ADMIN, "lx1", d.UnitBatch(units=[
        d.NewUnit(unit_id="x1-102", building="x1", area_m2=60, owners=["lin"])]))
    give("lin", 10)
    give("lin", 10, community="longxing")
    assert post(api, key="k-1").json["community_id"] == "jinxiu"
    elsewhere = api.post("/communities/longxing/tasks", "lin", PARCEL,
                         headers={"Idempotency-Key": "k-1"})
    assert elsewhere.status_code == 422, elsewhere.body
    assert balance("lin", "longxing") == 10


def test_the_board_lists_by_status_and_pages(api: Api, doc: dict[str, Any]) -> None:
    give("lin", 30)
    ids = [posted(api) for _ in range(3)]
    act(api, ids[0], "accept", "huang")
    board = api.get("/communities/jinxiu/tasks?limit=2", "zhao").json
    rest = api.get(f"/communities/jinxiu/tasks?limit=2&cursor={board['next_cursor']}",
                   "zhao").json
    assert [t["task_id"] for t in board["items"] + rest["items"]] == ids[::-1]
    assert rest["next_cursor"] is None
    open_ = conforms(doc, "list_tasks", api.get("/communities/jinxiu/tasks?status=open", "zhao"))
    assert [t["task_id"] for t in open_["items"]] == ids[:0:-1]
    accepted_ = api.get("/communities/jinxiu/tasks?status=accepted", "chen").json
    assert [t["task_id"] for t in accepted_["items"]] == ids[:1]
    assert api.get("/communities/jinxiu/tasks?status=done", "lin").status_code == 400
    mine = conforms(doc, "list_my_tasks", api.get("/me/tasks", "lin"))
    assert [t["task_id"] for t in mine["items"]] == ids[::-1]
    taken = api.get("/me/tasks?role=taker", "huang").json
    assert [t["task_id"] for t in taken["items"]] == ids[:1]
    assert api.get("/me/tasks?role=other", "huang").status_code == 400


def test_transitions_out_of_order_are_409(api: Api) -> None:
    give("lin", 10)
    tid = posted(api)
    for action, user, body in (("deliver", "huang", {}), ("dispute", "lin", {"reason": "x"}),
                               ("confirm", "lin", None)):
        response = act(api, tid, action, user, body)
        assert response.status_code in (403, 409), (action, response.body)
    assert act(api, tid, "dispute", "lin", {"reason": "x"}).json["status"] == "open"
    assert escrow() == 10


def test_export_and_erasure_keep_points_detached(api: Api) -> None:
    tid = delivered(api)
    act(api, tid, "confirm", "lin")
    give("lin", 10)
    open_tid = posted(api)
    exported = api.get("/me/export", "huang").json
    assert [t["task_id"] for t in exported["tasks_taken"]] == [tid]
    assert exported["points"][0]["balance"] == 10
    erased = api.call("DELETE", "/me", "lin").json
    assert erased["tasks_cancelled"] == 1 and erased["points_accounts_detached"] == 1
    assert task(api, open_tid, "huang")["status"] == "cancelled"
    seen = task(api, tid, "huang")
    assert seen["poster"] == {"name": None, "you": False}
    assert api.get("/me/points", "lin").json["balance"] == 0
    balances = assert_ledger_holds()
    assert sorted(v for k, v in balances.items() if k.startswith("pa_")) == [10, 10]
    again = api.call("DELETE", "/me", "lin").json
    assert again["tasks_detached"] == 0 and again["points_accounts_detached"] == 0
    assert api.get("/me/export", "lin").json["tasks_posted"] == []
