"""DynamoDB's atomicity for the embedded moto server: one DynamoDB request at a time.

moto's DynamoDB backend takes no lock. Two conditional writes can both pass their condition, and
a failed TransactWriteItems restores a deep copy of the tables taken when it started, undoing
every write that ran meanwhile. ``SerialDynamoDB.install`` wraps
``moto.dynamodb.responses.DynamoHandler._dispatch`` (parse, run and answer one request) in one
process-wide lock, reads included, so each request sees and leaves a consistent table. This
touches a moto internal, so moto's version is pinned; check this seam again when it changes.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

Dispatch = Callable[..., Any]


class SerialDynamoDB:
    """Serialises every DynamoDB request of this process's moto server while installed."""

    _request_lock = threading.RLock()
    _original: Dispatch | None = None

    @classmethod
    def install(cls) -> None:
        """Safe to call twice."""
        from moto.dynamodb.responses import DynamoHandler

        if cls._original is not None:
            return
        original: Dispatch = DynamoHandler._dispatch
        lock = cls._request_lock

        def dispatch(handler: Any, *args: Any, **kwargs: Any) -> Any:
            with lock:
                return original(handler, *args, **kwargs)

        cls._original = original
        setattr(DynamoHandler, "_dispatch", dispatch)  # noqa: B010 - mypy: method assign

    @classmethod
    def uninstall(cls) -> None:
        """Restore moto's method; safe to call twice."""
        from moto.dynamodb.responses import DynamoHandler

        if cls._original is not None:
            setattr(DynamoHandler, "_dispatch", cls._original)  # noqa: B010
            cls._original = None
