"""The Open311 mapping as pure functions: ticket view → request, fields → NewTicket."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from chalicelib.core.errors import (
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    UnsupportedMediaTypeError,
)
from chalicelib.directory.service import Home
from chalicelib.tickets import lifecycle, open311
from chalicelib.tickets.open311_schemas import NewRequest, RequestQuery
from chalicelib.tickets.sla_policy import (
    CategoryOverride,
    LevelTarget,
    SlaPolicyDoc,
    default_policy,
)

FORM = open311.FORM
CTX = open311.Context(service_name="楼道与公共区域",
                      agencies=open311.agencies("绿茵物业", "锦绣社区", None),
                      service_notice="物业将在 360 分钟内响应", place="锦绣花园 1号楼")


def view(**changes: Any) -> open311.Facts:
    base: dict[str, Any] = {
        "ticket_id": "tk_1", "community_id": "jinxiu", "category": "public_area",
        "description": "楼道堆放杂物", "status": "submitted",
        "location": {"estate_id": "huayuan", "building": "b1"},
        "created_at": "2026-01-05T01:00:00.000Z", "updated_at": "2026-01-05T02:00:00.000Z",
        "responsible": "property", "due_at": "2026-01-05T07:00:00.000Z",
        "status_notes": None, "media_url": None,
    }
    return open311.Facts(**(base | changes))


def fields(**changes: Any) -> dict[str, Any]:
    return {"service_code": "public_area", "description": "楼道堆放杂物",
            "address_id": "huayuan/b1"} | changes


def details(err: pytest.ExceptionInfo[InvalidInputError]) -> set[str]:
    return {d["field"] for d in err.value.details}


# --- status ---------------------------------------------------------------------------------

@pytest.mark.parametrize("status", lifecycle.STATUSES)
def test_only_submitted_and_acknowledged_are_open(status: str) -> None:
    expected = "open" if status in ("submitted", "acknowledged") else "closed"
    assert open311.status_of(status) == expected


def test_status_filters_select_ticket_statuses() -> None:
    assert open311.ticket_statuses("open") == {"submitted", "acknowledged"}
    assert open311.ticket_statuses("closed") == {"resolved", "closed", "rejected", "duplicate"}
    assert open311.ticket_statuses(None) == set(lifecycle.STATUSES)
    assert open311.ticket_statuses("closed,open") == set(lifecycle.STATUSES)


# --- ticket view → request ------------------------------------------------------------------

def test_a_ticket_view_becomes_a_request() -> None:
    assert open311.to_request(view(), CTX) == {
        "service_request_id": "tk_1", "status": "open", "status_notes": None,
        "service_name": "楼道与公共区域", "service_code": "public_area",
        "description": "楼道堆放杂物", "agency_responsible": "绿茵物业",
        "service_notice": "物业将在 360 分钟内响应",
        "requested_datetime": "2026-01-05T01:00:00.000Z",
        "updated_datetime": "2026-01-05T02:00:00.000Z",
        "expected_datetime": "2026-01-05T07:00:00.000Z",
        "address": "锦绣花园 1号楼", "address_id": "huayuan/b1", "lat": None, "long": None,
        "media_url": None,
    }


def test_a_settled_escalated_ticket_with_place_photos_and_note() -> None:
    request = open311.to_request(view(
        status="resolved", status_notes="已清理", media_url="https://media/a",
        location={"estate_id": "huayuan", "text": "东门", "lat": 24.5, "lon": 117.6},
        responsible="street", due_at=None), CTX)
    assert (request["status"], request["status_notes"]) == ("closed", "已清理")
    assert request["agency_responsible"] == "街道办事处"
    assert request["expected_datetime"] is None
    assert (request["address"], request["address_id"]) == ("东门", "huayuan")
    assert (request["lat"], request["long"]) == (24.5, 117.6)
    assert request["media_url"] == "https://media/a"
    assert "reporter" not in request and "lin" not in str(request)


def test_agencies_fall_back_to_the_kind_of_office() -> None:
    assert open311.agencies(None, None, None) == {
        "property": "物业服务企业", "community": "社区居委会", "street": "街道办事处"}
    assert open311.agencies("绿茵物业", "锦绣社区", "新桥街道")["community"] == "锦绣社区"


def test_the_response_promise_comes_from_the_level_0_target() -> None:
    assert open311.policy_promise(default_policy(), "noise") == "物业将在 360 分钟内响应"
    levels = [LevelTarget(level=0, responsible="community", respond_min=60, resolve_min=600),
              *default_policy().levels[1:]]
    custom = SlaPolicyDoc(overrides={"safety": CategoryOverride(levels=levels)})
    assert open311.policy_promise(custom, "safety") == "社区将在 60 分钟内响应"
    assert open311.promise("property", 360, working_hours=True) == "物业将在工作时间 360 分钟内响应"


def test_a_category_becomes_a_service() -> None:
    assert open311.to_service({"code": "noise", "zh": "噪音", "en": "Noise"}) == {
        "service_code": "noise", "service_name": "噪音", "description": "Noise",
        "metadata": False, "type": "realtime", "keywords": "", "group": ""}


def test_device_categories_are_not_services() -> None:
    assert set(open311.DEVICE_CATEGORIES) == {"manhole", "thrown_object", "air_quality",
                                              "abnormal_movement"}


# --- fields → NewTicket ---------------------------------------------------------------------

def test_a_form_becomes_a_new_ticket() -> None:
    body = (b"service_code=public_area&description=%E6%A5%BC%E9%81%93+%E5%A0%86%E6%94%BE"
            b"&address_id=huayuan%2Fb1&address_string=+%E4%B8%9C%E9%97%A8+&lat=24.5&long="
            b"&api_key=k&email=a%40b.cn&first_name=%E6%9E%97&phone=138")
    got = open311.read_fields(f"{FORM}; charset=UTF-8", body)
    assert "long" not in got and got["description"] == "楼道 堆放"
    doc = open311.validate(NewRequest, got, "service request")
    ticket = open311.to_new_ticket(doc)
    assert ticket.model_dump() == {
        "category": "public_area", "description": "楼道 堆放", "anonymous": False, "photos": 0,
        "location": {"estate_id": "huayuan", "building": "b1", "unit_id": None, "text": "东门",
                     "lat": 24.5, "lon": None}}


def test_a_json_object_is_accepted_too() -> None:
    got = open311.read_fields("application/json", b'{"service_code": "noise", "lat": 24.5, '
                                                  b'"long": null, "description": "x", '
                                                  b'"address_id": "huayuan"}')
    ticket = open311.to_new_ticket(open311.validate(NewRequest, got, "service request"))
    assert ticket.location.estate_id == "huayuan" and ticket.location.building is None
    assert ticket.location.lat == 24.5


@pytest.mark.parametrize(("body", "content_type"), [
    (b"\xff\xfe", FORM), (b"a=%ff", FORM), (b"{", "application/json"),
    (b"[1]", "application/json"), (b'"text"', "application/json"),
])
def test_malformed_bodies_are_refused(body: bytes, content_type: str) -> None:
    with pytest.raises(InvalidInputError):
        open311.read_fields(content_type, body)


def test_only_form_and_json_are_read() -> None:
    with pytest.raises(UnsupportedMediaTypeError):
        open311.read_fields("text/plain", b"x")


def test_repeated_fields_are_refused() -> None:
    with pytest.raises(InvalidInputError) as err:
        open311.read_fields(FORM, b"description=a&description=b")
    assert details(err) == {"description"}


@pytest.mark.parametrize("body", [
    b'{"description": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b"[" * 5000 + b"]" * 5000,
    b'{"a": ' * 5000 + b"1" + b"}" * 5000,
])
def test_deeply_nested_json_is_refused(body: bytes) -> None:
    with pytest.raises(InvalidInputError):
        open311.read_fields("application/json", body)


def test_repeated_json_names_are_refused_like_repeated_form_fields() -> None:
    with pytest.raises(InvalidInputError) as err:
        open311.read_fields("application/json", b'{"description": "a", "description": "b"}')
    assert details(err) == {"description"}


@pytest.mark.parametrize("body", [b'{"description": "\\ud800"}', b'{"\\udfff": "x"}',
                                  b'{"description": "\\udc00\\ud800"}'])
def test_lone_surrogates_in_json_are_refused(body: bytes) -> None:
    with pytest.raises(InvalidInputError):
        open311.read_fields("application/json", body)
    assert open311.read_fields("application/json", b'{"description": "\\ud83d\\ude00"}') == {
        "description": "\U0001f600"}


def test_too_many_form_fields_are_refused() -> None:
    with pytest.raises(InvalidInputError):
        open311.read_fields(FORM, "&".join(f"f{i}=1" for i in range(60)).encode())


@pytest.mark.parametrize("name", ["media_url", "attribute[size]", "attribute"])
def test_unsupported_open311_fields_are_refused_with_a_reason(name: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        open311.read_fields("application/json", f'{{"{name}": "x"}}'.encode())
    [detail] = err.value.details
    assert detail["field"] == name and detail["type"] == "unsupported"


@pytest.mark.parametrize(("changes", "at_fault"), [
    ({"service_code": None, "description": None}, {"service_code", "description"}),
    ({"address_string": "  "}, {"address_string"}),
    ({"address_id": "huayuan/b1/101"}, {"address_id"}),
    ({"address_id": "/b1"}, {"address_id"}),
    ({"lat": "91"}, {"lat"}),
    ({"long": "east"}, {"long"}),
    ({"description": "x" * 2001}, {"description"}),
    ({"zipcode": "363000"}, {"zipcode"}),
    ({"jurisdiction_id": "a b"}, {"jurisdiction_id"}),
])
def test_bad_fields_are_named(changes: dict[str, Any], at_fault: set[str]) -> None:
    given = {k: v for k, v in fields(**changes).items() if v is not None}
    with pytest.raises(InvalidInputError) as err:
        open311.validate(NewRequest, given, "service request")
    assert details(err) == at_fault


# --- location ------------------------------------------------------------------------------

@pytest.mark.parametrize("given", [
    {"address_id": "huayuan"}, {"address_string": "东门"}, {"lat": 24.5, "long": 117.6},
    {"lat": 0.0, "long": 0.0},
])
def test_any_one_of_the_three_forms_locates_a_request(given: dict[str, Any]) -> None:
    assert open311.missing_location(given) == []


@pytest.mark.parametrize("given", [{}, {"lat": 24.5}, {"long": 117.6}, {"jurisdiction_id": "j"}])
def test_without_a_form_every_location_field_is_named(given: dict[str, Any]) -> None:
    assert {d["field"] for d in open311.missing_location(given)} == {
        "lat", "long", "address_string", "address_id"}


def home(estate_id: str, building: str, community_id: str | None = "jinxiu") -> Home:
    return Home(estate_id, f"{building}-101", building, "owner", community_id)


def test_a_bare_address_string_is_placed_at_the_home() -> None:
    assert open311.home_place([home("huayuan", "b1")], "jinxiu") == ("huayuan", "b1")
    two_buildings = [home("huayuan", "b1"), home("huayuan", "b2")]
    assert open311.home_place(two_buildings, "jinxiu") == ("huayuan", None)
    elsewhere = [home("huayuan", "b1"), home("lx1", "x1", "longxing")]
    assert open311.home_place(elsewhere, "jinxiu") == ("huayuan", "b1")


@pytest.mark.parametrize("homes", [[], [home("huayuan", "b1"), home("mingju", "m1")],
                                   [home("lx1", "x1", "longxing")]])
def test_no_home_or_several_estates_cannot_place_it(homes: list[Home]) -> None:
    with pytest.raises(InvalidInputError) as err:
        open311.home_place(homes, "jinxiu")
    assert details(err) == {"address_string"}


def test_a_resolved_place_becomes_the_ticket_location() -> None:
    doc = open311.validate(NewRequest, fields(address_id=None, address_string="东门", lat=24.5,
                                              long=117.6), "service request")
    ticket = open311.to_new_ticket(doc, ("mingju", None))
    assert ticket.location.model_dump() == {"estate_id": "mingju", "building": None,
                                            "unit_id": None, "text": "东门", "lat": 24.5,
                                            "lon": 117.6}
    with pytest.raises(ValueError):
        open311.to_new_ticket(doc)


# --- errors ---------------------------------------------------------------------------------

def test_errors_in_open311_shape_name_each_field() -> None:
    err = InvalidInputError("invalid service request", [
        {"field": "service_code", "message": "Field required"},
        {"field": "lat", "message": "too far north"}])
    assert open311.error_entries(err, 400) == [
        {"code": 400, "description": "service_code: Field required"},
        {"code": 400, "description": "lat: too far north"}]
    assert open311.error_entries(InvalidInputError("the body is not valid JSON"), 400) == [
        {"code": 400, "description": "the body is not valid JSON"}]
    assert open311.error_entries(NotFoundError("ticket tk_1 not found"), 404) == [
        {"code": 404, "description": "ticket tk_1 not found"}]
    [limited] = open311.error_entries(RateLimitedError("at most 20 tickets", 42), 429)
    assert limited == {"code": 429, "description": "at most 20 tickets; retry after 42 seconds"}


def test_ticket_errors_are_told_in_open311_terms() -> None:
    err = InvalidInputError("unknown category noisy", [
        {"field": "category", "message": "unknown category"},
        {"field": "location.estate_id", "message": "unknown estate"},
        {"field": "location.building", "message": "unknown building"},
        {"field": "location.lon", "message": "too big"},
        {"field": "community_id", "message": "required"}])
    told = open311.in_open311_terms(err)
    assert str(told) == "unknown service_code noisy"
    assert [d["field"] for d in told.details] == [
        "service_code", "address_id", "address_id", "long", "jurisdiction_id"]
    assert told.details[0]["message"] == "unknown category"


# --- reading --------------------------------------------------------------------------------

def test_request_files_are_ids_with_a_json_suffix() -> None:
    assert open311.ticket_id_of("tk_01.json") == "tk_01"
    assert open311.ticket_id_of("tk.01.json") == "tk.01"
    for name in ("tk_01", "tk_01.xml", ".json", "json", "t" * 65 + ".json", "a/b.json"):
        with pytest.raises(NotFoundError):
            open311.ticket_id_of(name)


def test_request_ids_are_split_and_deduplicated() -> None:
    assert open311.request_ids("tk_1, tk_2,tk_1,,") == ["tk_1", "tk_2"]


def test_list_queries_take_iso_times_in_utc() -> None:
    q = RequestQuery.model_validate({"start_date": "2026-01-05T08:00:00+08:00",
                                     "end_date": "2026-01-06T00:00:00"})
    assert q.start_date == datetime(2026, 1, 5, tzinfo=timezone.utc)
    assert q.end_date == datetime(2026, 1, 6, tzinfo=timezone.utc)
    assert open311.before(view(), datetime(2026, 1, 5, 1, 0, 1, tzinfo=timezone.utc))
    assert not open311.before(view(), q.start_date)
    assert not open311.before(view(), None)
    everything = open311.ticket_statuses(None)
    assert open311.selected(view(), everything, q.end_date)
    assert not open311.selected(view(), everything, datetime(2026, 1, 5, tzinfo=timezone.utc))
    assert not open311.selected(view(status="closed"), open311.ticket_statuses("open"), None)


@pytest.mark.parametrize("query", [
    {"start_date": "2026-02-01", "end_date": "2026-01-01"}, {"status": "pending"},
    {"status": "open,"}, {"service_request_id": ",tk_1"}, {"jurisdiction": "jinxiu"},
    {"service_request_id": ",".join(f"tk_{i}" for i in range(101))},
])
def test_bad_list_queries_are_refused(query: dict[str, str]) -> None:
    with pytest.raises(InvalidInputError):
        open311.validate(RequestQuery, query, "query")


@pytest.mark.parametrize("when", ["9999-12-31T23:00:00-12:00", "0001-01-01T00:00:00+01:00"])
def test_times_whose_utc_is_out_of_range_are_refused(when: str) -> None:
    for name in ("start_date", "end_date"):
        with pytest.raises(InvalidInputError) as err:
            open311.validate(RequestQuery, {name: when}, "query")
        assert details(err) == {name}
    edge = open311.validate(RequestQuery, {"start_date": "9999-12-31T12:00:00-11:00"}, "query")
    assert edge.start_date.year == 9999


# --- discovery ------------------------------------------------------------------------------

@pytest.mark.parametrize(("host", "proto", "path", "url"), [
    ("api.fanglin.cn", None, "/open311/v2/discovery.json", "https://api.fanglin.cn/open311/v2"),
    ("abc.execute-api.cn-north-1.amazonaws.com.cn", "https", "/api/open311/v2/discovery.json",
     "https://abc.execute-api.cn-north-1.amazonaws.com.cn/api/open311/v2"),
    ("127.0.0.1:8000", None, "/open311/v2/discovery.json", "http://127.0.0.1:8000/open311/v2"),
    ("localhost:8000", "https", None, "https://localhost:8000/open311/v2"),
    (None, None, None, "http://localhost/open311/v2"),
    ("evil.cn/<script>", "javascript", None, "http://localhost/open311/v2"),
])
def test_the_endpoint_url_is_where_the_client_came(host: str | None, proto: str | None,
                                                   path: str | None, url: str) -> None:
    assert open311.base_url(host, proto, path) == url


def test_discovery_names_one_production_json_endpoint() -> None:
    doc = open311.discovery("https://api.fanglin.cn/open311/v2")
    [endpoint] = doc["endpoints"]
    assert endpoint == {"specification": "http://wiki.open311.org/GeoReport_v2",
                        "url": "https://api.fanglin.cn/open311/v2",
                        "changeset": doc["changeset"], "type": "production",
                        "formats": ["application/json"]}
    assert doc["changeset"].endswith("Z") and doc["contact"] and "Bearer" in doc["key_service"]
