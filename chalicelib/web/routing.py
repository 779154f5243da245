"""Blueprints whose routes authenticate, parse and map domain errors the same way.

``Resource.route`` wraps a view so that it receives ``caller`` (unless the route is public) and,
when the route declares a body model, ``body`` already validated; any domain error it raises
becomes the matching HTTP error, in Chalice's shape unless the blueprint has its own
``ErrorShape``. Each route is recorded in ``ROUTES`` for the OpenAPI document.
"""
from __future__ import annotations

import functools
import importlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalice import Blueprint, Response

from chalicelib.core import errors, observability
from chalicelib.identity.caller import Caller
from chalicelib.identity.tokens import authenticate
from chalicelib.web.errors import dependency_outage, to_response

JSON = "application/json"
MAX_JSON_BODY = 64 * 1024
# The pydantic context of a request body, so a validator can hold new input to rules that a
# stored document read back is not held to.
REQUEST_CONTEXT = {"source": "request"}


@dataclass(frozen=True)
class RouteSpec:
    path: str
    method: str
    name: str
    summary: str
    public: bool
    body: Any
    query: Any
    status: int
    content_types: tuple[str, ...]
    response: Any = None
    responses: dict[int, str] = field(default_factory=dict)
    documented_body: Any = None
    headers: tuple[dict[str, Any], ...] = ()
    error_model: Any = None
    links: dict[str, str] = field(default_factory=dict)

    def success_models(self) -> dict[int, Any]:
        """``{status: model or None}`` of the answers this route gives when it succeeds."""
        if isinstance(self.response, dict):
            return dict(self.response)
        return {self.status: self.response}

    @property
    def body_model(self) -> Any:
        """The JSON body it takes: validated by the route, or parsed by the view itself."""
        return self.body if self.body is not None else self.documented_body


ROUTES: list[RouteSpec] = []


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False, default=str),
        status_code=status,
        headers={"Content-Type": JSON, **(headers or {})},
    )


def raw_body(request: Any) -> bytes:
    raw = request.raw_body or b""
    return raw.encode() if isinstance(raw, str) else bytes(raw)


def _validation_details(err: Any) -> list[dict[str, Any]]:
    details = []
    for e in err.errors(include_url=False, include_input=False):
        details.append({
            "field": ".".join(str(p) for p in e["loc"]) or "(body)",
            "message": e["msg"],
            "type": e["type"],
        })
    return details


_FRACTION_OR_EXPONENT = re.compile(rb"[0-9][.eE]")
_EXACT_INTEGERS = 2 ** 53


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < _EXACT_INTEGERS else value


def integral_numbers(raw: bytes) -> bytes:
    """``raw`` JSON with each number of integral value (``3.0``, ``3e2``) written as an integer:
    JSON Schema's ``integer`` is any number without a fraction, and the document says so."""
    if not _FRACTION_OR_EXPONENT.search(raw):
        return raw
    try:
        return json.dumps(json.loads(raw, parse_float=_number)).encode()
    except (ValueError, RecursionError):
        return raw


def parse_model(model: Any, raw: bytes | str, what: str) -> Any:
    """Validate ``raw`` JSON against a pydantic model. Raises InvalidInputError."""
    from pydantic import ValidationError

    model = resolve_model(model)
    data = integral_numbers(raw.encode() if isinstance(raw, str) else raw)
    try:
        return model.model_validate_json(data or b"{}", strict=True,
                                         context=dict(REQUEST_CONTEXT))
    except ValidationError as err:
        raise errors.InvalidInputError(f"invalid {what}", _validation_details(err)) from err


def parse_query(model: Any, params: dict[str, str] | None) -> Any:
    """Validate query parameters (strings, coerced by the model). Raises InvalidInputError."""
    from pydantic import ValidationError

    model = resolve_model(model)
    try:
        return model.model_validate(dict(params or {}))
    except ValidationError as err:
        details = _validation_details(err)
        raise errors.InvalidInputError("invalid query parameters", details) from err


