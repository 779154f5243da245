"""Response documents of the task board (pydantic, extra="forbid")."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.core.documents import View


class Party(View):
    name: str | None = Field(description="in full for the parties to each other and for "
                                         "community staff; masked (林**) for other residents; "
                                         "null once the person is erased")
    you: bool


class Rating(View):
    stars: int
    comment: str | None
    at: str


class Ratings(View):
    by_poster: Rating | None
    by_taker: Rating | None


class Dispute(View):
    by: Literal["poster", "taker"]
    reason: str | None


class Task(View):
    task_id: str
    community_id: str
    kind: Literal["request", "offer"]
    title: str
    description: str | None
    reward_points: int | None
    price_text: str | None
    status: Literal["open", "accepted", "delivered", "confirmed", "cancelled", "disputed"]
    created_at: str
    updated_at: str
    accepted_at: str | None
    delivered_at: str | None
    auto_confirm_at: str | None = Field(description="when a delivered task confirms itself")
    closed_at: str | None
    resolution: Literal["confirmed", "auto_confirmed", "cancelled", "settled"] | None
    settled_to: Literal["taker", "poster"] | None
    poster: Party
    taker: Party | None
    cancel_requested_by: list[Literal["poster", "taker"]] = Field(
        description="after acceptance a cancellation needs both parties (or staff)")
    notes: dict[str, str] | None = Field(
        description="delivery, cancellation and settlement notes (parties and staff)")
    dispute: Dispute | None
    ratings: Ratings
    your_role: Literal["poster", "taker", "staff"] | None
    actions: list[str] = Field(description="what the caller may do now")


class TaskList(View):
    items: list[Task]
    next_cursor: str | None
