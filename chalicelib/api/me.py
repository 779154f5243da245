from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.api.routing import Caller, Resource
from chalicelib.lazy import lazy

if TYPE_CHECKING:
    from chalicelib import directory
else:
    directory = lazy("chalicelib.directory")

bp = Resource(__name__)


@bp.route("/me", summary="The caller: roles, community and units")
def get_me(caller: Caller) -> dict[str, Any]:
    return directory.me(caller)