class LazySchemas:
    """``LazySchemas("chalicelib.tickets.schemas").NewTicket`` names a model without importing
    pydantic at cold start; the route resolves it on first use."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> str:
        return f"{self._module}:{name}"


def resolve_model(ref: Any) -> Any:
    """A pydantic model given as a class or as ``"module:Class"`` (imported on first use)."""
    if not isinstance(ref, str):
        return ref
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class ErrorShape:
    """How a blueprint's routes answer errors: ``render`` makes the response of a domain error
    (raising what it does not map), ``model`` documents its body in the OpenAPI document."""

    render: Callable[[errors.FanglinError], Response]
    model: Any


def check_headers(declared: tuple[dict[str, Any], ...], given: Any) -> None:
    """Each declared header that is sent matches its schema (length and pattern), so that every
    route reading it refuses the same values. Raises InvalidInputError."""
    for header in declared:
        value = given.get(header["name"].lower())
        if value is None:
            continue
        schema = header["schema"]
        if not (schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value))
                and re.search(schema.get("pattern", ""), value)):
            raise errors.InvalidInputError(
                f"invalid {header['name']} header",
                [{"field": header["name"],
                  "message": f"{schema.get('minLength', 0)} to {schema.get('maxLength')} "
                             f"characters matching {schema.get('pattern')}"}])


def _accepts(content_type: str, accepted: tuple[str, ...]) -> bool:
    """Chalice's test: a ``,`` or ``;`` separated part of the header is an accepted type."""
    parts = {part.strip().lower() for part in re.split("[,;]", content_type)}
    return "*/*" in content_type or bool(parts & {a.lower() for a in accepted})


class Resource(Blueprint):
    def __init__(self, import_name: str, error_shape: ErrorShape | None = None) -> None:
        """``error_shape`` answers every error of the blueprint's routes, unsupported media
        types included (the routes check them instead of Chalice); Chalice's shape without."""
        super().__init__(import_name)
        self.error_shape = error_shape

    def route(  # type: ignore[override]
        self,
        path: str,
        methods: tuple[str, ...] | list[str] = ("GET",),
        *,
        summary: str,
        public: bool = False,
        body: Any = None,
        query: Any = None,
        status: int = 200,
        content_types: tuple[str, ...] = (JSON,),
        max_body: int = MAX_JSON_BODY,
        response: Any = None,
        responses: dict[int, str] | None = None,
        documented_body: Any = None,
        headers: tuple[dict[str, Any], ...] = (),
        links: dict[str, str] | None = None,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Declare a route: ``response`` is the model of its success answer (or ``{status:
        model or None}``), ``responses`` describes further statuses, ``documented_body`` a JSON
        body the view parses itself, ``headers`` request headers it reads beyond Authorization.
        ``links`` names the ids its answer carries, ``{path parameter: JSON pointer into the
        answer}``: the document links the answer to every route taking that path parameter.
        """
        shape = self.error_shape
        render = shape.render if shape is not None else to_response

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def handler(**params: str) -> Response:
                request = self.current_request
                try:
                    given = request.headers.get("content-type", JSON)
                    if shape is not None and not _accepts(given, content_types):
                        raise errors.UnsupportedMediaTypeError(f"Unsupported media type: {given}")
                    kwargs: dict[str, Any] = dict(params)
                    if not public:
                        kwargs["caller"] = authenticate(request.headers.get("authorization"))
                    check_headers(headers, request.headers)
                    raw = raw_body(request)
                    if len(raw) > max_body:
                        raise errors.PayloadTooLargeError(f"body over {max_body} bytes")
                    if body is not None:
                        kwargs["body"] = parse_model(body, raw, "request body")
                    if query is not None:
                        kwargs["query"] = parse_query(query,
                                                      dict(request.query_params or {}))
                    result = view(**kwargs)
                except errors.FanglinError as err:
                    return render(err)
                except Exception as err:
                    outage = dependency_outage(err)
                    if outage is None:
                        raise
                    observability.logger().warning("dependency unavailable", exc_info=True,
                                                   extra={"dependency": outage.dependency})
                    return render(outage)
                if isinstance(result, Response):
                    return result
                return json_response(result, status)

            for method in methods:
                ROUTES.append(RouteSpec(
                    path=path, method=method, name=view.__name__, summary=summary,
                    public=public, body=body, query=query, status=status,
                    content_types=content_types, response=response,
                    responses=dict(responses or {}), documented_body=documented_body,
                    headers=tuple(headers),
                    error_model=shape.model if shape is not None else None,
                    links=dict(links or {}),
                ))
            accepted = ["*/*"] if shape is not None else list(content_types)
            Blueprint.route(self, path, methods=list(methods), content_types=accepted)(handler)
            return view

        return decorator


IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "A retry with the same key answers the first result (24 hours)",
    "schema": {"type": "string", "minLength": 1, "maxLength": 128,
               "pattern": r"^[!-~]+( [!-~]+)*$"},
}
IDEMPOTENT_CREATE: dict[int, str] = {
    422: "The Idempotency-Key was used with a different body",
    429: "Over the hourly ticket limit; retry after Retry-After seconds",
}

__all__ = ["Caller", "ErrorShape", "IDEMPOTENCY_KEY", "IDEMPOTENT_CREATE", "REQUEST_CONTEXT",
           "ROUTES", "Resource", "json_response"]
