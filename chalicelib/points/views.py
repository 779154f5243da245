"""What the time bank and rewards answer."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.points.ledger import Entry, History
    from chalicelib.points.models import RedemptionItem, RewardItem
    from chalicelib.points.rewards import RedemptionPage, RewardPage


def entry_view(entry: Entry) -> dict[str, Any]:
    return {"movement_id": entry.movement_id, "at": entry.at, "amount": entry.amount,
            "kind": entry.kind, "memo": entry.memo, "ref": entry.ref}


def points_view(community_id: str | None, history: History) -> dict[str, Any]:
    return {"community_id": community_id, "balance": history.balance,
            "movements": [entry_view(e) for e in history.movements],
            "next_cursor": history.next_cursor}


def reward_view(item: RewardItem) -> dict[str, Any]:
    return {"reward_id": item.reward_id, "community_id": item.community_id,
            "title": item.title, "description": item.description, "points": int(item.points),
            "stock": int(item.stock or 0), "redeemed": int(item.redeemed or 0),
            "created_at": item.created_at, "updated_at": item.updated_at}


def reward_page_view(page: RewardPage) -> dict[str, Any]:
    return {"items": [reward_view(r) for r in page.items], "next_cursor": page.next_cursor}


def redemption_view(item: RedemptionItem) -> dict[str, Any]:
    return {"code": item.code, "status": item.status, "reward_id": item.reward_id,
            "community_id": item.community_id, "title": item.title,
            "points": int(item.points), "created_at": item.created_at,
            "fulfilled_at": item.fulfilled_at}


def redemption_page_view(page: RedemptionPage) -> dict[str, Any]:
    return {"items": [redemption_view(r) for r in page.items],
            "next_cursor": page.next_cursor}
