"""Owners' votes in the demo (业主大会), opened by the office (chen) through the same domain
functions the API uses:

- in 锦绣花园 (lin's estate), an ordinary matter, open now and closing in 7 days: founding the
  homeowners' committee (成立业主委员会), with two paper ballots already entered by the office
  (2-101 for wang, 2-102 for zheng), so the tracker shows progress and lin can still vote;
- in the same estate, a major matter opening tomorrow: using the maintenance fund to replace
  the lifts of 1号楼 (its roll freezes when it opens).
"""
from __future__ import annotations

from datetime import timedelta

from chalicelib.core.timeutil import utcnow
from chalicelib.identity.caller import Caller

COMMUNITY = "jinxiu"
ESTATE = "jinxiu-huayuan"
OFFICE = Caller(user_id="chen", name="陈丽华", phone=None, roles=frozenset({"community"}),
                community_id=COMMUNITY)
OPTIONS = ["同意", "不同意", "弃权"]


def seed() -> None:
    from chalicelib.voting import ballots, polls
    from chalicelib.voting import schemas as docs

    now = utcnow()
    committee = polls.open_poll(OFFICE, COMMUNITY, docs.NewPoll(
        title="关于成立锦绣花园业主委员会的表决", estate_id=ESTATE, matter="ordinary",
        question="是否同意成立锦绣花园业主委员会，并通过《业主大会议事规则》？",
        options=OPTIONS, closes_at=now + timedelta(days=7)), now)
    for unit, owner in (("2-101", "wang"), ("2-102", "zheng")):
        ballots.enter_paper(OFFICE, committee.poll.poll_id, docs.PaperBallot(
            unit_id=unit, choice="同意", owner_id=owner), now)
    polls.open_poll(OFFICE, COMMUNITY, docs.NewPoll(
        title="关于使用专项维修资金更换1号楼电梯的表决", estate_id=ESTATE, matter="major",
        options=OPTIONS, opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=15)),
        now)
