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


@bp.route("/me", summary="The caller: roles, community and units", response=answers.Me)
def get_me(caller: Caller) -> dict[str, Any]:
    return directory.me(caller)
