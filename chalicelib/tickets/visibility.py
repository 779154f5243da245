"""Who may see a ticket, and in what capacity."""
from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist

from chalicelib.core.errors import NotFoundError
from chalicelib.directory import service as directory
from chalicelib.identity.caller import REPORTER_ROLES, Caller
from chalicelib.tickets.models import Ticket


@dataclass(frozen=True)
class Viewer:
    """A caller with their resolved scope, and how they relate to one ticket."""

    caller: Caller
    scope: directory.Scope

    def relation(self, ticket: Ticket) -> str | None:
        """``staff`` (responsible or supervising), ``reporter``, ``neighbour`` or None (hidden)."""
        if self.is_staff_for(ticket):
            return "staff"
        if ticket.reporter_id and ticket.reporter_id == self.caller.user_id:
            return "reporter"
        if (not ticket.private and self.caller.has_any(*REPORTER_ROLES)
                and ticket.estate_id in self.scope.home_estates):
            return "neighbour"
        return None

    def is_staff_for(self, ticket: Ticket) -> bool:
        c, s = self.caller, self.scope
        if s.supervises_community(ticket.community_id):
            return True
        if "property" in c.roles and ticket.estate_id in s.managed_estates:
            return True
        return "grid" in c.roles and ticket.grid_id is not None and ticket.grid_id in s.grid_ids


def viewer(caller: Caller) -> Viewer:
    return Viewer(caller, directory.load_scope(caller))


def get_ticket_item(ticket_id: str) -> Ticket:
    """Raises NotFoundError."""
    try:
        return Ticket.get(*Ticket.key(ticket_id))
    except DoesNotExist as err:
        raise NotFoundError(f"ticket {ticket_id} not found") from err


def load_visible(v: Viewer, ticket_id: str) -> tuple[Ticket, str]:
    """The ticket and the viewer's relation to it. Raises NotFoundError when out of scope."""
    ticket = get_ticket_item(ticket_id)
    relation = v.relation(ticket)
    if relation is None:
        raise NotFoundError(f"ticket {ticket_id} not found")
    return ticket, relation
