"""What guides answer."""
from __future__ import annotations

from typing import Any

from chalicelib.guides.models import Guide
from chalicelib.guides.service import Page, Shown


def guide_view(shown: Shown) -> dict[str, Any]:
    g = shown.guide
    return {
        "guide_id": g.guide_id,
        "community_id": g.community_id,
        "title": g.title,
        "office": g.office,
        "address": g.address,
        "phone": g.phone,
        "office_hours": [{"days": [int(d) for d in h["days"]], "open": h["open"],
                          "close": h["close"]} for h in g.office_hours],
        "closed_dates": [str(d) for d in g.closed_dates],
        "materials": [str(m) for m in g.materials],
        "steps": [str(s) for s in g.steps],
        "open_now": shown.open_now,
        "timezone": shown.timezone,
        "updated_at": g.updated_at,
    }


def page_view(page: Page) -> dict[str, Any]:
    return {"items": [guide_view(s) for s in page.items], "next_cursor": page.next_cursor}


def deleted_view(guide: Guide) -> dict[str, Any]:
    return {"guide_id": guide.guide_id, "deleted": True}
