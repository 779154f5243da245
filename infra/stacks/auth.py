"""Who signs the tokens the API accepts: the stack's Cognito user pool (default), or an external
OIDC issuer named in CDK context, for partitions without Cognito user pools (AWS China)::

    cdk deploy -c auth_issuer=https://login.example.cn -c auth_audience=fanglin \\
        [-c auth_jwks_url=https://login.example.cn/keys] [-c auth_groups_claim=roles] ...

The verifier in ``chalicelib.auth`` is generic OIDC; these values become its ``AUTH_*``
environment variables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from constructs import Construct, Node

from chalicelib.identity.caller import ROLES

ISSUER_CONTEXT = "auth_issuer"
AUDIENCE_CONTEXT = "auth_audience"
# Optional context keys and the environment variable each one sets.
OPTIONAL_CONTEXT = {
    "auth_jwks_url": "AUTH_JWKS_URL",
    "auth_token_use": "AUTH_TOKEN_USE",
    "auth_user_claim": "AUTH_USER_CLAIM",
    "auth_groups_claim": "AUTH_GROUPS_CLAIM",
    "auth_community_claim": "AUTH_COMMUNITY_CLAIM",
    "auth_name_claim": "AUTH_NAME_CLAIM",
    "auth_phone_claim": "AUTH_PHONE_CLAIM",
}
# Cognito ID tokens carry ``token_use: id``; other issuers' tokens need not, so the check is off
# ("" disables it) unless ``-c auth_token_use=...`` asks for it.
EXTERNAL_TOKEN_USE = ""
COMMUNITY_ATTRIBUTE = "community"


@dataclass(frozen=True)
class ExternalIssuer:
    issuer: str
    audience: str
    options: dict[str, str] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        return {
            "AUTH_ISSUER": self.issuer,
            "AUTH_AUDIENCE": self.audience,
            "AUTH_TOKEN_USE": EXTERNAL_TOKEN_USE,
            **self.options,
        }


def _context(node: Node, key: str) -> str | None:
    value = node.try_get_context(key)
    return None if value is None or value == "" else str(value)


def external_issuer(node: Node) -> ExternalIssuer | None:
    """The issuer named by ``-c auth_issuer=... -c auth_audience=...``, or None for Cognito."""
    issuer, audience = _context(node, ISSUER_CONTEXT), _context(node, AUDIENCE_CONTEXT)
    if issuer is None and audience is None:
        return None
    if issuer is None or audience is None:
        raise ValueError(f"give both -c {ISSUER_CONTEXT}=<url> and -c {AUDIENCE_CONTEXT}=<aud>")
    if not issuer.startswith("https://"):
        raise ValueError(f"{ISSUER_CONTEXT} must be an https:// URL, got {issuer!r}")
    options = {
        variable: value
        for key, variable in OPTIONAL_CONTEXT.items()
        if (value := _context(node, key)) is not None
    }
    return ExternalIssuer(issuer=issuer.rstrip("/"), audience=audience, options=options)


def user_pool(scope: Construct) -> tuple[cognito.UserPool, cognito.UserPoolClient]:
    """Admin-managed users with a ``community`` attribute, one group per role, an app client."""
    pool = cognito.UserPool(
        scope,
        "Users",
        self_sign_up_enabled=False,
        sign_in_aliases=cognito.SignInAliases(username=True),
        standard_attributes=cognito.StandardAttributes(
            fullname=cognito.StandardAttribute(mutable=True, required=False),
            phone_number=cognito.StandardAttribute(mutable=True, required=False),
        ),
        custom_attributes={COMMUNITY_ATTRIBUTE: cognito.StringAttribute(mutable=True)},
        account_recovery=cognito.AccountRecovery.NONE,
        password_policy=cognito.PasswordPolicy(
            min_length=12,
            require_lowercase=True,
            require_uppercase=True,
            require_digits=True,
            require_symbols=True,
        ),
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    for role in ROLES:
        cognito.CfnUserPoolGroup(
            scope, f"Group{_cfn_name(role)}", user_pool_id=pool.user_pool_id, group_name=role
        )
    client = pool.add_client(
        "AppClient",
        generate_secret=False,
        auth_flows=cognito.AuthFlow(user_password=True, user_srp=True),
        id_token_validity=cdk.Duration.hours(1),
        disable_o_auth=True,
        prevent_user_existence_errors=True,
        read_attributes=self_service_attributes().with_custom_attributes(COMMUNITY_ATTRIBUTE),
        write_attributes=self_service_attributes(),
    )
    return pool, client


def self_service_attributes() -> cognito.ClientAttributes:
    """What users may change about themselves with their own access token: never what grants
    access (``custom:community``; groups are not attributes)."""
    return cognito.ClientAttributes().with_standard_attributes(fullname=True, phone_number=True)


def cognito_environment(
    stack: cdk.Stack, pool: cognito.UserPool, client: cognito.UserPoolClient
) -> dict[str, str]:
    """The pool's issuer, from region and URL-suffix tokens (``amazonaws.com.cn`` in China)."""
    return {
        "AUTH_ISSUER": (
            f"https://cognito-idp.{stack.region}.{stack.url_suffix}/{pool.user_pool_id}"
        ),
        "AUTH_AUDIENCE": client.user_pool_client_id,
        "AUTH_TOKEN_USE": "id",
    }


def _cfn_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))
