"""Request documents of the time bank and its rewards (pydantic, field-level errors)."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.core.documents import NOT_BLANK, Document, Id, PageQuery, ShortText
from chalicelib.points.rules import MAX_AMOUNT

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=NOT_BLANK,
                                         max_length=100)]
MAX_STOCK = 100_000


class NewReward(Document):
    title: Title
    description: ShortText | None = None
    points: int = Field(ge=1, le=MAX_AMOUNT)
    stock: int = Field(ge=0, le=MAX_STOCK)


class Restock(Document):
    add: int = Field(ge=1, le=MAX_STOCK, description="units added to the stock")


class PointsQuery(PageQuery):
    community_id: Id | None = Field(
        default=None, description="one of the caller's communities (default: their own)")
