"""Sliding-window rate limits kept in DynamoDB.

One item per user and action holds the times of the hits still inside the window. A hit is
admitted by a write conditional on the version that was read (PynamoDB's ``VersionAttribute``),
so of concurrent consumes racing for the last slot exactly one is written; the others read again
and are refused. ``consume`` answers a token that ``release`` takes back, for an action that
failed after it was counted.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from chalicelib.core import observability
from chalicelib.core.errors import RateLimitedError
from chalicelib.core.ids import new_id
from chalicelib.tickets import store
from chalicelib.tickets.models import RateHit, RateWindow

ATTEMPTS = 5


@dataclass(frozen=True)
class Hit:
    token: str
    at: float


# --- the window, pure -----------------------------------------------------------------------

def counted(hits: Iterable[Hit], now_s: float, window_s: int) -> list[Hit]:
    """The hits inside the window that ends at ``now_s``: those after ``now_s - window_s``,
    oldest first."""
    return sorted((h for h in hits if h.at > now_s - window_s), key=lambda h: h.at)


def retry_after(hits: list[Hit], now_s: float, window_s: int) -> int:
    """Whole seconds (at least 1) until the oldest of the counted ``hits`` leaves the window;
    the whole window when there are none."""
    if not hits:
        return window_s
    return max(1, math.ceil(hits[0].at + window_s - now_s))


def admit(hits: Iterable[Hit], limit: int, now_s: float, window_s: int, token: str,
          action: str = "actions") -> list[Hit]:
    """The counted hits with one more, ``token`` at ``now_s``.

    Raises RateLimitedError (retry after the oldest counted hit leaves) when ``limit`` hits are
    already counted.
    """
    inside = counted(hits, now_s, window_s)
    if len(inside) >= limit:
        raise RateLimitedError(f"at most {limit} {action} in any {window_s // 60} minutes",
                               retry_after(inside, now_s, window_s))
    return [*inside, Hit(token, now_s)]


# --- DynamoDB -------------------------------------------------------------------------------

def _hits(window: RateWindow) -> list[Hit]:
    return [Hit(str(h.token), float(h.at)) for h in window.hits or []]


def _saved(window: RateWindow, hits: list[Hit]) -> bool:
    window.hits = [RateHit(token=h.token, at=h.at) for h in hits]
    return store.save_rate_window(window)


def consume(action: str, user_id: str, limit: int, now: datetime, window_s: int = 3600) -> str:
    """Count one ``action`` by ``user_id`` at ``now`` against at most ``limit`` in any
    ``window_s`` seconds; answers the hit's token for ``release``.

    Raises RateLimitedError with the seconds until the oldest counted hit leaves the window, or
    with 1 second when ``ATTEMPTS`` concurrent writes in a row came first.
    """
    token, now_s = new_id(), now.timestamp()
    for _ in range(ATTEMPTS):
        window = store.rate_window(action, user_id)
        hits = admit(_hits(window), limit, now_s, window_s, token, action)
        window.expires_at = datetime.fromtimestamp(hits[-1].at + window_s, tz=timezone.utc)
        if _saved(window, hits):
            return token
    raise RateLimitedError(f"too many concurrent {action}; retry", 1)


def release(action: str, user_id: str, token: str) -> bool:
    """Take back the hit ``consume`` answered ``token`` for, so it no longer counts. False when
    it is not counted (already released, or out of the window and pruned), or when ``ATTEMPTS``
    concurrent writes in a row came first (logged; it then counts until it leaves the window).
    Raises nothing else than DynamoDB's own errors.
    """
    for _ in range(ATTEMPTS):
        window = store.rate_window(action, user_id)
        hits = _hits(window)
        kept = [h for h in hits if h.token != token]
        if len(kept) == len(hits):
            return False
        if _saved(window, kept):
            return True
    observability.logger().warning("rate limit hit not released",
                                   extra={"action": action, "user_id": user_id})
    return False

