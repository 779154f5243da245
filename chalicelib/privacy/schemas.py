"""Request documents of the privacy routes."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.core.documents import DATE_PATTERN, Cursor, QueryDocument

Day = Annotated[str, StringConstraints(pattern=DATE_PATTERN)]


class AuditQuery(QueryDocument):
    date: Day = Field(description="a UTC day, YYYY-MM-DD")
    limit: int = Field(default=50, ge=1, le=200)
    cursor: Cursor | None = None
