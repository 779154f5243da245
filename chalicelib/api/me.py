from typing import Any

from chalicelib import directory
from chalicelib.api.routing import Caller, Resource

bp = Resource(__name__)


@bp.route("/me", summary="The caller: roles, community and units")
def get_me(caller: Caller) -> dict[str, Any]:
    return directory.me(caller)
