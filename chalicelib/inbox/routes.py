from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.lazy import lazy
from chalicelib.web.routing import Caller, LazySchemas, Resource

if TYPE_CHECKING:
    from chalicelib.inbox import service as inbox
    from chalicelib.tickets import queries as query_docs
else:
    inbox = lazy("chalicelib.inbox.service")

queries = LazySchemas("chalicelib.tickets.queries")
answers = LazySchemas("chalicelib.inbox.responses")
bp = Resource(__name__)


@bp.route("/me/inbox", query=queries.PageQuery,
          summary="Notifications for the caller and the parties they work for, newest first",
          response=answers.Inbox)
def get_inbox(caller: Caller, query: query_docs.PageQuery) -> dict[str, Any]:
    return inbox.read(caller, query.limit, query.cursor)
