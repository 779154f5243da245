from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.lazy import lazy
from chalicelib.web.routing import IDEMPOTENCY_KEY, Caller, LazySchemas, Resource

if TYPE_CHECKING:
    from chalicelib.tasks import schemas as docs
    from chalicelib.tasks import service as board
    from chalicelib.tasks import views
else:
    board = lazy("chalicelib.tasks.service")
    views = lazy("chalicelib.tasks.views")

schemas = LazySchemas("chalicelib.tasks.schemas")
answers = LazySchemas("chalicelib.tasks.responses")
bp = Resource(__name__)
POST_ERRORS = {409: "Too few points for the reward: nothing changed",
               422: "The Idempotency-Key was used with a different task"}


@bp.route("/communities/{community_id}/tasks", query=schemas.TaskQuery,
          summary="The community's task board, newest first", response=answers.TaskList)
def list_tasks(caller: Caller, community_id: str, query: docs.TaskQuery) -> dict[str, Any]:
    return views.page_view(board.list_board(caller, community_id, query.status, query.limit,
                                            query.cursor))


@bp.route("/communities/{community_id}/tasks", methods=["POST"], body=schemas.NewTask,
          status=201, summary="Post a request or offer; reward points are escrowed at once",
          response=answers.Task, headers=(IDEMPOTENCY_KEY,), responses=POST_ERRORS,
          links={"task_id": "/task_id"})
def post_task(caller: Caller, community_id: str, body: docs.NewTask) -> dict[str, Any]:
    key = bp.current_request.headers.get("idempotency-key")
    return views.task_view(board.post_task(caller, community_id, body, key))


@bp.route("/me/tasks", query=schemas.MyTasksQuery,
          summary="Tasks the caller posted (role=poster) or took (role=taker)",
          response=answers.TaskList)
def list_my_tasks(caller: Caller, query: docs.MyTasksQuery) -> dict[str, Any]:
    return views.page_view(board.my_tasks(caller, query.role, query.limit, query.cursor))


@bp.route("/tasks/{task_id}", summary="A task of the board", response=answers.Task)
def get_task(caller: Caller, task_id: str) -> dict[str, Any]:
    return views.task_view(board.get_task(caller, task_id))


@bp.route("/tasks/{task_id}/accept", methods=["POST"], response=answers.Task,
          summary="Take an open task (residents other than the poster; the first wins)",
          responses={409: "Someone else took it first, or it is no longer open"})
def accept_task(caller: Caller, task_id: str) -> dict[str, Any]:
    return views.task_view(board.act(caller, task_id, "accept"))


@bp.route("/tasks/{task_id}/deliver", methods=["POST"], body=schemas.Delivery,
          summary="Report the task done (the taker)", response=answers.Task)
def deliver_task(caller: Caller, task_id: str, body: docs.Delivery) -> dict[str, Any]:
    return views.task_view(board.act(caller, task_id, "deliver", body))


@bp.route("/tasks/{task_id}/confirm", methods=["POST"], response=answers.Task,
          summary="Confirm delivery (the poster): the escrowed reward goes to the taker")
def confirm_task(caller: Caller, task_id: str) -> dict[str, Any]:
    return views.task_view(board.act(caller, task_id, "confirm"))


@bp.route("/tasks/{task_id}/cancel", methods=["POST"], body=schemas.Cancellation,
          summary="Cancel (refunds the escrow): the poster before acceptance; after it both "
                  "parties (each asks once) or community staff", response=answers.Task)
def cancel_task(caller: Caller, task_id: str, body: docs.Cancellation) -> dict[str, Any]:
    return views.task_view(board.act(caller, task_id, "cancel", body))


@bp.route("/tasks/{task_id}/dispute", methods=["POST"], body=schemas.Dispute,
          summary="Dispute an accepted or delivered task (either party)",
          response=answers.Task)
def dispute_task(caller: Caller, task_id: str, body: docs.Dispute) -> dict[str, Any]:
    return views.task_view(board.act(caller, task_id, "dispute", body))


@bp.route("/tasks/{task_id}/settle", methods=["POST"], body=schemas.Settlement,
          summary="Decide a dispute (community staff): pay the taker or refund the poster",
          response=answers.Task)
def settle_task(caller: Caller, task_id: str, body: docs.Settlement) -> dict[str, Any]:
    return views.task_view(board.act(caller, task_id, "settle", body))


@bp.route("/tasks/{task_id}/rating", methods=["POST"], body=schemas.NewRating,
          summary="Rate the other party once the task is over (each side once)",
          response=answers.Task, responses={409: "Already rated, or the task is not over"})
def rate_task(caller: Caller, task_id: str, body: docs.NewRating) -> dict[str, Any]:
    return views.task_view(board.rate(caller, task_id, body))
