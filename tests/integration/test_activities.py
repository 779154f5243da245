"""Volunteer activities over the API (SPEC 5): creation by the office, sign-up and cancel with
capacity, attendance from the start crediting points once, the roster, the iCalendar feed,
scope, roles and input."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from chalicelib.activities import service as activities_service
from chalicelib.core.timeutil import iso
from tests.integration.conftest import Api
from tests.integration.test_openapi import conforms

ACTIVITIES = "/communities/jinxiu/activities"
NOW = datetime.now(timezone.utc).replace(microsecond=0)
START = NOW + timedelta(days=2)


def clinic(**change: Any) -> dict[str, Any]:
    body = {"title": "社区义诊志愿服务", "description": "协助医生为老人量血压、登记",
            "starts_at": iso(START), "ends_at": iso(START + timedelta(hours=3)),
            "place": "锦绣社区党群服务中心广场", "capacity": 1, "points_per_hour": 10}
    return {k: v for k, v in (body | change).items() if v is not None}


def create(api: Api, **change: Any) -> dict[str, Any]:
    response = api.post(ACTIVITIES, "chen", clinic(**change))
    assert response.status_code == 201, response.body
    return response.json  # type: ignore[no-any-return]


def clock(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(activities_service, "utcnow", lambda: moment)


def balance(api: Api, user: str) -> int:
    response = api.get("/me/points", user)
    assert response.status_code == 200, response.body
    return int(response.json["balance"])


def test_capacity_one_sign_up_cancel_frees_the_place(api: Api) -> None:
    activity = create(api)
    aid = activity["activity_id"]
    assert (activity["capacity"], activity["signed_up"], activity["phase"]) == (1, 0, "upcoming")
    first = api.post(f"/activities/{aid}/signups", "lin", {})
    assert first.status_code == 201, first.body
    assert first.json["signed_up"] == 1 and first.json["places_left"] == 0
    assert first.json["my_signup"]["hours"] is None
    full = api.post(f"/activities/{aid}/signups", "huang")
    assert full.status_code == 409 and "full" in full.json["Message"]
    again = api.post(f"/activities/{aid}/signups", "lin", {})
    assert again.status_code == 409 and "already" in again.json["Message"]
    seen = api.get(f"/activities/{aid}", "huang").json
    assert (seen["signed_up"], seen["capacity"], seen["my_signup"]) == (1, 1, None)
    cancelled = api.call("DELETE", f"/activities/{aid}/signups/me", "lin")
    assert cancelled.status_code == 200 and cancelled.json["signed_up"] == 0
    assert cancelled.json["my_signup"] is None
    assert api.call("DELETE", f"/activities/{aid}/signups/me", "lin").status_code == 404
    assert api.post(f"/activities/{aid}/signups", "huang", {}).status_code == 201
    assert api.get(f"/activities/{aid}", "lin").json["signed_up"] == 1


def test_who_may_create_see_and_sign_up(api: Api) -> None:
    assert api.post(ACTIVITIES, "lin", clinic()).status_code == 403
    assert api.post(ACTIVITIES, "wuye", clinic()).status_code == 403
    assert api.post(ACTIVITIES, "longxing_staff", clinic()).status_code == 404
    assert api.post(ACTIVITIES, None, clinic()).status_code == 401
    assert api.post(ACTIVITIES, "admin", clinic()).status_code == 201
    aid = create(api, capacity=5)["activity_id"]
    assert api.get(f"/activities/{aid}", "zhang").status_code == 404
    assert api.get(ACTIVITIES, "zhang").status_code == 404
    assert api.post(f"/activities/{aid}/signups", "zhang", {}).status_code == 404
    assert api.post(f"/activities/{aid}/signups", "wuye", {}).status_code == 403
    assert api.post(f"/activities/{aid}/signups", "chen", {}).status_code == 403
    assert api.post("/activities/act_nothing/signups", "lin", {}).status_code == 404
    assert api.get("/activities/" + "a" * 3000, "lin").status_code == 404
    for path in ("activities", "activities.ics"):
        assert api.get(f"/communities/{'c' * 3000}/{path}", "admin").status_code == 404
    assert api.post(f"/activities/{aid}/signups", "zhao", {}).status_code == 201
    assert api.get(f"/activities/{aid}", "wuye").json["signed_up"] == 1


@pytest.mark.parametrize("change, field", [
    ({"starts_at": iso(NOW - timedelta(hours=1))}, "starts_at"),
    ({"starts_at": "2030-01-01T08:00:00"}, "starts_at"),
    ({"starts_at": "tomorrow"}, "starts_at"),
    ({"ends_at": iso(START - timedelta(minutes=1))}, "ends_at"),
    ({"ends_at": iso(START + timedelta(days=8))}, "ends_at"),
    ({"ends_at": "3000-01-01T00:00:00Z"}, "ends_at"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": "10"}, "capacity"),
    ({"points_per_hour": -1}, "points_per_hour"),
    ({"min_age": 0}, "min_age"),
    ({"place": ""}, "place"),
    ({"title": None}, "title"),
    ({"organizer": "me"}, "organizer"),
])
def test_bad_activities_are_refused_with_the_field(api: Api, change: dict[str, Any],
                                                   field: str) -> None:
    response = api.post(ACTIVITIES, "chen", clinic(**change))
    assert response.status_code == 400, response.body
    assert field in [d["field"] for d in response.json["details"]]
    assert api.get(ACTIVITIES, "chen").json["items"] == []


def test_min_age_is_confirmed_by_the_volunteer(api: Api) -> None:
    aid = create(api, min_age=18, capacity=3)["activity_id"]
    refused = api.post(f"/activities/{aid}/signups", "lin", {})
    assert refused.status_code == 400
    assert refused.json["details"][0]["field"] == "meets_min_age"
    assert api.post(f"/activities/{aid}/signups", "lin",
                    {"meets_min_age": False}).status_code == 400
    accepted = api.post(f"/activities/{aid}/signups", "lin", {"meets_min_age": True})
    assert accepted.status_code == 201 and accepted.json["min_age"] == 18
    assert api.post(f"/activities/{aid}/signups", "huang",
                    {"meets_min_age": "yes"}).status_code == 400


def test_attendance_credits_points_once_from_the_start(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    aid = create(api, capacity=2)["activity_id"]
    api.post(f"/activities/{aid}/signups", "lin", {})
    record = {"user_id": "lin", "hours": 2}
    early = api.post(f"/activities/{aid}/attendance", "chen", record)
    assert early.status_code == 409
    before = balance(api, "lin")

    clock(monkeypatch, START + timedelta(hours=1))
    assert api.get(f"/activities/{aid}", "lin").json["phase"] == "ongoing"
    assert api.post(f"/activities/{aid}/signups", "huang", {}).status_code == 409
    assert api.call("DELETE", f"/activities/{aid}/signups/me", "lin").status_code == 409
    assert api.post(f"/activities/{aid}/attendance", "lin", record).status_code == 403
    assert api.post(f"/activities/{aid}/attendance", "longxing_staff", record).status_code == 404
    assert api.post(f"/activities/{aid}/attendance", "chen",
                    {"user_id": "huang", "hours": 2}).status_code == 409
    too_long = api.post(f"/activities/{aid}/attendance", "chen", {"user_id": "lin", "hours": 4})
    assert too_long.status_code == 400 and too_long.json["details"][0]["field"] == "hours"
    assert api.post(f"/activities/{aid}/attendance", "chen",
                    {"user_id": "lin", "hours": 1.2}).status_code == 400

    first = api.post(f"/activities/{aid}/attendance", "chen", record)
    assert first.status_code == 200, first.body
    assert (first.json["points"], first.json["hours"], first.json["credited_now"]) == (
        20, 2.0, True)
    assert balance(api, "lin") == before + 20
    for _ in range(3):
        repeat = api.post(f"/activities/{aid}/attendance", "chen", record)
        assert repeat.status_code == 200 and repeat.json["credited_now"] is False
        assert repeat.json["movement_id"] == first.json["movement_id"]
    other = api.post(f"/activities/{aid}/attendance", "admin", {"user_id": "lin", "hours": 3})
    assert other.status_code == 409 and "2 h" in other.json["Message"]
    assert balance(api, "lin") == before + 20
    mine = api.get(f"/activities/{aid}", "lin").json["my_signup"]
    assert (mine["hours"], mine["points"]) == (2.0, 20)

    clock(monkeypatch, START + timedelta(days=1))
    assert api.get(f"/activities/{aid}", "lin").json["phase"] == "ended"
    assert api.post(f"/activities/{aid}/attendance", "chen", record).json["points"] == 20


def test_half_hours_round_half_up(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    aid = create(api, capacity=2, points_per_hour=5)["activity_id"]
    api.post(f"/activities/{aid}/signups", "huang", {})
    clock(monkeypatch, START)
    answer = api.post(f"/activities/{aid}/attendance", "chen", {"user_id": "huang", "hours": 1.5})
    assert answer.status_code == 200 and answer.json["points"] == 8
    assert balance(api, "huang") == 8


def test_the_roster_is_for_the_office(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    aid = create(api, capacity=3)["activity_id"]
    for user in ("lin", "huang", "zhao"):
        api.post(f"/activities/{aid}/signups", user, {})
    roster = api.get(f"/activities/{aid}/signups?limit=2", "chen")
    assert roster.status_code == 200
    assert [v["user_id"] for v in roster.json["items"]] == ["huang", "lin"]
    assert roster.json["items"][1]["name"] == "林小梅"
    rest = api.get(f"/activities/{aid}/signups?cursor={roster.json['next_cursor']}", "chen")
    assert [v["user_id"] for v in rest.json["items"]] == ["zhao"]
    assert rest.json["next_cursor"] is None and rest.json["signed_up"] == 3
    assert api.get(f"/activities/{aid}/signups", "lin").status_code == 403
    assert api.get(f"/activities/{aid}/signups", "longxing_staff").status_code == 404


def test_a_roster_cursor_from_outside_the_sign_ups_is_400(api: Api) -> None:
    aid = create(api, capacity=3)["activity_id"]
    assert api.post(f"/activities/{aid}/signups", "lin", {}).status_code == 201
    for position in ("A#", "ACTIVITY#", "!#"):
        cursor = base64.urlsafe_b64encode(json.dumps({"k": position}).encode()).decode()
        response = api.get(f"/activities/{aid}/signups?cursor={cursor}", "chen")
        assert response.status_code == 400, response.body
        assert response.json["details"][0]["field"] == "cursor"


def test_lists_upcoming_and_past(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    soon = create(api, title="垃圾分类宣传")["activity_id"]
    later = create(api, starts_at=iso(START + timedelta(days=1)),
                   ends_at=iso(START + timedelta(days=1, hours=2)))["activity_id"]
    upcoming = api.get(f"{ACTIVITIES}?limit=1", "lin").json
    assert [a["activity_id"] for a in upcoming["items"]] == [soon]
    rest = api.get(f"{ACTIVITIES}?limit=1&cursor={upcoming['next_cursor']}", "lin").json
    assert [a["activity_id"] for a in rest["items"]] == [later]
    assert "my_signup" not in rest["items"][0]
    assert api.get(f"{ACTIVITIES}?when=past", "lin").json["items"] == []
    clock(monkeypatch, START + timedelta(hours=1))
    assert [a["activity_id"] for a in api.get(ACTIVITIES, "lin").json["items"]] == [later]
    assert [a["activity_id"] for a in api.get(f"{ACTIVITIES}?when=past",
                                              "lin").json["items"]] == [soon]
    assert api.get(f"{ACTIVITIES}?when=soon", "lin").status_code == 400


def test_the_calendar_feed(api: Api) -> None:
    aid = create(api, title="垃圾分类宣传, 第1场; 欢迎参加",
                 place="锦绣花园1号楼前广场\\南门")["activity_id"]
    response = api.get("/communities/jinxiu/activities.ics", "lin")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.body.decode() if isinstance(response.body, bytes) else response.body
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    unfolded = text.replace("\r\n ", "")
    assert f"UID:{aid}@fanglin\r\n" in unfolded
    assert f"DTSTART:{START.strftime('%Y%m%dT%H%M%SZ')}\r\n" in unfolded
    assert "SUMMARY:垃圾分类宣传\\, 第1场\\; 欢迎参加\r\n" in unfolded
    assert "LOCATION:锦绣花园1号楼前广场\\\\南门\r\n" in unfolded
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert api.get("/communities/longxing/activities.ics", "lin").status_code == 404
    assert api.get("/communities/jinxiu/activities.ics", None).status_code == 401


def test_export_and_erasure_of_sign_ups(api: Api) -> None:
    aid = create(api, capacity=2)["activity_id"]
    api.post(f"/activities/{aid}/signups", "huang", {})
    exported = api.get("/me/export", "huang").json["activity_signups"]
    assert [s["activity_id"] for s in exported] == [aid]
    erased = api.call("DELETE", "/me", "huang")
    assert erased.status_code == 200 and erased.json["activity_signups_deleted"] == 1
    assert api.get(f"/activities/{aid}", "lin").json["signed_up"] == 0
    assert api.get("/me/export", "huang").json["activity_signups"] == []
    assert api.call("DELETE", "/me", "huang").json["activity_signups_deleted"] == 0


@pytest.fixture(scope="module")
def spec() -> Any:
    import app  # noqa: F401  (registers every route)
    from chalicelib.web import openapi

    return json.loads(json.dumps(openapi.document()))


def test_answers_match_the_specument(api: Api, spec: dict[str, Any],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    aid = conforms(spec, "create_activity", api.post(ACTIVITIES, "chen", clinic()))["activity_id"]
    conforms(spec, "list_activities", api.get(ACTIVITIES, "lin"))
    conforms(spec, "get_activity", api.get(f"/activities/{aid}", "lin"))
    conforms(spec, "sign_up", api.post(f"/activities/{aid}/signups", "lin", {}))
    conforms(spec, "list_signups", api.get(f"/activities/{aid}/signups", "chen"))
    errors = [("sign_up", api.post(f"/activities/{aid}/signups", "huang", {}), 409),
              ("create_activity", api.post(ACTIVITIES, "chen", {"title": "x"}), 400),
              ("get_activity", api.get(f"/activities/{aid}", "zhang"), 404),
              ("record_attendance", api.post(f"/activities/{aid}/attendance", "chen",
                                             {"user_id": "lin", "hours": 1}), 409)]
    for op_id, response, status in errors:
        assert response.status_code == status
        conforms(spec, op_id, response)
    clock(monkeypatch, START)
    conforms(spec, "record_attendance", api.post(f"/activities/{aid}/attendance", "chen",
                                                {"user_id": "lin", "hours": 1}))
    monkeypatch.undo()
    other = create(api, capacity=2)["activity_id"]
    api.post(f"/activities/{other}/signups", "huang", {})
    conforms(spec, "cancel_signup", api.call("DELETE", f"/activities/{other}/signups/me",
                                            "huang"))
    feed = api.get("/communities/jinxiu/activities.ics", "lin")
    operation = spec["paths"]["/communities/{community_id}/activities.ics"]["get"]
    assert feed.status_code == 200 and "200" in operation["responses"]
    assert "text/calendar" in operation["responses"]["200"]["description"]
