"""Logger, metrics and tracer (aws-lambda-powertools), applied once as Chalice middleware.

Powertools is imported on the first event, not at import time, to keep cold starts short; the
X-Ray SDK only when tracing is on.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

SERVICE = "fanglin"
CORRELATION_HEADER = "x-correlation-id"
TRACED_LIBRARIES = ("botocore", "pynamodb")


@lru_cache(maxsize=1)
def logger() -> Any:
    from aws_lambda_powertools import Logger

    return Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", SERVICE))


@lru_cache(maxsize=1)
def metrics() -> Any:
    from aws_lambda_powertools import Metrics

    return Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Fanglin"),
                   service=SERVICE)


def tracing_disabled(env: Mapping[str, str] = os.environ) -> bool:
    """Powertools' rule: disabled by ``POWERTOOLS_TRACE_DISABLED``, outside Lambda, and under
    SAM local or ``chalice local``."""
    from aws_lambda_powertools.shared.functions import strtobool

    if strtobool(env.get("POWERTOOLS_TRACE_DISABLED", "false")):
        return True
    return not env.get("LAMBDA_TASK_ROOT") or bool(
        env.get("AWS_SAM_LOCAL") or env.get("AWS_CHALICE_CLI_MODE"))


@lru_cache(maxsize=1)
def tracer() -> Any:
    """The powertools Tracer, patching the libraries the app calls AWS with; None when tracing
    is disabled."""
    if tracing_disabled():
        return None
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE, patch_modules=TRACED_LIBRARIES)


@contextmanager
def _traced(correlation_id: str) -> Iterator[None]:
    active = tracer()
    if active is None:
        yield
        return
    with active.provider.in_subsegment("## handler") as subsegment:
        subsegment.put_annotation("correlation_id", correlation_id)
        yield


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
        with _traced(correlation_id):
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
