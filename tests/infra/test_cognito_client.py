"""The Cognito app client cannot write what grants access (SPEC 2)."""

from __future__ import annotations

from typing import Any

from infra.local import provision
from tests.infra.conftest import Synthesized


def app_client(synthesized: Synthesized) -> dict[str, Any]:
    [client] = synthesized.of_type("AWS::Cognito::UserPoolClient").values()
    return dict(client["Properties"])


def test_cognito_client_cannot_write_the_community(synthesized: Synthesized) -> None:
    writable = app_client(synthesized)["WriteAttributes"]
    assert writable, "an absent or empty list lets the client write the default attributes"
    assert provision.COMMUNITY_ATTRIBUTE not in writable
    assert not [name for name in writable if name.startswith("custom:")]


def test_cognito_client_reads_the_claims_the_api_needs(synthesized: Synthesized) -> None:
    readable = app_client(synthesized)["ReadAttributes"]
    assert {"name", "phone_number", provision.COMMUNITY_ATTRIBUTE} <= set(readable)


def test_cognito_local_client_matches_the_deployed_one(synthesized: Synthesized) -> None:
    props = app_client(synthesized)
    assert set(props["WriteAttributes"]) == set(provision.WRITE_ATTRIBUTES)
    assert set(props["ReadAttributes"]) == set(provision.READ_ATTRIBUTES)
