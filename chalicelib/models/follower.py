from pynamodb.attributes import UnicodeAttribute

from chalicelib.models.base import BaseModel


class Follower(BaseModel):
    """pk ``TICKET#{ticket_id}``, sk ``FOLLOWER#{user_id}``."""

    ticket_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    since = UnicodeAttribute()

    @staticmethod
    def key(ticket_id: str, user_id: str) -> tuple[str, str]:
        return f"TICKET#{ticket_id}", f"FOLLOWER#{user_id}"
