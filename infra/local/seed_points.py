"""The time bank in the demo: Jinxiu's office stocks three prizes (环保袋, 大米5kg, 理发券),
lin and huang start with points for earlier volunteering, and huang has an open request on
the task board (帮忙取快递, 10 points, escrowed from huang's account). Written through the
same domain functions the API uses; running it twice changes nothing (fixed keys)."""
from __future__ import annotations

from chalicelib.identity.caller import Caller

COMMUNITY = "jinxiu"
OFFICE = Caller(user_id="chen", name="陈丽华", phone=None, roles=frozenset({"community"}),
                community_id=COMMUNITY)
HUANG = Caller(user_id="huang", name="黄志强", phone=None, roles=frozenset({"resident"}),
               community_id=COMMUNITY)
REWARDS = [
    {"title": "环保袋", "description": "可折叠帆布购物袋，印锦绣社区标志", "points": 5,
     "stock": 50},
    {"title": "大米5kg", "description": "五常大米一袋，凭兑换码到党群服务中心领取",
     "points": 30, "stock": 10},
    {"title": "理发券", "description": "社区便民理发点单次理发（老人优先）", "points": 15,
     "stock": 20},
]
STARTING_POINTS = {"lin": 40, "huang": 25}
TASK = {"title": "帮忙取快递", "kind": "request", "reward_points": 10,
        "description": "菜鸟驿站两件包裹，送到2号楼101，今晚8点前"}


def seed() -> None:
    from chalicelib.points import ledger, rewards
    from chalicelib.points.schemas import NewReward
    from chalicelib.tasks import service as board
    from chalicelib.tasks.schemas import NewTask

    stocked = {r.title for r in rewards.list_rewards(OFFICE, COMMUNITY, limit=100).items}
    for reward in REWARDS:
        if reward["title"] not in stocked:
            rewards.create_reward(OFFICE, COMMUNITY, NewReward.model_validate(reward))
    for user, points in STARTING_POINTS.items():
        ledger.mint(COMMUNITY, user, points, f"demo:start:{user}", "志愿服务 (demo)")
    board.post_task(HUANG, COMMUNITY, NewTask.model_validate(TASK),
                    idempotency_key="demo:parcel")
