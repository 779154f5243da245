from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.core.documents import (
    DATE_PATTERN,
    Cursor,
    Document,
    Id,
    Latitude,
    Longitude,
    LongText,
    QueryDocument,
    ShortText,
)
from chalicelib.tickets.lifecycle import STATUSES

MAX_PHOTOS = 9
Status = Literal[STATUSES]  # type: ignore[valid-type]


class Location(Document):
    estate_id: Id
    building: Id | None = None
    unit_id: Id | None = None
    text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None


class NewTicket(Document):
    category: Id
    description: LongText
    location: Location
    anonymous: bool = False
    photos: int = Field(default=0, ge=0, le=MAX_PHOTOS)


class OptionalNote(Document):
    note: ShortText | None = None


class Note(Document):
    note: ShortText


class Close(Document):
    rating: int = Field(ge=1, le=5)
    comment: ShortText | None = None


class Reject(Document):
    reason: ShortText


class Duplicate(Document):
    duplicate_of: Id
    reason: ShortText | None = None


class NewComment(Document):
    message: LongText
    internal: bool = False


Purpose = Literal["report", "after"]


class NewPhoto(Document):
    purpose: Purpose = "report"


class PhotoQuery(QueryDocument):
    purpose: Purpose = "report"


class TicketQuery(QueryDocument):
    status: Status | None = None
    category: Id | None = None
    estate_id: Id | None = None
    grid_id: Id | None = None
    community_id: Id | None = None
    escalated: bool | None = None
    overdue: bool | None = None
    mine: bool = False
    limit: int = Field(default=20, ge=1, le=100)
    cursor: Cursor | None = None


Day = Annotated[str, StringConstraints(pattern=DATE_PATTERN)]


class StatsQuery(QueryDocument):
    from_: Day | None = Field(default=None, alias="from")
    to: Day | None = None


class NearbyQuery(QueryDocument):
    estate_id: Id
    building: Id | None = None
    category: Id | None = None
    limit: int = Field(default=20, ge=1, le=50)
