"""GET /openapi.json is public, and real answers match what the document promises: each status is
documented for its operation and each body fits the model its route declares (strictly) and the
document's schema."""
from __future__ import annotations

import json
from typing import Any

import boto3
import jsonschema
import pytest

from chalicelib.tickets import photos
from chalicelib.web import openapi
from chalicelib.web.routing import ROUTES, resolve_model
from tests.integration.conftest import Api, jpeg_bytes, new_ticket

NEW_TICKET = {"category": "public_area", "description": "楼道堆放杂物",
              "location": {"estate_id": "huayuan", "building": "b1"}}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    import app  # noqa: F401  (registers every route)

    return json.loads(json.dumps(openapi.document()))


def answer_model(op_id: str, status: int) -> Any:
    route = dict(zip(openapi.operation_ids(ROUTES), ROUTES, strict=True))[op_id]
    if status >= 400:
        return openapi.error_model(route)
    return route.success_models()[status]


def conforms(doc: dict[str, Any], op_id: str, response: Any) -> Any:
    """The response's status is documented for ``op_id`` and its body fits model and schema."""
    operation = next(op for item in doc["paths"].values() for op in item.values()
                     if op["operationId"] == op_id)
    status = str(response.status_code)
    assert status in operation["responses"], f"{op_id} answered {status}: {response.body!r}"
    body = json.loads(response.body)
    resolve_model(answer_model(op_id, response.status_code)).model_validate(body, strict=True)
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator({**schema, "components": doc["components"]}).validate(body)
    return body


def test_the_document_is_served_without_a_token(api: Api, doc: dict[str, Any]) -> None:
    response = api.get("/openapi.json")
    assert response.status_code == 200
    assert response.json == doc
    assert conforms(doc, "get_openapi", api.get("/openapi.json", "lin")) == doc


def process_uploads(aws: dict[str, Any], ticket_id: str, *photo_ids: str) -> None:
    bucket = aws["settings"].upload_bucket
    for photo_id in photo_ids:
        photos.process_upload(bucket, photos.upload_key(ticket_id, photo_id))


def test_ticket_answers_match_their_models(api: Api, aws: dict[str, Any],
                                           doc: dict[str, Any]) -> None:
    response = api.post("/tickets", "lin", NEW_TICKET | {"photos": 1, "anonymous": True},
                        headers={"Idempotency-Key": "drift-1"})
    created = conforms(doc, "create_ticket", response)
    tid = created["ticket"]["ticket_id"]
    slot = conforms(doc, "add_photo", api.post(f"/tickets/{tid}/photos", "lin", {}))
    boto3.client("s3").put_object(Bucket=aws["settings"].upload_bucket, Key=slot["fields"]["key"],
                                  Body=b"not an image", ContentType="image/jpeg")
    direct = conforms(doc, "add_photo", api.post(
        f"/tickets/{tid}/photos", "lin", raw=jpeg_bytes(), headers={"Content-Type": "image/jpeg"}))
    process_uploads(aws, tid, slot["photo_id"], direct["photo_id"])
    for user in ("lin", "huang", "wuye"):
        view = conforms(doc, "get_ticket", api.get(f"/tickets/{tid}", user))
        assert {p["status"] for p in view["photos"]} == {"pending", "ready", "rejected"}
    assert "reporter" not in api.get(f"/tickets/{tid}", "huang").json
    for user, query in (("lin", ""), ("huang", "?status=submitted"), ("wuye", "?limit=1")):
        conforms(doc, "list_tickets", api.get(f"/tickets{query}", user))


def test_transition_and_comment_answers_match_their_models(api: Api, doc: dict[str, Any]) -> None:
    tid = new_ticket(api)["ticket"]["ticket_id"]
    steps = [("acknowledge", "wuye", {}),
             ("comment", "wuye", {"message": "内部", "internal": True}),
             ("comment", "lin", {"message": "谢谢"}), ("resolve", "wuye", {"note": "已清理"}),
             ("reopen", "lin", {"note": "还有"}), ("resolve", "wuye", {"note": "再清理"}),
             ("close", "lin", {"rating": 5, "comment": "好"})]
    for action, user, body in steps:
        path = f"/tickets/{tid}/{'comments' if action == 'comment' else action}"
        conforms(doc, action, api.post(path, user, body))
    other = new_ticket(api, "huang")["ticket"]["ticket_id"]
    conforms(doc, "duplicate", api.post(f"/tickets/{other}/duplicate", "wuye",
                                        {"duplicate_of": tid}))
    third = new_ticket(api)["ticket"]["ticket_id"]
    conforms(doc, "reject", api.post(f"/tickets/{third}/reject", "wuye", {"reason": "不属实"}))


