"""Request documents of notices (pydantic)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo, field_validator

from chalicelib.core.documents import Document, Id, Name
from chalicelib.core.timeutil import iso
from chalicelib.notices.rules import Audience

EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)
NoticeBody = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=5000)]


def _timestamp(text: str) -> str:
    """An ISO-8601 time with its offset (``Z`` or ``+08:00``), kept in UTC with ``Z``."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as err:
        raise ValueError("not an ISO-8601 time, e.g. 2026-10-01T08:00:00Z") from err
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an ISO-8601 time needs its offset, e.g. 2026-10-01T08:00:00+08:00")
    if not EARLIEST <= moment < LATEST:
        raise ValueError("out of range (2000 to 2099)")
    return iso(moment)


Timestamp = Annotated[str, StringConstraints(max_length=40), AfterValidator(_timestamp)]


class NewNotice(Document):
    title: Name
    body: NoticeBody
    audience: Audience
    estate_id: Id | None = Field(default=None, validate_default=True,
                                 description="for an estate or building audience")
    building: Id | None = Field(default=None, validate_default=True,
                                description="for a building audience")
    pinned: bool = False
    expires_at: Timestamp | None = Field(
        default=None, description="when it leaves residents' lists (ISO-8601, future)")

    @field_validator("estate_id")
    @classmethod
    def _estate_for_its_audience(cls, value: str | None, info: ValidationInfo) -> str | None:
        audience = info.data.get("audience")
        if audience in ("estate", "building") and value is None:
            raise ValueError(f"an {audience} audience names its estate")
        if audience == "community" and value is not None:
            raise ValueError("a community notice names no estate")
        return value

    @field_validator("building")
    @classmethod
    def _building_for_its_audience(cls, value: str | None, info: ValidationInfo) -> str | None:
        audience = info.data.get("audience")
        if audience == "building" and value is None:
            raise ValueError("a building audience names its building")
        if audience in ("community", "estate") and value is not None:
            raise ValueError(f"a{'n' if audience == 'estate' else ''} {audience} notice names "
                             "no building")
        return value
