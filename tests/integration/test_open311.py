"""Open311 GeoReport v2 as a civic-tech client uses it: discovery, services, a form-encoded
report, then reading it back; scope, authentication and bad input."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from chalicelib.core.timeutil import iso
from chalicelib.tickets import escalation, photos
from tests.integration.conftest import Api, jpeg_bytes, new_ticket

ROOT = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
REPORT = {"service_code": "public_area", "description": "楼道堆放杂物",
          "address_id": "huayuan/b1"}
DEFAULT_CODES = ["water_electric", "public_area", "environment", "facility", "safety",
                 "parking", "noise", "other"]


def post_form(api: Api, user: str | None, fields: dict[str, Any],
              headers: dict[str, str] | None = None) -> Any:
    return api.post(f"{ROOT}/requests.json", user, raw=urlencode(fields).encode(),
                    headers={**FORM, **(headers or {})})


def report(api: Api, user: str = "lin", **fields: Any) -> str:
    response = post_form(api, user, REPORT | fields)
    assert response.status_code == 201, response.body
    return str(response.json[0]["service_request_id"])


def listed(api: Api, user: str, **query: str) -> list[dict[str, Any]]:
    suffix = f"?{urlencode(query)}" if query else ""
    response = api.get(f"{ROOT}/requests.json{suffix}", user)
    assert response.status_code == 200, response.body
    return response.json  # type: ignore[no-any-return]


def ids(requests: list[dict[str, Any]]) -> list[str]:
    return [r["service_request_id"] for r in requests]


def open311_errors(response: Any, status: int) -> list[str]:
    """The descriptions of an Open311 error answer, ``[{"code": status, "description"}]``."""
    assert response.status_code == status, response.body
    assert response.json and all(set(e) == {"code", "description"} and e["code"] == status
                                 for e in response.json), response.body
    return [e["description"] for e in response.json]


def fields_at_fault(response: Any) -> set[str]:
    return {d.split(": ")[0] for d in open311_errors(response, 400)}


def test_a_civic_tech_client_round_trip(api: Api) -> None:
    discovery = api.get(f"{ROOT}/discovery.json", headers={"Host": "fanglin.example.cn"})
    assert discovery.status_code == 200
    endpoint = discovery.json["endpoints"][0]
    assert endpoint == {"specification": "http://wiki.open311.org/GeoReport_v2",
                        "url": "https://fanglin.example.cn/open311/v2",
                        "changeset": discovery.json["changeset"], "type": "production",
                        "formats": ["application/json"]}

    services = api.get(f"{ROOT}/services.json", "lin").json
    assert [s["service_code"] for s in services] == DEFAULT_CODES
    assert services[1] == {"service_code": "public_area", "service_name": "楼道与公共区域",
                           "description": "Stairwells and common areas", "metadata": False,
                           "type": "realtime", "keywords": "", "group": ""}

    created = post_form(api, "lin", REPORT | {
        "address_string": "1号楼2单元楼道", "lat": "24.51", "long": "117.65",
        "api_key": "ignored", "email": "lin@example.cn", "first_name": "林"})
    assert created.status_code == 201, created.body
    [receipt] = created.json
    assert receipt["service_notice"] == "物业将在 360 分钟内响应"
    assert receipt["account_id"] is None
    rid = receipt["service_request_id"]

    [request] = [r for r in listed(api, "lin") if r["service_request_id"] == rid]
    ticket = api.get(f"/tickets/{rid}", "lin").json
    assert request == {
        "service_request_id": rid, "status": "open", "status_notes": None,
        "service_name": "楼道与公共区域", "service_code": "public_area",
        "description": "楼道堆放杂物", "agency_responsible": "绿茵物业",
        "service_notice": "物业将在 360 分钟内响应",
        "requested_datetime": ticket["created_at"], "updated_datetime": ticket["updated_at"],
        "expected_datetime": ticket["sla"]["due_at"], "address": "1号楼2单元楼道",
        "address_id": "huayuan/b1", "lat": 24.51, "long": 117.65, "media_url": None,
    }
    created_at = datetime.fromisoformat(ticket["created_at"].replace("Z", "+00:00"))
    assert request["expected_datetime"] == iso(created_at + timedelta(hours=6))
    assert ticket["location"] == {"estate_id": "huayuan", "building": "b1",
                                  "text": "1号楼2单元楼道", "lat": 24.51, "lon": 117.65}
    assert ticket["reporter"]["user_id"] == "lin"

    single = api.get(f"{ROOT}/requests/{rid}.json", "lin")
    assert single.status_code == 200
    assert single.json == [request]


def test_a_json_body_and_its_idempotent_retry(api: Api) -> None:
    body = {"service_code": "noise", "description": "深夜装修", "address_id": "huayuan",
            "lat": 24.5, "jurisdiction_id": "jinxiu"}
    first = api.post(f"{ROOT}/requests.json", "lin", body, headers={"Idempotency-Key": "o-1"})
    again = api.post(f"{ROOT}/requests.json", "lin", body, headers={"Idempotency-Key": "o-1"})
    assert first.status_code == again.status_code == 201, first.body
    assert first.json == again.json
    rid = first.json[0]["service_request_id"]
    [request] = api.get(f"{ROOT}/requests/{rid}.json", "lin").json
    assert (request["address"], request["address_id"]) == ("锦绣花园", "huayuan")
    assert (request["service_name"], request["lat"], request["long"]) == ("噪音", 24.5, None)
    changed = api.post(f"{ROOT}/requests.json", "lin", body | {"description": "别的"},
                       headers={"Idempotency-Key": "o-1"})
    assert changed.status_code == 422
    assert ids(listed(api, "lin")).count(rid) == 1


def test_status_notes_photo_and_status_filter(api: Api, aws: dict[str, Any]) -> None:
    rid = report(api)
    other = report(api, service_code="environment")
    api.post(f"/tickets/{rid}/acknowledge", "wuye", {"note": "已安排保洁"})
    direct = api.post(f"/tickets/{rid}/photos", "lin", raw=jpeg_bytes(),
                      headers={"Content-Type": "image/jpeg"}).json
    photos.process_upload(aws["settings"].upload_bucket, photos.upload_key(rid, direct["photo_id"]))
    [request] = api.get(f"{ROOT}/requests/{rid}.json", "huang").json
    assert (request["status"], request["status_notes"]) == ("open", "已安排保洁")
    assert request["media_url"].startswith("http")
    assert request["expected_datetime"] is not None

    api.post(f"/tickets/{rid}/resolve", "wuye", {"note": "已清理"})
    [request] = api.get(f"{ROOT}/requests/{rid}.json", "lin").json
    assert (request["status"], request["status_notes"]) == ("closed", "已清理")
    assert request["expected_datetime"] is None
    assert ids(listed(api, "lin", status="open")) == [other]
    assert ids(listed(api, "lin", status="closed")) == [rid]
    assert ids(listed(api, "lin", status="open,closed")) == [other, rid]
    assert ids(listed(api, "lin", service_code="environment")) == [other]


def test_agency_follows_the_escalation_level(api: Api) -> None:
    rid = report(api)
    start = datetime.fromisoformat(
        api.get(f"/tickets/{rid}", "lin").json["created_at"].replace("Z", "+00:00"))
    agencies = []
    for at in (start, start + timedelta(hours=6), start + timedelta(hours=10)):
        escalation.advance(rid, at)
        agencies.append(api.get(f"{ROOT}/requests/{rid}.json", "chen").json[0][
            "agency_responsible"])
    assert agencies == ["绿茵物业", "锦绣社区", "新桥街道"]


def test_dates_and_ids_narrow_the_list(api: Api) -> None:
    first, second = report(api), report(api, service_code="parking")
    everything = listed(api, "lin")
    assert ids(everything) == [second, first]
    created = everything[1]["requested_datetime"]
    assert ids(listed(api, "lin", start_date=created)) == [second, first]
    assert ids(listed(api, "lin", end_date=created)) == [first]
    assert listed(api, "lin", start_date="2999-01-01T00:00:00+08:00") == []
    assert listed(api, "lin", end_date="2000-01-01T00:00:00Z") == []
    wanted = f"{first}, tk_nothing,{second}"
    assert ids(listed(api, "lin", service_request_id=wanted, status="closed")) == [first, second]
    assert ids(listed(api, "lin", jurisdiction_id="jinxiu")) == [second, first]


def test_other_communities_see_nothing(api: Api) -> None:
    rid = report(api)
    assert api.get(f"{ROOT}/requests/{rid}.json", "zhang").status_code == 404
    assert rid not in ids(listed(api, "zhang"))
    assert listed(api, "zhang", service_request_id=rid) == []
    public = f"{ROOT}/services.json?jurisdiction_id=jinxiu"
    assert api.get(public, "zhang").json == api.get(public).json  # public whoever asks
    for path in (f"{ROOT}/requests.json?jurisdiction_id=jinxiu",
                 f"{ROOT}/requests/{rid}.json?jurisdiction_id=longxing"):
        user = "lin" if path.endswith("longxing") else "zhang"
        open311_errors(api.get(path, user), 404)
    assert post_form(api, "zhang", REPORT | {"jurisdiction_id": "jinxiu"}).status_code == 404
    assert [s["service_code"] for s in api.get(f"{ROOT}/services.json", "zhang").json] == \
        DEFAULT_CODES
    assert rid in ids(listed(api, "huang"))
    assert rid in ids(listed(api, "wuye"))


def test_requests_need_a_token_discovery_and_services_do_not(api: Api) -> None:
    rid = new_ticket(api)["ticket"]["ticket_id"]
    for response in (api.get(f"{ROOT}/requests.json"), api.get(f"{ROOT}/requests/{rid}.json"),
                     post_form(api, None, REPORT)):
        open311_errors(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert api.get(f"{ROOT}/discovery.json").status_code == 200
    anonymous = api.get(f"{ROOT}/services.json?jurisdiction_id=jinxiu")
    assert anonymous.status_code == 200, anonymous.body
    assert anonymous.json == api.get(f"{ROOT}/services.json", "lin").json
    assert [s["service_code"] for s in anonymous.json] == DEFAULT_CODES


def test_services_without_a_token_need_a_jurisdiction_that_exists(api: Api) -> None:
    assert fields_at_fault(api.get(f"{ROOT}/services.json")) == {"jurisdiction_id"}
    open311_errors(api.get(f"{ROOT}/services.json?jurisdiction_id=nowhere"), 404)
    assert api.get(f"{ROOT}/services.json?jurisdiction_id=longxing").status_code == 200
    forged = api.client.http.get(f"{ROOT}/services.json?jurisdiction_id=jinxiu",
                                 headers={"Authorization": "Bearer abc.def.ghi"})
    assert forged.status_code == 401


@pytest.mark.parametrize(("fields", "at_fault"), [
    ({"service_code": "public_area"}, {"description", "lat", "long", "address_string",
                                        "address_id"}),
    (REPORT | {"address_id": "", "lat": "24.51"}, {"lat", "long", "address_string",
                                                   "address_id"}),
    (REPORT | {"address_id": "", "lat": "24.60", "long": "117.65"}, {"lat", "long"}),
    (REPORT | {"address_id": "", "lat": "24.52", "long": "117.66"}, {"lat", "long"}),
    (REPORT | {"service_code": "teleport"}, {"service_code"}),
    (REPORT | {"service_code": "manhole"}, {"service_code"}),
    (REPORT | {"address_id": "nowhere"}, {"address_id"}),
    (REPORT | {"address_id": "huayuan/b9"}, {"address_id"}),
    (REPORT | {"address_id": "huayuan/b1/101"}, {"address_id"}),
    (REPORT | {"address_id": "lx1"}, {"address_id"}),
    (REPORT | {"lat": "north", "long": "200"}, {"lat", "long"}),
    (REPORT | {"media_url": "http://example.cn/a.jpg"}, {"media_url"}),
    (REPORT | {"attribute[size]": "big"}, {"attribute[size]"}),
    (REPORT | {"colour": "red"}, {"colour"}),
])
def test_bad_reports_name_the_fields_at_fault(api: Api, fields: dict[str, Any],
                                              at_fault: set[str]) -> None:
    assert fields_at_fault(post_form(api, "lin", fields)) == at_fault


def test_other_bad_input(api: Api) -> None:
    twice = api.post(f"{ROOT}/requests.json", "lin", headers=FORM,
                     raw=b"service_code=noise&service_code=other&description=x&address_id=huayuan")
    assert fields_at_fault(twice) == {"service_code"}
    assert api.post(f"{ROOT}/requests.json", "lin", raw=b"[]").status_code == 400
    assert api.post(f"{ROOT}/requests.json", "lin", raw=b"x=1", headers={
        "Content-Type": "text/plain"}).status_code == 415
    assert post_form(api, "wuye", REPORT).status_code == 403
    for query, field in (({"start_date": "yesterday"}, "start_date"),
                         ({"status": "pending"}, "status"),
                         ({"start_date": "2025-02-01", "end_date": "2025-01-01"}, "end_date"),
                         ({"service_request_id": "a,,b"}, "service_request_id"),
                         ({"sort": "new"}, "sort")):
        response = api.get(f"{ROOT}/requests.json?{urlencode(query)}", "lin")
        assert fields_at_fault(response) == {field}, query
    assert fields_at_fault(api.get(f"{ROOT}/services.json", "admin")) == {"jurisdiction_id"}
    rid = report(api)
    for name in (rid, f"{rid}.xml", ".json", f"{rid}.json.json"):
        assert api.get(f"{ROOT}/requests/{name}", "lin").status_code == 404, name


# --- bad input never gets a 500 -------------------------------------------------------------

def test_deeply_nested_json_is_refused(api: Api) -> None:
    deep = b'{"description": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    assert open311_errors(api.post(f"{ROOT}/requests.json", "lin", raw=deep), 400)
    assert open311_errors(api.post(f"{ROOT}/requests.json", "lin", raw=b"[" * 5000), 400)


def test_repeated_names_and_lone_surrogates_in_json_are_refused(api: Api) -> None:
    twice = b'{"service_code": "noise", "service_code": "other", "description": "x", ' \
            b'"address_id": "huayuan"}'
    assert fields_at_fault(api.post(f"{ROOT}/requests.json", "lin", raw=twice)) == {
        "service_code"}
    lone = b'{"service_code": "noise", "description": "\\ud800", "address_id": "huayuan"}'
    assert open311_errors(api.post(f"{ROOT}/requests.json", "lin", raw=lone), 400)
    assert ids(listed(api, "lin")) == []


@pytest.mark.parametrize("when", ["9999-12-31T23:00:00-12:00", "0001-01-01T00:00:00+01:00"])
def test_dates_beyond_utc_are_refused(api: Api, when: str) -> None:
    for name in ("start_date", "end_date"):
        response = api.get(f"{ROOT}/requests.json?{urlencode({name: when})}", "lin")
        assert fields_at_fault(response) == {name}


def test_overlong_request_ids_are_not_found(api: Api) -> None:
    open311_errors(api.get(f"{ROOT}/requests/{'t' * 3000}.json", "lin"), 404)


# --- locating a request as GeoReport v2 allows ----------------------------------------------

def placed(api: Api, user: str, **fields: str) -> tuple[str, str]:
    rid = report(api, user, **{"address_id": ""} | fields)
    [request] = api.get(f"{ROOT}/requests/{rid}.json", user).json
    return request["address_id"], request["address"]


@pytest.mark.parametrize(("at", "estate"), [
    ({"lat": "24.5105", "long": "117.6502"}, "huayuan"),   # inside its boundary
    ({"lat": "24.5100", "long": "117.6540"}, "mingju"),    # inside mingju's
    ({"lat": "24.5140", "long": "117.6500"}, "huayuan"),   # outside both, 445 m from huayuan
])
def test_coordinates_resolve_to_an_estate(api: Api, at: dict[str, str], estate: str) -> None:
    address_id, _ = placed(api, "lin", **at)
    assert address_id == estate


def test_a_bare_address_string_is_the_residents_home(api: Api) -> None:
    assert placed(api, "lin", address_string="楼下车棚") == ("huayuan/b1", "楼下车棚")
    assert placed(api, "zhao", address_string="门口")[0] == "mingju/m1"
    homeless = post_form(api, "zhou", REPORT | {"address_id": "", "address_string": "门口"})
    assert fields_at_fault(homeless) == {"address_string"}


def test_address_id_wins_over_the_other_forms(api: Api) -> None:
    address_id, _ = placed(api, "lin", address_id="mingju", lat="24.5105", long="117.6502",
                           address_string="东门")
    assert address_id == "mingju"


# --- errors in Open311's shape on every route -----------------------------------------------

def test_errors_before_and_after_the_view_are_in_open311_shape(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.core import config

    open311_errors(api.get(f"{ROOT}/requests.json", "lin", headers={
        "Content-Type": "text/plain"}), 415)
    open311_errors(api.post(f"{ROOT}/requests.json", "lin", raw=b"x=1", headers={
        "Content-Type": "text/plain"}), 415)
    open311_errors(post_form(api, "wuye", REPORT), 403)
    big = post_form(api, "lin", REPORT | {"description": "x" * 70000})
    open311_errors(big, 413)
    first = post_form(api, "lin", REPORT, headers={"Idempotency-Key": "same"})
    assert first.status_code == 201
    open311_errors(post_form(api, "lin", REPORT | {"description": "别的"},
                             headers={"Idempotency-Key": "same"}), 422)
    monkeypatch.setenv("TICKETS_PER_HOUR", "1")
    config.reset()
    limited = post_form(api, "lin", REPORT)
    [description] = open311_errors(limited, 429)
    assert int(limited.headers["Retry-After"]) >= 1
    assert "retry after" in description
