"""Who is calling: the identity a verified token names, with the roles it grants."""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.core.errors import ForbiddenError

ROLES = ("resident", "owner", "property", "grid", "community", "street", "admin")
STAFF_ROLES = frozenset({"property", "grid", "community", "street", "admin"})
REPORTER_ROLES = ("resident", "owner")


@dataclass(frozen=True)
class Caller:
    user_id: str
    name: str | None
    phone: str | None
    roles: frozenset[str]
    community_id: str | None

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def require(self, *roles: str) -> None:
        """Raises ForbiddenError unless the caller holds one of ``roles``."""
        if not self.has_any(*roles):
            raise ForbiddenError("this action needs one of the roles: " + ", ".join(roles))
