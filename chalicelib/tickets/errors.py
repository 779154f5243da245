"""Errors of the ticket context that callers handle by name (the state machine retries
``TicketBusyError`` and catches ``TicketNotFoundError``)."""
from __future__ import annotations

from chalicelib.core.errors import FanglinError


class TicketBusyError(FanglinError):
    """The ticket changed while it was being advanced; retry (the state machine does)."""


class TicketNotFoundError(FanglinError):
    """The ticket no longer exists; the execution ends."""
