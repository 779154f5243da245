import time

import jwt
import pytest

from chalicelib.core.config import AuthSettings
from chalicelib.core.errors import DependencyUnavailableError, ForbiddenError, UnauthenticatedError
from chalicelib.identity.caller import Caller
from chalicelib.identity.tokens import TokenVerifier, authenticate
from tests.tokens import Issuer, new_key

ISSUER = "https://cognito-idp.example/pool"
AUDIENCE = "client-1"


class StaticKeys:
    """A JWKS client over a fixed key set (no network)."""

    def __init__(self, issuer: Issuer) -> None:
        self.keys = {k["kid"]: jwt.PyJWK(k) for k in issuer.jwks()["keys"]}

    def get_signing_key(self, kid: str) -> jwt.PyJWK:
        if kid not in self.keys:
            raise jwt.PyJWKClientError(f"unknown kid {kid}")
        return self.keys[kid]


def settings(token_use: str | None = "id") -> AuthSettings:
    return AuthSettings(issuer=ISSUER, audience=AUDIENCE, jwks_url="http://unused",
                        token_use=token_use, user_claim="cognito:username",
                        groups_claim="cognito:groups",
                        community_claim="custom:community", name_claim="name",
                        phone_claim="phone_number")


@pytest.fixture(scope="module")
def issuer() -> Issuer:
    return Issuer(ISSUER, AUDIENCE, new_key())


@pytest.fixture(scope="module")
def verifier(issuer: Issuer) -> TokenVerifier:
    return TokenVerifier(settings(), StaticKeys(issuer))


def test_valid_token_yields_caller(issuer, verifier):
    token = issuer.token("lin", ["resident", "owner", "bogus"], "jinxiu", "林小梅")
    caller = verifier.verify(token)
    assert caller == Caller(user_id="lin", name="林小梅", phone=None,
                            roles=frozenset({"resident", "owner"}), community_id="jinxiu")


@pytest.mark.parametrize("overrides", [
    {"exp": int(time.time()) - 3600},
    {"aud": "another-client"},
    {"iss": "https://evil.example/pool"},
    {"token_use": "access"},
    {"exp": None},
    {"cognito:username": None, "sub": None},
])
def test_bad_claims_are_unauthenticated(issuer, verifier, overrides):
    with pytest.raises(UnauthenticatedError):
        verifier.verify(issuer.token("lin", **overrides))


def test_forged_signature_is_unauthenticated(issuer, verifier):
    forged = issuer.token("lin", key=new_key())
    with pytest.raises(UnauthenticatedError):
        verifier.verify(forged)


def test_unknown_key_id_is_unauthenticated(issuer, verifier):
    with pytest.raises(UnauthenticatedError):
        verifier.verify(issuer.token("lin", kid="other"))


def test_symmetric_and_unsigned_tokens_are_refused(issuer, verifier):
    claims = {"cognito:username": "lin", "iss": ISSUER, "aud": AUDIENCE, "token_use": "id",
              "exp": int(time.time()) + 60, "iat": int(time.time())}
    hs = jwt.encode(claims, "secret-secret-secret-secret-secret!", algorithm="HS256",
                    headers={"kid": issuer.kid})
    unsigned = jwt.encode(claims, None, algorithm="none")
    for token in (hs, unsigned, "not-a-jwt", "a.b.c"):
        with pytest.raises(UnauthenticatedError):
            verifier.verify(token)


def test_token_use_check_can_be_disabled_for_other_issuers(issuer):
    lenient = TokenVerifier(settings(token_use=None), StaticKeys(issuer))
    assert lenient.verify(issuer.token("lin", token_use=None)).user_id == "lin"


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer", "Bearer a b", "token"])
def test_malformed_authorization_header(header):
    with pytest.raises(UnauthenticatedError):
        authenticate(header)


def test_role_requirement():
    caller = Caller("lin", None, None, frozenset({"resident"}), "jinxiu")
    caller.require("resident", "admin")
    with pytest.raises(ForbiddenError):
        caller.require("property")


class UnreachableKeys:
    """A JWKS client whose issuer cannot be reached (as PyJWKClient reports it)."""

    def get_signing_key(self, kid: str) -> jwt.PyJWK:
        raise jwt.PyJWKClientConnectionError("Fail to fetch data from the url, err: refused")


def test_keys_that_cannot_be_fetched_are_an_outage_not_a_bad_token(issuer):
    token = issuer.token("lin", ["resident"], "jinxiu", "林小梅")
    with pytest.raises(DependencyUnavailableError) as raised:
        TokenVerifier(settings(), UnreachableKeys()).verify(token)
    assert raised.value.dependency == "Cognito" and raised.value.retry_after_s > 0
