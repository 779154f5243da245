"""Settings read from the environment on first use. The infrastructure owns configuration."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from chalicelib.core.errors import ConfigurationError


@dataclass(frozen=True)
class AuthSettings:
    issuer: str
    audience: str
    jwks_url: str
    token_use: str | None
    user_claim: str
    groups_claim: str
    community_claim: str
    name_claim: str
    phone_claim: str


@dataclass(frozen=True)
class Settings:
    region: str
    table_name: str
    idempotency_table: str
    upload_bucket: str
    media_bucket: str
    escalation_state_machine_arn: str
    auth: AuthSettings
    tickets_per_hour: int
    url_ttl_s: int
    upload_max_bytes: int = 10 * 1024 * 1024
    direct_upload_max_bytes: int = 5 * 1024 * 1024
    user_pool_id: str | None = None
    evidence_bucket: str = ""
    iot_data_endpoint: str | None = None


REQUIRED = (
    "FANGLIN_TABLE",
    "IDEMPOTENCY_TABLE",
    "UPLOAD_BUCKET",
    "MEDIA_BUCKET",
    "EVIDENCE_BUCKET",
    "ESCALATION_STATE_MACHINE_ARN",
    "AUTH_ISSUER",
    "AUTH_AUDIENCE",
)


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as err:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from err


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (default: the process environment).

    Raises ConfigurationError naming every missing variable.
    """
    env = os.environ if env is None else env
    missing = [name for name in REQUIRED if not env.get(name)]
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if not region:
        missing.append("AWS_REGION")
    if missing:
        raise ConfigurationError("missing environment variables: " + ", ".join(missing))
    issuer = env["AUTH_ISSUER"].rstrip("/")
    token_use = env.get("AUTH_TOKEN_USE", "id")
    return Settings(
        region=str(region),
        table_name=env["FANGLIN_TABLE"],
        idempotency_table=env["IDEMPOTENCY_TABLE"],
        upload_bucket=env["UPLOAD_BUCKET"],
        media_bucket=env["MEDIA_BUCKET"],
        escalation_state_machine_arn=env["ESCALATION_STATE_MACHINE_ARN"],
        auth=AuthSettings(
            issuer=issuer,
            audience=env["AUTH_AUDIENCE"],
            jwks_url=env.get("AUTH_JWKS_URL") or f"{issuer}/.well-known/jwks.json",
            token_use=token_use or None,
            user_claim=env.get("AUTH_USER_CLAIM", "cognito:username"),
            groups_claim=env.get("AUTH_GROUPS_CLAIM", "cognito:groups"),
            community_claim=env.get("AUTH_COMMUNITY_CLAIM", "custom:community"),
            name_claim=env.get("AUTH_NAME_CLAIM", "name"),
            phone_claim=env.get("AUTH_PHONE_CLAIM", "phone_number"),
        ),
        tickets_per_hour=_int(env, "TICKETS_PER_HOUR", 20),
        url_ttl_s=_int(env, "URL_TTL_S", 600),
        user_pool_id=env.get("USER_POOL_ID") or None,
        evidence_bucket=env["EVIDENCE_BUCKET"],
        iot_data_endpoint=env.get("IOT_DATA_ENDPOINT") or None,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this container, read once. Raises ConfigurationError."""
    return load_settings()


def reset() -> None:
    """Forget cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
