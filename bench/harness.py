"""Shared set-up for benchmarks: an in-process moto with the real tables, and a counter of the
DynamoDB requests and items the code under test makes."""
from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3

BENCH_ENV = {
    "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1", "FANGLIN_TABLE": "fanglin-bench",
    "IDEMPOTENCY_TABLE": "fanglin-bench-idem", "UPLOAD_BUCKET": "fanglin-bench-up",
    "MEDIA_BUCKET": "fanglin-bench-media", "AUTH_ISSUER": "https://bench.invalid/pool",
    "AUTH_AUDIENCE": "bench",
    "ESCALATION_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:bench",
    "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
}


@contextmanager
def embedded_aws() -> Iterator[Any]:
    from moto import mock_aws

    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
        del os.environ[name]
    os.environ.update(BENCH_ENV)
    from chalicelib.core import clients, config
    from chalicelib.core.db import reset_connections

    with mock_aws():
        config.reset()
        clients.reset()
        reset_connections()
        from infra.local import provision

        provision.create_tables(boto3.client("dynamodb"), config.get_settings())
        yield config.get_settings()


class DynamoMeter:
    """Counts DynamoDB requests by operation and the items each Query, Scan or GetItem read,
    from every botocore client in the process (PynamoDB's included)."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.items_read = 0

    def record(self, operation: str, parsed: dict[str, Any]) -> None:
        self.requests[operation] += 1
        if "ScannedCount" in parsed:
            self.items_read += int(parsed["ScannedCount"])
        elif "Item" in parsed:
            self.items_read += 1

    @contextmanager
    def watching(self) -> Iterator[DynamoMeter]:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        meter = self

        def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
            parsed = original(client, operation, params)
            if client.meta.service_model.service_name == "dynamodb":
                meter.record(operation, parsed)
            return parsed

        BaseClient._make_api_call = counted  # type: ignore[method-assign]
        try:
            yield self
        finally:
            BaseClient._make_api_call = original  # type: ignore[method-assign]
