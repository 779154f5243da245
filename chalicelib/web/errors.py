"""The one place where domain errors become HTTP responses."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from chalice import Response

from chalicelib.core import errors

STATUS: list[tuple[type[errors.FanglinError], int, str]] = [
    (errors.InvalidInputError, 400, "BadRequestError"),
    (errors.UnauthenticatedError, 401, "UnauthorizedError"),
    (errors.ForbiddenError, 403, "ForbiddenError"),
    (errors.NotFoundError, 404, "NotFoundError"),
    (errors.ConflictError, 409, "ConflictError"),
    (errors.PayloadTooLargeError, 413, "RequestEntityTooLargeError"),
    (errors.UnsupportedMediaTypeError, 415, "UnsupportedMediaType"),
    (errors.UnprocessableError, 422, "UnprocessableEntityError"),
    (errors.RateLimitedError, 429, "TooManyRequestsError"),
    (errors.DependencyUnavailableError, 503, "ServiceUnavailableError"),
]
RETRY_AFTER_S = errors.OUTAGE_RETRY_AFTER_S
OVERLOADED_CODES = frozenset({
    "InternalFailure", "InternalServerError", "ProvisionedThroughputExceededException",
    "RequestLimitExceeded", "RequestThrottled", "ServiceUnavailable",
    "ServiceUnavailableException", "SlowDown", "Throttling", "ThrottlingException",
    "TooManyRequestsException",
})
SERVICE_NAMES = {"cognito-idp": "Cognito", "dynamodb": "DynamoDB", "iot-data": "IoT Core",
                 "lambda": "Lambda", "s3": "S3", "sqs": "SQS", "stepfunctions": "Step Functions"}


def error_response(
    status: int, code: str, message: str, extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"Code": code, "Message": message}
    body.update(extra or {})
    return Response(
        body=json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def to_response(err: errors.FanglinError) -> Response:
    """Map a domain error to its HTTP response; unknown domain errors are server faults."""
    match = next(((s, c) for cls, s, c in STATUS if isinstance(err, cls)), None)
    if match is None:
        raise err
    status, code = match
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(err, errors.InvalidInputError) and err.details:
        extra["details"] = err.details
    if isinstance(err, errors.InvalidTransitionError):
        extra["status"] = err.status
    if isinstance(err, errors.RateLimitedError | errors.DependencyUnavailableError):
        headers["Retry-After"] = str(err.retry_after_s)
        extra["retry_after_s"] = err.retry_after_s
    if isinstance(err, errors.DependencyUnavailableError):
        extra["dependency"] = err.dependency
    if isinstance(err, errors.UnauthenticatedError):
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return error_response(status, code, str(err), extra, headers)


def _linked(err: BaseException) -> Iterator[BaseException]:
    """``err`` and the errors it wraps: ``__cause__``, ``__context__`` and PynamoDB's ``cause``."""
    seen: set[int] = set()
    pending = [err]
    while pending and len(seen) < 16:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [e for e in (getattr(current, "cause", None), current.__cause__,
                                current.__context__) if isinstance(e, BaseException)]


def _is_outage(err: BaseException) -> bool:
    from botocore import exceptions as aws

    if isinstance(err, aws.ConnectionError | aws.HTTPClientError):
        return True
    if isinstance(err, aws.ClientError):
        code = err.response.get("Error", {}).get("Code", "")
        status = int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return code in OVERLOADED_CODES or status >= 500
    return False


def _service_of(err: BaseException) -> str | None:
    """The AWS service whose call raised ``err``: the botocore client in its traceback."""
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "_make_api_call":
            meta = getattr(tb.tb_frame.f_locals.get("self"), "meta", None)
            model = getattr(meta, "service_model", None)
            if model is not None:
                name = str(model.service_name)
                return SERVICE_NAMES.get(name, name)
        tb = tb.tb_next
    return None


def dependency_outage(err: BaseException) -> errors.DependencyUnavailableError | None:
    """The domain error for an AWS call that could not reach its service or was refused as
    overloaded (connection refused or closed, timeouts, throttling, 5xx), however PynamoDB or
    powertools wrapped it; None for any other error."""
    for linked in _linked(err):
        if _is_outage(linked):
            dependency = _service_of(linked) or _pynamodb_service(err) or "AWS"
            return errors.DependencyUnavailableError(dependency, RETRY_AFTER_S)
    return None


def _pynamodb_service(err: BaseException) -> str | None:
    from pynamodb.exceptions import PynamoDBException

    return "DynamoDB" if any(isinstance(e, PynamoDBException) for e in _linked(err)) else None
