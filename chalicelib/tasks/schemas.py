"""Request documents of the task board (pydantic, field-level errors)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from chalicelib.core.documents import NOT_BLANK, Document, LongText, PageQuery, ShortText
from chalicelib.tasks.rules import MAX_REWARD, STATUSES

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=NOT_BLANK,
                                         max_length=100)]
PriceText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=NOT_BLANK,
                                             max_length=100)]
Status = Literal[STATUSES]  # type: ignore[valid-type]


class NewTask(Document):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"anyOf": [
        {"properties": {"reward_points": {"type": "null"}}},
        {"properties": {"price_text": {"type": "null"}}}]})

    title: Title
    description: LongText | None = None
    kind: Literal["request", "offer"]
    reward_points: int | None = Field(
        default=None, ge=1, le=MAX_REWARD,
        description="points the poster pays the taker, escrowed at posting")
    price_text: PriceText | None = Field(
        default=None, description="a price settled off-platform, e.g. 面议 or 20元")

    @field_validator("price_text")
    @classmethod
    def _one_kind_of_price(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("reward_points") is not None:
            raise ValueError("give reward_points or price_text, not both")
        return value


class TaskQuery(PageQuery):
    status: Status | None = None


class MyTasksQuery(PageQuery):
    role: Literal["poster", "taker"] = "poster"


class Delivery(Document):
    note: ShortText | None = None


class Cancellation(Document):
    reason: ShortText | None = None


class Dispute(Document):
    reason: ShortText


class Settlement(Document):
    to: Literal["taker", "poster"] = Field(
        description="taker: the escrow is released to them; poster: it is refunded")
    note: ShortText | None = None


class NewRating(Document):
    stars: int = Field(ge=1, le=5)
    comment: ShortText | None = None
