from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.api.routing import Caller, LazySchemas, Resource
from chalicelib.lazy import lazy

if TYPE_CHECKING:
    from chalicelib import inbox
    from chalicelib.schemas import queries as query_docs
else:
    inbox = lazy("chalicelib.inbox")

queries = LazySchemas("chalicelib.schemas.queries")
bp = Resource(__name__)


@bp.route("/me/inbox", query=queries.PageQuery,
          summary="Notifications for the caller and the parties they work for, newest first")
def get_inbox(caller: Caller, query: query_docs.PageQuery) -> dict[str, Any]:
    return inbox.read(caller, query.limit, query.cursor)
