"""Open311 GeoReport v2 (JSON) under ``/open311/v2``: discovery, services and service requests.

API Gateway path parameters are whole segments, so ``requests/{request_file}`` takes
``<id>.json`` and the domain parses the suffix.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.lazy import lazy
from chalicelib.web.routing import (
    IDEMPOTENCY_KEY,
    IDEMPOTENT_CREATE,
    JSON,
    Caller,
    LazySchemas,
    Resource,
    raw_body,
)

if TYPE_CHECKING:
    from chalicelib.tickets import open311
    from chalicelib.tickets import open311_schemas as docs
else:
    open311 = lazy("chalicelib.tickets.open311")

schemas = LazySchemas("chalicelib.tickets.open311_schemas")
answers = LazySchemas("chalicelib.tickets.open311_responses")
bp = Resource(__name__)
FORM = "application/x-www-form-urlencoded"
OUT_OF_SCOPE = "The jurisdiction is outside the caller's scope"


@bp.route("/open311/v2/discovery.json", public=True,
          summary="Open311 GeoReport v2 discovery: where the endpoint is and what it speaks",
          response=answers.Open311Discovery)
def open311_discovery() -> dict[str, Any]:
    request = bp.current_request
    return open311.discover(request.headers, request.context)


@bp.route("/open311/v2/services.json", query=schemas.ServicesQuery,
          responses={404: OUT_OF_SCOPE},
          summary="Open311 services: the ticket categories residents can report",
          response=answers.Open311Services)
def open311_services(caller: Caller, query: docs.ServicesQuery) -> list[dict[str, Any]]:
    return open311.services(caller, query)


@bp.route("/open311/v2/requests.json", methods=["POST"], status=201,
          content_types=(FORM, JSON), responses={404: OUT_OF_SCOPE, **IDEMPOTENT_CREATE},
          summary="Open311 service request (form-encoded or JSON): reports a ticket",
          response=answers.Open311Receipts, documented_body=schemas.NewRequest,
          headers=(IDEMPOTENCY_KEY,))
def open311_create_request(caller: Caller) -> list[dict[str, Any]]:
    request = bp.current_request
    return open311.submit(caller, request.headers.get("content-type"), raw_body(request),
                          idempotency_key=request.headers.get("idempotency-key"),
                          lambda_context=bp.lambda_context)


@bp.route("/open311/v2/requests.json", query=schemas.RequestQuery,
          responses={404: OUT_OF_SCOPE},
          summary="Open311 service requests the caller may see, newest first (at most 100)",
          response=answers.Open311Requests)
def open311_list_requests(caller: Caller, query: docs.RequestQuery) -> list[dict[str, Any]]:
    return open311.list_requests(caller, query)


@bp.route("/open311/v2/requests/{request_file}", query=schemas.RequestFileQuery,
          summary="One Open311 service request: requests/<id>.json",
          response=answers.Open311Requests)
def open311_get_request(caller: Caller, request_file: str,
                        query: docs.RequestFileQuery) -> list[dict[str, Any]]:
    return open311.get_request(caller, request_file, query)
