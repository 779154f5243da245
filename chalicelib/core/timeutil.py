"""UTC timestamps as the API shows them: ISO-8601 with milliseconds and ``Z``."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime) -> str:
    utc = dt.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def iso_ceil_second(dt: datetime) -> str:
    """``iso`` rounded up to the whole second: Step Functions waits only to the second."""
    whole = dt.replace(microsecond=0)
    return iso(whole if whole == dt else whole + timedelta(seconds=1))


def parse_iso(text: str) -> datetime:
    """Raises ValueError for text that is not an ISO-8601 timestamp."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)
