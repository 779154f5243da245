"""Response documents of service guides (pydantic): what the API answers. The OpenAPI document
describes them and the integration tests validate real answers against them (extra="forbid")."""
from __future__ import annotations

from pydantic import Field

from chalicelib.core.documents import View


class OfficeHours(View):
    days: list[int]
    open: str
    close: str


class Guide(View):
    guide_id: str
    community_id: str
    title: str
    office: str
    address: str
    phone: str
    office_hours: list[OfficeHours]
    closed_dates: list[str]
    materials: list[str]
    steps: list[str]
    open_now: bool = Field(description="open at this moment, in the community's time zone "
                                       "(closed on a closed date)")
    timezone: str = Field(description="the community's time zone the hours are in")
    updated_at: str


class GuideList(View):
    items: list[Guide]
    next_cursor: str | None


class DeletedGuide(View):
    guide_id: str
    deleted: bool
