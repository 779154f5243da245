"""The OpenAPI 3.1 document of the API, built from the declared routes (``routing.ROUTES``).

Each route declares what it takes and answers (body and query models, ``response``, further
``responses``, ``headers``), so the document cannot drift from validation; the integration tests
check real answers against the declared response models. Pydantic is imported only when a
document is built.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from http import HTTPStatus
from typing import Any, Literal

from chalicelib.web.routing import JSON, ROUTES, LazySchemas, RouteSpec, resolve_model

responses = LazySchemas("chalicelib.web.responses")

REF = "#/components/schemas/{model}"
ERROR_BODY = responses.ErrorBody
FORM = "application/x-www-form-urlencoded"
SECURITY_SCHEME = "BearerAuth"
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
Mode = Literal["validation", "serialization"]

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
    503: "A service the API needs cannot be reached; retry after Retry-After seconds",
}
ERROR_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
    503: {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
}


def operation_ids(routes: Sequence[RouteSpec]) -> list[str]:
    """The route's view name, suffixed with the method when one view serves several methods."""
    counts = Counter(r.name for r in routes)
    return [r.name if counts[r.name] == 1 else f"{r.name}_{r.method.lower()}" for r in routes]


def tag(path: str) -> str:
    return path.strip("/").split("/")[0].split(".")[0] or "root"


class _Schemas:
    """Generates every model's JSON schema in one pass, so shared models become one component
    and name clashes are resolved by pydantic."""

    def __init__(self, models: Iterable[tuple[Any, Mode]]) -> None:
        from pydantic.json_schema import models_json_schema

        keys = list(dict.fromkeys((resolve_model(m), mode) for m, mode in models))
        refs, top = models_json_schema(keys, ref_template=REF)
        self._refs: dict[tuple[Any, Mode], dict[str, Any]] = dict(refs)
        self.components: dict[str, Any] = top.get("$defs", {})
        _close_pattern_properties(self.components)

    def ref(self, model: Any, mode: Mode = "serialization") -> dict[str, Any]:
        return dict(self._refs[(resolve_model(model), mode)])

    def properties(self, model: Any) -> tuple[dict[str, Any], set[str]]:
        name = self.ref(model, "validation")["$ref"].rsplit("/", 1)[-1]
        schema = self.components[name]
        return schema.get("properties", {}), set(schema.get("required", ()))


def _close_pattern_properties(node: Any) -> None:
    """A dict keyed by a constrained type (``dict[Id, X]``) takes no key outside its pattern:
    pydantic writes ``patternProperties`` only, which would let any other key through."""
    if isinstance(node, dict):
        if "patternProperties" in node and "additionalProperties" not in node and (
                "properties" not in node):
            node["additionalProperties"] = False
        for value in node.values():
            _close_pattern_properties(value)
    elif isinstance(node, list):
        for value in node:
            _close_pattern_properties(value)


def error_model(route: RouteSpec) -> Any:
    """The model of the route's error bodies: its blueprint's, else Chalice's shape."""
    return route.error_model if route.error_model is not None else ERROR_BODY


def _models(routes: Sequence[RouteSpec]) -> Iterable[tuple[Any, Mode]]:
    yield ERROR_BODY, "serialization"
    for route in routes:
        yield error_model(route), "serialization"
        for model in (route.body_model, route.query):
            if model is not None:
                yield model, "validation"
        for model in route.success_models().values():
            if model is not None:
                yield model, "serialization"


def path_parameters(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)


