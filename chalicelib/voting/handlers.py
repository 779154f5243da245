"""The voting schedule: every minute, freeze the rolls of polls that have opened and count the
polls that have closed (``closing.run``). It acts at the clock's time, never at a time the event
names: an event dated later cannot close a poll early."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.core import observability
from chalicelib.core.lazy import lazy
from chalicelib.core.timeutil import utcnow

if TYPE_CHECKING:
    from chalicelib.voting import closing
else:
    closing = lazy("chalicelib.voting.closing")

bp = Blueprint(__name__)


@bp.schedule("rate(1 minute)", name="poll_close")
def poll_close(event: Any) -> dict[str, int]:
    """Freeze what has opened, count what has closed. Returns counts."""
    counts = closing.run(utcnow())
    observability.logger().info("poll schedule", extra=counts)
    for name, value in counts.items():
        observability.add_metric(f"Polls{name.capitalize()}", value)
    return counts
