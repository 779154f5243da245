from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.core.timeutil import iso

EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
# core.paging writes a cursor as unpadded base64url of {"k": "..."}
Cursor = Annotated[str, StringConstraints(max_length=512,
                                          pattern=r"^eyJrIjogI[A-Za-z0-9_-]+={0,2}$")]
# Some character that pydantic's strip_whitespace (Unicode White_Space) keeps: the schema of a
# stripped text says it is not blank.
NOT_BLANK = r"[^\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100,
                                        pattern=NOT_BLANK)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500,
                                             pattern=NOT_BLANK)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000,
                                            pattern=NOT_BLANK)]


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


_YEAR = r"20(?:0[1-9]|[1-8][0-9]|9[0-8])"
_LEAP_YEAR = r"20(?:0[48]|[2468][048]|[13579][26])"
_DAY = (r"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
        r"|(?:0[13578]|1[02])-31)")
_MOMENT = (rf"^(?:{_YEAR}-{_DAY}|{_LEAP_YEAR}-02-29)"
           r"T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?")
_OFFSET = r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
# What _timestamp accepts, 2001 to 2098 so that no offset moves it out of range
TIMESTAMP_PATTERN = rf"{_MOMENT}{_OFFSET}$"
_ANY_YEAR = r"(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
_ANY_LEAP_YEAR = (r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])"
                  r"|(?:0[48]|[2468][048]|[13579][26])00)")
_ANY_DAY = rf"(?:{_ANY_YEAR}-{_DAY}|{_ANY_LEAP_YEAR}-02-29)"
# A real calendar day of years 0001 to 9999, as date.fromisoformat reads YYYY-MM-DD
DATE_PATTERN = rf"^{_ANY_DAY}$"
# The same day, or a time of it with or without its offset (then taken as UTC)
INSTANT_PATTERN = (rf"^{_ANY_DAY}"
                   r"(?:T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
                   rf"{_OFFSET}?)?$")
Timestamp = Annotated[str, StringConstraints(max_length=40, pattern=TIMESTAMP_PATTERN),
                      AfterValidator(_timestamp)]


def _degrees(value: float) -> float:
    """To 1e-7 degree (about 1 cm): DynamoDB refuses a number of magnitude under 1e-130."""
    return round(value, 7) + 0.0


Degrees = Annotated[float, AfterValidator(_degrees)]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False), AfterValidator(_degrees)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False),
                      AfterValidator(_degrees)]


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
    cursor: Cursor | None = None


__all__ = ["Cursor", "DATE_PATTERN", "Degrees", "Document", "Field", "Id", "INSTANT_PATTERN",
           "Latitude", "LongText", "Longitude", "NOT_BLANK", "Name", "PageQuery",
           "QueryDocument", "ShortText", "Timestamp", "View"]
