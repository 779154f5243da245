"""Request documents of the voting routes (pydantic)."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timezone
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from chalicelib.core.documents import (
    NOT_BLANK,
    TIMESTAMP_PATTERN,
    Document,
    Id,
    LongText,
    PageQuery,
)

EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)
MAX_OPTIONS = 10
Option = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=NOT_BLANK,
                                          max_length=100),
                   AfterValidator(lambda text: unicodedata.normalize("NFC", text))]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=NOT_BLANK,
                                         max_length=200)]


def _in_range(value: datetime) -> datetime:
    try:
        utc = value.astimezone(timezone.utc)
    except (OverflowError, ValueError) as err:
        raise ValueError("out of range") from err
    if not EARLIEST <= utc < LATEST:
        raise ValueError("must be between 2000 and 2100")
    return utc


def _timestamp_text(value: object) -> object:
    """ISO-8601 text with its offset of 2001 to 2098, read as an aware datetime (strict mode
    takes no text for a datetime once a validator has run before it)."""
    if not isinstance(value, str):
        return value
    if not re.match(TIMESTAMP_PATTERN, value):
        raise ValueError("an ISO-8601 time with its offset, 2001 to 2098")
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


Moment = Annotated[AwareDatetime, BeforeValidator(_timestamp_text), AfterValidator(_in_range),
                   WithJsonSchema({"type": "string", "pattern": TIMESTAMP_PATTERN})]


def _distinct(options: list[str]) -> list[str]:
    if len(set(options)) != len(options):
        raise ValueError("options may not repeat")
    return options


class NewPoll(Document):
    """A poll of one estate. The first option is the motion; every ballot counts as
    participation, whatever its choice."""

    title: Title
    estate_id: Id
    matter: Literal["ordinary", "major"] = Field(
        description="major: raising or using maintenance funds, rebuilding, changing the use "
                    "of common parts (3/4 of both); ordinary: more than 1/2 of both")
    question: LongText | None = None
    options: Annotated[list[Option], AfterValidator(_distinct)] = Field(
        default_factory=lambda: ["yes", "no"], min_length=2, max_length=MAX_OPTIONS,
        json_schema_extra={"uniqueItems": True}, description="the first is the motion")
    opens_at: Moment | None = Field(default=None, description="default now (ISO-8601)")
    closes_at: Moment = Field(description="after opens_at (ISO-8601); ballots stop then")
    ballot: Literal["secret", "open"] = Field(
        default="secret", description="open: the result shows how each participant voted")


class NewBallot(Document):
    choice: Option


class PaperBallot(Document):
    """A paper ballot entered by staff: the voter is found by one of their units."""

    unit_id: Id
    choice: Option
    owner_id: Id | None = Field(default=None,
                                description="the owner who signed the paper, one of the voter's")


__all__ = ["NewBallot", "NewPoll", "PageQuery", "PaperBallot"]
