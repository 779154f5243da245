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
    "MEDIA_BUCKET": "fanglin-bench-media", "EVIDENCE_BUCKET": "fanglin-bench-evidence",
    "AUTH_ISSUER": "https://bench.invalid/pool",
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
    from chalicelib.core import cache, clients, config
    from chalicelib.core.db import reset_connections

    with mock_aws():
        config.reset()
        clients.reset()
        reset_connections()
        cache.reset()
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


LOOPBACK = "127.0.0.1"
STATE_MACHINE = "fanglin-bench-escalation"


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


class ServedAws:
    """moto's server on a loopback port with the demo stack provisioned and seeded: the Cognito
    pool and users, the tables, buckets, the escalation state machine and the demo directory.
    ``environment`` is what the app needs to reach it (this process has it applied)."""

    def __init__(self, url: str, pool: Any, environment: dict[str, str]) -> None:
        self.url = url
        self.pool = pool
        self.environment = environment

    def token(self, username: str) -> str:
        from infra.local import provision
        from infra.local.demo import DEMO_PASSWORD

        return provision.login(boto3.client("cognito-idp"), self.pool, username, DEMO_PASSWORD)


@contextmanager
def served_aws() -> Iterator[ServedAws]:
    from moto.server import ThreadedMotoServer

    from chalicelib.core.config import get_settings
    from infra.local import provision, seed, stack

    port = free_port()
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=port, verbose=False)
    stack.quiet_request_logs()
    server.start()
    try:
        url = f"http://{LOOPBACK}:{port}"
        aws = stack.aws_environment(stack.StackConfig(aws_port=port))
        stack.apply_environment(aws)
        pool = provision.create_user_pool(boto3.client("cognito-idp"), stack.REGION, url)
        role = provision.create_service_role(boto3.client("iam"), STATE_MACHINE,
                                             ["states.amazonaws.com", "lambda.amazonaws.com"])
        task = provision.create_function(boto3.client("lambda"), STATE_MACHINE, "app.task", role)
        machine = provision.create_escalation_workflow(boto3.client("stepfunctions"),
                                                       STATE_MACHINE, task, role)
        app = stack.app_environment(pool, machine)
        stack.apply_environment(app)
        settings = get_settings()
        provision.create_tables(boto3.client("dynamodb"), settings)
        provision.create_buckets(boto3.client("s3"), settings)
        seed.seed_users(boto3.client("cognito-idp"), pool)
        seed.seed_directory()
        yield ServedAws(url, pool, {**aws, **app})
    finally:
        server.stop()
