"""Response documents of Open311 GeoReport v2 (pydantic): what the API answers. The OpenAPI document
describes them and the integration tests validate real answers against them (extra="forbid").
A field with a default may be absent from an answer; every other field is always present."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, RootModel

from chalicelib.core.documents import View

# Open311 answers top-level arrays: RootModel lists of strict item models.

class Open311Endpoint(View):
    specification: str
    url: str = Field(description="the endpoint as the client reached it")
    changeset: str
    type: Literal["production", "test"]
    formats: list[str]


class Open311Discovery(View):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[Open311Endpoint]


class Open311Service(View):
    service_code: str = Field(description="a ticket category code")
    service_name: str = Field(description="the Chinese name")
    description: str = Field(description="the English name")
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class Open311Services(RootModel[list[Open311Service]]):
    pass


class Open311Request(View):
    service_request_id: str = Field(description="the ticket id")
    status: Literal["open", "closed"] = Field(
        description="open: submitted or acknowledged; closed: any other status")
    status_notes: str | None = Field(description="the latest public note")
    service_name: str
    service_code: str
    description: str
    agency_responsible: str = Field(
        description="the party responsible at the current SLA level: the property company, "
                    "the community office or the street office")
    service_notice: str = Field(description="the response promise of the SLA policy")
    requested_datetime: str
    updated_datetime: str
    expected_datetime: str | None = Field(description="the SLA due time; null once settled")
    address: str = Field(description="the location text, else the estate and building names")
    address_id: str = Field(description="estate_id or estate_id/building")
    lat: float | None
    long: float | None
    media_url: str | None = Field(description="the first ready photo (a short-lived URL)")


class Open311Requests(RootModel[list[Open311Request]]):
    pass


class Open311Receipt(View):
    service_request_id: str
    service_notice: str
    account_id: None


class Open311Receipts(RootModel[list[Open311Receipt]]):
    pass


class Open311Error(View):
    code: int = Field(description="the HTTP status")
    description: str = Field(description="what went wrong; a field at fault comes first, "
                                          "as 'field: message'")


class Open311Errors(RootModel[list[Open311Error]]):
    """Open311's error answer: one entry per field at fault, else one entry."""
