"""Service guides over the API (SPEC 5): search by text, open_now in the community's time zone
(closed on a holiday), writes by the office, scope, validation, the per-community bound."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.guides import service as guides_service
from chalicelib.guides import store as guides_store
from tests.integration.conftest import Api
from tests.integration.test_openapi import conforms

SHANGHAI = ZoneInfo("Asia/Shanghai")
GUIDES = "/communities/jinxiu/guides"
SENIOR_CARD = {
    "title": "老年证办理", "office": "锦绣社区党群服务中心 一楼综合窗口",
    "address": "龙文区新桥街道锦绣路88号", "phone": "0596-2123456",
    "office_hours": [{"days": [1, 2, 3, 4, 5], "open": "08:30", "close": "12:00"},
                     {"days": [1, 2, 3, 4, 5], "open": "14:30", "close": "17:30"},
                     {"days": [6], "open": "09:00", "close": "11:30"}],
    "closed_dates": ["2026-10-01", "2026-10-02"],
    "materials": ["身份证原件及复印件", "户口簿", "近期一寸免冠彩色照片2张"],
    "steps": ["到综合窗口取号", "提交材料", "工作人员审核", "5个工作日后领取老年证"],
}
RESIDENCE_PERMIT = SENIOR_CARD | {"title": "居住证申领", "materials": ["身份证", "租房合同"],
                                  "steps": ["填写申请表", "采集照片"]}


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def create(api: Api, body: dict[str, Any] = SENIOR_CARD, user: str = "chen") -> dict[str, Any]:
    response = api.post(GUIDES, user, body)
    assert response.status_code == 201, response.body
    return response.json  # type: ignore[no-any-return]


def clock(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(guides_service, "utcnow", lambda: moment)


def test_searching_for_the_senior_card_finds_its_guide(api: Api) -> None:
    card = create(api)
    create(api, RESIDENCE_PERMIT)
    found = api.get(f"{GUIDES}?q=老年证", "lin").json["items"]
    assert [g["guide_id"] for g in found] == [card["guide_id"]]
    [guide] = found
    assert guide["office"].startswith("锦绣社区") and guide["phone"] == "0596-2123456"
    assert guide["materials"][0] == "身份证原件及复印件" and len(guide["steps"]) == 4
    assert guide["office_hours"][0] == {"days": [1, 2, 3, 4, 5], "open": "08:30",
                                        "close": "12:00"}
    assert guide["timezone"] == "Asia/Shanghai" and isinstance(guide["open_now"], bool)
    both = api.get(f"{GUIDES}?q=身份证", "zhao").json["items"]
    assert len(both) == 2
    assert api.get(f"{GUIDES}?q=老年证 照片", "lin").json["items"][0]["guide_id"] == card[
        "guide_id"]
    assert api.get(f"{GUIDES}?q=驾照", "lin").json["items"] == []
    assert len(api.get(GUIDES, "wuye").json["items"]) == 2


@pytest.mark.parametrize("moment, expected", [
    (at(2026, 9, 30, 9, 0), True),     # Wednesday morning
    (at(2026, 9, 30, 12, 0), False),   # closes at noon
    (at(2026, 9, 30, 14, 30), True),   # opens again at 14:30
    (at(2026, 9, 30, 17, 30), False),
    (at(2026, 10, 1, 9, 0), False),    # a Thursday, but a closed date (National Day)
    (at(2026, 10, 3, 10, 0), True),    # Saturday morning hours
    (at(2026, 10, 4, 10, 0), False),   # Sunday
])
def test_open_now_follows_the_hours_and_holidays(api: Api, monkeypatch: pytest.MonkeyPatch,
                                                 moment: datetime, expected: bool) -> None:
    gid = create(api)["guide_id"]
    clock(monkeypatch, moment)
    assert api.get(f"/guides/{gid}", "lin").json["open_now"] is expected
    assert api.get(GUIDES, "lin").json["items"][0]["open_now"] is expected


def test_open_now_is_in_the_communitys_time_zone(api: Api,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    gid = create(api)["guide_id"]
    clock(monkeypatch, datetime.fromisoformat("2026-09-30T01:00:00+00:00"))  # 09:00 Shanghai
    assert api.get(f"/guides/{gid}", "lin").json["open_now"] is True
    clock(monkeypatch, datetime.fromisoformat("2026-09-30T09:00:00+00:00"))  # 17:00 Shanghai
    assert api.get(f"/guides/{gid}", "lin").json["open_now"] is True
    clock(monkeypatch, datetime.fromisoformat("2026-09-30T16:30:00+00:00"))  # 00:30 Thursday
    assert api.get(f"/guides/{gid}", "lin").json["open_now"] is False


def test_the_office_writes_others_read(api: Api) -> None:
    gid = create(api)["guide_id"]
    assert api.post(GUIDES, "lin", SENIOR_CARD).status_code == 403
    assert api.post(GUIDES, "wuye", SENIOR_CARD).status_code == 403
    assert api.post(GUIDES, "longxing_staff", SENIOR_CARD).status_code == 404
    assert api.get(GUIDES, "zhang").status_code == 404
    assert api.get(f"/guides/{gid}", "zhang").status_code == 404
    assert api.get("/guides/gd_nothing", "lin").status_code == 404
    assert api.get("/guides/" + "g" * 2000, "lin").status_code == 404
    assert api.get(f"/communities/{'c' * 3000}/guides", "admin").status_code == 404
    changed = SENIOR_CARD | {"phone": "0596-2999999", "closed_dates": []}
    put = api.call("PUT", f"/guides/{gid}", "chen", changed)
    assert put.status_code == 200 and put.json["phone"] == "0596-2999999"
    assert api.get(f"/guides/{gid}", "lin").json["closed_dates"] == []
    assert api.call("PUT", f"/guides/{gid}", "lin", changed).status_code == 403
    assert api.call("PUT", f"/guides/{gid}", "longxing_staff", changed).status_code == 404
    assert api.call("DELETE", f"/guides/{gid}", "huang").status_code == 403
    assert api.call("DELETE", f"/guides/{gid}", "longxing_staff").status_code == 404
    deleted = api.call("DELETE", f"/guides/{gid}", "chen")
    assert deleted.status_code == 200 and deleted.json == {"guide_id": gid, "deleted": True}
    assert api.get(f"/guides/{gid}", "lin").status_code == 404
    assert api.call("DELETE", f"/guides/{gid}", "chen").status_code == 404
    assert api.call("PUT", f"/guides/{gid}", "chen", changed).status_code == 404
    assert api.post(GUIDES, "admin", SENIOR_CARD).status_code == 201


@pytest.mark.parametrize("change, field", [
    ({"office_hours": [{"days": [1], "open": "12:00", "close": "08:30"}]}, "office_hours.0"),
    ({"office_hours": [{"days": [0], "open": "08:30", "close": "12:00"}]},
     "office_hours.0.days.0"),
    ({"office_hours": [{"days": [8], "open": "08:30", "close": "12:00"}]},
     "office_hours.0.days.0"),
    ({"office_hours": [{"days": [1, 1], "open": "08:30", "close": "12:00"}]},
     "office_hours.0.days"),
    ({"office_hours": [{"days": [], "open": "08:30", "close": "12:00"}]},
     "office_hours.0.days"),
    ({"office_hours": [{"days": [1], "open": "8:30", "close": "12:00"}]},
     "office_hours.0.open"),
    ({"office_hours": [{"days": [1], "open": "08:30", "close": "24:00"}]},
     "office_hours.0.close"),
    ({"office_hours": [{"days": [1, 2], "open": "08:30", "close": "12:00"},
                       {"days": [2], "open": "11:00", "close": "13:00"}]}, "office_hours"),
    ({"closed_dates": ["2026-02-30"]}, "closed_dates.0"),
    ({"closed_dates": ["2026-10-01", "2026-10-01"]}, "closed_dates"),
    ({"phone": "call me"}, "phone"),
    ({"materials": ["x" * 201]}, "materials.0"),
    ({"steps": ["步" * 500] * 12}, "steps"),
    ({"title": None}, "title"),
    ({"extra": 1}, "extra"),
])
def test_bad_guides_are_refused_with_the_field(api: Api, change: dict[str, Any],
                                               field: str) -> None:
    body = {k: v for k, v in (SENIOR_CARD | change).items() if v is not None}
    response = api.post(GUIDES, "chen", body)
    assert response.status_code == 400, response.body
    assert field in [d["field"] for d in response.json["details"]]
    assert api.get(GUIDES, "chen").json["items"] == []


def test_guides_page_in_creation_order(api: Api) -> None:
    ids = [create(api, SENIOR_CARD | {"title": f"指南{n}"})["guide_id"] for n in range(3)]
    first = api.get(f"{GUIDES}?limit=2", "lin").json
    assert [g["guide_id"] for g in first["items"]] == ids[:2]
    rest = api.get(f"{GUIDES}?limit=2&cursor={first['next_cursor']}", "lin").json
    assert [g["guide_id"] for g in rest["items"]] == ids[2:] and rest["next_cursor"] is None
    searched = api.get(f"{GUIDES}?q=指南&limit=1", "lin").json
    more = api.get(f"{GUIDES}?q=指南&limit=5&cursor={searched['next_cursor']}", "lin").json
    assert [g["guide_id"] for g in searched["items"] + more["items"]] == ids
    assert api.get(f"{GUIDES}?q={'x' * 101}", "lin").status_code == 400


def test_a_community_holds_a_bounded_number_of_guides(api: Api,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guides_store, "MAX_GUIDES", 2)
    first = create(api)["guide_id"]
    create(api, RESIDENCE_PERMIT)
    assert api.post(GUIDES, "chen", SENIOR_CARD).status_code == 409
    assert len(api.get(GUIDES, "lin").json["items"]) == 2
    api.call("DELETE", f"/guides/{first}", "chen")
    assert api.post(GUIDES, "chen", SENIOR_CARD).status_code == 201


@pytest.fixture(scope="module")
def spec() -> Any:
    import app  # noqa: F401  (registers every route)
    from chalicelib.web import openapi

    return json.loads(json.dumps(openapi.document()))


def test_answers_match_the_specument(api: Api, spec: dict[str, Any]) -> None:
    gid = conforms(spec, "create_guide", api.post(GUIDES, "chen", SENIOR_CARD))["guide_id"]
    conforms(spec, "list_guides", api.get(f"{GUIDES}?q=老年证", "lin"))
    conforms(spec, "get_guide", api.get(f"/guides/{gid}", "lin"))
    conforms(spec, "replace_guide", api.call("PUT", f"/guides/{gid}", "chen", RESIDENCE_PERMIT))
    conforms(spec, "delete_guide", api.call("DELETE", f"/guides/{gid}", "chen"))
    errors = [("create_guide", api.post(GUIDES, "chen", {"title": "x"}), 400),
              ("create_guide", api.post(GUIDES, "lin", SENIOR_CARD), 403),
              ("get_guide", api.get(f"/guides/{gid}", "lin"), 404),
              ("replace_guide", api.call("PUT", f"/guides/{gid}", "huang", SENIOR_CARD), 403),
              ("delete_guide", api.call("DELETE", f"/guides/{gid}", "chen"), 404)]
    for op_id, response, status in errors:
        assert response.status_code == status
        conforms(spec, op_id, response)
