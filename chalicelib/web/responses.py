"""Response documents (pydantic): what the API answers.

They describe responses in the OpenAPI document, and the integration tests validate real answers
against them. ``extra="forbid"``: a field the code adds without its model fails those tests.
A field with a default may be absent from an answer; every other field is always present.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from chalicelib.directory.schemas import Category, GridBuilding
from chalicelib.tickets.schemas import Location, Purpose, Status


class View(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- tickets --------------------------------------------------------------------------------

class Sla(View):
    level: int = Field(description="who is responsible now: 0 property, 1 community, 2 street")
    responsible: str
    phase: Literal["respond", "resolve"] | None = Field(description="null once settled")
    due_at: str | None = Field(description="when the current phase is due")
    remaining_s: int | None
    breached: bool
    escalation_level: int
    responded_in_time: bool | None
    resolved_in_time: bool | None
    resolved_at_level: int | None


class Photo(View):
    photo_id: str
    status: Literal["pending", "ready", "rejected"]
    purpose: Purpose
    url: str | None = Field(description="short-lived display URL once ready")
    thumbnail_url: str | None
    width: int | None
    height: int | None
    reason: str | None = Field(description="why a photo was rejected")


class Reporter(View):
    user_id: str | None = Field(default=None, description="for staff and the reporter only")
    name: str | None = Field(description="masked for neighbours")


class Actor(View):
    role: str
    user_id: str | None = None
    name: str | None = None


class TimelineEntry(View):
    at: str
    actor: Actor
    action: str
    note: str | None
    public: bool
    from_status: Status | None
    to_status: Status | None


class TicketView(View):
    ticket_id: str
    community_id: str
    category: str
    description: str
    location: Location
    grid_id: str | None
    status: Status
    source: Literal["resident", "device"]
    anonymous: bool
    private: bool
    created_at: str
    updated_at: str
    sla: Sla
    photos: list[Photo]
    followers: int
    latest_public_note: str | None
    rating: int | None
    duplicate_of: str | None
    acknowledged_at: str | None
    resolved_at: str | None
    closed_at: str | None
    reporter: Reporter | None = Field(
        default=None, description="absent for device tickets and, to others, when anonymous")


class TicketDetail(TicketView):
    timeline: list[TimelineEntry] = Field(description="internal notes for staff only")


class TicketList(View):
    items: list[TicketView]
    next_cursor: str | None


class UploadSlot(View):
    """A presigned S3 POST: send ``fields`` and then the file as form data to ``url``."""

    photo_id: str
    url: str
    fields: dict[str, str]
    max_bytes: int
    content_type_prefix: str


class CreatedTicket(View):
    ticket: TicketView
    uploads: list[UploadSlot]


class DirectUpload(View):
    photo_id: str
    status: Literal["pending"]


class Following(View):
    ticket_id: str
    following: bool
    added: bool = Field(description="false when the caller already followed")
    followers: int


# --- inbox and statistics -------------------------------------------------------------------

class Notification(View):
    notification_id: str
    at: str
    kind: str
    ticket_id: str | None
    title: str
    body: str | None
    audience: str = Field(description="user:{id}, or the party: company:{id}, community:{id}, ...")


class Inbox(View):
    items: list[Notification]
    next_cursor: str | None


class Figures(View):
    handled: int
    resolved_by_property_in_time: int
    resolved_under_supervision: int
    created: int
    open: int
    overdue_now: int
    escalated_open: int
    rejected: int
    duplicates: int
    escalations: int
    median_first_response_s: int | None
    response_in_time_rate: float | None
    satisfaction_avg: float | None
    ratings: int


class DeviceFigures(View):
    created: int
    handled: int
    open: int
    rejected: int


class Stats(Figures):
    community_id: str
    timezone: str
    from_: str | None = Field(alias="from")
    to: str | None
    by_category: dict[str, Figures]
    by_grid: dict[str, Figures]
    by_estate: dict[str, Figures]
    device_tickets: DeviceFigures


# --- directory ------------------------------------------------------------------------------

class MeUnit(View):
    unit_id: str
    estate_id: str
    building: str
    relation: Literal["owner", "resident"]


class Me(View):
    user_id: str
    username: str
    name: str | None
    roles: list[str]
    community_id: str | None
    units: list[MeUnit]


class CompanyRef(View):
    company_id: str
    name: str | None


class EstateView(View):
    estate_id: str
    name: str
    company_id: str
    property_company: CompanyRef


class BuildingView(View):
    building_id: str
    estate_id: str
    name: str
    grid_id: str | None


class GridRef(View):
    grid_id: str
    name: str


class CommunityView(View):
    community_id: str
    name: str
    name_en: str | None
    street_id: str | None
    street_name: str | None
    timezone: str
    estates: list[EstateView]
    buildings: list[BuildingView]
    grids: list[GridRef]


class CategoryList(View):
    items: list[Category]
    next_cursor: str | None


class GridView(View):
    grid_id: str
    name: str
    workers: list[str]


class GridList(View):
    items: list[GridView]
    next_cursor: str | None


class CreatedCommunity(View):
    community_id: str
    name: str


class CreatedStreet(View):
    street_id: str
    name: str
    staff: list[str]


class CreatedCompany(View):
    company_id: str
    name: str
    staff: list[str]


class CreatedEstate(View):
    estate_id: str
    community_id: str
    name: str
    company_id: str


class BuildingsAdded(View):
    estate_id: str
    buildings: int = Field(description="how many buildings were created or updated")


class UnitsImported(View):
    estate_id: str
    units: int = Field(description="how many units were created or replaced")


class CreatedGrid(View):
    grid_id: str
    name: str
    workers: list[str]
    buildings: list[GridBuilding]


# --- Open311 GeoReport v2 ------------------------------------------------------------------
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


# --- errors and the document itself ---------------------------------------------------------

class ErrorDetail(View):
    field: str
    message: str
    type: str | None = None


class ErrorBody(View):
    """Chalice's error shape, with what the error adds."""

    Code: str
    Message: str
    details: list[ErrorDetail] | None = Field(default=None, description="the fields at fault")
    status: str | None = Field(default=None, description="a ticket's status, on a refused "
                                                         "transition")
    retry_after_s: int | None = Field(default=None, description="with 429, as Retry-After")


class OpenApiDocument(BaseModel):
    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]
