from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.core.documents import Id, QueryDocument

Day = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]


class StatsQuery(QueryDocument):
    from_: Day | None = Field(default=None, alias="from")
    to: Day | None = None


class PageQuery(QueryDocument):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(max_length=512)] | None = None


class NearbyQuery(QueryDocument):
    estate_id: Id
    building: Id | None = None
    category: Id | None = None
    limit: int = Field(default=20, ge=1, le=50)
