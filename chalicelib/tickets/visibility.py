"""Who may see a ticket, and in what capacity: a pure rule over the caller's resolved scope."""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.core.errors import NotFoundError
from chalicelib.directory import service as directory
from chalicelib.identity.caller import REPORTER_ROLES, Caller
from chalicelib.tickets import store
from chalicelib.tickets.models import Ticket

ACCOUNTABLE = frozenset({"admin", "community", "street", "property"})
"""Staff capacities that may resolve, reject and mark duplicates (grid workers may not)."""


@dataclass(frozen=True)
class Relation:
    """How one viewer stands to one ticket: the staff capacity they act in (``admin``,
    ``community``, ``street``, ``property``, ``grid``, or None), whether they reported it, and
    whether they see it as a neighbour."""

    staff_role: str | None = None
    reporter: bool = False
    neighbour: bool = False

    @property
    def staff(self) -> bool:
        return self.staff_role is not None

    @property
    def accountable(self) -> bool:
        return self.staff_role in ACCOUNTABLE

    @property
    def visible(self) -> bool:
        return self.staff or self.reporter or self.neighbour


@dataclass(frozen=True)
class Viewer:
    """A caller with their resolved scope."""

    caller: Caller
    scope: directory.Scope

    def staff_role(self, ticket: Ticket) -> str | None:
        c, s = self.caller, self.scope
        if c.is_admin:
            return "admin"
        if s.staffs_community(ticket.community_id):
            return "community"
        if "street" in c.roles and ticket.community_id in s.street_communities:
            return "street"
        if "property" in c.roles and ticket.estate_id in s.managed_estates:
            return "property"
        if "grid" in c.roles and ticket.grid_id is not None and ticket.grid_id in s.grid_ids:
            return "grid"
        return None

    def relation(self, ticket: Ticket) -> Relation | None:
        """None when the ticket is hidden from this viewer."""
        reporter = bool(ticket.reporter_id) and ticket.reporter_id == self.caller.user_id
        neighbour = (not reporter and not ticket.private
                     and self.caller.has_any(*REPORTER_ROLES)
                     and ticket.estate_id in self.scope.home_estates)
        relation = Relation(self.staff_role(ticket), reporter, neighbour)
        return relation if relation.visible else None


def viewer(caller: Caller) -> Viewer:
    return Viewer(caller, directory.load_scope(caller))


def read_ticket(ticket_id: str, consistent: bool = False) -> Ticket:
    """Raises NotFoundError."""
    ticket = store.get_ticket(ticket_id, consistent)
    if ticket is None:
        raise NotFoundError(f"ticket {ticket_id} not found")
    return ticket


def load_visible(v: Viewer, ticket_id: str, consistent: bool = False) -> tuple[Ticket, Relation]:
    """The ticket and the viewer's relation to it. Raises NotFoundError when out of scope."""
    ticket = read_ticket(ticket_id, consistent)
    relation = v.relation(ticket)
    if relation is None:
        raise NotFoundError(f"ticket {ticket_id} not found")
    return ticket, relation
