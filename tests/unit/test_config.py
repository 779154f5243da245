import pytest

from chalicelib.core.config import load_settings
from chalicelib.core.errors import ConfigurationError

BASE = {"FANGLIN_TABLE": "t", "IDEMPOTENCY_TABLE": "i", "UPLOAD_BUCKET": "u", "MEDIA_BUCKET": "m",
        "EVIDENCE_BUCKET": "e",
        "ESCALATION_STATE_MACHINE_ARN": "arn:aws:states:cn-north-1:1:stateMachine:x",
        "AUTH_ISSUER": "https://issuer/pool/", "AUTH_AUDIENCE": "a", "AWS_REGION": "cn-north-1"}


def test_missing_variables_are_all_named():
    with pytest.raises(ConfigurationError) as info:
        load_settings({"FANGLIN_TABLE": "t"})
    for name in ("IDEMPOTENCY_TABLE", "UPLOAD_BUCKET", "AUTH_ISSUER", "AWS_REGION"):
        assert name in str(info.value)


def test_defaults_and_derived_values():
    s = load_settings(dict(BASE))
    assert s.auth.issuer == "https://issuer/pool"
    assert s.auth.jwks_url == "https://issuer/pool/.well-known/jwks.json"
    assert s.auth.token_use == "id"
    assert s.tickets_per_hour == 20
    assert s.region == "cn-north-1"


def test_overrides_and_bad_numbers():
    s = load_settings(BASE | {"AUTH_TOKEN_USE": "", "AUTH_GROUPS_CLAIM": "roles",
                              "TICKETS_PER_HOUR": "5"})
    assert s.auth.token_use is None and s.auth.groups_claim == "roles"
    assert s.tickets_per_hour == 5
    with pytest.raises(ConfigurationError):
        load_settings(BASE | {"TICKETS_PER_HOUR": "many"})
