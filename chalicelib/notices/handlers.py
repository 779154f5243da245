"""Scheduled work of notices: expired notices leave the residents' index."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.core import observability
from chalicelib.core.lazy import lazy

if TYPE_CHECKING:
    from chalicelib.notices import service as notices
else:
    notices = lazy("chalicelib.notices.service")

bp = Blueprint(__name__)


@bp.schedule("rate(5 minutes)", name="notice_expiry")
def notice_expiry(event: Any) -> dict[str, int]:
    """Every five minutes: take the notices whose expiry passed out of residents' lists (they
    are filtered out when read meanwhile)."""
    counts = notices.expire()
    observability.logger().info("notice expiry", extra=counts)
    observability.add_metric("NoticesExpired", counts["withdrawn"])
    return counts