def test_directory_answers_match_their_models(api: Api, doc: dict[str, Any]) -> None:
    conforms(doc, "get_me", api.get("/me", "huang"))
    conforms(doc, "get_me", api.get("/me", "admin"))
    conforms(doc, "get_community", api.get("/communities/jinxiu", "lin"))
    conforms(doc, "list_categories", api.get("/communities/jinxiu/categories", "lin"))
    conforms(doc, "list_grids", api.get("/communities/jinxiu/grids", "chen"))
    calls = [
        ("create_community", "/communities",
         {"community_id": "c9", "name": "九",
          "categories": [{"code": "x", "zh": "叉", "en": "X"}]}),
        ("create_street", "/streets", {"street_id": "s9", "name": "九街", "staff": ["u1"]}),
        ("create_company", "/companies", {"company_id": "co9", "name": "九物业"}),
        ("create_estate", "/communities/c9/estates",
         {"estate_id": "e9", "name": "九苑", "company_id": "co9"}),
        ("add_buildings", "/estates/e9/buildings",
         {"buildings": [{"building_id": "b", "name": "B"}]}),
        ("import_units", "/estates/e9/units",
         {"units": [{"unit_id": "u1", "building": "b", "area_m2": 50}]}),
        ("create_grid", "/communities/c9/grids",
         {"grid_id": "g9", "name": "九网格",
          "buildings": [{"estate_id": "e9", "building_id": "b"}]}),
    ]
    for op_id, path, body in calls:
        conforms(doc, op_id, api.post(path, "admin", body))
    conforms(doc, "list_categories", api.get("/communities/c9/categories", "admin"))
    csv = b"unit_id,building,area_m2,owners\nu2,b,60,lin;huang\n"
    conforms(doc, "import_units", api.post("/estates/e9/units", "admin", raw=csv,
                                           headers={"Content-Type": "text/csv"}))


def test_error_answers_are_documented_error_bodies(api: Api, doc: dict[str, Any]) -> None:
    tid = new_ticket(api)["ticket"]["ticket_id"]
    errors = [
        ("list_tickets", api.get("/tickets?limit=0", "lin"), 400),
        ("create_ticket", api.post("/tickets", "lin", {"category": "public_area"}), 400),
        ("get_me", api.get("/me"), 401),
        ("create_ticket", api.post("/tickets", "wuye", NEW_TICKET), 403),
        ("get_ticket", api.get("/tickets/tk_nothing", "lin"), 404),
        ("close", api.post(f"/tickets/{tid}/close", "lin", {"rating": 5}), 409),
        ("comment", api.post(f"/tickets/{tid}/comments", "lin", raw=b"x" * 70000), 413),
        ("create_ticket", api.post("/tickets", "lin", raw=b"x",
                                   headers={"Content-Type": "text/plain"}), 415),
        ("create_ticket", api.post("/tickets", "lin", NEW_TICKET | {"description": "other"},
                                   headers={"Idempotency-Key": "drift-2"}), 201),
        ("create_ticket", api.post("/tickets", "lin", NEW_TICKET,
                                   headers={"Idempotency-Key": "drift-2"}), 422),
    ]
    for op_id, response, status in errors:
        assert response.status_code == status, (op_id, response.body)
        conforms(doc, op_id, response)
    assert errors[0][1].json["details"][0]["field"] == "limit"
    assert errors[5][1].json["status"] == "submitted"


