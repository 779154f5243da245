"""Who sees whose identity on a ticket (SPEC 10), as pure rules.

| viewer                                           | ordinary ticket     | anonymous ticket     |
|--------------------------------------------------|---------------------|----------------------|
| the reporter                                     | full                | full                 |
| property staff of the estate                     | full (name, phone)  | nothing              |
| community staff; street staff once at level 2    | full                | full, audited        |
| grid worker, admin, street staff below level 2   | masked name, phone  | nothing              |
| other residents                                  | masked name         | nothing              |

"Masked" carries no user id. Every other person named in the timeline is shown by the same
table as the reporter of an ordinary ticket; a person always sees themselves in full.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chalicelib.tickets.models import Ticket, TicketEvent
from chalicelib.tickets.visibility import Relation

Disclosure = Literal["full", "masked", "masked_name", "none"]
STREET_SEES_AT = 2


@dataclass(frozen=True)
class Person:
    user_id: str | None
    name: str | None
    phone: str | None = None


def mask_name(name: str | None) -> str | None:
    if not name:
        return None
    return name[0] + "*" * min(len(name) - 1, 3) if len(name) > 1 else "*"


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    digits = phone[-11:] if len(phone) >= 11 else phone
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def _contact_staff(ticket: Ticket, relation: Relation) -> bool:
    role = relation.staff_role
    return role == "community" or (
        role == "street" and int(ticket.escalation_level or 0) >= STREET_SEES_AT)


def of_person(ticket: Ticket, relation: Relation, anonymous: bool, is_viewer: bool
              ) -> Disclosure:
    """How much of one person named on ``ticket`` a viewer with ``relation`` sees."""
    if is_viewer:
        return "full"
    if anonymous:
        return "full" if _contact_staff(ticket, relation) else "none"
    if relation.staff_role == "property" or _contact_staff(ticket, relation):
        return "full"
    if relation.staff:
        return "masked"
    return "masked_name"


def of_reporter(ticket: Ticket, relation: Relation) -> Disclosure:
    if ticket.source != "resident" or not (ticket.reporter_id or ticket.reporter_name):
        return "none"
    return of_person(ticket, relation, bool(ticket.anonymous), relation.reporter)


def of_actor(event: TicketEvent, ticket: Ticket, relation: Relation, viewer_id: str
             ) -> Disclosure:
    """A timeline actor: the reporter is shown as the reporter; residents as ordinary persons;
    staff in full to staff and by masked name to residents."""
    if not event.actor_id and not event.actor_name:
        return "none"
    if event.actor_id and event.actor_id == viewer_id:
        return "full"
    if event.actor_role == "resident":
        if event.actor_id and event.actor_id == ticket.reporter_id:
            return of_reporter(ticket, relation)
        return of_person(ticket, relation, False, False)
    return "full" if relation.staff else "masked_name"


def shown(person: Person, disclosure: Disclosure) -> dict[str, str | None] | None:
    """The fields a disclosure shows of ``person``."""
    if disclosure == "none":
        return None
    if disclosure == "full":
        return {"user_id": person.user_id, "name": person.name, "phone": person.phone}
    if disclosure == "masked":
        return {"name": mask_name(person.name), "phone": mask_phone(person.phone)}
    return {"name": mask_name(person.name)}


def audited(ticket: Ticket, relation: Relation) -> bool:
    """Whether this viewer's sight of the reporter is a staff read of unmasked personal data."""
    return (not relation.reporter and relation.staff
            and of_reporter(ticket, relation) == "full")
