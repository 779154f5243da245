from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.core.timeutil import iso

EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


def _timestamp(text: str) -> str:
    """An ISO-8601 time with its offset (``Z`` or ``+08:00``), kept in UTC with ``Z``."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as err:
        raise ValueError("not an ISO-8601 time, e.g. 2026-10-01T08:00:00+08:00") from err
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an ISO-8601 time needs its offset, e.g. 2026-10-01T08:00:00+08:00")
    if not EARLIEST <= moment < LATEST:
        raise ValueError("out of range (2000 to 2099)")
    return iso(moment)


Timestamp = Annotated[str, StringConstraints(max_length=40), AfterValidator(_timestamp)]


class Document(BaseModel):
    """Strict: unknown fields are refused, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)


class View(BaseModel):
    """A response document: a field the code adds without declaring it fails validation."""

    model_config = ConfigDict(extra="forbid")


class QueryDocument(BaseModel):
    """Query strings arrive as text: values are coerced, unknown parameters refused."""

    model_config = ConfigDict(extra="forbid")


class PageQuery(QueryDocument):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(max_length=512)] | None = None


__all__ = ["Document", "Field", "Id", "LongText", "Name", "PageQuery", "QueryDocument",
           "ShortText", "View"]
