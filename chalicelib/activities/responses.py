"""Response documents of volunteer activities (pydantic): what the API answers. The OpenAPI
document describes them and the integration tests validate real answers against them
(extra="forbid"). A field with a default may be absent from an answer."""
from __future__ import annotations

from pydantic import Field

from chalicelib.activities.rules import Phase
from chalicelib.core.documents import View


class MySignup(View):
    signed_up_at: str
    hours: float | None = Field(description="recorded by the organizer")
    points: int | None
    attended_at: str | None


class Activity(View):
    activity_id: str
    community_id: str
    title: str
    description: str | None
    starts_at: str
    ends_at: str
    place: str
    capacity: int
    signed_up: int = Field(description="places taken")
    places_left: int
    points_per_hour: int
    min_age: int | None = Field(description="confirmed by each volunteer, not checked")
    phase: Phase
    my_signup: MySignup | None = Field(
        default=None, description="the caller's own sign-up (on a single activity)")


class ActivityList(View):
    items: list[Activity]
    next_cursor: str | None


class Volunteer(View):
    user_id: str
    name: str | None = Field(description="as the volunteer signed up")
    signed_up_at: str
    hours: float | None
    points: int | None
    attended_at: str | None


class RosterPage(View):
    activity_id: str
    capacity: int
    signed_up: int
    items: list[Volunteer]
    next_cursor: str | None


class AttendanceRecord(View):
    activity_id: str
    user_id: str
    hours: float
    points: int = Field(description="hours × points_per_hour, rounded half up")
    attended_at: str
    movement_id: str | None = Field(description="the time-bank movement that credited them")
    credited_now: bool = Field(description="false when this repeats an earlier record")