def test_rate_limited_answer_is_documented(api: Api, doc: dict[str, Any],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.core import config

    monkeypatch.setenv("TICKETS_PER_HOUR", "1")
    config.reset()
    new_ticket(api)
    response = api.post("/tickets", "lin", NEW_TICKET)
    assert response.status_code == 429
    assert conforms(doc, "create_ticket", response)["retry_after_s"] >= 1


def test_follow_nearby_inbox_policy_and_stats_answers_match(api: Api,
                                                            doc: dict[str, Any]) -> None:
    tid = new_ticket(api)["ticket"]["ticket_id"]
    conforms(doc, "follow", api.post(f"/tickets/{tid}/follow", "huang"))
    nearby = conforms(doc, "nearby", api.get("/tickets/nearby?estate_id=huayuan&building=b1",
                                             "huang"))
    assert [t["ticket_id"] for t in nearby["items"]] == [tid]
    api.post(f"/tickets/{tid}/acknowledge", "wuye", {"note": "在处理"})
    inboxes = {user: conforms(doc, "get_inbox", api.get("/me/inbox?limit=5", user))
               for user in ("lin", "wuye")}
    assert inboxes["lin"]["items"]
    policy = conforms(doc, "get_sla_policy", api.get("/communities/jinxiu/sla-policy", "chen"))
    policy["warnings"] = [0.6]
    conforms(doc, "put_sla_policy", api.call("PUT", "/communities/jinxiu/sla-policy", "chen",
                                             policy))
    conforms(doc, "get_stats", api.get("/communities/jinxiu/stats", "chen"))
    conforms(doc, "get_stats", api.get("/communities/jinxiu/stats?from=2020-01-01&to=2030-01-01",
                                       "jiedao"))


def test_open311_answers_match_their_models(api: Api, doc: dict[str, Any]) -> None:
    root = "/open311/v2"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    report = b"service_code=public_area&description=x&address_id=huayuan%2Fb1&lat=24.5"
    conforms(doc, "open311_discovery", api.get(f"{root}/discovery.json"))
    conforms(doc, "open311_services", api.get(f"{root}/services.json?jurisdiction_id=jinxiu",
                                              "lin"))
    [receipt] = conforms(doc, "open311_create_request", api.post(
        f"{root}/requests.json", "lin", raw=report, headers=form | {"Idempotency-Key": "o311"}))
    rid = receipt["service_request_id"]
    conforms(doc, "open311_create_request", api.post(
        f"{root}/requests.json", "huang", {"service_code": "noise", "description": "吵",
                                           "address_id": "huayuan", "long": 117}))
    api.post(f"/tickets/{rid}/acknowledge", "wuye", {"note": "在处理"})
    for user, query in (("lin", ""), ("huang", "?status=open&service_code=public_area"),
                        ("wuye", f"?service_request_id={rid}")):
        assert conforms(doc, "open311_list_requests", api.get(f"{root}/requests.json{query}",
                                                              user))
    conforms(doc, "open311_get_request", api.get(f"{root}/requests/{rid}.json", "lin"))
    errors = [
        ("open311_services", api.get(f"{root}/services.json?jurisdiction_id=nowhere", "zhang"),
         404),
        ("open311_list_requests", api.get(f"{root}/requests.json?status=new", "lin"), 400),
        ("open311_get_request", api.get(f"{root}/requests/{rid}.json", "zhang"), 404),
        ("open311_get_request", api.get(f"{root}/requests/{rid}.json"), 401),
        ("open311_create_request", api.post(f"{root}/requests.json", "lin",
                                            raw=b"media_url=x", headers=form), 400),
        ("open311_create_request", api.post(f"{root}/requests.json", "wuye", raw=report,
                                            headers=form), 403),
        ("open311_create_request", api.post(f"{root}/requests.json", "lin", raw=report,
                                            headers={"Content-Type": "text/plain"}), 415),
        ("open311_create_request", api.post(f"{root}/requests.json", "lin", raw=report + b"1",
                                            headers=form | {"Idempotency-Key": "o311"}), 422),
    ]
    for op_id, response, status in errors:
        assert response.status_code == status, (op_id, response.body)
        conforms(doc, op_id, response)


def test_integral_numbers_are_integers_and_bad_keys_are_refused_alike(
        api: Api, doc: dict[str, Any]) -> None:
    tid = new_ticket(api)["ticket"]["ticket_id"]
    assert api.post(f"/tickets/{tid}/resolve", "wuye", {"note": "已清理"}).status_code == 200
    closed = api.post(f"/tickets/{tid}/close", "lin", raw=b'{"rating": 4.0}',
                      headers={"Content-Type": "application/json"})
    assert conforms(doc, "close", closed)["status"] == "closed", closed.body
    other = new_ticket(api)["ticket"]["ticket_id"]
    api.post(f"/tickets/{other}/resolve", "wuye", {"note": "已清理"})
    fraction = api.post(f"/tickets/{other}/close", "lin", raw=b'{"rating": 4.5}',
                        headers={"Content-Type": "application/json"})
    assert fraction.status_code == 400, fraction.body
    for key in (" ", "x" * 129, "two  spaces"):
        for op_id, path, body in (
                ("create_ticket", "/tickets", NEW_TICKET),
                ("post_task", "/communities/jinxiu/tasks", {"kind": "request", "title": "帮忙"})):
            refused = api.post(path, "lin", body, headers={"Idempotency-Key": key})
            assert refused.status_code == 400, (path, key, refused.body)
            assert refused.json["details"][0]["field"] == "Idempotency-Key"
            conforms(doc, op_id, refused)
