"""Shared by the voting integration tests: a huayuan roll with more owners, poll creation and
the scheduled close with controlled time."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from unittest import mock

from chalicelib.core.timeutil import iso, utcnow
from tests.integration.conftest import ADMIN, Api, EmbeddedAws, build_world

# huayuan after build_world: lin b1-101 (88.5), wang b1-102 (92), developer b2-101 (120). Added:
# zhou holds three units in two buildings, li and sun (no account) co-own one unit.
EXTRA_UNITS = [
    {"unit_id": "b2-201", "building": "b2", "area_m2": 100.5, "owners": ["zhou"]},
    {"unit_id": "b2-202", "building": "b2", "area_m2": 60, "owners": ["zhou"]},
    {"unit_id": "b1-201", "building": "b1", "area_m2": 50, "owners": ["zhou"]},
    {"unit_id": "b2-301", "building": "b2", "area_m2": 80, "owners": ["li", "sun"]},
]
ROLL_HEADS = 5
ROLL_AREA = "591"  # 88.5 + 92 + 120 + 210.5 + 80


def build_voting_world() -> None:
    from chalicelib.directory import schemas as d
    from chalicelib.directory import service as directory

    build_world()
    directory.import_units(ADMIN, "huayuan", d.UnitBatch.model_validate({"units": EXTRA_UNITS}))
    directory.create_estate(ADMIN, "jinxiu", d.NewEstate(estate_id="bare", name="空小区",
                                                         company_id="lvyin"))


def voting_world(api: Api, embedded_aws: EmbeddedAws) -> Api:
    """The api over the world with the extra huayuan owners (snapshot built once per module);
    each module's ``voters`` fixture returns it."""
    embedded_aws.start_from("voting", build_voting_world)
    return api


def poll_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"title": "成立业主委员会", "estate_id": "huayuan",
                            "matter": "ordinary",
                            "closes_at": iso(utcnow() + timedelta(days=7))}
    body.update(overrides)
    return body


def open_poll(api: Api, user: str = "chen", **overrides: Any) -> dict[str, Any]:
    response = api.post("/communities/jinxiu/polls", user, poll_body(**overrides))
    assert response.status_code == 201, response.body
    return response.json  # type: ignore[no-any-return]


def vote(api: Api, poll_id: str, user: str, choice: str) -> Any:
    return api.post(f"/polls/{poll_id}/ballots", user, {"choice": choice})


def invoke_schedule(api: Api, stamp: datetime) -> dict[str, int]:
    """Invoke the scheduled ``poll_close`` handler with an event dated ``stamp``."""
    event = api.client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={},
        resources=["arn:aws:events:us-east-1:123456789012:rule/poll_close"])
    event["time"] = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    result = api.client.lambda_.invoke("poll_close", event)
    return result.payload  # type: ignore[no-any-return]


def run_schedule(api: Api, at: datetime) -> dict[str, int]:
    """Run ``poll_close`` as EventBridge would when the clock reads ``at``."""
    with mock.patch("chalicelib.voting.handlers.utcnow", return_value=at):
        return invoke_schedule(api, at)


def close_now(api: Api, poll: dict[str, Any]) -> dict[str, int]:
    from chalicelib.core.timeutil import parse_iso

    return run_schedule(api, parse_iso(poll["closes_at"]) + timedelta(minutes=1))
