from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.lazy import lazy
from chalicelib.web.routing import Caller, LazySchemas, Resource

if TYPE_CHECKING:
    from chalicelib.core import documents as query_docs
    from chalicelib.inbox import service as inbox
    from chalicelib.inbox import views
else:
    inbox = lazy("chalicelib.inbox.service")
    views = lazy("chalicelib.inbox.views")

queries = LazySchemas("chalicelib.core.documents")
answers = LazySchemas("chalicelib.inbox.responses")
bp = Resource(__name__)


@bp.route("/me/inbox", query=queries.PageQuery,
          summary="Notifications for the caller and the parties they work for, newest first",
          response=answers.Inbox)
def get_inbox(caller: Caller, query: query_docs.PageQuery) -> dict[str, Any]:
    return views.page_view(inbox.read(caller, query.limit, query.cursor))
