from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.lazy import lazy
from chalicelib.core.timeutil import utcnow
from chalicelib.web.routing import Caller, LazySchemas, Resource

if TYPE_CHECKING:
    from chalicelib.tickets import schemas as queries
    from chalicelib.tickets import sla, stats
    from chalicelib.tickets import sla_policy as policy_docs
else:
    sla = lazy("chalicelib.tickets.sla")
    stats = lazy("chalicelib.tickets.stats")

policies = LazySchemas("chalicelib.tickets.sla_policy")
queries_ = LazySchemas("chalicelib.tickets.schemas")
answers = LazySchemas("chalicelib.tickets.responses")
bp = Resource(__name__)


@bp.route("/communities/{community_id}/sla-policy", summary="The community's SLA policy",
          response=policies.SlaPolicyDoc)
def get_sla_policy(caller: Caller, community_id: str) -> dict[str, Any]:
    return sla.policy_view(caller, community_id).model_dump(mode="json")


@bp.route("/communities/{community_id}/sla-policy", methods=["PUT"], body=policies.SlaPolicyDoc,
          summary="Replace the SLA policy (the document GET returns)",
          response=policies.SlaPolicyDoc)
def put_sla_policy(caller: Caller, community_id: str,
                   body: policy_docs.SlaPolicyDoc) -> dict[str, Any]:
    return sla.put_policy(caller, community_id, body, utcnow()).model_dump(mode="json")


@bp.route("/communities/{community_id}/stats", query=queries_.StatsQuery,
          summary="Ticket statistics (SPEC 3.3), dates in the community's time zone",
          response=answers.Stats)
def get_stats(caller: Caller, community_id: str, query: queries.StatsQuery) -> dict[str, Any]:
    return stats.community_stats(caller, community_id, query.from_, query.to)
