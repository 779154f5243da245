from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.lazy import lazy
from chalicelib.web.routing import Caller, LazySchemas, Resource

if TYPE_CHECKING:
    from chalicelib.directory import service as directory
else:
    directory = lazy("chalicelib.directory.service")

answers = LazySchemas("chalicelib.directory.responses")
bp = Resource(__name__)


@bp.route("/communities/{community_id}/categories",
          summary="Ticket categories of a community, with Chinese and English names",
          response=answers.CategoryList)
def list_categories(caller: Caller, community_id: str) -> dict[str, Any]:
    community, _ = directory.visible_community(caller, community_id)
    return {"items": directory.categories(community), "next_cursor": None}
