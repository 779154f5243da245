"""AWS clients created on first use, once per container, all from one botocore session (which
PynamoDB shares, see ``db``): its loader reads each service model once."""
from __future__ import annotations

import threading
from functools import cache
from typing import Any

from chalicelib.core.config import get_settings

creating = threading.RLock()
"""Held while a client is created: a botocore session is not thread-safe (clients are)."""


@cache
def botocore_session() -> Any:
    import botocore.session

    return botocore.session.get_session()


@cache
def _session() -> Any:
    import boto3

    return boto3.session.Session(botocore_session=botocore_session(),
                                 region_name=get_settings().region)


@cache
def _client(service: str) -> Any:
    from botocore.config import Config

    config = Config(
        region_name=get_settings().region,
        retries={"mode": "standard", "max_attempts": 3},
        signature_version="s3v4" if service == "s3" else None,
    )
    return _session().client(service, config=config)


def client(service: str) -> Any:
    with creating:
        return _client(service)


def s3() -> Any:
    return client("s3")


def dynamodb() -> Any:
    return client("dynamodb")


@cache
def _iot_data() -> Any:
    from botocore.config import Config

    settings = get_settings()
    config = Config(region_name=settings.region, retries={"mode": "standard", "max_attempts": 3})
    endpoint = {"endpoint_url": settings.iot_data_endpoint} if settings.iot_data_endpoint else {}
    return _session().client("iot-data", config=config, **endpoint)


def iot_data() -> Any:
    """The IoT data-plane client: ``IOT_DATA_ENDPOINT`` when set (the account's ATS endpoint),
    else boto3's own resolution (``AWS_ENDPOINT_URL`` locally)."""
    with creating:
        return _iot_data()


def reset() -> None:
    """Drop cached clients and the session (tests and the local stack change endpoints)."""
    with creating:
        _iot_data.cache_clear()
        _client.cache_clear()
        _session.cache_clear()
        botocore_session.cache_clear()