def _parameters(route: RouteSpec, schemas: _Schemas) -> list[dict[str, Any]]:
    from chalicelib.core.documents import ID_PATTERN

    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "string", "pattern": ID_PATTERN}}
        for name in path_parameters(route.path)
    ]
    if route.query is not None:
        properties, required = schemas.properties(route.query)
        for name, schema in properties.items():
            param = {"name": name, "in": "query", "required": name in required,
                     "schema": _not_null(schema)}
            if "description" in schema:
                param["description"] = schema["description"]
            params.append(param)
    return params + [dict(h) for h in route.headers]


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent rather than null: ``anyOf [T, null]`` becomes ``T``."""
    options = [s for s in schema.get("anyOf", ()) if s != {"type": "null"}]
    if len(options) != 1 or len(schema["anyOf"]) != 2:
        return schema
    rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    return {**options[0], **rest}


def _media(content_type: str, model: Any, schemas: _Schemas) -> dict[str, Any] | None:
    if content_type in (JSON, FORM):
        return {"schema": schemas.ref(model, "validation")} if model is not None else None
    if content_type.startswith("text/"):
        return {"schema": {"type": "string"}}
    return {}


def _request_body(route: RouteSpec, schemas: _Schemas) -> dict[str, Any] | None:
    model = route.body_model
    content = {}
    for content_type in route.content_types:
        media = _media(content_type, model, schemas)
        if media is not None:
            content[content_type] = media
    if not content:
        return None
    required = bool(schemas.properties(model)[1]) if model is not None else True
    return {"required": required, "content": content}


def _error_statuses(route: RouteSpec, has_body: bool) -> dict[int, str]:
    statuses: set[int] = set()
    if has_body or route.query is not None or route.headers:
        statuses.add(400)
    if not route.public:
        statuses |= {401, 403}
    if "{" in route.path:
        statuses.add(404)
    if route.method in MUTATING:
        statuses.add(409)
    if has_body:
        statuses |= {413, 415}
    statuses.add(503)
    found = {s: ERRORS.get(s, HTTPStatus(s).phrase) for s in statuses}
    found.update({s: d for s, d in route.responses.items() if s >= 400})
    return dict(sorted(found.items()))


def _json(model: Any, schemas: _Schemas) -> dict[str, Any]:
    return {JSON: {"schema": schemas.ref(model)}}


def links(route: RouteSpec, routes: Sequence[RouteSpec], ids: Sequence[str]
          ) -> dict[str, Any]:
    """OpenAPI links from the route's answer to every route that takes an id it declares in
    ``links``; the target's other path parameters come from the route's own path."""
    found: dict[str, Any] = {}
    own = set(path_parameters(route.path))
    for target, op in zip(routes, ids, strict=True):
        wanted = path_parameters(target.path)
        if target is route or not set(wanted) & set(route.links):
            continue
        if not set(wanted) <= set(route.links) | own:
            continue
        parameters = {f"path.{name}": (f"$response.body#{route.links[name]}"
                                       if name in route.links else f"$request.path.{name}")
                      for name in wanted}
        found[op] = {"operationId": op, "parameters": parameters}
    return found


def _responses(route: RouteSpec, has_body: bool, schemas: _Schemas,
               route_links: dict[str, Any]) -> dict[str, Any]:
    declared = route.responses
    successes = route.success_models()
    successes.update({s: None for s in declared if s < 400 and s not in successes})
    answers: dict[str, Any] = {}
    for status, model in sorted(successes.items()):
        default = route.summary if status == route.status else HTTPStatus(status).phrase
        answer: dict[str, Any] = {"description": declared.get(status, default)}
        if model is not None:
            answer["content"] = _json(model, schemas)
        if route_links and status == route.status:
            answer["links"] = route_links
        answers[str(status)] = answer
    for status, description in _error_statuses(route, has_body).items():
        answers[str(status)] = {"description": description,
                                "content": _json(error_model(route), schemas)}
        if status in ERROR_HEADERS:
            answers[str(status)]["headers"] = ERROR_HEADERS[status]
    return answers


def _operation(route: RouteSpec, op: str, schemas: _Schemas,
               route_links: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {"operationId": op, "summary": route.summary,
                                 "tags": [tag(route.path)]}
    params = _parameters(route, schemas)
    if params:
        operation["parameters"] = params
    body = _request_body(route, schemas)
    if body is not None:
        operation["requestBody"] = body
    operation["responses"] = _responses(route, body is not None, schemas, route_links)
    operation["security"] = [] if route.public else [{SECURITY_SCHEME: []}]
    return operation


def document(routes: Sequence[RouteSpec] = ROUTES, title: str = "Fanglin",
             version: str = "0.1.0") -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``routes``, each described by what it declares; a route
    without a ``response`` model is documented without a response schema (the unit tests
    refuse that)."""
    routes = list(routes)
    ids = operation_ids(routes)
    schemas = _Schemas(_models(routes))
    paths: dict[str, dict[str, Any]] = {}
    for route, op in zip(routes, ids, strict=True):
        operation = _operation(route, op, schemas, links(route, routes, ids))
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
