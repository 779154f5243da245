from typing import Any

from chalicelib import directory
from chalicelib.api.routing import Caller, Resource

bp = Resource(__name__)


@bp.route("/communities/{community_id}/categories",
          summary="Ticket categories of a community, with Chinese and English names")
def list_categories(caller: Caller, community_id: str) -> dict[str, Any]:
    community, _ = directory.visible_community(caller, community_id)
    return {"items": directory.categories(community), "next_cursor": None}
