"""The OpenAPI 3.1 document of the API, built from the declared routes (``routing.ROUTES``).

Requests are described by each route's own body and query models, so the document cannot drift
from validation. Responses come from ``RESPONSES``, one entry per operation, which the
integration tests check against real answers. Pydantic is imported only when a document is built.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, Literal

from chalicelib.web.routing import JSON, ROUTES, LazySchemas, RouteSpec, resolve_model

views = LazySchemas("chalicelib.web.responses")
ticket_docs = LazySchemas("chalicelib.tickets.schemas")
directory_docs = LazySchemas("chalicelib.directory.schemas")
sla_docs = LazySchemas("chalicelib.tickets.sla_policy")
open311_docs = LazySchemas("chalicelib.tickets.open311_schemas")

REF = "#/components/schemas/{model}"
ERROR_BODY = views.ErrorBody
SECURITY_SCHEME = "BearerAuth"
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
Mode = Literal["validation", "serialization"]

# operationId -> the model of its success answer, or {status: model or None} when a route answers
# several success statuses (None: no body). Models may be classes or "module:Class" references.
RESPONSES: dict[str, Any] = {
    "get_openapi": views.OpenApiDocument,
    "get_me": views.Me,
    "list_categories": views.CategoryList,
    "create_community": views.CreatedCommunity,
    "get_community": views.CommunityView,
    "create_street": views.CreatedStreet,
    "create_company": views.CreatedCompany,
    "create_estate": views.CreatedEstate,
    "add_buildings": views.BuildingsAdded,
    "import_units": views.UnitsImported,
    "create_grid": views.CreatedGrid,
    "list_grids": views.GridList,
    "create_ticket": views.CreatedTicket,
    "list_tickets": views.TicketList,
    "get_ticket": views.TicketDetail,
    "acknowledge": views.TicketDetail,
    "resolve": views.TicketDetail,
    "reopen": views.TicketDetail,
    "close": views.TicketDetail,
    "reject": views.TicketDetail,
    "duplicate": views.TicketDetail,
    "comment": views.TicketDetail,
    "add_photo": {201: views.UploadSlot, 202: views.DirectUpload},
    "nearby": views.TicketList,
    "follow": views.Following,
    "get_inbox": views.Inbox,
    "get_sla_policy": sla_docs.SlaPolicyDoc,
    "put_sla_policy": sla_docs.SlaPolicyDoc,
    "get_stats": views.Stats,
    "open311_discovery": views.Open311Discovery,
    "open311_services": views.Open311Services,
    "open311_create_request": views.Open311Receipts,
    "open311_list_requests": views.Open311Requests,
    "open311_get_request": views.Open311Requests,
}

# Routes that parse their JSON body themselves (they also take another media type).
BODIES: dict[str, Any] = {
    "add_photo": ticket_docs.NewPhoto,
    "import_units": directory_docs.UnitBatch,
    "open311_create_request": open311_docs.NewRequest,
}

# Statuses a route answers beyond what its declaration implies (routes may also declare them
# with ``responses=``), with their descriptions.
EXTRA_RESPONSES: dict[str, dict[int, str]] = {
    "create_ticket": {
        422: "The Idempotency-Key was used with a different body",
        429: "Over the hourly ticket limit; retry after Retry-After seconds",
    },
    "add_photo": {202: "The image body is stored and will be processed"},
    "open311_create_request": {
        422: "The Idempotency-Key was used with a different body",
        429: "Over the hourly ticket limit; retry after Retry-After seconds",
    },
}

# Request headers a route reads, beyond Authorization.
HEADERS: dict[str, list[dict[str, Any]]] = {
    "create_ticket": [{
        "name": "Idempotency-Key", "in": "header", "required": False,
        "description": "A retry with the same key answers the first result (24 hours)",
        "schema": {"type": "string", "maxLength": 128},
    }],
}
HEADERS["open311_create_request"] = HEADERS["create_ticket"]

ERRORS: dict[int, str] = {
    400: "Invalid input; details name the fields at fault",
    401: "Missing or invalid bearer token",
    403: "The caller's role does not allow this",
    404: "Not found, or outside the caller's scope",
    409: "Conflicts with the current state (a refused transition names the status)",
    413: "The request body is too large",
    415: "Unsupported Content-Type",
    422: "Well-formed but cannot be processed",
    429: "Too many requests; retry after Retry-After seconds",
}
ERROR_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
}


def operation_ids(routes: Sequence[RouteSpec]) -> list[str]:
    """The route's view name, suffixed with the method when one view serves several methods."""
    counts = Counter(r.name for r in routes)
    return [r.name if counts[r.name] == 1 else f"{r.name}_{r.method.lower()}" for r in routes]


def tag(path: str) -> str:
    return path.strip("/").split("/")[0].split(".")[0] or "root"


def success_models(entry: Any, status: int) -> dict[int, Any]:
    """``{status: model or None}`` from a RESPONSES entry (absent: one answer without a model)."""
    if isinstance(entry, Mapping):
        return dict(entry)
    return {status: entry}


class _Schemas:
    """Generates every model's JSON schema in one pass, so shared models become one component
    and name clashes are resolved by pydantic."""

    def __init__(self, models: Iterable[tuple[Any, Mode]]) -> None:
        from pydantic.json_schema import models_json_schema

        keys = list(dict.fromkeys((resolve_model(m), mode) for m, mode in models))
        refs, top = models_json_schema(keys, ref_template=REF)
        self._refs: dict[tuple[Any, Mode], dict[str, Any]] = dict(refs)
        self.components: dict[str, Any] = top.get("$defs", {})

    def ref(self, model: Any, mode: Mode = "serialization") -> dict[str, Any]:
        return dict(self._refs[(resolve_model(model), mode)])

    def properties(self, model: Any) -> tuple[dict[str, Any], set[str]]:
        name = self.ref(model, "validation")["$ref"].rsplit("/", 1)[-1]
        schema = self.components[name]
        return schema.get("properties", {}), set(schema.get("required", ()))


