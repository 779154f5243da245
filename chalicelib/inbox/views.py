"""What the inbox answers."""
from __future__ import annotations

from typing import Any

from chalicelib.inbox.service import Page


def page_view(page: Page) -> dict[str, Any]:
    return {
        "items": [{"notification_id": n.notification_id, "at": n.at, "kind": n.kind,
                   "ticket_id": n.ticket_id, "notice_id": n.notice_id, "title": n.title,
                   "body": n.body,
                   "audience": n.audience} for n in page.items],
        "next_cursor": page.next_cursor,
    }
