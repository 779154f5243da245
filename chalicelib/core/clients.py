"""AWS clients created on first use, once per container."""
from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.core.config import get_settings


@cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        region_name=get_settings().region,
        retries={"mode": "standard", "max_attempts": 3},
        signature_version="s3v4" if service == "s3" else None,
    )
    return boto3.session.Session().client(service, config=config)


def s3() -> Any:
    return client("s3")


def dynamodb() -> Any:
    return client("dynamodb")


def reset() -> None:
    """Drop cached clients (tests and the local stack change endpoints)."""
    client.cache_clear()
