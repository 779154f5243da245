"""Identity: generic OIDC ID-token verification and the caller it yields.

The verifier knows nothing of Cognito beyond defaults: issuer, JWKS location, audience, token use
and claim names come from settings, so another issuer that mints RS256 JWTs plugs in.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.core.config import AuthSettings, get_settings
from chalicelib.core.errors import DependencyUnavailableError, UnauthenticatedError
from chalicelib.identity.caller import ROLES, Caller

ALGORITHMS = ["RS256"]
LEEWAY_S = 30


class TokenVerifier:
    def __init__(self, settings: AuthSettings, jwks_client: Any = None) -> None:
        import jwt

        self._settings = settings
        self._jwt = jwt
        self._jwks = jwks_client or jwt.PyJWKClient(
            settings.jwks_url, cache_keys=True, lifespan=3600, timeout=5
        )

    def verify(self, token: str) -> Caller:
        """Verify signature, expiry, issuer, audience and token use; return the caller.

        Raises UnauthenticatedError for any token that does not verify, and
        DependencyUnavailableError when the signing keys cannot be fetched.
        """
        jwt = self._jwt
        s = self._settings
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") not in ALGORITHMS:
                raise UnauthenticatedError("token algorithm not accepted")
            key = self._jwks.get_signing_key(header.get("kid", ""))
            claims = jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                audience=s.audience,
                issuer=s.issuer,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as err:
            raise UnauthenticatedError("token expired") from err
        except jwt.PyJWKClientConnectionError as err:
            raise DependencyUnavailableError("Cognito") from err
        except jwt.PyJWKClientError as err:
            raise UnauthenticatedError("token signing key unknown") from err
        except jwt.PyJWTError as err:
            raise UnauthenticatedError(f"invalid token: {err.__class__.__name__}") from err
        if s.token_use and claims.get("token_use") != s.token_use:
            raise UnauthenticatedError(f"token_use must be {s.token_use}")
        return caller_from_claims(claims, s)


def caller_from_claims(claims: dict[str, Any], s: AuthSettings) -> Caller:
    """Raises UnauthenticatedError when the user id claim is missing."""
    user_id = claims.get(s.user_claim) or claims.get("sub")
    if not isinstance(user_id, str) or not user_id:
        raise UnauthenticatedError("token names no user")
    groups = claims.get(s.groups_claim) or []
    if isinstance(groups, str):
        groups = groups.split(",")
    roles = frozenset(g for g in groups if g in ROLES)
    community = claims.get(s.community_claim)
    return Caller(
        user_id=user_id,
        name=claims.get(s.name_claim),
        phone=claims.get(s.phone_claim),
        roles=roles,
        community_id=community if isinstance(community, str) and community else None,
    )


@lru_cache(maxsize=1)
def get_verifier() -> TokenVerifier:
    return TokenVerifier(get_settings().auth)


def authenticate(authorization: str | None) -> Caller:
    """The caller named by an ``Authorization: Bearer`` header.

    Raises UnauthenticatedError when the header is missing, malformed or the token is invalid.
    """
    if not authorization:
        raise UnauthenticatedError("missing Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise UnauthenticatedError("Authorization must be 'Bearer <token>'")
    return get_verifier().verify(token)


def reset() -> None:
    get_verifier.cache_clear()
