from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.lazy import lazy
from chalicelib.web.routing import Caller, LazySchemas, Resource

if TYPE_CHECKING:
    from chalicelib.core import documents as query_docs
    from chalicelib.notices import schemas as docs
    from chalicelib.notices import service as notices
    from chalicelib.notices import views
else:
    notices = lazy("chalicelib.notices.service")
    views = lazy("chalicelib.notices.views")

schemas = LazySchemas("chalicelib.notices.schemas")
queries = LazySchemas("chalicelib.core.documents")
answers = LazySchemas("chalicelib.notices.responses")
bp = Resource(__name__)


@bp.route("/communities/{community_id}/notices", methods=["POST"], body=schemas.NewNotice,
          status=201, response=answers.Notice,
          summary="Publish a notice to the community, an estate or a building (office staff)",
          links={"notice_id": "/notice_id"})
def publish_notice(caller: Caller, community_id: str, body: docs.NewNotice) -> dict[str, Any]:
    return views.shown_view(notices.publish(caller, community_id, body))


@bp.route("/communities/{community_id}/notices", query=queries.PageQuery,
          response=answers.NoticeList,
          summary="Notices: residents those addressed to them and not expired, staff all with "
                  "read counts; pinned first, then newest")
def list_notices(caller: Caller, community_id: str,
                 query: query_docs.PageQuery) -> dict[str, Any]:
    return views.page_view(notices.list_notices(caller, community_id, query.limit,
                                                query.cursor))


@bp.route("/notices/{notice_id}", response=answers.Notice,
          summary="A notice; a resident's first opening records their read")
def get_notice(caller: Caller, notice_id: str) -> dict[str, Any]:
    return views.shown_view(notices.open_notice(caller, notice_id))


@bp.route("/notices/{notice_id}/reads", response=answers.NoticeReads,
          summary="How many residents opened a notice (staff)")
def notice_reads(caller: Caller, notice_id: str) -> dict[str, Any]:
    return views.reads_view(notices.reads(caller, notice_id))
