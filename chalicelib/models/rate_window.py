from pynamodb.attributes import NumberAttribute, TTLAttribute

from chalicelib.models.base import BaseModel


class RateWindow(BaseModel):
    """Count of one user's actions in a fixed window.
    pk ``RATE#{action}#{user_id}``, sk ``WINDOW#{window_start}``; expires with the table TTL."""

    hits = NumberAttribute(default=0)
    expires_at = TTLAttribute()

    @staticmethod
    def key(action: str, user_id: str, window_start: str) -> tuple[str, str]:
        return f"RATE#{action}#{user_id}", f"WINDOW#{window_start}"
