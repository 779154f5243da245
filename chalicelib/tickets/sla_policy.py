"""The SLA policy of a community (SPEC 3.2): what ``GET|PUT /communities/{id}/sla-policy`` carry.

Times of day are ``HH:MM`` and dates ``YYYY-MM-DD`` strings, so a document read back from
``model_dump(mode="json")`` is exactly what a PUT accepts.

A document validated as a request (pydantic context ``{"source": "request"}``, which
``routing.parse_model`` passes) must also be meetable: its working-hours calendar must reach every
target from any start within the clock's search horizon. A stored document is read back without
that check, and a due time it cannot reach is counted on the wall clock instead (logged).
"""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from chalicelib.core import observability
from chalicelib.core.documents import DATE_PATTERN, Document, Id
from chalicelib.tickets import slaclock

MAX_MINUTES = 525600
MAX_DATES = 400
MAX_OVERRIDES = 50
LEVELS = (0, 1, 2)

Kind = Literal["respond", "resolve"]
Responsible = Literal["property", "community", "street"]
Minutes = Annotated[int, Field(ge=1, le=MAX_MINUTES)]
Fraction = Annotated[float, Field(gt=0, lt=1)]
Weekday = Annotated[int, Field(ge=1, le=7)]
TimeOfDay = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
ZoneName = Annotated[str, StringConstraints(min_length=1, max_length=64)]


def _real_date(text: str) -> str:
    date.fromisoformat(text)
    return text


IsoDate = Annotated[str, StringConstraints(pattern=DATE_PATTERN), AfterValidator(_real_date)]


def _from_request(info: ValidationInfo) -> bool:
    return isinstance(info.context, dict) and info.context.get("source") == "request"


def _unique(values: list[Any], what: str) -> None:
    if len(set(values)) != len(values):
        raise ValueError(f"{what} must not repeat")


class LevelTarget(Document):
    level: int = Field(ge=0, le=2)
    responsible: Responsible
    respond_min: Minutes
    resolve_min: Minutes

    def minutes(self, kind: Kind) -> int:
        """The target of ``kind`` in minutes. Raises ValueError for an unknown kind."""
        if kind == "respond":
            return self.respond_min
        if kind == "resolve":
            return self.resolve_min
        raise ValueError(f"unknown target kind: {kind!r}")


def _check_levels(levels: list[LevelTarget]) -> list[LevelTarget]:
    if tuple(target.level for target in levels) != LEVELS:
        raise ValueError("levels must be exactly 0, 1 and 2, in that order")
    return levels


Levels = Annotated[list[LevelTarget], AfterValidator(_check_levels)]


def _default_levels() -> list[LevelTarget]:
    return [
        LevelTarget(level=0, responsible="property", respond_min=360, resolve_min=4320),
        LevelTarget(level=1, responsible="community", respond_min=240, resolve_min=4320),
        LevelTarget(level=2, responsible="street", respond_min=240, resolve_min=4320),
    ]


class Period(Document):
    start: TimeOfDay
    end: TimeOfDay

    @model_validator(mode="after")
    def _ends_after_start(self) -> Period:
        if self.end <= self.start:
            raise ValueError("a working period must end after it starts")
        return self

    def times(self) -> tuple[time, time]:
        return time.fromisoformat(self.start), time.fromisoformat(self.end)


def _default_hours() -> list[Period]:
    return [Period(start="08:30", end="12:00"), Period(start="14:00", end="17:30")]


class CalendarDoc(Document):
    timezone: ZoneName = "Asia/Shanghai"
    workdays: list[Weekday] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5], min_length=1, max_length=7,
        json_schema_extra={"uniqueItems": True})
    hours: list[Period] = Field(default_factory=_default_hours, min_length=1, max_length=6)
    holidays: list[IsoDate] = Field(default_factory=list, max_length=MAX_DATES,
                                    json_schema_extra={"uniqueItems": True})
    makeup_workdays: list[IsoDate] = Field(default_factory=list, max_length=MAX_DATES,
                                           json_schema_extra={"uniqueItems": True})

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        slaclock.zone(name)
        return name

    @field_validator("workdays", "holidays", "makeup_workdays")
    @classmethod
    def _no_repeats(cls, values: list[Any], info: ValidationInfo) -> list[Any]:
        _unique(values, info.field_name or "values")
        return values

    @field_validator("hours")
    @classmethod
    def _sorted_hours(cls, hours: list[Period]) -> list[Period]:
        for before, after in zip(hours, hours[1:], strict=False):
            if after.start < before.end:
                raise ValueError("working periods must be sorted and must not overlap")
        return hours

    @model_validator(mode="after")
    def _disjoint_dates(self) -> CalendarDoc:
        both = sorted(set(self.holidays) & set(self.makeup_workdays))
        if both:
            raise ValueError(f"dates both holiday and make-up working day: {', '.join(both)}")
        return self

    def to_calendar(self) -> slaclock.Calendar:
        return slaclock.Calendar(
            timezone=self.timezone,
            workdays=frozenset(self.workdays),
            hours=tuple(period.times() for period in self.hours),
            holidays=frozenset(date.fromisoformat(day) for day in self.holidays),
            makeup_workdays=frozenset(date.fromisoformat(day) for day in self.makeup_workdays),
        )


