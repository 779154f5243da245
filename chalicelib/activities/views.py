"""What activities answer."""
from __future__ import annotations

from typing import Any

from chalicelib.activities import rules
from chalicelib.activities.models import Signup
from chalicelib.activities.service import Attended, Page, Roster, Shown


def _mine(signup: Signup | None) -> dict[str, Any] | None:
    if signup is None:
        return None
    return {"signed_up_at": signup.signed_up_at,
            "hours": float(signup.hours) if signup.hours is not None else None,
            "points": int(signup.points) if signup.points is not None else None,
            "attended_at": signup.attended_at}


def activity_view(shown: Shown) -> dict[str, Any]:
    a = shown.activity
    capacity, taken = int(a.capacity), int(a.signed_up or 0)
    view: dict[str, Any] = {
        "activity_id": a.activity_id,
        "community_id": a.community_id,
        "title": a.title,
        "description": a.description,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "place": a.place,
        "capacity": capacity,
        "signed_up": taken,
        "places_left": max(0, capacity - taken),
        "points_per_hour": int(a.points_per_hour),
        "min_age": int(a.min_age) if a.min_age is not None else None,
        "phase": rules.phase(a.starts_at, a.ends_at, shown.now),
    }
    if shown.with_mine:
        view["my_signup"] = _mine(shown.mine)
    return view


def page_view(page: Page) -> dict[str, Any]:
    return {"items": [activity_view(s) for s in page.items], "next_cursor": page.next_cursor}


def roster_view(roster: Roster) -> dict[str, Any]:
    a = roster.activity
    return {"activity_id": a.activity_id, "capacity": int(a.capacity),
            "signed_up": int(a.signed_up or 0),
            "items": [{"user_id": s.user_id, "name": s.name, **(_mine(s) or {})}
                      for s in roster.items],
            "next_cursor": roster.next_cursor}


def attended_view(attended: Attended) -> dict[str, Any]:
    s = attended.signup
    return {"activity_id": s.activity_id, "user_id": s.user_id, "hours": float(s.hours or 0),
            "points": int(s.points or 0), "attended_at": s.attended_at or "",
            "movement_id": attended.movement_id, "credited_now": attended.credited}
