"""Which staff reach which devices, alarms and map features (SPEC 2): admins, the community's
office and its street office see the whole community; property staff the estates their company
manages; grid workers the buildings of their grids. Residents see none of it."""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib.core.errors import NotFoundError
from chalicelib.directory import service as directory
from chalicelib.identity.caller import Caller

STAFF = ("admin", "community", "street", "property", "grid")
ACCOUNTABLE = frozenset({"admin", "community", "street", "property"})


@dataclass(frozen=True)
class Reach:
    """What one caller reaches within one community."""

    role: str | None
    whole: bool = False
    estates: frozenset[str] = frozenset()
    grids: frozenset[str] = frozenset()

    def covers(self, estate_id: str, grid_id: str | None) -> bool:
        return self.whole or estate_id in self.estates or (grid_id is not None
                                                           and grid_id in self.grids)

    def role_for(self, estate_id: str, grid_id: str | None) -> str | None:
        """The capacity the caller acts in on an object of that estate and grid."""
        if self.whole:
            return self.role
        if estate_id in self.estates:
            return "property"
        if grid_id is not None and grid_id in self.grids:
            return "grid"
        return None


def reach_of(scope: directory.Scope, community_id: str) -> Reach:
    c = scope.caller
    if c.is_admin:
        return Reach("admin", whole=True)
    if scope.staffs_community(community_id):
        return Reach("community", whole=True)
    if "street" in c.roles and community_id in scope.street_communities:
        return Reach("street", whole=True)
    estates: frozenset[str] = frozenset()
    if "property" in c.roles:
        estates = frozenset(e for e in scope.managed_estates
                            if _estate_community(e) == community_id)
    grids = frozenset(scope.grid_ids) if "grid" in c.roles else frozenset()
    return Reach(None, estates=estates, grids=grids)


def _estate_community(estate_id: str) -> str | None:
    try:
        return directory.get_estate(estate_id).community_id
    except NotFoundError:
        return None


def community_reach(caller: Caller, community_id: str) -> Reach:
    """The caller's reach in a community they work in. Raises ForbiddenError (not staff),
    NotFoundError (nothing of the community in reach)."""
    caller.require(*STAFF)
    scope = directory.load_scope(caller)
    reach = reach_of(scope, community_id)
    if not (reach.whole or reach.estates or (reach.grids and community_id in scope.communities)):
        raise NotFoundError(f"community {community_id} not found")
    if caller.is_admin:
        directory.get_community(community_id)
    return reach
