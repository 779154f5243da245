"""What the task board answers, for one viewer (SPEC 10's spirit): no user ids of anyone;
the parties and community staff see names in full, other residents masked."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.timeutil import iso, parse_iso
from chalicelib.tasks import rules
from chalicelib.tickets.disclosure import mask_name

if TYPE_CHECKING:
    from chalicelib.tasks.models import RatingAttribute, TaskItem
    from chalicelib.tasks.service import Page, Viewed

INSIDERS = ("poster", "taker", "staff")


def _party(name: str | None, side: str, seen: Viewed) -> dict[str, Any]:
    full = seen.relation in INSIDERS or seen.sees_names
    return {"name": name if full else mask_name(name), "you": seen.relation == side}


def _rating(rating: RatingAttribute | None) -> dict[str, Any] | None:
    if rating is None:
        return None
    return {"stars": int(rating.stars), "comment": rating.comment, "at": rating.at}


def _notes(task: TaskItem) -> dict[str, str]:
    found = {"delivery": task.delivery_note, "cancellation": task.cancel_reason,
             "settlement": task.settle_note}
    return {k: v for k, v in found.items() if v}


def task_view(seen: Viewed) -> dict[str, Any]:
    task = seen.task
    insider = seen.relation in INSIDERS or seen.sees_names
    consents = frozenset(task.cancel_consents or ())
    rated = frozenset(side for side, r in (("poster", task.poster_rating),
                                           ("taker", task.taker_rating)) if r is not None)
    taken = bool(task.accepted_at)
    auto = (iso(parse_iso(task.delivered_at) + rules.AUTO_CONFIRM_AFTER)
            if task.status == rules.DELIVERED and task.delivered_at else None)
    return {
        "task_id": task.task_id, "community_id": task.community_id, "kind": task.kind,
        "title": task.title, "description": task.description,
        "reward_points": int(task.reward_points) if task.reward_points else None,
        "price_text": task.price_text, "status": task.status,
        "created_at": task.created_at, "updated_at": task.updated_at,
        "accepted_at": task.accepted_at, "delivered_at": task.delivered_at,
        "auto_confirm_at": auto, "closed_at": task.closed_at,
        "resolution": task.resolution, "settled_to": task.settled_to,
        "poster": _party(task.poster_name, "poster", seen),
        "taker": _party(task.taker_name, "taker", seen) if taken else None,
        "cancel_requested_by": sorted(consents) if task.status not in rules.TERMINAL else [],
        "notes": _notes(task) if insider else None,
        "dispute": ({"by": task.disputed_by, "reason": task.dispute_reason}
                    if task.disputed_by and insider else None),
        "ratings": {"by_poster": _rating(task.poster_rating),
                    "by_taker": _rating(task.taker_rating)},
        "your_role": seen.relation if seen.relation in INSIDERS else None,
        "actions": rules.available(task.status, seen.relation, consents, rated, taken),
    }


def page_view(page: Page) -> dict[str, Any]:
    return {"items": [task_view(t) for t in page.items], "next_cursor": page.next_cursor}
