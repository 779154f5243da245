"""The access matrix (issue 12, item 2): every route of the app × 13 identities, each cell's
status checked on real objects (``access_matrix_table.ROWS``). A route without a row, or a row
without a route, fails ``test_every_route_has_exactly_one_row``."""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any
from unittest import mock

import pytest

from app import app
from chalicelib.core import cache
from chalicelib.web.routing import ROUTES
from tests.integration.access_matrix_table import (
    ATTENDANCE_AT,
    BAD_TOKENS,
    DISAGREEMENTS,
    IDENTITIES,
    PEOPLE,
    ROWS,
    Row,
)
from tests.integration.access_matrix_world import build
from tests.integration.conftest import Api, EmbeddedAws
from tests.tokens import new_key

assert app  # the routes register on import
PUBLIC = {(r.method, r.path) for r in ROUTES if r.public}
BY_KEY = {row.key: row for row in ROWS}
IDS: dict[str, Any] = {}


def test_every_route_has_exactly_one_row() -> None:
    routes = Counter((r.method, r.path) for r in ROUTES)
    rows = Counter(row.key for row in ROWS)
    assert [key for key, n in rows.items() if n > 1] == [], "routes with two rows"
    assert sorted(set(routes) - set(rows)) == [], "routes without a row in the access matrix"
    assert sorted(set(rows) - set(routes)) == [], "rows without a route"


class Cells:
    def __init__(self, api: Api, embedded: EmbeddedAws) -> None:
        self.api = api
        self.embedded = embedded
        issuer = api.issuer
        self.dirty = True
        self.bad = {
            "forged": issuer.token("lin", ("resident", "owner"), key=new_key()),
            "expired": issuer.token("lin", ("resident", "owner"), exp=1_000_000_000,
                                    iat=999_999_000),
            "wrong_audience": issuer.token("lin", ("resident", "owner"), aud="someone-else"),
        }

    def fresh(self) -> None:
        self.embedded.start_from("access-matrix", lambda: build(self.api, IDS))
        cache.reset()

    def call(self, row: Row, identity: str) -> Any:
        if self.dirty:
            self.fresh()
        url = re.sub(r"\{(\w+)\}", lambda m: str(IDS[row.use.get(m[1], m[1])]), row.path)
        body = row.body_for.get(identity, row.body)
        if callable(body):
            body = body(IDS)
        headers = {"Content-Type": "application/json", **row.headers}
        if identity in PEOPLE:
            headers.update(self.api.headers(PEOPLE[identity], row.headers))
        elif identity != "anonymous":
            headers["Authorization"] = f"Bearer {self.bad[identity]}"
        data = row.raw if row.raw is not None else (
            json.dumps(body).encode() if body is not None else b"")
        with ExitStack() as stack:
            for target in row.clock:
                stack.enter_context(mock.patch(target, return_value=ATTENDANCE_AT))
            response = self.api.client.http.request(row.method, url + row.query,
                                                    headers=headers, body=data)
        # a refused request changes nothing (SPEC), so only a write that succeeded needs the
        # world put back before the next cell
        self.dirty = row.method != "GET" and response.status_code < 300
        return response


def test_each_disagreement_with_spec_names_a_cell_that_differs_from_spec() -> None:
    for (method, path, identity), (spec_status, why) in DISAGREEMENTS.items():
        assert why
        assert spec_status not in BY_KEY[method, path].statuses()[identity], (method, path)


@pytest.fixture
def cells(api: Api, embedded_aws: EmbeddedAws) -> Iterator[Cells]:
    yield Cells(api, embedded_aws)


def expected(row: Row, identity: str) -> frozenset[int]:
    if identity == "anonymous" or (identity in BAD_TOKENS and row.bad_token is None):
        return frozenset({200 if row.key in PUBLIC else 401})
    if identity in BAD_TOKENS and row.bad_token is not None:
        return frozenset({row.bad_token})
    return row.statuses()[identity]


@pytest.mark.parametrize("key", [row.key for row in ROWS], ids=" ".join)
def test_route_answers_every_identity_as_the_matrix_says(cells: Cells,
                                                         key: tuple[str, str]) -> None:
    row = BY_KEY[key]
    wrong = {}
    for identity in IDENTITIES:
        response = cells.call(row, identity)
        if response.status_code not in expected(row, identity):
            wrong[identity] = (sorted(expected(row, identity)), response.status_code,
                               response.body[:160])
    assert wrong == {}
