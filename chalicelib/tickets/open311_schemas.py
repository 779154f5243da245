"""What the Open311 GeoReport v2 routes accept (``/open311/v2``).

Values arrive as text (a form or a query string), so these documents coerce like query documents
and refuse unknown fields. Standard GeoReport fields this API does not use are accepted and
ignored: ``api_key`` (send a bearer token instead) and the reporter's ``email``, ``device_id``,
``account_id``, ``first_name``, ``last_name`` and ``phone`` (the identity comes from the token,
and PIPL asks to collect nothing more). ``media_url`` and ``attribute[...]`` are refused.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Annotated

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from chalicelib.core.documents import INSTANT_PATTERN, NOT_BLANK, Id, LongText, QueryDocument

ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
MAX_IDS = 100

AddressId = Annotated[str, StringConstraints(pattern=rf"^{ID_PATTERN}(/{ID_PATTERN})?$")]
AddressText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                               pattern=NOT_BLANK, max_length=200)]
RequestIds = Annotated[str, StringConstraints(
    pattern=rf"^{ID_PATTERN}( *, *{ID_PATTERN}){{0,{MAX_IDS - 1}}}$")]
StatusFilter = Annotated[str, StringConstraints(pattern=r"^(open|closed)(,(open|closed))?$")]
Ignored = Annotated[str, StringConstraints(max_length=500)]
IGNORED = "accepted and ignored"


def _utc(value: datetime) -> datetime:
    """A time without an offset is taken as UTC. Raises ValueError for a time whose UTC falls
    outside years 1..9999."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    try:
        return value.astimezone(timezone.utc)
    except OverflowError as err:
        raise ValueError("out of range: in UTC it falls outside years 1 to 9999") from err


def _iso_text(value: object) -> object:
    """Only ISO-8601 text is a time here (pydantic alone would take a number as Unix time)."""
    if not isinstance(value, str) or not re.match(INSTANT_PATTERN, value):
        raise ValueError("an ISO-8601 day or time, e.g. 2026-10-01T08:00:00+08:00")
    return value


Instant = Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(_utc),
                    WithJsonSchema({"type": "string", "pattern": INSTANT_PATTERN})]


class NewRequest(QueryDocument):
    """A service request, form-encoded (the Open311 norm) or as a JSON object, located by one
    of ``address_id``, ``lat`` + ``long`` or ``address_string`` (tried in that order).

    ``address_id`` is the estate (``huayuan``) or the estate and building (``huayuan/b1``);
    coordinates resolve to the estate whose boundary holds them, else the nearest estate of the
    community within 500 m; a bare ``address_string`` (free text about the place, kept with the
    ticket) places it at the caller's home estate. ``jurisdiction_id``, when given, must be the
    caller's community.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [
        {"required": ["address_id"], "properties": {"address_id": {"type": "string"}}},
        {"required": ["lat", "long"],
         "properties": {"lat": {"type": "number"}, "long": {"type": "number"}}},
        {"required": ["address_string"], "properties": {"address_string": {"type": "string"}}},
    ]})

    service_code: Id = Field(description="a category code from services.json")
    description: LongText
    address_id: AddressId | None = Field(default=None,
                                         description="estate_id or estate_id/building")
    jurisdiction_id: Id | None = Field(default=None, description="a community id")
    address_string: AddressText | None = Field(
        default=None, description="free text; alone, the place is the caller's home estate")
    lat: float | None = Field(default=None, ge=-90, le=90,
                              description="with long: the estate at or within 500 m of it")
    long: float | None = Field(default=None, ge=-180, le=180)
    api_key: Ignored | None = Field(default=None, description=IGNORED + ": send a bearer token")
    email: Ignored | None = Field(default=None, description=IGNORED)
    device_id: Ignored | None = Field(default=None, description=IGNORED)
    account_id: Ignored | None = Field(default=None, description=IGNORED)
    first_name: Ignored | None = Field(default=None, description=IGNORED)
    last_name: Ignored | None = Field(default=None, description=IGNORED)
    phone: Ignored | None = Field(default=None, description=IGNORED)


class ServicesQuery(QueryDocument):
    jurisdiction_id: Id | None = Field(default=None,
                                       description="a community id; the caller's by default")
    api_key: Ignored | None = Field(default=None, description=IGNORED)


class RequestQuery(QueryDocument):
    """Open311 search. ``service_request_id`` overrides every other filter."""

    service_request_id: RequestIds | None = Field(
        default=None, description=f"comma-separated ids, at most {MAX_IDS}")
    service_code: Id | None = None
    start_date: Instant | None = Field(default=None, description="requested at or after")
    end_date: Instant | None = Field(default=None, description="requested at or before")
    status: StatusFilter | None = Field(default=None, description="open, closed or both")
    jurisdiction_id: Id | None = Field(default=None, description="a community id")
    api_key: Ignored | None = Field(default=None, description=IGNORED)

    @field_validator("end_date")
    @classmethod
    def _after_start(cls, end: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("start_date")
        if start and end and end < start:
            raise ValueError("end_date is before start_date")
        return end


class RequestFileQuery(QueryDocument):
    jurisdiction_id: Id | None = Field(default=None, description="a community id")
    api_key: Ignored | None = Field(default=None, description=IGNORED)


__all__ = ["NewRequest", "RequestFileQuery", "RequestQuery", "ServicesQuery"]
