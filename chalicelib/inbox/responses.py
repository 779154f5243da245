"""Response documents of the inbox (pydantic): what the API answers. The OpenAPI document
describes them and the integration tests validate real answers against them (extra="forbid").
A field with a default may be absent from an answer; every other field is always present."""
from __future__ import annotations

from pydantic import Field

from chalicelib.core.documents import View


class Notification(View):
    notification_id: str
    at: str
    kind: str
    ticket_id: str | None
    notice_id: str | None = Field(default=None, description="on a notice (kind notice)")
    title: str
    body: str | None
    audience: str = Field(description="user:{id}, or the party: company:{id}, community:{id}, ...")


class Inbox(View):
    items: list[Notification]
    next_cursor: str | None
