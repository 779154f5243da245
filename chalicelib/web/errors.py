"""The one place where domain errors become HTTP responses."""
from __future__ import annotations

import json
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
]


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
    if isinstance(err, errors.RateLimitedError):
        headers["Retry-After"] = str(err.retry_after_s)
        extra["retry_after_s"] = err.retry_after_s
    if isinstance(err, errors.UnauthenticatedError):
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return error_response(status, code, str(err), extra, headers)
