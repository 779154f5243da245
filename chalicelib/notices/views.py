"""What notices answer: residents see the notice, staff its read count as well."""
from __future__ import annotations

from typing import Any

from chalicelib.notices import rules
from chalicelib.notices.models import Notice
from chalicelib.notices.service import Page, Shown


def notice_view(notice: Notice, staff: bool, now: str) -> dict[str, Any]:
    view: dict[str, Any] = {
        "notice_id": notice.notice_id,
        "community_id": notice.community_id,
        "title": notice.title,
        "body": notice.body,
        "audience": notice.audience,
        "estate_id": notice.estate_id,
        "building": notice.building,
        "pinned": bool(notice.pinned),
        "expires_at": notice.expiry,
        "published_at": notice.created_at,
        "expired": rules.is_expired(notice.expiry, now),
    }
    if staff:
        view["read_count"] = int(notice.read_count or 0)
    return view


def page_view(page: Page) -> dict[str, Any]:
    return {"items": [notice_view(n, page.staff, page.now) for n in page.items],
            "next_cursor": page.next_cursor}


def shown_view(shown: Shown) -> dict[str, Any]:
    return notice_view(shown.notice, shown.staff, shown.now)


def reads_view(shown: Shown) -> dict[str, Any]:
    n = shown.notice
    return {"notice_id": n.notice_id, "audience": n.audience, "estate_id": n.estate_id,
            "building": n.building, "read_count": int(n.read_count or 0)}
