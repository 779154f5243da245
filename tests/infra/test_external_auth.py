"""The stack for partitions without Cognito user pools (AWS China): an external OIDC issuer named
in CDK context replaces the user pool. Costs the session's second synth."""

from __future__ import annotations

import json
from pathlib import Path

from infra.stacks.fanglin_stack import FUNCTIONS
from tests.infra.conftest import EXTERNAL_AUTH_CONTEXT, Synthesized
from tests.infra.helpers import lint_errors


def functions(synthesized: Synthesized) -> list[dict[str, str]]:
    return [
        f["Properties"]["Environment"]["Variables"]
        for f in synthesized.of_type("AWS::Serverless::Function").values()
    ]


def test_no_cognito_resources(synthesized_external_auth: Synthesized) -> None:
    types = {r["Type"] for r in synthesized_external_auth.resources.values()}
    assert not [t for t in types if t.startswith("AWS::Cognito::")]
    assert not {"UserPoolId", "UserPoolClientId"} & synthesized_external_auth.outputs.keys()
    assert synthesized_external_auth.outputs["AuthIssuer"]["Value"] == (
        "https://login.fanglin.example.cn"
    )


def test_functions_verify_tokens_of_the_external_issuer(
    synthesized_external_auth: Synthesized,
) -> None:
    variables = functions(synthesized_external_auth)
    assert len(variables) == len(FUNCTIONS)
    for env in variables:
        assert env["AUTH_ISSUER"] == EXTERNAL_AUTH_CONTEXT["auth_issuer"].rstrip("/")
        assert env["AUTH_AUDIENCE"] == "fanglin-mobile"
        assert env["AUTH_JWKS_URL"] == "https://login.fanglin.example.cn/keys"
        assert env["AUTH_GROUPS_CLAIM"] == "roles"
        assert env["AUTH_COMMUNITY_CLAIM"] == "community_id"
        # Only Cognito ID tokens carry token_use: the check is off for other issuers.
        assert env["AUTH_TOKEN_USE"] == ""
        assert "AUTH_USER_CLAIM" not in env  # not given: the application default applies
        assert "ESCALATION_STATE_MACHINE_ARN" in env


def test_the_rest_of_the_stack_is_unchanged(
    synthesized: Synthesized, synthesized_external_auth: Synthesized
) -> None:
    def non_cognito(s: Synthesized) -> set[str]:
        return {k for k, r in s.resources.items() if not r["Type"].startswith("AWS::Cognito::")}

    assert non_cognito(synthesized_external_auth) == non_cognito(synthesized)


def test_names_no_partition_and_lints_clean(
    synthesized_external_auth: Synthesized, tmp_path: Path
) -> None:
    text = json.dumps(synthesized_external_auth.document)
    assert "arn:aws:" not in text and "arn:aws-cn:" not in text
    assert lint_errors(synthesized_external_auth.document, tmp_path) == []
