"""Scheduled work of the task board: auto-confirmation of delivered tasks."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.core import observability
from chalicelib.core.lazy import lazy

if TYPE_CHECKING:
    from chalicelib.tasks import service as board
else:
    board = lazy("chalicelib.tasks.service")

bp = Blueprint(__name__)


@bp.schedule("rate(15 minutes)", name="task_autoconfirm")
def task_autoconfirm(event: Any) -> dict[str, int]:
    """Every 15 minutes: confirm the tasks delivered 3 days ago or earlier (escrow released
    to the taker once)."""
    counts = board.autoconfirm_due()
    observability.logger().info("task auto-confirmation", extra=counts)
    for name, value in counts.items():
        observability.add_metric(f"TasksAuto{name.capitalize()}", value)
    return counts
