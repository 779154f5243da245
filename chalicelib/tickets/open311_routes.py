"""Open311 GeoReport v2 (JSON) under ``/open311/v2``: discovery, services and service requests.

API Gateway path parameters are whole segments, so ``requests/{request_file}`` takes
``<id>.json`` and the domain parses the suffix. Every error these routes give, authentication,
validation and media type included, is in Open311's shape (``open311_responses.Open311Errors``)
with the API's status and headers. ``discovery.json`` and ``services.json`` need no token.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Response

from chalicelib.core.errors import FanglinError
from chalicelib.core.lazy import lazy
from chalicelib.identity.tokens import authenticate
from chalicelib.web.errors import to_response
from chalicelib.web.routing import (
    IDEMPOTENCY_KEY,
    IDEMPOTENT_CREATE,
    JSON,
    Caller,
    ErrorShape,
    LazySchemas,
    Resource,
    json_response,
    raw_body,
)

if TYPE_CHECKING:
    from chalicelib.tickets import open311
    from chalicelib.tickets import open311_schemas as docs
else:
    open311 = lazy("chalicelib.tickets.open311")

schemas = LazySchemas("chalicelib.tickets.open311_schemas")
answers = LazySchemas("chalicelib.tickets.open311_responses")
FORM = "application/x-www-form-urlencoded"
OUT_OF_SCOPE = "The jurisdiction is outside the caller's scope"
UNKNOWN_JURISDICTION = "No such jurisdiction, or (with a token) outside the caller's scope"
BAD_TOKEN = "A token was sent and does not verify (no token is needed)"


def open311_error(err: FanglinError) -> Response:
    """A domain error as Open311 answers it, with the status and headers (Retry-After,
    WWW-Authenticate) the API gives it. Raises ``err`` when no status maps it."""
    chalice_shaped = to_response(err)
    headers = {k: str(v) for k, v in chalice_shaped.headers.items()
               if k.lower() != "content-type"}
    status = chalice_shaped.status_code
    return json_response(open311.error_entries(err, status), status, headers)


bp = Resource(__name__, error_shape=ErrorShape(open311_error, answers.Open311Errors))


@bp.route("/open311/v2/discovery.json", public=True,
          summary="Open311 GeoReport v2 discovery: where the endpoint is and what it speaks",
          response=answers.Open311Discovery)
def open311_discovery() -> dict[str, Any]:
    request = bp.current_request
    return open311.discover(request.headers, request.context)


@bp.route("/open311/v2/services.json", public=True, query=schemas.ServicesQuery,
          responses={401: BAD_TOKEN, 404: UNKNOWN_JURISDICTION},
          summary="Open311 services: the ticket categories residents can report. Without a "
                  "token jurisdiction_id is required; with one it is the caller's by default",
          response=answers.Open311Services)
def open311_services(query: docs.ServicesQuery) -> list[dict[str, Any]]:
    header = bp.current_request.headers.get("authorization")
    return open311.services(authenticate(header) if header else None, query)


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
