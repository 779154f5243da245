"""Who may do what with a poll (SPEC 2 and 5).

- A poll is visible to the people of its community only: anyone else gets 404.
- Reading a poll and its live turnout: owners and staff of the community (the roles
  ``owner``, ``property``, ``grid``, ``community``, ``street``, ``admin``); a resident who is not
  an owner gets 403. Results, once counted: anyone of the community.
- Opening a poll and entering paper ballots: the community's office staff and admins, the
  organisers of the owners' assembly; other staff get 403.
- The audit export of every ballot version: the office staff, the street office supervising
  the community, admins.
- Casting a ballot online needs the ``owner`` role AND a place on the poll's frozen roll: the
  role is an account fact set by admins (the identity check), the roll comes from the unit
  registry. A person the registry lists as owner whose account lacks the role gets 403 and
  votes on paper through staff until an admin grants it.
"""
from __future__ import annotations

from chalicelib.core.errors import ForbiddenError, NotFoundError
from chalicelib.directory import service as directory
from chalicelib.directory.service import Scope
from chalicelib.identity.caller import Caller
from chalicelib.voting import store
from chalicelib.voting.models import Poll

READERS = ("owner", "property", "grid", "community", "street", "admin")


def in_community(caller: Caller, community_id: str) -> Scope:
    """The caller's scope, if they belong to the community. Raises NotFoundError."""
    scope = directory.load_scope(caller)
    if not scope.belongs_to_community(community_id):
        raise NotFoundError(f"community {community_id} not found")
    return scope


def poll_for(caller: Caller, poll_id: str, consistent: bool = False) -> tuple[Poll, Scope]:
    """The poll, if the caller belongs to its community. Raises NotFoundError."""
    poll = store.get_poll(poll_id, consistent=consistent)
    if poll is None:
        raise NotFoundError(f"poll {poll_id} not found")
    scope = directory.load_scope(caller)
    if not scope.belongs_to_community(poll.community_id):
        raise NotFoundError(f"poll {poll_id} not found")
    return poll, scope


def organises(scope: Scope, community_id: str) -> bool:
    return scope.caller.is_admin or scope.staffs_community(community_id)


def require_reader(caller: Caller) -> None:
    """Raises ForbiddenError."""
    caller.require(*READERS)


def require_organiser(scope: Scope, community_id: str) -> None:
    """Raises ForbiddenError unless the caller is office staff of the community or an admin."""
    if not organises(scope, community_id):
        raise ForbiddenError("only the community office or an admin runs polls")


def require_auditor(scope: Scope, community_id: str) -> None:
    """Raises ForbiddenError."""
    if not scope.supervises_community(community_id):
        raise ForbiddenError("only the community office, its street office or an admin audits")
