"""On the running local stack: residents signing up at the same moment never exceed an
activity's capacity (exactly one of many gets the last place, the others 409), and the stored
count equals the sign-up items. Also the seeded community life answers as the README says."""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e

TIMEOUT_S = 60
# Owners of the demo directory's units who have no login in the demo: given one here.
NEIGHBOURS = ("liu", "zhou", "wu", "wang", "zheng", "xu", "cai")
RESIDENTS = ("lin", "huang", *NEIGHBOURS)


def call(stack: LocalStack, method: str, path: str, user: str,
         body: dict[str, Any] | None = None) -> requests.Response:
    """One request on its own connection, as separate phones would send it."""
    headers = {"Authorization": f"Bearer {stack.token(user)}", "Connection": "close"}
    return requests.request(method, stack.url(path), json=body, headers=headers,
                            timeout=TIMEOUT_S)


def simultaneously(users: tuple[str, ...], run: Callable[[str], int | str]) -> list[int | str]:
    barrier = threading.Barrier(len(users))

    def released(user: str) -> int | str:
        barrier.wait()
        try:
            return run(user)
        except requests.ConnectionError as err:
            return repr(err)

    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        return list(pool.map(released, users))


@pytest.fixture(scope="module")
def residents(stack: LocalStack) -> tuple[str, ...]:
    for user in NEIGHBOURS:
        stack.add_user(user, user, ["resident", "owner"], "jinxiu")
    for user in (*RESIDENTS, "chen"):
        stack.token(user)
    return RESIDENTS


def new_activity(stack: LocalStack, capacity: int) -> str:
    start = datetime.now(timezone.utc) + timedelta(days=1)
    body = {"title": f"名额{capacity}的志愿活动", "place": "锦绣社区党群服务中心",
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat(),
            "capacity": capacity, "points_per_hour": 5}
    response = call(stack, "POST", "/communities/jinxiu/activities", "chen", body)
    assert response.status_code == 201, response.text
    return str(response.json()["activity_id"])


def stored(stack: LocalStack, activity_id: str) -> tuple[int, int]:
    """(the activity's signed_up, its sign-up items), read from the embedded DynamoDB."""
    table = stack.table()
    items = table.query(KeyConditionExpression="pk = :pk",
                        ExpressionAttributeValues={":pk": f"ACTIVITY#{activity_id}"},
                        ConsistentRead=True)["Items"]
    [activity] = [i for i in items if i["sk"] == "ACTIVITY"]
    return int(activity["signed_up"]), sum(1 for i in items if i["sk"].startswith("SIGNUP#"))


@pytest.mark.parametrize("capacity", [1, 3])
def test_simultaneous_sign_ups_never_exceed_the_capacity(stack: LocalStack,
                                                         residents: tuple[str, ...],
                                                         capacity: int) -> None:
    activity_id = new_activity(stack, capacity)
    outcomes = simultaneously(residents, lambda user: call(
        stack, "POST", f"/activities/{activity_id}/signups", user, {}).status_code)
    assert Counter(outcomes) == {201: capacity, 409: len(residents) - capacity}, outcomes
    winners = {u for u, status in zip(residents, outcomes, strict=True) if status == 201}
    view = call(stack, "GET", f"/activities/{activity_id}", "chen").json()
    assert (view["signed_up"], view["capacity"]) == (capacity, capacity)
    roster = call(stack, "GET", f"/activities/{activity_id}/signups", "chen").json()
    assert {v["user_id"] for v in roster["items"]} == winners
    assert stored(stack, activity_id) == (capacity, capacity)


def test_cancelling_and_signing_up_at_once_keeps_count_and_items_equal(
        stack: LocalStack, residents: tuple[str, ...]) -> None:
    activity_id = new_activity(stack, 1)
    holder, *others = residents
    assert call(stack, "POST", f"/activities/{activity_id}/signups", holder,
                {}).status_code == 201

    def act(user: str) -> int:
        if user == holder:
            return call(stack, "DELETE", f"/activities/{activity_id}/signups/me",
                        user).status_code
        return call(stack, "POST", f"/activities/{activity_id}/signups", user, {}).status_code

    outcomes = simultaneously(tuple(residents), act)
    assert outcomes[0] == 200 and set(outcomes[1:]) <= {201, 409}, outcomes
    assert outcomes[1:].count(201) <= 1
    count, items = stored(stack, activity_id)
    assert count == items == outcomes[1:].count(201)


def test_the_seeded_community_life(stack: LocalStack, residents: tuple[str, ...]) -> None:
    guides = call(stack, "GET", "/communities/jinxiu/guides?q=老年证", "lin").json()["items"]
    assert [g["title"] for g in guides] == ["老年证（老年人优待证）办理"]
    assert isinstance(guides[0]["open_now"], bool) and guides[0]["closed_dates"]
    notices = call(stack, "GET", "/communities/jinxiu/notices", "lin").json()["items"]
    assert notices[0]["pinned"] and notices[0]["estate_id"] == "jinxiu-huayuan"
    assert {n["audience"] for n in notices} == {"estate", "community", "building"}
    assert len(call(stack, "GET", "/communities/jinxiu/notices", "xu").json()["items"]) == 1
    ongoing = call(stack, "GET", "/communities/jinxiu/activities?when=past", "chen").json()
    [sorting] = [a for a in ongoing["items"] if a["title"] == "垃圾分类宣传"]
    assert sorting["phase"] == "ongoing" and sorting["signed_up"] == 2
    feed = call(stack, "GET", "/communities/jinxiu/activities.ics", "lin")
    assert feed.headers["Content-Type"].startswith("text/calendar")
    assert feed.text.count("BEGIN:VEVENT") >= 3
