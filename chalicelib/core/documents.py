from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class Document(BaseModel):
    """Strict: unknown fields are refused, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)


class View(BaseModel):
    """A response document: a field the code adds without declaring it fails validation."""

    model_config = ConfigDict(extra="forbid")


class QueryDocument(BaseModel):
    """Query strings arrive as text: values are coerced, unknown parameters refused."""

    model_config = ConfigDict(extra="forbid")


class PageQuery(QueryDocument):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(max_length=512)] | None = None


__all__ = ["Document", "Field", "Id", "LongText", "Name", "PageQuery", "QueryDocument",
           "ShortText", "View"]
