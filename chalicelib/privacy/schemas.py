"""Request documents of the privacy routes."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.core.documents import QueryDocument

Day = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]


class AuditQuery(QueryDocument):
    date: Day = Field(description="a UTC day, YYYY-MM-DD")
    limit: int = Field(default=50, ge=1, le=200)
    cursor: Annotated[str, StringConstraints(max_length=512)] | None = None