def _models(routes: Sequence[RouteSpec], ids: Sequence[str],
            responses: Mapping[str, Any]) -> Iterable[tuple[Any, Mode]]:
    yield ERROR_BODY, "serialization"
    for route, op in zip(routes, ids, strict=True):
        for model in (route.body, route.query, BODIES.get(op)):
            if model is not None:
                yield model, "validation"
        for model in success_models(responses.get(op), route.status).values():
            if model is not None:
                yield model, "serialization"


def _parameters(route: RouteSpec, op: str, schemas: _Schemas) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", route.path)
    ]
    if route.query is not None:
        properties, required = schemas.properties(route.query)
        for name, schema in properties.items():
            param = {"name": name, "in": "query", "required": name in required,
                     "schema": _not_null(schema)}
            if "description" in schema:
                param["description"] = schema["description"]
            params.append(param)
    return params + HEADERS.get(op, [])


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent rather than null: ``anyOf [T, null]`` becomes ``T``."""
    options = [s for s in schema.get("anyOf", ()) if s != {"type": "null"}]
    if len(options) != 1 or len(schema["anyOf"]) != 2:
        return schema
    rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    return {**options[0], **rest}


def _media(content_type: str, model: Any, schemas: _Schemas) -> dict[str, Any] | None:
    if content_type == JSON:
        return {"schema": schemas.ref(model, "validation")} if model is not None else None
    if content_type.startswith("text/"):
        return {"schema": {"type": "string"}}
    return {}


def _request_body(route: RouteSpec, op: str, schemas: _Schemas) -> dict[str, Any] | None:
    model = route.body if route.body is not None else BODIES.get(op)
    content = {}
    for content_type in route.content_types:
        media = _media(content_type, model, schemas)
        if media is not None:
            content[content_type] = media
    if not content:
        return None
    required = bool(schemas.properties(model)[1]) if model is not None else True
    return {"required": required, "content": content}


def _declared(route: RouteSpec, op: str) -> dict[int, str]:
    return {**route.responses, **EXTRA_RESPONSES.get(op, {})}


def _error_statuses(route: RouteSpec, op: str, has_body: bool) -> dict[int, str]:
    statuses: set[int] = set()
    if has_body or route.query is not None:
        statuses.add(400)
    if not route.public:
        statuses |= {401, 403}
    if "{" in route.path:
        statuses.add(404)
    if route.method in MUTATING:
        statuses.add(409)
    if has_body:
        statuses |= {413, 415}
    found = {s: ERRORS.get(s, HTTPStatus(s).phrase) for s in statuses}
    found.update({s: d for s, d in _declared(route, op).items() if s >= 400})
    return dict(sorted(found.items()))


def _json(model: Any, schemas: _Schemas) -> dict[str, Any]:
    return {JSON: {"schema": schemas.ref(model)}}


def _responses(route: RouteSpec, op: str, entry: Any, has_body: bool,
               schemas: _Schemas) -> dict[str, Any]:
    declared = _declared(route, op)
    successes = success_models(entry, route.status)
    successes.update({s: None for s in declared if s < 400 and s not in successes})
    answers: dict[str, Any] = {}
    for status, model in sorted(successes.items()):
        default = route.summary if status == route.status else HTTPStatus(status).phrase
        answer: dict[str, Any] = {"description": declared.get(status, default)}
        if model is not None:
            answer["content"] = _json(model, schemas)
        answers[str(status)] = answer
    for status, description in _error_statuses(route, op, has_body).items():
        answers[str(status)] = {"description": description, "content": _json(ERROR_BODY, schemas)}
        if status in ERROR_HEADERS:
            answers[str(status)]["headers"] = ERROR_HEADERS[status]
    return answers


def _operation(route: RouteSpec, op: str, entry: Any, schemas: _Schemas) -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": op, "summary": route.summary,
                                 "tags": [tag(route.path)]}
    params = _parameters(route, op, schemas)
    if params:
        operation["parameters"] = params
    body = _request_body(route, op, schemas)
    if body is not None:
        operation["requestBody"] = body
    operation["responses"] = _responses(route, op, entry, body is not None, schemas)
    operation["security"] = [] if route.public else [{SECURITY_SCHEME: []}]
    return operation


def document(routes: Sequence[RouteSpec] = ROUTES, title: str = "Fanglin",
             version: str = "0.1.0", responses: Mapping[str, Any] = RESPONSES) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``routes``; a route missing from ``responses`` is documented
    without a response schema (the unit tests refuse that)."""
    routes = list(routes)
    ids = operation_ids(routes)
    schemas = _Schemas(_models(routes, ids, responses))
    paths: dict[str, dict[str, Any]] = {}
    for route, op in zip(routes, ids, strict=True):
        operation = _operation(route, op, responses.get(op), schemas)
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version,
                 "description": "Fanglin (芳邻): neighbourhood problem reports and services."},
        "tags": [{"name": t} for t in sorted({tag(r.path) for r in routes})],
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {SECURITY_SCHEME: {"type": "http", "scheme": "bearer",
                                                  "bearerFormat": "JWT"}},
        },
    }
