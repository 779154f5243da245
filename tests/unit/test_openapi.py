"""The OpenAPI document matches the app: every route once, request schemas from the routes' own
models, a response model for every operation, and nothing dangling."""
from __future__ import annotations

import re
import subprocess
import sys
import typing
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from openapi_spec_validator import validate

from chalicelib.web import openapi
from chalicelib.web.routing import ROUTES, RouteSpec, resolve_model

ROUTE_METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def chalice_app() -> Any:
    from app import app

    return app


@pytest.fixture(scope="module")
def doc(chalice_app: Any) -> dict[str, Any]:
    return openapi.document()


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in ROUTE_METHODS:
                yield path, method.upper(), operation


def operation(doc: dict[str, Any], op_id: str) -> dict[str, Any]:
    return next(op for _, _, op in operations(doc) if op["operationId"] == op_id)


def routes_by_id() -> dict[str, RouteSpec]:
    return dict(zip(openapi.operation_ids(ROUTES), ROUTES, strict=True))


def component(doc: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]]


def field_names(model: Any) -> set[str]:
    fields = resolve_model(model).model_fields
    return {f.alias or name for name, f in fields.items()}


def item_model(model: Any) -> Any:
    """The model whose fields an answer has; an array answer (a RootModel of a list, as Open311
    answers) by its items."""
    model = resolve_model(model)
    if getattr(model, "__pydantic_root_model__", False):
        return typing.get_args(model.model_fields["root"].annotation)[0]
    return model


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    validate(doc)
    assert doc["openapi"].startswith("3.1")


def test_every_route_of_the_app_is_one_operation_and_back(
        doc: dict[str, Any], chalice_app: Any) -> None:
    served = Counter((path, method) for path, methods in chalice_app.routes.items()
                     for method in methods)
    declared = Counter((r.path, r.method) for r in ROUTES)
    documented = Counter((path, method) for path, method, _ in operations(doc))
    assert declared == served, "a route is served without Resource.route, or not registered"
    assert documented == declared
    assert max(declared.values()) == 1


def test_operation_ids_are_unique(doc: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(doc)]
    assert len(ids) == len(set(ids))


def test_every_operation_has_a_response_model_and_every_model_a_route(
        doc: dict[str, Any]) -> None:
    undeclared = [op for op, route in routes_by_id().items() if route.response is None]
    assert undeclared == [], "routes that declare no response model"
    documented = {op["operationId"] for _, _, op in operations(doc)}
    assert documented == set(routes_by_id())


def test_response_models_resolve_and_forbid_unknown_fields() -> None:
    for op_id, route in routes_by_id().items():
        for model in route.success_models().values():
            if model is not None and op_id != "get_openapi":
                assert item_model(model).model_config.get("extra") == "forbid", op_id


def test_success_answers_name_the_route_status_and_its_model(doc: dict[str, Any]) -> None:
    for op_id, route in routes_by_id().items():
        responses = operation(doc, op_id)["responses"]
        assert str(route.status) in responses
        for status, model in route.success_models().items():
            content = responses[str(status)].get("content", {})
            if model is None:
                assert content == {}
                continue
            schema = component(doc, content["application/json"]["schema"])
            assert schema["title"] == resolve_model(model).__name__
            if schema.get("type") == "array":
                schema = component(doc, schema["items"])
            assert set(schema["properties"]) == field_names(item_model(model))


def test_request_bodies_are_the_routes_own_models(doc: dict[str, Any]) -> None:
    for op_id, route in routes_by_id().items():
        model = route.body_model
        body = operation(doc, op_id).get("requestBody")
        if model is None:
            assert body is None or "application/json" not in body["content"], op_id
            continue
        assert body is not None, op_id
        schema = component(doc, body["content"]["application/json"]["schema"])
        fields = resolve_model(model).model_fields
        assert set(schema["properties"]) == field_names(model), op_id
        assert set(schema.get("required", ())) == {
            f.alias or n for n, f in fields.items() if f.is_required()}


