import json

import boto3
import pytest

from tests.integration.conftest import new_ticket


def ticket_id(api, user="lin", **kw):
    return new_ticket(api, user, **kw)["ticket"]["ticket_id"]


def table_items(aws):
    return boto3.client("dynamodb").scan(TableName=aws["settings"].table_name)["Items"]


def test_create_answers_the_spec_shape(api):
    created = new_ticket(api, photos=1, anonymous=True)
    t = created["ticket"]
    assert set(created) == {"ticket", "uploads"}
    for field in ("ticket_id", "community_id", "category", "description", "location", "status",
                  "source", "reporter", "created_at", "updated_at", "sla", "photos", "followers"):
        assert field in t
    assert t["community_id"] == "jinxiu" and t["source"] == "resident"
    assert t["reporter"] == {"user_id": "lin", "name": "林小梅", "phone": "+8613812345678"}
    assert t["sla"]["level"] == 0 and t["sla"]["responsible"] == "property"
    assert t["sla"]["remaining_s"] == pytest.approx(6 * 3600, abs=5)
    assert t["created_at"].endswith("Z") and t["followers"] == 1
    assert t["grid_id"] == "g1"


@pytest.mark.parametrize("body,field", [
    ({"category": "public_area", "location": {"estate_id": "huayuan"}}, "description"),
    ({"category": "public_area", "description": "x", "location": {"estate_id": "huayuan"},
      "colour": "red"}, "colour"),
    ({"category": 7, "description": "x", "location": {"estate_id": "huayuan"}}, "category"),
    ({"category": "public_area", "description": "x" * 2001,
      "location": {"estate_id": "huayuan"}}, "description"),
    ({"category": "public_area", "description": "x", "location": {"estate_id": "huayuan"},
      "photos": 10}, "photos"),
    ({"category": "public_area", "description": "x", "location": {"estate_id": "huayuan"},
      "photos": "2"}, "photos"),
    ({"category": "public_area", "description": "x",
      "location": {"estate_id": "huayuan", "lat": 123}}, "location.lat"),
    ({"category": "spaceship", "description": "x", "location": {"estate_id": "huayuan"}},
     "category"),
    ({"category": "public_area", "description": "x", "location": {"estate_id": "nowhere"}},
     "location.estate_id"),
    ({"category": "public_area", "description": "x", "location": {"estate_id": "lx1"}},
     "location.estate_id"),
    ({"category": "public_area", "description": "x",
      "location": {"estate_id": "huayuan", "building": "b9"}}, "location.building"),
    ({"category": "public_area", "description": "x",
      "location": {"estate_id": "huayuan", "building": "b2", "unit_id": "b1-101"}},
     "location.unit_id"),
])
def test_bad_input_is_400_with_the_field_and_stores_nothing(api, aws, body, field):
    before = len(table_items(aws))
    response = api.post("/tickets", "lin", body)
    assert response.status_code == 400, response.body
    assert response.json["Code"] == "BadRequestError"
    assert field in {d["field"] for d in response.json.get("details", [])}
    assert len(table_items(aws)) == before


def test_malformed_json_and_oversized_body(api):
    bad = api.post("/tickets", "lin", raw=b'{"category": ')
    assert bad.status_code == 400 and bad.json["Code"] == "BadRequestError"
    huge = api.post("/tickets", "lin", raw=b'{"description": "' + b"x" * 70000 + b'"}')
    assert huge.status_code == 413
    wrong_type = api.post("/tickets", "lin", raw=b"[]")
    assert wrong_type.status_code == 400


def test_only_residents_report(api):
    body = {"category": "public_area", "description": "x", "location": {"estate_id": "huayuan"}}
    assert api.post("/tickets", "wuye", body).status_code == 403
    assert api.post("/tickets", None, body).status_code == 401


def test_rate_limit_answers_429_with_retry_after(api, aws, monkeypatch):
    monkeypatch.setenv("TICKETS_PER_HOUR", "2")
    from chalicelib.core import config

    config.reset()
    new_ticket(api)
    new_ticket(api)
    response = api.post("/tickets", "lin", {"category": "public_area", "description": "third",
                                            "location": {"estate_id": "huayuan"}})
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 3600
    new_ticket(api, "huang")


