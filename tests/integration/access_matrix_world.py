"""The real objects the access matrix runs on, built once per module over the directory world:
lin's tickets in huayuan (open with a photo slot, resolved, a second for duplicates), a device
alarm with its ticket, a huayuan notice, a guide, activities, a reward and lin's redemption code,
lin's tasks in every state a transition needs, an open poll with lin's receipt and a closed poll."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from chalicelib.core.timeutil import iso
from tests.integration.conftest import Api, build_world, new_ticket
from tests.integration.voting_helpers import close_now, open_poll

START = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=2)
TASK = {"title": "帮忙取快递", "description": "菜鸟驿站，两件", "kind": "request",
        "reward_points": 10}
GUIDE = {
    "title": "老年证办理", "office": "锦绣社区党群服务中心", "address": "锦绣路88号",
    "phone": "0596-2123456",
    "office_hours": [{"days": [1, 2, 3, 4, 5], "open": "08:30", "close": "12:00"}],
    "materials": ["身份证"], "steps": ["取号", "提交材料"],
}
NOTICE = {"title": "停水通知", "body": "锦绣花园停水检修", "audience": "estate",
          "estate_id": "huayuan"}
DEVICE = {"device_id": "mh-1", "type": "manhole_sensor", "estate_id": "huayuan",
          "building": "b1", "location": {"lat": 24.5104, "lon": 117.6496}, "zone": "东门"}


def activity(**change: Any) -> dict[str, Any]:
    return {"title": "社区义诊", "starts_at": iso(START),
            "ends_at": iso(START + timedelta(hours=3)), "place": "党群服务中心广场",
            "capacity": 5, "points_per_hour": 10} | change


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.body
    return response.json


def build(api: Api, ids: dict[str, Any]) -> None:
    from chalicelib.points import ledger

    build_world()
    for user in ("lin", "huang"):
        ledger.mint("jinxiu", user, 500, f"access-matrix:{user}", "志愿服务 (test)")
    ids["community_id"] = "jinxiu"
    ids["estate_id"] = "huayuan"

    ids["ticket_id"] = new_ticket(api, photos=1)["ticket"]["ticket_id"]
    ids["request_file"] = f"{ids['ticket_id']}.json"
    ids["other_ticket_id"] = new_ticket(api, description="电梯异响")["ticket"]["ticket_id"]
    resolved = new_ticket(api, description="路灯不亮")["ticket"]["ticket_id"]
    ok(api.post(f"/tickets/{resolved}/acknowledge", "wuye", {"note": "收到"}))
    ok(api.post(f"/tickets/{resolved}/resolve", "wuye", {"note": "已修好"}))
    ids["resolved_ticket_id"] = resolved

    ok(api.post("/communities/jinxiu/devices", "admin", DEVICE), 201)
    safety = api.client.lambda_.invoke("device_safety", {
        "type": "manhole.displaced", "ts": "2026-11-02T08:00:00Z", "seq": 1, "tilt_deg": 35.0,
        "community_id": "jinxiu", "device_id": "mh-1", "received_ms": 1_793_606_400_000}).payload
    assert safety["new_alarm"], safety
    ids["device_id"] = "mh-1"
    ids["alarm_id"] = ok(api.get("/communities/jinxiu/alarms", "chen"))["items"][0]["alarm_id"]
    ids["device_policy"] = ok(api.get("/communities/jinxiu/device-policy", "admin"))
    ids["sla_policy"] = ok(api.get("/communities/jinxiu/sla-policy", "admin"))

    ids["notice_id"] = ok(api.post("/communities/jinxiu/notices", "chen", NOTICE), 201)[
        "notice_id"]
    ids["guide_id"] = ok(api.post("/communities/jinxiu/guides", "chen", GUIDE), 201)["guide_id"]
    ids["activity_id"] = ok(api.post("/communities/jinxiu/activities", "chen", activity()),
                            201)["activity_id"]
    ok(api.post(f"/activities/{ids['activity_id']}/signups", "lin", {}), 201)
    ids["empty_activity_id"] = ok(api.post("/communities/jinxiu/activities", "chen",
                                           activity(title="垃圾分类宣传")), 201)["activity_id"]

    reward = ok(api.post("/communities/jinxiu/rewards", "chen",
                         {"title": "大米5kg", "points": 30, "stock": 5}), 201)
    ids["reward_id"] = reward["reward_id"]
    ids["code"] = ok(api.post(f"/rewards/{reward['reward_id']}/redemptions", "lin"), 201)["code"]

    def task(*steps: tuple[str, str, dict[str, Any] | None]) -> str:
        task_id = str(ok(api.post("/communities/jinxiu/tasks", "lin", TASK), 201)["task_id"])
        for action, user, body in steps:
            ok(api.post(f"/tasks/{task_id}/{action}", user, body))
        return task_id

    accept = ("accept", "huang", None)
    deliver = ("deliver", "huang", {"note": "放门口了"})
    ids["task_id"] = task()
    ids["accepted_task_id"] = task(accept)
    ids["delivered_task_id"] = task(accept, deliver)
    ids["disputed_task_id"] = task(accept, ("dispute", "lin", {"reason": "没收到"}))
    ids["confirmed_task_id"] = task(accept, deliver, ("confirm", "lin", None))

    poll = open_poll(api, closes_at=iso(datetime.now(timezone.utc) + timedelta(days=10)))
    ids["poll_id"] = poll["poll_id"]
    ids["receipt"] = ok(api.post(f"/polls/{poll['poll_id']}/ballots", "lin",
                                 {"choice": "yes"}), 201)["receipt"]
    closed = open_poll(api, title="更换电梯")
    ok(api.post(f"/polls/{closed['poll_id']}/ballots", "lin", {"choice": "yes"}), 201)
    close_now(api, closed)
    ids["closed_poll_id"] = closed["poll_id"]
