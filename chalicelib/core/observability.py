"""Logger, metrics and tracer (aws-lambda-powertools), applied once as Chalice middleware.

Powertools is imported on the first event, not at import time, to keep cold starts short.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any

SERVICE = "fanglin"
CORRELATION_HEADER = "x-correlation-id"


@lru_cache(maxsize=1)
def logger() -> Any:
    from aws_lambda_powertools import Logger

    return Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE))


@lru_cache(maxsize=1)
def metrics() -> Any:
    from aws_lambda_powertools import Metrics

    return Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Fanglin"),
                   service=SERVICE)


@lru_cache(maxsize=1)
def tracer() -> Any:
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE)


def add_metric(name: str, value: float = 1, unit: str = "Count") -> None:
    metrics().add_metric(name=name, unit=unit, value=value)


def _correlation_id(event: Any) -> str:
    headers = getattr(event, "headers", None)
    if headers is not None:
        given = headers.get(CORRELATION_HEADER)
        if given:
            return str(given)[:128]
    context = getattr(event, "context", None) or {}
    request_id = context.get("requestId") if isinstance(context, dict) else None
    if request_id:
        return str(request_id)
    from chalicelib.core.ids import new_id

    return new_id()


def middleware(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Correlation id, structured logs, EMF metrics and a traced segment for every event."""
    log = logger()
    correlation_id = _correlation_id(event)
    log.set_correlation_id(correlation_id)
    path = getattr(event, "path", None)
    method = getattr(event, "method", None)
    if path is not None:
        log.append_keys(path=path, method=method)
    try:
        with tracer().provider.in_subsegment("## handler") as subsegment:
            subsegment.put_annotation("correlation_id", correlation_id)
            response = get_response(event)
        status = getattr(response, "status_code", None)
        if status is not None:
            response.headers["X-Correlation-Id"] = correlation_id
            add_metric("ServerErrors" if status >= 500
                       else "ClientErrors" if status >= 400 else "Requests")
            log.info("request", extra={"status": status})
        return response
    finally:
        metrics().flush_metrics()
        log.remove_keys(["path", "method"])