def test_new_ticket_is_described_by_its_model(doc: dict[str, Any]) -> None:
    from chalicelib.tickets.schemas import NewTicket

    body = operation(doc, "create_ticket")["requestBody"]
    assert body["required"] is True
    schema = component(doc, body["content"]["application/json"]["schema"])
    expected = NewTicket.model_json_schema(ref_template=openapi.REF)
    assert schema["properties"] == expected["properties"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["photos"]["maximum"] == 9


def test_query_and_path_parameters(doc: dict[str, Any]) -> None:
    for op_id, route in routes_by_id().items():
        params = operation(doc, op_id).get("parameters", [])
        path = {p["name"] for p in params if p["in"] == "path"}
        query = {p["name"] for p in params if p["in"] == "query"}
        assert path == set(re.findall(r"{(\w+)}", route.path)), op_id
        assert all(p["required"] for p in params if p["in"] == "path")
        expected = field_names(route.query) if route.query else set()
        assert query == expected, op_id
    listing = {p["name"]: p for p in operation(doc, "list_tickets")["parameters"]}
    assert listing["limit"]["schema"]["maximum"] == 100
    assert listing["status"]["schema"]["type"] == "string"


def test_media_types_of_the_photo_and_unit_import_routes(doc: dict[str, Any]) -> None:
    photo = operation(doc, "add_photo")
    assert {"application/json", "image/jpeg", "image/png", "image/webp"} <= set(
        photo["requestBody"]["content"])
    assert photo["requestBody"]["required"] is False
    assert {"201", "202"} <= set(photo["responses"])
    units = operation(doc, "import_units")["requestBody"]["content"]
    assert set(units) == {"application/json", "text/csv"}
    assert component(doc, units["application/json"]["schema"])["title"] == "UnitBatch"


def test_security_unless_public(doc: dict[str, Any]) -> None:
    scheme = doc["components"]["securitySchemes"][openapi.SECURITY_SCHEME]
    assert scheme == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    for op_id, route in routes_by_id().items():
        op = operation(doc, op_id)
        if route.public:
            assert op["security"] == [], op_id
            assert "401" not in op["responses"] or 401 in route.responses, op_id
        else:
            assert op["security"] == [{openapi.SECURITY_SCHEME: []}], op_id
            assert "401" in op["responses"], op_id
    assert operation(doc, "get_openapi")["security"] == []


def test_error_answers_use_the_error_body(doc: dict[str, Any]) -> None:
    for path, _, op in operations(doc):
        body = "Open311Errors" if path.startswith("/open311/") else "ErrorBody"
        for status, answer in op["responses"].items():
            if int(status) >= 400:
                schema = answer["content"]["application/json"]["schema"]
                assert schema == {"$ref": f"#/components/schemas/{body}"}, (op["operationId"],
                                                                             status)
    for op_id in ("acknowledge", "resolve", "reopen", "close", "reject", "duplicate", "comment"):
        assert {"400", "401", "403", "404", "409", "413", "415"} <= set(
            operation(doc, op_id)["responses"]), op_id
    created = operation(doc, "create_ticket")["responses"]
    assert {"400", "401", "403", "409", "413", "415", "422", "429"} <= set(created)
    assert "Retry-After" in created["429"]["headers"]
    assert "400" in operation(doc, "list_tickets")["responses"]
    assert "409" not in operation(doc, "get_ticket")["responses"]


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_no_dangling_refs(doc: dict[str, Any]) -> None:
    found = set(refs(doc))
    assert found
    for ref in found:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[-1] in doc["components"]["schemas"], ref


def test_tags_are_the_first_path_segment(doc: dict[str, Any]) -> None:
    assert operation(doc, "get_ticket")["tags"] == ["tickets"]
    assert operation(doc, "list_categories")["tags"] == ["communities"]
    assert operation(doc, "get_openapi")["tags"] == ["openapi"]
    assert {t["name"] for t in doc["tags"]} == {
        tag for _, _, op in operations(doc) for tag in op["tags"]}


def test_a_view_serving_two_methods_gets_two_operation_ids() -> None:
    base: dict[str, Any] = dict(path="/things/{thing_id}", name="thing", summary="A thing",
                                public=False, body=None, query=None, status=200,
                                content_types=("application/json",))
    routes = [RouteSpec(method="GET", **base), RouteSpec(method="PUT", **base)]
    doc = openapi.document(routes)
    item = doc["paths"]["/things/{thing_id}"]
    assert (item["get"]["operationId"], item["put"]["operationId"]) == ("thing_get", "thing_put")
    assert "content" not in item["get"]["responses"]["200"]
    validate(doc)


def test_statuses_a_route_declares_are_documented() -> None:
    route = RouteSpec(path="/things", method="DELETE", name="drop", summary="Drop", public=True,
                      body=None, query=None, status=204, content_types=("application/json",),
                      responses={429: "Slow down", 304: "Unchanged"})
    answers = openapi.document([route])["paths"]["/things"]["delete"]
    assert set(answers["responses"]) == {"204", "304", "409", "429", "503"}
    assert answers["responses"]["429"]["description"] == "Slow down"
    assert "content" not in answers["responses"]["304"]
    assert answers["security"] == []


def test_importing_the_document_module_leaves_pydantic_unloaded() -> None:
    code = ("import sys, chalicelib.web.openapi, chalicelib.web.docs; "
            "sys.exit('pydantic' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def pointer_target(doc: dict[str, Any], schema: dict[str, Any], pointer: str) -> dict[str, Any]:
    """The schema a JSON pointer into an answer reaches (``items/0`` walks into an array)."""
    for part in pointer.strip("/").split("/"):
        while "$ref" in schema:
            schema = component(doc, schema)
        if part.isdigit():
            schema = schema["items"]
        else:
            schema = schema["properties"][part]
    while "$ref" in schema:
        schema = component(doc, schema)
    return schema


def test_links_lead_from_each_id_an_answer_declares_to_every_route_taking_it(
        doc: dict[str, Any]) -> None:
    by_id = routes_by_id()
    declaring = {op: route for op, route in by_id.items() if route.links}
    assert {"create_ticket", "publish_notice", "create_guide", "create_activity",
            "create_reward", "redeem_reward", "post_task", "open_poll", "cast_ballot",
            "register_device", "create_estate"} <= set(declaring)
    for op_id, route in declaring.items():
        answer = operation(doc, op_id)["responses"][str(route.status)]
        schema = answer["content"]["application/json"]["schema"]
        for name, pointer in route.links.items():
            assert pointer_target(doc, schema, pointer).get("type") == "string", (op_id, name)
        takers = {op for op, r in by_id.items() if r is not route
                  and set(re.findall(r"{(\w+)}", r.path)) & set(route.links)
                  and set(re.findall(r"{(\w+)}", r.path)) <= set(route.links) | set(
                      re.findall(r"{(\w+)}", route.path))}
        assert set(answer["links"]) == takers, op_id
        for target, link in answer["links"].items():
            assert link["operationId"] == target
            wanted = {f"path.{p}" for p in re.findall(r"{(\w+)}", by_id[target].path)}
            assert set(link["parameters"]) == wanted, (op_id, target)
    ticket_links = operation(doc, "create_ticket")["responses"]["201"]["links"]
    assert {"get_ticket", "acknowledge", "resolve", "reopen", "close", "reject", "duplicate",
            "comment", "follow", "add_photo"} == set(ticket_links)
    assert ticket_links["get_ticket"]["parameters"] == {
        "path.ticket_id": "$response.body#/ticket/ticket_id"}
    receipt = operation(doc, "cast_ballot")["responses"]["201"]["links"]["check_receipt"]
    assert receipt["parameters"] == {"path.poll_id": "$request.path.poll_id",
                                     "path.receipt": "$response.body#/receipt"}


def test_path_parameters_say_what_an_id_looks_like(doc: dict[str, Any]) -> None:
    from chalicelib.core.documents import ID_PATTERN

    for _, _, op in operations(doc):
        for param in op.get("parameters", []):
            if param["in"] == "path":
                assert param["schema"] == {"type": "string", "pattern": ID_PATTERN}


@pytest.mark.parametrize("raw, expected", [
    (b'{"rating": 4.0}', {"rating": 4}), (b'{"n": 3e2, "x": 0.5}', {"n": 300, "x": 0.5}),
    (b'{"big": 1e300}', {"big": 1e300}), (b'{"t": "4.0"}', {"t": "4.0"})])
def test_integral_numbers_become_integers(raw: bytes, expected: dict[str, Any]) -> None:
    import json

    from chalicelib.web.routing import integral_numbers

    assert json.loads(integral_numbers(raw)) == expected
    assert integral_numbers(b'{"rating": 4}') == b'{"rating": 4}'
    assert integral_numbers(b"{not json 1.0") == b"{not json 1.0"


def test_schemas_use_json_schema_keywords_only(doc: dict[str, Any]) -> None:
    """A pydantic constraint pydantic could not place (``Field(ge=...)`` on an annotated union)
    lands in the schema under its own name, where JSON Schema ignores it."""
    pydantic_only = {"ge", "le", "gt", "lt", "min_length", "max_length", "multiple_of",
                     "allow_inf_nan", "strict"}

    def walk(node: Any, parent: str) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in pydantic_only and parent not in ("properties", "patternProperties"):
                    yield key
                yield from walk(value, key)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value, parent)

    assert list(walk(doc, "")) == []
    lat = doc["components"]["schemas"]["Location"]["properties"]["lat"]["anyOf"][0]
    assert (lat["minimum"], lat["maximum"]) == (-90, 90)


def test_a_form_body_is_described_by_the_same_model(doc: dict[str, Any]) -> None:
    content = operation(doc, "open311_create_request")["requestBody"]["content"]
    form = content["application/x-www-form-urlencoded"]["schema"]
    assert form == content["application/json"]["schema"]
    assert component(doc, form)["anyOf"]


def test_date_and_time_patterns_say_what_the_validators_accept() -> None:
    from datetime import date

    from pydantic import TypeAdapter

    from chalicelib.core.documents import DATE_PATTERN, TIMESTAMP_PATTERN, Timestamp

    for year in (1, 4, 100, 400, 1900, 2000, 2023, 2024, 2100, 9999):
        for month, day in ((1, 31), (2, 28), (2, 29), (2, 30), (4, 30), (4, 31), (13, 1)):
            text = f"{year:04d}-{month:02d}-{day:02d}"
            try:
                real = date.fromisoformat(text) is not None
            except ValueError:
                real = False
            assert bool(re.match(DATE_PATTERN, text)) == real, text
    assert not re.match(DATE_PATTERN, "0000-01-01")
    stamps = TypeAdapter(Timestamp)
    for text in ("2001-01-01T00:00-23:59", "2098-12-31T23:59:59.999999+23:59",
                 "2024-02-29T08:00:00Z", "2026-10-01T08:00:00+08:00"):
        assert re.match(TIMESTAMP_PATTERN, text), text
        stamps.validate_python(text)
    for text in ("2026-02-29T08:00Z", "2026-10-01T08:00:00", "2099-06-01T00:00Z", "0.5"):
        assert not re.match(TIMESTAMP_PATTERN, text), text
