from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.lazy import lazy
from chalicelib.web.routing import Caller, LazySchemas, Resource

if TYPE_CHECKING:
    from chalicelib.guides import schemas as docs
    from chalicelib.guides import service as guides
    from chalicelib.guides import views
else:
    guides = lazy("chalicelib.guides.service")
    views = lazy("chalicelib.guides.views")

schemas = LazySchemas("chalicelib.guides.schemas")
answers = LazySchemas("chalicelib.guides.responses")
bp = Resource(__name__)


@bp.route("/communities/{community_id}/guides", methods=["POST"], body=schemas.GuideDoc,
          status=201, response=answers.Guide,
          summary="Write a service guide (office staff); answers it with open_now",
          links={"guide_id": "/guide_id"})
def create_guide(caller: Caller, community_id: str, body: docs.GuideDoc) -> dict[str, Any]:
    return views.guide_view(guides.create(caller, community_id, body))


@bp.route("/communities/{community_id}/guides", query=schemas.GuideQuery,
          response=answers.GuideList,
          summary="Service guides of the community, searched by q, each with open_now")
def list_guides(caller: Caller, community_id: str, query: docs.GuideQuery) -> dict[str, Any]:
    return views.page_view(guides.search(caller, community_id, query.q, query.limit,
                                         query.cursor))


@bp.route("/guides/{guide_id}", response=answers.Guide,
          summary="A service guide with open_now in the community's time zone")
def get_guide(caller: Caller, guide_id: str) -> dict[str, Any]:
    return views.guide_view(guides.get(caller, guide_id))


@bp.route("/guides/{guide_id}", methods=["PUT"], body=schemas.GuideDoc, response=answers.Guide,
          summary="Replace a service guide (office staff)")
def replace_guide(caller: Caller, guide_id: str, body: docs.GuideDoc) -> dict[str, Any]:
    return views.guide_view(guides.replace(caller, guide_id, body))


@bp.route("/guides/{guide_id}", methods=["DELETE"], response=answers.DeletedGuide,
          summary="Delete a service guide (office staff)")
def delete_guide(caller: Caller, guide_id: str) -> dict[str, Any]:
    return views.deleted_view(guides.delete(caller, guide_id))