def test_idempotency_key_returns_the_first_result(api):
    body = {"category": "public_area", "description": "once", "location": {"estate_id": "huayuan"},
            "photos": 1}
    first = api.post("/tickets", "lin", body, headers={"Idempotency-Key": "k-1"})
    again = api.post("/tickets", "lin", body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201 and again.status_code == 201
    assert again.json["ticket"]["ticket_id"] == first.json["ticket"]["ticket_id"]
    mine = api.get("/tickets?mine=true", "lin").json["items"]
    assert len(mine) == 1
    other_body = api.post("/tickets", "lin", body | {"description": "changed"},
                          headers={"Idempotency-Key": "k-1"})
    assert other_body.status_code == 422
    other_user = api.post("/tickets", "huang", body, headers={"Idempotency-Key": "k-1"})
    assert other_user.json["ticket"]["ticket_id"] != first.json["ticket"]["ticket_id"]


def test_visibility_by_role_and_scope(api):
    tid = ticket_id(api)
    seen = {u: api.get(f"/tickets/{tid}", u).status_code
            for u in ("lin", "huang", "zhao", "wuye", "wuye2", "grid1", "grid2", "chen", "jiedao",
                      "admin", "zhang", "longxing_staff")}
    assert seen == {"lin": 200, "huang": 200, "zhao": 404, "wuye": 200, "wuye2": 404,
                    "grid1": 200, "grid2": 404, "chen": 200, "jiedao": 200, "admin": 200,
                    "zhang": 404, "longxing_staff": 404}
    assert api.get(f"/tickets/{tid}", None).status_code == 401
    assert api.get("/tickets/tk_doesnotexist", "chen").status_code == 404


def test_private_and_anonymous_tickets(api):
    private = ticket_id(api, location={"estate_id": "huayuan", "unit_id": "b1-101"})
    assert api.get(f"/tickets/{private}", "huang").status_code == 404
    assert api.get(f"/tickets/{private}", "wuye").status_code == 200
    anonymous = ticket_id(api, anonymous=True)
    neighbour_view = api.get(f"/tickets/{anonymous}", "huang").json
    assert "reporter" not in neighbour_view
    assert all("user_id" not in e["actor"] for e in neighbour_view["timeline"])
    assert "reporter" not in api.get(f"/tickets/{anonymous}", "wuye").json
    assert api.get(f"/tickets/{anonymous}", "chen").json["reporter"]["user_id"] == "lin"
    named = api.get(f"/tickets/{ticket_id(api)}", "huang").json
    assert named["reporter"] == {"name": "林**"}


def test_full_staff_flow_and_timeline(api):
    tid = ticket_id(api)
    ack = api.post(f"/tickets/{tid}/acknowledge", "wuye", {"note": "马上派人"})
    assert ack.status_code == 200 and ack.json["status"] == "acknowledged"
    assert ack.json["acknowledged_at"]
    internal = api.post(f"/tickets/{tid}/comments", "wuye", {"message": "钥匙在门卫",
                                                             "internal": True})
    assert internal.status_code == 201
    resolved = api.post(f"/tickets/{tid}/resolve", "wuye", {"note": "已清理"})
    assert resolved.json["status"] == "resolved" and resolved.json["latest_public_note"] == "已清理"
    closed = api.post(f"/tickets/{tid}/close", "lin", {"rating": 5, "comment": "谢谢"})
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert closed.json["rating"] == 5
    staff_view = api.get(f"/tickets/{tid}", "wuye").json["timeline"]
    assert [e["action"] for e in staff_view] == ["created", "acknowledge", "comment", "resolve",
                                                 "close"]
    resident_view = api.get(f"/tickets/{tid}", "lin").json["timeline"]
    assert "comment" not in [e["action"] for e in resident_view]
    assert staff_view[1]["actor"] == {"role": "property", "user_id": "wuye", "name": "物业小王"}


def test_public_staff_comment_is_the_first_response(api):
    tid = ticket_id(api)
    response = api.post(f"/tickets/{tid}/comments", "grid1", {"message": "收到"})
    assert response.json["status"] == "acknowledged"
    resident_comment = api.post(f"/tickets/{ticket_id(api)}/comments", "lin", {"message": "急"})
    assert resident_comment.json["status"] == "submitted"
    assert api.post(f"/tickets/{tid}/comments", "lin", {"message": "x", "internal": True}
                    ).status_code == 403


def test_invalid_transitions_are_409_with_current_status(api):
    tid = ticket_id(api)
    response = api.post(f"/tickets/{tid}/close", "lin", {"rating": 5})
    assert response.status_code == 409
    assert response.json["status"] == "submitted"
    api.post(f"/tickets/{tid}/reject", "chen", {"reason": "不属于物业范围"})
    again = api.post(f"/tickets/{tid}/acknowledge", "wuye", {})
    assert again.status_code == 409 and again.json["status"] == "rejected"


def test_roles_for_transitions(api):
    tid = ticket_id(api)
    assert api.post(f"/tickets/{tid}/acknowledge", "lin", {}).status_code == 403
    assert api.post(f"/tickets/{tid}/acknowledge", "wuye2", {}).status_code == 404
    assert api.post(f"/tickets/{tid}/acknowledge", "zhang", {}).status_code == 403
    api.post(f"/tickets/{tid}/resolve", "wuye", {"note": "ok"})
    assert api.post(f"/tickets/{tid}/close", "huang", {"rating": 3}).status_code == 403
    assert api.post(f"/tickets/{tid}/close", "wuye", {"rating": 3}).status_code == 403
    assert api.post(f"/tickets/{tid}/close", "lin", {"rating": 6}).status_code == 400


def test_reopen_starts_a_new_resolution_cycle(api):
    tid = ticket_id(api)
    api.post(f"/tickets/{tid}/resolve", "wuye", {"note": "done"})
    reopened = api.post(f"/tickets/{tid}/reopen", "lin", {"note": "还是堵"})
    assert reopened.status_code == 200 and reopened.json["status"] == "acknowledged"
    assert reopened.json["resolved_at"] is None
    assert api.post(f"/tickets/{tid}/reopen", "lin", {"note": "again"}).status_code == 409
    assert api.post(f"/tickets/{tid}/reopen", "lin", {}).status_code == 400


def test_duplicate_joins_followers_and_stays_in_community(api):
    original = ticket_id(api)
    dup = ticket_id(api, "huang")
    foreign = ticket_id(api, "zhang", location={"estate_id": "lx1"})
    cross = api.post(f"/tickets/{dup}/duplicate", "chen", {"duplicate_of": foreign})
    assert cross.status_code == 400
    itself = api.post(f"/tickets/{dup}/duplicate", "chen", {"duplicate_of": dup})
    assert itself.status_code == 400
    marked = api.post(f"/tickets/{dup}/duplicate", "chen", {"duplicate_of": original,
                                                           "reason": "同一问题"})
    assert marked.status_code == 200 and marked.json["duplicate_of"] == original
    assert api.get(f"/tickets/{original}", "chen").json["followers"] == 2
    assert api.post(f"/tickets/{dup}/duplicate", "chen", {}).status_code == 400


def test_list_filters_scope_and_pagination(api):
    ids = [ticket_id(api, description=f"问题 {n}") for n in range(5)]
    other = ticket_id(api, "zhao", location={"estate_id": "mingju", "building": "m1"},
                      category="noise")
    api.post(f"/tickets/{ids[0]}/acknowledge", "wuye", {})
    first = api.get("/tickets?limit=2", "chen")
    assert first.status_code == 200
    assert [t["ticket_id"] for t in first.json["items"]] == [other, ids[4]]
    second = api.get(f"/tickets?limit=2&cursor={first.json['next_cursor']}", "chen").json
    third = api.get(f"/tickets?limit=2&cursor={second['next_cursor']}", "chen").json
    assert [t["ticket_id"] for t in second["items"] + third["items"]] == [ids[3], ids[2], ids[1],
                                                                          ids[0]]
    assert third["next_cursor"] is None
    assert {t["ticket_id"] for t in api.get("/tickets", "wuye").json["items"]} == set(ids)
    assert {t["ticket_id"] for t in api.get("/tickets", "grid2").json["items"]} == {other}
    assert api.get("/tickets", "zhang").json["items"] == []
    noise = api.get("/tickets?category=noise", "jiedao").json["items"]
    assert [t["ticket_id"] for t in noise] == [other]
    acked = api.get("/tickets?status=acknowledged", "chen").json["items"]
    assert [t["ticket_id"] for t in acked] == [ids[0]]
    assert api.get("/tickets?escalated=true", "chen").json["items"] == []
    assert api.get("/tickets?overdue=false&limit=100", "chen").json["items"]
    mine = api.get("/tickets?mine=true", "zhao").json["items"]
    assert [t["ticket_id"] for t in mine] == [other]
    neighbours = {t["ticket_id"] for t in api.get("/tickets", "huang").json["items"]}
    assert neighbours == set(ids)


@pytest.mark.parametrize("query", ["status=lost", "limit=0", "limit=1000", "cursor=%%%",
                                   "colour=red", "escalated=maybe"])
def test_bad_list_queries(api, query):
    response = api.get(f"/tickets?{query}", "chen")
    assert response.status_code == 400, response.body


def test_admin_lists_a_named_community(api):
    tid = ticket_id(api)
    assert api.get("/tickets", "admin").status_code == 400
    items = api.get("/tickets?community_id=jinxiu", "admin").json["items"]
    assert [t["ticket_id"] for t in items] == [tid]


def test_errors_are_json_in_chalice_shape(api):
    response = api.get("/tickets/nope", "lin")
    assert response.status_code == 404
    assert set(json.loads(response.body)) >= {"Code", "Message"}
