from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.api.routing import Caller, LazySchemas, Resource
from chalicelib.lazy import lazy
from chalicelib.timeutil import utcnow

if TYPE_CHECKING:
    from chalicelib import sla, stats
    from chalicelib.schemas import queries
    from chalicelib.schemas import sla as policy_docs
else:
    sla = lazy("chalicelib.sla")
    stats = lazy("chalicelib.stats")

policies = LazySchemas("chalicelib.schemas.sla")
queries_ = LazySchemas("chalicelib.schemas.queries")
bp = Resource(__name__)


@bp.route("/communities/{community_id}/sla-policy", summary="The community's SLA policy")
def get_sla_policy(caller: Caller, community_id: str) -> dict[str, Any]:
    return sla.policy_view(caller, community_id)


@bp.route("/communities/{community_id}/sla-policy", methods=["PUT"], body=policies.SlaPolicyDoc,
          summary="Replace the SLA policy (the document GET returns)")
def put_sla_policy(caller: Caller, community_id: str,
                   body: policy_docs.SlaPolicyDoc) -> dict[str, Any]:
    return sla.put_policy(caller, community_id, body, utcnow())


@bp.route("/communities/{community_id}/stats", query=queries_.StatsQuery,
          summary="Ticket statistics (SPEC 3.3), dates in the community's time zone")
def get_stats(caller: Caller, community_id: str, query: queries.StatsQuery) -> dict[str, Any]:
    return stats.community_stats(caller, community_id, query.from_, query.to)
