"""Settings shared by every tier: a test environment that never reaches a real AWS account."""
from __future__ import annotations

import os

TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "FANGLIN_TABLE": "fanglin-test",
    "IDEMPOTENCY_TABLE": "fanglin-test-idempotency",
    "UPLOAD_BUCKET": "fanglin-test-uploads",
    "MEDIA_BUCKET": "fanglin-test-media",
    "EVIDENCE_BUCKET": "fanglin-test-evidence",
    "ESCALATION_STATE_MACHINE_ARN":
        "arn:aws:states:us-east-1:123456789012:stateMachine:fanglin-test-escalation",
    "AUTH_ISSUER": "https://issuer.fanglin.test/pool",
    "AUTH_AUDIENCE": "fanglin-test-client",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "FanglinTest",
    "POWERTOOLS_DEV": "false",
}

for _name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3",
              "AWS_PROFILE"):
    os.environ.pop(_name, None)
os.environ.update(TEST_ENV)
