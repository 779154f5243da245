"""Fixed-window rate limits kept in DynamoDB with one conditional counter per window."""
from __future__ import annotations

from datetime import datetime, timedelta

from pynamodb.exceptions import UpdateError

from chalicelib.core.db import is_conditional_failure
from chalicelib.core.errors import RateLimitedError
from chalicelib.tickets.models import RateWindow


def consume(action: str, user_id: str, limit: int, now: datetime, window_s: int = 3600) -> None:
    """Count one ``action`` by ``user_id`` in the current window.

    Raises RateLimitedError (with the seconds until the window ends) when ``limit`` is reached.
    """
    start_epoch = int(now.timestamp()) // window_s * window_s
    start = datetime.fromtimestamp(start_epoch, tz=now.tzinfo).strftime("%Y%m%dT%H%M%S")
    window = RateWindow(*RateWindow.key(action, user_id, start))
    try:
        window.update(
            actions=[
                RateWindow.hits.add(1),
                RateWindow.expires_at.set(datetime.fromtimestamp(start_epoch, tz=now.tzinfo)
                                          + timedelta(seconds=2 * window_s)),
            ],
            condition=RateWindow.hits.does_not_exist() | (RateWindow.hits < limit),
        )
    except UpdateError as err:
        if is_conditional_failure(err):
            retry_after = max(1, start_epoch + window_s - int(now.timestamp()))
            raise RateLimitedError(
                f"at most {limit} {action} per {window_s // 60} minutes", retry_after
            ) from err
        raise
