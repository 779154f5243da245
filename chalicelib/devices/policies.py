"""Reading and replacing a community's device policy (``policy.DevicePolicyDoc``)."""
from __future__ import annotations

from datetime import datetime

from chalicelib.core.cache import ttl_cache
from chalicelib.core.errors import NotFoundError
from chalicelib.core.timeutil import iso
from chalicelib.devices import access, store
from chalicelib.devices.policy import DevicePolicyDoc, default_policy
from chalicelib.directory import service as directory
from chalicelib.identity.caller import Caller

POLICY_TTL_S = 30
"""How long a container keeps a community's policy: a change reaches other containers at most
this late."""


def get_policy(community_id: str) -> DevicePolicyDoc:
    """The community's policy, or the default (SPEC 6) when none was set."""
    stored = ttl_cache("device_policy", POLICY_TTL_S).get(
        community_id, lambda: store.policy_document(community_id))
    return default_policy() if stored is None else DevicePolicyDoc.model_validate_json(stored)


def policy_view(caller: Caller, community_id: str) -> DevicePolicyDoc:
    """Staff who reach the community read it. Raises ForbiddenError, NotFoundError."""
    access.community_reach(caller, community_id)
    return get_policy(community_id)


def put_policy(caller: Caller, community_id: str, doc: DevicePolicyDoc,
               now: datetime) -> DevicePolicyDoc:
    """Replace the policy: admins and the community's office staff. It applies to the next
    message and the next watch run. Raises ForbiddenError, NotFoundError."""
    caller.require("admin", "community")
    scope = directory.load_scope(caller)
    if not caller.is_admin and not scope.staffs_community(community_id):
        raise NotFoundError(f"community {community_id} not found")
    directory.get_community(community_id)
    role = "admin" if caller.is_admin else "community"
    try:
        store.put_policy_document(community_id, doc.model_dump_json(), iso(now), role)
    finally:
        ttl_cache("device_policy", POLICY_TTL_S).forget(community_id)
    return doc
