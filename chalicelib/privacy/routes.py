from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.lazy import lazy
from chalicelib.web.routing import Caller, LazySchemas, Resource

if TYPE_CHECKING:
    from chalicelib.privacy import audit, people, views
    from chalicelib.privacy import schemas as docs
else:
    audit = lazy("chalicelib.privacy.audit")
    people = lazy("chalicelib.privacy.people")
    views = lazy("chalicelib.privacy.views")

schemas = LazySchemas("chalicelib.privacy.schemas")
answers = LazySchemas("chalicelib.privacy.responses")
bp = Resource(__name__)


@bp.route("/me/export", summary="Everything Fanglin holds about the caller (PIPL)",
          response=answers.Export)
def export_me(caller: Caller) -> dict[str, Any]:
    return people.export(caller)


@bp.route("/me", methods=["DELETE"], response=answers.Erased,
          summary="Erase the caller's personal data: tickets stay, anonymised")
def erase_me(caller: Caller) -> dict[str, Any]:
    return people.erase(caller)


@bp.route("/audit", query=schemas.AuditQuery, response=answers.AuditLog,
          summary="Staff reads of unmasked personal data on one day (admins)")
def read_audit(caller: Caller, query: docs.AuditQuery) -> dict[str, Any]:
    return views.audit_view(audit.read(caller, query.date, query.limit, query.cursor))
