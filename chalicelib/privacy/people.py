"""A resident's rights under PIPL: export of their data and its erasure (SPEC 10)."""
from __future__ import annotations

from typing import Any

from chalicelib.activities import service as activities
from chalicelib.core.timeutil import iso, utcnow
from chalicelib.directory import service as directory
from chalicelib.identity.caller import Caller
from chalicelib.inbox import service as inbox
from chalicelib.inbox import views as inbox_views
from chalicelib.notices import service as notices
from chalicelib.points import personal as points
from chalicelib.privacy import audit
from chalicelib.tasks import service as tasks
from chalicelib.tickets import personal
from chalicelib.voting import personal as voting


def export(caller: Caller) -> dict[str, Any]:
    """Everything Fanglin holds about the caller, as JSON."""
    scope = directory.load_scope(caller)
    notifications = inbox.read(caller, limit=100)
    return {
        "exported_at": iso(utcnow()),
        "profile": {"user_id": caller.user_id, "name": caller.name, "phone": caller.phone,
                    "roles": sorted(caller.roles), "community_id": scope.community_id},
        "homes": [{"estate_id": h.estate_id, "unit_id": h.unit_id, "building": h.building,
                   "relation": h.relation} for h in scope.homes],
        **personal.export_of(caller.user_id),
        **points.export_of(caller.user_id),
        **tasks.export_of(caller.user_id),
        **voting.export_of(caller.user_id),
        **activities.export_of(caller.user_id),
        **notices.export_of(caller.user_id),
        "inbox": inbox_views.page_view(notifications)["items"],
        "reads_of_my_data": [{"at": e.at, "reader_roles": e.reader_roles.split(","),
                              "what": e.what, "ref_id": e.ref_id}
                             for e in audit.about(caller.user_id)],
    }


def erase(caller: Caller) -> dict[str, Any]:
    """Delete the caller's personal data: tickets stay, anonymised; their timeline entries stay
    without their name; follows and inbox go; points and tasks stay, detached (points.personal,
    tasks.service.erase); ballots stay, counted, detached (voting.personal). The account
    itself is closed by the identity provider (and an admin removes the directory entries of
    their homes)."""
    counts = personal.erase(caller.user_id)
    counts["inbox_entries_deleted"] = inbox.erase(caller.user_id)
    counts |= tasks.erase(caller.user_id)
    counts |= points.erase(caller.user_id)
    counts |= voting.erase(caller.user_id)
    counts |= activities.erase(caller.user_id)
    counts |= notices.erase(caller.user_id)
    return {"user_id": caller.user_id, "erased_at": iso(utcnow()), **counts}
