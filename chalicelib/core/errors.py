"""Domain errors. Only chalicelib.web turns them into HTTP responses."""
from __future__ import annotations

from typing import Any


class FanglinError(Exception):
    """Base of every domain error."""


class ConfigurationError(FanglinError):
    """A required setting is missing or malformed."""


class InvalidInputError(FanglinError):
    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.details = details or []


class UnauthenticatedError(FanglinError):
    """No identity, or a token that does not verify."""


class ForbiddenError(FanglinError):
    """The caller is known but their role does not allow the action."""


class NotFoundError(FanglinError):
    """Absent, or outside the caller's scope (existence is not leaked)."""


class ConflictError(FanglinError):
    """The request conflicts with the stored state."""


class InvalidTransitionError(ConflictError):
    def __init__(self, action: str, status: str, reason: str | None = None) -> None:
        super().__init__(reason or f"cannot {action} a ticket that is {status}")
        self.action = action
        self.status = status


class RateLimitedError(FanglinError):
    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PayloadTooLargeError(FanglinError):
    """The request body is over its limit."""


class UnsupportedMediaTypeError(FanglinError):
    """The request body is not of an accepted media type."""


class UnprocessableError(FanglinError):
    """Well-formed but cannot be processed (e.g. an Idempotency-Key reused with another body)."""


OUTAGE_RETRY_AFTER_S = 5


class DependencyUnavailableError(FanglinError):
    """A service the request needs (DynamoDB, S3, ...) cannot be reached or is overloaded."""

    def __init__(self, dependency: str, retry_after_s: int = OUTAGE_RETRY_AFTER_S) -> None:
        super().__init__(f"{dependency} is unavailable; retry in {retry_after_s} s")
        self.dependency = dependency
        self.retry_after_s = retry_after_s