class CategoryOverride(Document):
    levels: Levels


class SlaPolicyDoc(Document):
    clock: Literal["wall", "working_hours"] = "wall"
    calendar: CalendarDoc | None = None
    levels: Levels = Field(default_factory=_default_levels)
    warnings: list[Fraction] = Field(default_factory=lambda: [0.5, 0.75], max_length=5)
    overrides: dict[Id, CategoryOverride] = Field(default_factory=dict, max_length=MAX_OVERRIDES)

    @field_validator("warnings")
    @classmethod
    def _increasing(cls, warnings: list[float]) -> list[float]:
        if any(later <= earlier for earlier, later in zip(warnings, warnings[1:], strict=False)):
            raise ValueError("warnings must be strictly increasing")
        return warnings

    @model_validator(mode="after")
    def _calendar_for_working_hours(self) -> SlaPolicyDoc:
        if self.clock == "working_hours" and self.calendar is None:
            raise ValueError("a working_hours clock needs a calendar")
        return self

    @model_validator(mode="after")
    def _meetable(self, info: ValidationInfo) -> SlaPolicyDoc:
        cal = self.calendar_obj()
        if cal is None or not _from_request(info):
            return self
        stretch = slaclock.idle_stretch(cal)
        if stretch is not None:
            first, last = stretch
            raise ValueError(
                f"calendar: no working time from {first} to {last}, more than "
                f"{slaclock.IDLE_DAYS_ALLOWED} days in a row, so no due time reaches past it")
        longest = self.longest_target()
        assured = slaclock.assured_minutes(cal)
        if longest > assured:
            raise ValueError(
                f"levels: a target of {longest} working minutes cannot be met: the calendar "
                f"assures {assured} working minutes within {slaclock.HORIZON_YEARS} years")
        return self

    def longest_target(self) -> int:
        """The longest target in minutes, of the policy's levels and its overrides."""
        tables = [self.levels, *(override.levels for override in self.overrides.values())]
        return max(max(t.respond_min, t.resolve_min) for levels in tables for t in levels)

    def calendar_obj(self) -> slaclock.Calendar | None:
        """The calendar the clock counts in; None for the wall clock."""
        if self.clock == "wall" or self.calendar is None:
            return None
        return self.calendar.to_calendar()

    def targets(self, category: str, level: int) -> LevelTarget:
        """The targets of ``category`` at ``level`` (clamped to 0..2): its override, else the
        policy's own."""
        override = self.overrides.get(category)
        levels = override.levels if override is not None else self.levels
        return levels[max(LEVELS[0], min(level, LEVELS[-1]))]

    def due(self, category: str, level: int, kind: Kind, start: datetime) -> datetime:
        """When the ``kind`` target of ``category`` at ``level`` falls due, started at ``start``;
        on the wall clock when the calendar cannot reach it (a stored policy PUT would refuse).

        Raises ValueError for a naive ``start`` or an unknown ``kind``.
        """
        minutes = self.targets(category, level).minutes(kind)
        cal = self.calendar_obj()
        try:
            return slaclock.add_minutes(start, minutes, cal)
        except slaclock.NoWorkingTimeError:
            _log_wall_clock_fallback(minutes, start)
            return slaclock.add_minutes(start, minutes, None)

    def warning_times(self, category: str, level: int, kind: Kind,
                      start: datetime) -> list[datetime]:
        """When each warning fraction of the target is reached, in the order of ``warnings``,
        on the clock ``due`` counts on.

        Raises ValueError for a naive ``start`` or an unknown ``kind``.
        """
        minutes = self.targets(category, level).minutes(kind)
        cal = self.calendar_obj()
        try:
            slaclock.add_minutes(start, minutes, cal)
        except slaclock.NoWorkingTimeError:
            cal = None
        return [slaclock.add_minutes(start, round(fraction * minutes), cal)
                for fraction in self.warnings]


def _log_wall_clock_fallback(minutes: int, start: datetime) -> None:
    observability.logger().warning(
        "SLA calendar cannot reach the target; counted on the wall clock",
        extra={"target_min": minutes, "start": start.isoformat()})


def default_policy() -> SlaPolicyDoc:
    """The SPEC 3.2 policy: wall clock, the default level table, warnings at 50% and 75%."""
    return SlaPolicyDoc()


__all__ = [
    "CalendarDoc", "CategoryOverride", "Kind", "LevelTarget", "Period", "SlaPolicyDoc",
    "default_policy",
]
