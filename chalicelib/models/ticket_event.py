from pynamodb.attributes import BooleanAttribute, UnicodeAttribute

from chalicelib.models.base import BaseModel


class TicketEvent(BaseModel):
    """One entry of a ticket's timeline. pk ``TICKET#{id}``, sk ``EVENT#{at}#{event_id}``."""

    ticket_id = UnicodeAttribute()
    event_id = UnicodeAttribute()
    at = UnicodeAttribute()
    actor_id = UnicodeAttribute(null=True)
    actor_name = UnicodeAttribute(null=True)
    actor_role = UnicodeAttribute()
    action = UnicodeAttribute()
    note = UnicodeAttribute(null=True)
    public = BooleanAttribute(default=True)
    from_status = UnicodeAttribute(null=True)
    to_status = UnicodeAttribute(null=True)

    @staticmethod
    def key(ticket_id: str, at: str, event_id: str) -> tuple[str, str]:
        return f"TICKET#{ticket_id}", f"EVENT#{at}#{event_id}"
