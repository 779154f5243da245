"""Request documents of service guides (pydantic). A community holds at most ``MAX_GUIDES``
guides of bounded size, so a search reads one bounded partition (see ``guides.store``)."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from chalicelib.core.documents import DATE_PATTERN, NOT_BLANK, Document, Name, PageQuery
from chalicelib.guides import rules

MAX_HOURS = 14
MAX_CLOSED_DATES = 100
MAX_ITEMS = 30
MAX_LIST_BYTES = 16 * 1024

TimeOfDay = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Weekday = Annotated[int, Field(ge=1, le=7)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True,
                                         pattern=r"^[0-9+()\-][0-9+()\- ]{1,38}[0-9+()\-]$")]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=NOT_BLANK,
                                           max_length=200)]
Material = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=NOT_BLANK,
                                            max_length=200)]
Step = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=NOT_BLANK,
                                        max_length=500)]


def _real_date(text: str) -> str:
    date.fromisoformat(text)
    return text


IsoDate = Annotated[str, StringConstraints(pattern=DATE_PATTERN),
                    AfterValidator(_real_date)]


def _unique(values: list[Any]) -> list[Any]:
    repeated = sorted({str(v) for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"repeated: {', '.join(repeated)}")
    return values


class OfficeHours(Document):
    days: Annotated[list[Weekday], AfterValidator(_unique)] = Field(
        min_length=1, max_length=7, description="ISO weekdays, 1 Monday .. 7 Sunday",
        json_schema_extra={"uniqueItems": True})
    open: TimeOfDay = Field(description="local HH:MM")
    close: TimeOfDay = Field(description="local HH:MM, after open")

    @model_validator(mode="after")
    def _closes_after_opening(self) -> OfficeHours:
        if self.close <= self.open:
            raise ValueError("close must be after open")
        return self


class GuideDoc(Document):
    title: Name
    office: Name
    address: Address
    phone: Phone
    office_hours: list[OfficeHours] = Field(max_length=MAX_HOURS)
    closed_dates: Annotated[list[IsoDate], AfterValidator(_unique)] = Field(
        default_factory=list, max_length=MAX_CLOSED_DATES, json_schema_extra={"uniqueItems": True},
        description="dates the office is closed all day (holidays), YYYY-MM-DD local")
    materials: list[Material] = Field(default_factory=list, max_length=MAX_ITEMS)
    steps: list[Step] = Field(default_factory=list, max_length=MAX_ITEMS)

    @field_validator("office_hours")
    @classmethod
    def _no_overlap(cls, hours: list[OfficeHours]) -> list[OfficeHours]:
        clashes = rules.overlapping_weekdays(h.model_dump() for h in hours)
        if clashes:
            raise ValueError("periods overlap on weekdays " + ", ".join(map(str, clashes)))
        return hours

    @field_validator("steps")
    @classmethod
    def _bounded(cls, steps: list[str], info: ValidationInfo) -> list[str]:
        size = sum(len(s.encode()) for s in [*info.data.get("materials", []), *steps])
        if size > MAX_LIST_BYTES:
            raise ValueError(f"materials and steps together exceed {MAX_LIST_BYTES} bytes")
        return steps


class GuideQuery(PageQuery):
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = Field(
        default=None, description="words that must all occur (title, office, address, "
                                  "materials, steps)")
