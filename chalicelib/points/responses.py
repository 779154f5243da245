"""Response documents of the time bank and rewards (pydantic, extra="forbid")."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.core.documents import View


class Movement(View):
    movement_id: str
    at: str
    amount: int = Field(description="points in (positive) or out (negative) of the account")
    kind: str = Field(description="mint, redeem, task_escrow, task_release, task_refund, ...")
    memo: str
    ref: str | None = Field(description="what it was for: an activity, task or redemption code")


class Points(View):
    community_id: str | None
    balance: int
    movements: list[Movement] = Field(description="newest first")
    next_cursor: str | None


class Reward(View):
    reward_id: str
    community_id: str
    title: str
    description: str | None
    points: int
    stock: int
    redeemed: int
    created_at: str
    updated_at: str


class RewardList(View):
    items: list[Reward]
    next_cursor: str | None


class Redemption(View):
    code: str = Field(description="shown at the community office to collect the prize")
    status: Literal["issued", "fulfilled"]
    reward_id: str
    community_id: str
    title: str
    points: int
    created_at: str
    fulfilled_at: str | None


class RedemptionList(View):
    items: list[Redemption]
    next_cursor: str | None
