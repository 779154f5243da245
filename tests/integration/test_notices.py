"""Notices over the API (SPEC 5): audience scope, roles, input, pinned order, reads once,
expiry (read-time filter and the scheduled job), the residents' inbox entry."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from chalicelib.core.timeutil import iso
from chalicelib.notices import service as notices_service
from chalicelib.notices import store as notices_store
from tests.integration.conftest import Api
from tests.integration.test_openapi import conforms

JINXIU = "/communities/jinxiu/notices"
ESTATE_NOTICE = {"title": "停水通知", "body": "10月8日9:00-17:00 锦绣花园停水检修",
                 "audience": "estate", "estate_id": "huayuan"}


def publish(api: Api, body: dict[str, Any], user: str = "chen") -> dict[str, Any]:
    response = api.post(JINXIU, user, body)
    assert response.status_code == 201, response.body
    return response.json  # type: ignore[no-any-return]


def listed(api: Api, user: str, query: str = "") -> list[str]:
    response = api.get(f"{JINXIU}{query}", user)
    assert response.status_code == 200, response.body
    return [n["notice_id"] for n in response.json["items"]]


def in_inbox(api: Api, user: str) -> list[str]:
    return [n["notice_id"] for n in api.get("/me/inbox", user).json["items"]
            if n["kind"] == "notice"]


def run_expiry(api: Api) -> Any:
    event = api.client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[])
    return api.client.lambda_.invoke("notice_expiry", event).payload


def later(hours: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(hours=hours)


def test_an_estate_notice_reaches_its_residents_only(api: Api) -> None:
    notice = publish(api, ESTATE_NOTICE)
    nid = notice["notice_id"]
    assert notice["read_count"] == 0 and notice["expired"] is False
    assert (notice["audience"], notice["estate_id"], notice["building"]) == (
        "estate", "huayuan", None)
    for resident in ("lin", "huang"):
        assert listed(api, resident) == [nid]
        assert in_inbox(api, resident) == [nid]
        assert api.get(f"/notices/{nid}", resident).status_code == 200
    assert listed(api, "zhao") == [] and in_inbox(api, "zhao") == []
    assert api.get(f"/notices/{nid}", "zhao").status_code == 404
    assert api.get(f"/notices/{nid}", "zhang").status_code == 404
    assert api.get(JINXIU, "zhang").status_code == 404
    assert listed(api, "wuye") == []
    [entry] = [n for n in api.get("/me/inbox", "lin").json["items"] if n["kind"] == "notice"]
    assert entry["audience"] == "residents:estate:huayuan" and entry["ticket_id"] is None
    assert entry["title"] == "停水通知"


def test_community_and_building_notices(api: Api) -> None:
    everyone = publish(api, {"title": "社区通知", "body": "全体居民", "audience": "community"})
    b1 = publish(api, {"title": "1号楼电梯维保", "body": "周三上午", "audience": "building",
                       "estate_id": "huayuan", "building": "b1"})
    assert set(listed(api, "lin")) == {everyone["notice_id"], b1["notice_id"]}
    assert listed(api, "zhao") == [everyone["notice_id"]]
    assert listed(api, "wuye") == [everyone["notice_id"]]
    assert in_inbox(api, "zhao") == [everyone["notice_id"]]
    assert set(in_inbox(api, "huang")) == {everyone["notice_id"], b1["notice_id"]}
    assert api.get(f"/notices/{b1['notice_id']}", "zhao").status_code == 404
    assert api.get("/communities/longxing/notices", "zhang").json["items"] == []


def test_only_the_office_of_the_community_publishes(api: Api) -> None:
    assert api.post(JINXIU, "lin", ESTATE_NOTICE).status_code == 403
    assert api.post(JINXIU, "wuye", ESTATE_NOTICE).status_code == 403
    assert api.post(JINXIU, "jiedao", ESTATE_NOTICE).status_code == 403
    assert api.post(JINXIU, "longxing_staff", ESTATE_NOTICE).status_code == 404
    assert api.post("/communities/nowhere/notices", "admin", ESTATE_NOTICE).status_code == 404
    assert api.get(f"/communities/{'c' * 3000}/notices", "admin").status_code == 404
    assert api.post(JINXIU, "admin", ESTATE_NOTICE).status_code == 201
    assert api.post(JINXIU, None, ESTATE_NOTICE).status_code == 401
    assert listed(api, "chen") != []


@pytest.mark.parametrize("change, field", [
    ({"estate_id": None}, "estate_id"),
    ({"audience": "community"}, "estate_id"),
    ({"audience": "building"}, "building"),
    ({"audience": "everyone"}, "audience"),
    ({"title": ""}, "title"),
    ({"body": "x" * 5001}, "body"),
    ({"pinned": "yes"}, "pinned"),
    ({"expires_at": "2030-01-01"}, "expires_at"),
    ({"expires_at": "2030-02-30T08:00:00Z"}, "expires_at"),
    ({"expires_at": "9999-01-01T00:00:00Z"}, "expires_at"),
    ({"expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
    ({"estate_id": "lx1"}, "estate_id"),
    ({"audience": "building", "building": "nope"}, "building"),
    ({"colour": "red"}, "colour"),
])
def test_bad_notices_are_refused_with_the_field(api: Api, change: dict[str, Any],
                                                field: str) -> None:
    body = {k: v for k, v in (ESTATE_NOTICE | change).items() if v is not None}
    response = api.post(JINXIU, "chen", body)
    assert response.status_code == 400, response.body
    assert field in [d["field"] for d in response.json["details"]]
    assert listed(api, "chen") == []


def test_pinned_first_then_newest_and_pages(api: Api) -> None:
    first = publish(api, ESTATE_NOTICE | {"title": "一"})["notice_id"]
    pinned = publish(api, {"title": "置顶", "body": "b", "audience": "community",
                           "pinned": True})["notice_id"]
    third = publish(api, ESTATE_NOTICE | {"title": "三"})["notice_id"]
    for user in ("lin", "chen"):
        assert listed(api, user) == [pinned, third, first]
    page = api.get(f"{JINXIU}?limit=2", "lin").json
    assert [n["notice_id"] for n in page["items"]] == [pinned, third]
    rest = api.get(f"{JINXIU}?limit=2&cursor={page['next_cursor']}", "lin").json
    assert [n["notice_id"] for n in rest["items"]] == [first] and rest["next_cursor"] is None
    staff = api.get(f"{JINXIU}?limit=1", "chen").json
    assert staff["next_cursor"] and staff["items"][0]["read_count"] == 0
    assert "read_count" not in page["items"][0]
    assert api.get(f"{JINXIU}?cursor=bogus", "lin").status_code == 400
    assert api.get(f"{JINXIU}?limit=101", "lin").status_code == 400


def test_opening_records_one_read_per_resident(api: Api) -> None:
    nid = publish(api, ESTATE_NOTICE)["notice_id"]
    everyone = publish(api, {"title": "社区通知", "body": "全体", "audience": "community"})
    assert api.get(f"/notices/{everyone['notice_id']}", "wuye").status_code == 200
    assert api.get(f"/notices/{everyone['notice_id']}/reads", "chen").json["read_count"] == 0
    for user in ("lin", "lin", "huang", "lin"):
        opened = api.get(f"/notices/{nid}", user)
        assert opened.status_code == 200 and "read_count" not in opened.json
    assert api.get(f"/notices/{nid}", "chen").json["read_count"] == 2
    reads = api.get(f"/notices/{nid}/reads", "chen")
    assert reads.status_code == 200 and reads.json["read_count"] == 2
    assert api.get(f"/notices/{nid}/reads", "jiedao").json["read_count"] == 2
    assert api.get(f"/notices/{nid}/reads", "admin").status_code == 200
    assert api.get(f"/notices/{nid}/reads", "lin").status_code == 403
    assert api.get(f"/notices/{nid}/reads", "longxing_staff").status_code == 404
    assert api.get("/notices/ntc_nothing/reads", "chen").status_code == 404
    assert api.get("/notices/" + "x" * 3000, "lin").status_code == 404
    assert {n["notice_id"]: n["read_count"] for n in api.get(JINXIU, "chen").json["items"]} == {
        nid: 2, everyone["notice_id"]: 0}
    export = api.get("/me/export", "lin").json
    assert [r["notice_id"] for r in export["notice_reads"]] == [nid]


def test_expired_notices_leave_residents_lists_and_the_index(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    soon = publish(api, ESTATE_NOTICE | {"title": "短期", "expires_at": iso(later(1))})
    lasting = publish(api, ESTATE_NOTICE | {"title": "长期", "expires_at": iso(later(48))})
    forever = publish(api, ESTATE_NOTICE | {"title": "长期有效"})
    assert soon["expires_at"].endswith("Z") and soon["expires_at"] > soon["published_at"]
    ids = {n["title"]: n["notice_id"] for n in (soon, lasting, forever)}
    assert set(listed(api, "lin")) == set(ids.values())

    monkeypatch.setattr(notices_service, "utcnow", lambda: later(2))
    assert set(listed(api, "lin")) == {ids["长期"], ids["长期有效"]}
    assert api.get(f"/notices/{ids['短期']}", "lin").status_code == 404
    staff = {n["notice_id"]: n for n in api.get(JINXIU, "chen").json["items"]}
    assert set(staff) == set(ids.values()) and staff[ids["短期"]]["expired"] is True
    assert api.get(f"/notices/{ids['短期']}", "chen").json["expired"] is True

    counts = run_expiry(api)
    assert counts == {"due": 1, "withdrawn": 1}
    assert notices_store.get(ids["短期"]).gsi2pk is None  # type: ignore[union-attr]
    assert notices_store.get(ids["长期"]).gsi3pk is not None  # type: ignore[union-attr]
    assert run_expiry(api) == {"due": 0, "withdrawn": 0}

    monkeypatch.undo()
    assert set(listed(api, "lin")) == {ids["长期"], ids["长期有效"]}
    assert len(listed(api, "chen")) == 3


def test_an_expired_notice_leaves_the_inbox_too(api: Api,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.inbox import service as inbox_service

    soon = publish(api, ESTATE_NOTICE | {"title": "短期", "expires_at": iso(later(1))})
    lasting = publish(api, ESTATE_NOTICE | {"title": "长期"})
    assert {soon["notice_id"], lasting["notice_id"]} <= set(in_inbox(api, "lin"))
    monkeypatch.setattr(inbox_service, "utcnow", lambda: later(2))
    shown = in_inbox(api, "lin")
    assert lasting["notice_id"] in shown and soon["notice_id"] not in shown


@pytest.fixture(scope="module")
def spec() -> Any:
    import app  # noqa: F401  (registers every route)
    from chalicelib.web import openapi

    return json.loads(json.dumps(openapi.document()))


def test_answers_match_the_specument(api: Api, spec: dict[str, Any]) -> None:
    notice = conforms(spec, "publish_notice", api.post(JINXIU, "chen", ESTATE_NOTICE))
    nid = notice["notice_id"]
    for user in ("lin", "chen"):
        conforms(spec, "list_notices", api.get(JINXIU, user))
        conforms(spec, "get_notice", api.get(f"/notices/{nid}", user))
    conforms(spec, "notice_reads", api.get(f"/notices/{nid}/reads", "chen"))
    conforms(spec, "get_inbox", api.get("/me/inbox", "lin"))
    errors = [("publish_notice", api.post(JINXIU, "chen", {"title": "x"}), 400),
              ("publish_notice", api.post(JINXIU, "lin", ESTATE_NOTICE), 403),
              ("get_notice", api.get(f"/notices/{nid}", "zhao"), 404),
              ("notice_reads", api.get(f"/notices/{nid}/reads", "lin"), 403),
              ("list_notices", api.get(f"{JINXIU}?limit=0", "lin"), 400)]
    for op_id, response, status in errors:
        assert response.status_code == status
        conforms(spec, op_id, response)
