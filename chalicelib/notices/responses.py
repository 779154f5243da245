"""Response documents of notices (pydantic): what the API answers. The OpenAPI document
describes them and the integration tests validate real answers against them (extra="forbid").
A field with a default may be absent from an answer; every other field is always present."""
from __future__ import annotations

from pydantic import Field

from chalicelib.core.documents import View
from chalicelib.notices.rules import Audience


class Notice(View):
    notice_id: str
    community_id: str
    title: str
    body: str
    audience: Audience
    estate_id: str | None
    building: str | None
    pinned: bool
    expires_at: str | None
    published_at: str
    expired: bool = Field(description="past expires_at (residents never see an expired notice)")
    read_count: int | None = Field(default=None,
                                   description="residents who opened it (staff only)")


class NoticeList(View):
    items: list[Notice]
    next_cursor: str | None


class NoticeReads(View):
    notice_id: str
    audience: Audience
    estate_id: str | None
    building: str | None
    read_count: int = Field(description="residents who opened it, each counted once")
