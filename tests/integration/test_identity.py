"""Every route checks identity: no token, a malformed, expired, forged or wrong-audience token
all get 401 before anything else happens (Open311 routes answer in Open311's error shape)."""
import json
import re

import pytest

from app import app
from chalicelib.web.routing import ROUTES
from tests.tokens import new_key


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


PROTECTED = sorted({(r.method, r.path) for r in ROUTES if not r.public})


def test_registry_matches_the_app():
    registered = {(method, path) for path, methods in app.routes.items() for method in methods}
    assert registered == {(r.method, r.path) for r in ROUTES}


@pytest.fixture
def bad_tokens(issuer):
    return {
        "expired": issuer.token("lin", exp=1_000_000_000, iat=999_999_000),
        "wrong audience": issuer.token("lin", aud="someone-else"),
        "forged": issuer.token("lin", key=new_key()),
        "garbage": "abc.def.ghi",
    }


@pytest.mark.parametrize("method,path", PROTECTED)
def test_route_refuses_missing_and_bad_tokens(api, bad_tokens, method, path):
    url = concrete(path)
    assert api.call(method, url, None, body={}).status_code == 401
    for name, token in bad_tokens.items():
        response = api.client.http.request(method, url, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"}, body=b"{}")
        assert response.status_code == 401, (name, response.body)
        if path.startswith("/open311/"):
            assert json.loads(response.body)[0]["code"] == 401
        else:
            assert b"UnauthorizedError" in response.body
