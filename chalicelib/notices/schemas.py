"""Request documents of notices (pydantic)."""
from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from chalicelib.core.documents import NOT_BLANK, Document, Id, Name, Timestamp
from chalicelib.notices.rules import Audience

NoticeBody = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              pattern=NOT_BLANK, max_length=5000)]




class NewNotice(Document):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"anyOf": [
        {"properties": {"audience": {"const": "community"}, "estate_id": {"type": "null"},
                        "building": {"type": "null"}}},
        {"required": ["estate_id"],
         "properties": {"audience": {"const": "estate"}, "estate_id": {"type": "string"},
                        "building": {"type": "null"}}},
        {"required": ["estate_id", "building"],
         "properties": {"audience": {"const": "building"}, "estate_id": {"type": "string"},
                        "building": {"type": "string"}}},
    ]})

    title: Name
    body: NoticeBody
    audience: Audience
    estate_id: Id | None = Field(default=None, validate_default=True,
                                 description="for an estate or building audience")
    building: Id | None = Field(default=None, validate_default=True,
                                description="for a building audience")
    pinned: bool = False
    expires_at: Timestamp | None = Field(
        default=None, description="when it leaves residents' lists (ISO-8601, future)")

    @field_validator("estate_id")
    @classmethod
    def _estate_for_its_audience(cls, value: str | None, info: ValidationInfo) -> str | None:
        audience = info.data.get("audience")
        if audience in ("estate", "building") and value is None:
            raise ValueError(f"an {audience} audience names its estate")
        if audience == "community" and value is not None:
            raise ValueError("a community notice names no estate")
        return value

    @field_validator("building")
    @classmethod
    def _building_for_its_audience(cls, value: str | None, info: ValidationInfo) -> str | None:
        audience = info.data.get("audience")
        if audience == "building" and value is None:
            raise ValueError("a building audience names its building")
        if audience in ("community", "estate") and value is not None:
            raise ValueError(f"a{'n' if audience == 'estate' else ''} {audience} notice names "
                             "no building")
        return value
