"""Directory reads and SLA policies are kept per container for a short time: a second report
reads none of them again, and a write in the same container is seen at once."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core import db
from tests.integration.conftest import new_ticket


@pytest.fixture
def dynamodb_calls(api: Any) -> Iterator[Counter[str]]:
    calls: Counter[str] = Counter()

    def count(event_name: str, **kwargs: Any) -> None:
        calls[event_name.rsplit(".", 1)[-1]] += 1

    events = db.dynamodb_client().meta.events
    events.register("before-call.dynamodb", count)
    yield calls
    events.unregister("before-call.dynamodb", count)


def test_a_second_report_reads_only_the_callers_scope_and_rate_window(api, dynamodb_calls):
    home = {"estate_id": "huayuan", "building": "b1", "unit_id": "b1-101"}
    new_ticket(api, location=home)
    dynamodb_calls.clear()
    new_ticket(api, location=home)
    assert dynamodb_calls == {"Query": 1, "GetItem": 1, "PutItem": 1, "TransactWriteItems": 1}


def test_a_building_moved_to_another_grid_is_seen_by_the_next_report(api):
    assert new_ticket(api, "huang", location={"estate_id": "huayuan", "building": "b2"}
                      )["ticket"]["grid_id"] == "g2"
    moved = api.post("/communities/jinxiu/grids", "chen", {
        "grid_id": "g3", "name": "第三网格", "workers": ["grid2"],
        "buildings": [{"estate_id": "huayuan", "building_id": "b2"}]})
    assert moved.status_code == 201
    assert new_ticket(api, "huang", location={"estate_id": "huayuan", "building": "b2"}
                      )["ticket"]["grid_id"] == "g3"


def test_a_new_policy_reaches_the_next_open311_request(api):
    def notice() -> str:
        response = api.call("POST", "/open311/v2/requests.json", "lin",
                            headers={"Content-Type": "application/x-www-form-urlencoded"},
                            raw=b"service_code=public_area&description=x&address_id=huayuan/b1")
        assert response.status_code == 201, response.body
        return str(response.json[0]["service_notice"])

    assert notice() == "物业将在 360 分钟内响应"
    policy = api.get("/communities/jinxiu/sla-policy", "chen").json
    policy["levels"][0]["respond_min"] = 90
    assert api.call("PUT", "/communities/jinxiu/sla-policy", "chen", policy).status_code == 200
    assert notice() == "物业将在 90 分钟内响应"
