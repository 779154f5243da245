"""An SLA policy the clock cannot meet is refused when it is PUT, and one already stored never
breaks a ticket: its due times are counted on the wall clock. Bad input to the plain JSON routes
is a 400, never a 500."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.core.timeutil import utcnow
from chalicelib.identity.caller import Caller
from chalicelib.tickets import sla
from chalicelib.tickets.sla_policy import SlaPolicyDoc
from tests.integration.conftest import Api, new_ticket

POLICY = "/communities/jinxiu/sla-policy"
CHEN = Caller("chen", "陈主任", None, frozenset({"community"}), "jinxiu")
SLIVER = {"timezone": "Asia/Shanghai", "workdays": [1],
          "hours": [{"start": "09:00", "end": "09:01"}]}
SPEC_TABLE = [
    {"level": 0, "responsible": "property", "respond_min": 360, "resolve_min": 4320},
    {"level": 1, "responsible": "community", "respond_min": 240, "resolve_min": 4320},
    {"level": 2, "responsible": "street", "respond_min": 240, "resolve_min": 4320},
]
A_YEAR_OF_ONE_MINUTE_WEEKS = {
    "clock": "working_hours", "calendar": SLIVER,
    "levels": [SPEC_TABLE[0] | {"resolve_min": 525600}, *SPEC_TABLE[1:]]}
MONDAYS = [(date(2026, 1, 5) + timedelta(weeks=n)).isoformat() for n in range(400)]
UNMEETABLE = {
    "a minute a week, a year-long target": A_YEAR_OF_ONE_MINUTE_WEEKS,
    "holidays on every workday for years": {
        "clock": "working_hours",
        "calendar": {**SLIVER, "hours": [{"start": "09:00", "end": "17:00"}],
                     "holidays": MONDAYS}},
}


def put(api: Api, doc: dict[str, Any]) -> Any:
    return api.call("PUT", POLICY, "chen", doc)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("doc", UNMEETABLE.values(), ids=UNMEETABLE.keys())
def test_a_policy_the_clock_cannot_meet_is_refused(api: Api, doc: dict[str, Any]) -> None:
    before = api.get(POLICY, "chen").json
    refused = put(api, doc)
    assert refused.status_code == 400, refused.body
    assert refused.json["Code"] == "BadRequestError"
    assert "cannot be met" in refused.body.decode() or "no working time" in \
        refused.body.decode()
    assert api.get(POLICY, "chen").json == before
    assert new_ticket(api)["ticket"]["sla"]["due_at"]


def test_a_meetable_working_hours_policy_is_accepted(api: Api) -> None:
    doc = {"clock": "working_hours", "calendar": {"holidays": MONDAYS[:100]},
           "levels": [SPEC_TABLE[0] | {"resolve_min": 525600}, *SPEC_TABLE[1:]]}
    accepted = put(api, doc)
    assert accepted.status_code == 200, accepted.body
    assert put(api, accepted.json).status_code == 200


def test_a_stored_unmeetable_policy_counts_on_the_wall_clock(api: Api) -> None:
    stored = SlaPolicyDoc.model_validate(A_YEAR_OF_ONE_MINUTE_WEEKS)
    sla.put_policy(CHEN, "jinxiu", stored, utcnow())
    ticket = new_ticket(api)["ticket"]
    tid = ticket["ticket_id"]
    respond_due = at(ticket["sla"]["due_at"])
    assert respond_due > at(ticket["created_at"]) + timedelta(days=300)  # 360 one-minute weeks
    comment = api.post(f"/tickets/{tid}/comments", "lin", {"message": "还没处理"})
    assert comment.status_code in (200, 201), comment.body
    acknowledged = api.post(f"/tickets/{tid}/acknowledge", "wuye", {"note": "已安排"})
    assert acknowledged.status_code == 200, acknowledged.body
    started = at(acknowledged.json["sla"]["due_at"]) - timedelta(minutes=525600)
    assert at(ticket["created_at"]) <= started <= at(acknowledged.json["updated_at"])
    read = api.get(f"/tickets/{tid}", "lin")
    assert read.status_code == 200, read.body


@pytest.mark.parametrize(("method", "path"), [("PUT", POLICY), ("POST", "/tickets")])
def test_deeply_nested_json_is_a_400_on_plain_routes(api: Api, method: str, path: str) -> None:
    for deep in (b"[" * 5000 + b"]" * 5000, b'{"levels": ' + b"[" * 5000 + b"]" * 5000 + b"}",
                 b'{"a": ' * 5000 + b"1" + b"}" * 5000):
        response = api.call(method, path, "chen" if method == "PUT" else "lin", raw=deep)
        assert response.status_code == 400, response.body
        assert response.json["Code"] == "BadRequestError"


@pytest.mark.parametrize("calendar", [
    {"holidays": ["0000-01-01"]},
    {"holidays": ["10000-01-01"]},
    {"holidays": ["2026-10-01", "2026-10-01"]},
    {"makeup_workdays": ["2026-10-10", "2026-10-10"]},
    {"workdays": [1, 1]},
    {"hours": [{"start": "08:00", "end": "12:00"}, {"start": "08:00", "end": "12:00"}]},
    {"holidays": [f"2030-01-{d:02d}" for d in range(1, 32)] * 13},
    {"timezone": "Asia/Shanghai\u0000"},
])
def test_bad_calendars_are_a_400(api: Api, calendar: dict[str, Any]) -> None:
    response = put(api, {"clock": "working_hours", "calendar": calendar})
    assert response.status_code == 400, response.body


def test_dates_at_the_ends_of_the_calendar_are_accepted(api: Api) -> None:
    doc = {"clock": "working_hours",
           "calendar": {"holidays": ["0001-01-01", "9999-12-31"],
                        "makeup_workdays": ["0001-01-06", "9999-12-25"]}}
    assert put(api, doc).status_code == 200
    assert new_ticket(api)["ticket"]["sla"]["due_at"]
