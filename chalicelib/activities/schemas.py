"""Request documents of volunteer activities (pydantic)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator

from chalicelib.activities import rules
from chalicelib.core.documents import NOT_BLANK, Document, Id, LongText, Name, PageQuery, Timestamp
from chalicelib.core.timeutil import parse_iso

MAX_CAPACITY = 10_000
MAX_POINTS_PER_HOUR = 1_000
Place = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=NOT_BLANK,
                                         max_length=200)]




class NewActivity(Document):
    title: Name
    description: LongText | None = None
    starts_at: Timestamp = Field(description="ISO-8601 with offset; in the future")
    ends_at: Timestamp = Field(description="after starts_at, at most 7 days later")
    place: Place
    capacity: int = Field(ge=1, le=MAX_CAPACITY)
    points_per_hour: int = Field(ge=0, le=MAX_POINTS_PER_HOUR,
                                 description="time-bank points per hour of attendance")
    min_age: int | None = Field(default=None, ge=1, le=120, description=(
        "shown, and confirmed by each volunteer when signing up (meets_min_age); Fanglin "
        "holds no birth dates"))

    @field_validator("ends_at")
    @classmethod
    def _after_start(cls, ends_at: str, info: ValidationInfo) -> str:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and not rules.within_duration(parse_iso(starts_at),
                                                               parse_iso(ends_at)):
            raise ValueError(f"must be after starts_at, at most {rules.MAX_DURATION_H} h later")
        return ends_at


class NewSignup(Document):
    meets_min_age: bool | None = Field(default=None, description=(
        "the volunteer's own statement that they are at least min_age (needed when the "
        "activity has one)"))


class Attendance(Document):
    user_id: Id
    hours: float = Field(gt=0, le=rules.MAX_DURATION_H, multiple_of=0.5,
                         description="in half hours, at most the activity's length")


class ActivityQuery(PageQuery):
    when: Literal["upcoming", "past"] = Field(
        default="upcoming", description="upcoming: starting from now, soonest first; past: "
                                        "started already, latest first")
