"""The neighbourhood task board (SPEC 5): residents (merchants among them) post requests and
offers with a points reward, escrowed at posting in the ledger's transaction, or a price
settled off-platform; another resident takes it (first wins); the poster confirms delivery
(or it confirms itself ``AUTO_CONFIRM_AFTER`` after delivery), which releases the escrow to
the taker; cancellation refunds it; community staff settle disputes either way."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.core.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    UnprocessableError,
)
from chalicelib.core.ids import new_id
from chalicelib.core.paging import decode_cursor, encode_cursor
from chalicelib.core.timeutil import iso, parse_iso, utcnow
from chalicelib.points import ledger
from chalicelib.points import store as points_store
from chalicelib.points.rewards import resident_of
from chalicelib.points.rules import RESIDENT
from chalicelib.tasks import rules, store

if TYPE_CHECKING:
    from chalicelib.directory.service import Scope
    from chalicelib.identity.caller import Caller
    from chalicelib.tasks import schemas as docs
    from chalicelib.tasks.models import TaskItem

RETRIES = 4
AUTO_CONFIRM_BATCH = 100


@dataclass(frozen=True)
class Viewed:
    """A task as one viewer sees it: their ``relation`` to it and whether they see names."""

    task: TaskItem
    relation: str
    sees_names: bool


@dataclass(frozen=True)
class Page:
    items: list[Viewed]
    next_cursor: str | None


def _scope(caller: Caller) -> Scope:
    from chalicelib.directory import service as directory

    return directory.load_scope(caller)


def _base_relation(caller: Caller, scope: Scope, community_id: str) -> str:
    if caller.is_admin or scope.staffs_community(community_id):
        return "staff"
    if resident_of(caller, scope, community_id):
        return "resident"
    return "viewer"


def _relation(caller: Caller, scope: Scope, task: TaskItem) -> str:
    if task.poster_id and task.poster_id == caller.user_id:
        return "poster"
    if task.taker_id and task.taker_id == caller.user_id:
        return "taker"
    return _base_relation(caller, scope, task.community_id)


def _viewed(caller: Caller, scope: Scope, task: TaskItem) -> Viewed:
    return Viewed(task, _relation(caller, scope, task),
                  scope.supervises_community(task.community_id))


def _visible(scope: Scope, task_id: str, consistent: bool = False) -> TaskItem:
    task = store.get(task_id, consistent=consistent)
    if task is None or not scope.belongs_to_community(task.community_id):
        raise NotFoundError("task not found")
    return task


def _fingerprint(community_id: str, doc: docs.NewTask) -> str:
    """What a poster's Idempotency-Key stands for: this task in this community."""
    request = {"community_id": community_id, **doc.model_dump()}
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()


def _replayed(caller: Caller, scope: Scope, key: str, fingerprint: str) -> Viewed | None:
    marker = store.key_item(caller.user_id, key)
    if marker is None:
        return None
    if marker.fingerprint != fingerprint:
        raise UnprocessableError("Idempotency-Key was used with a different task")
    return _viewed(caller, scope, _visible(scope, marker.task_id, consistent=True))


def post_task(caller: Caller, community_id: str, doc: docs.NewTask,
              idempotency_key: str | None = None, now: datetime | None = None) -> Viewed:
    """Post a task; its reward points leave the poster's account for the community's escrow
    in the same transaction. With an ``idempotency_key`` a retry answers the first task.
    Raises NotFoundError (community out of scope), ForbiddenError (not a resident of it),
    InsufficientPointsError (409), UnprocessableError (key reused with another task),
    InvalidInputError (key too long)."""
    scope = _scope(caller)
    if not scope.belongs_to_community(community_id):
        raise NotFoundError("community not found")
    if not resident_of(caller, scope, community_id):
        raise ForbiddenError("only residents of the community post tasks")
    if idempotency_key is not None and not 0 < len(idempotency_key) <= 128:
        raise InvalidInputError("Idempotency-Key must be 1 to 128 characters")
    fingerprint = _fingerprint(community_id, doc)
    if idempotency_key:
        replay = _replayed(caller, scope, idempotency_key, fingerprint)
        if replay is not None:
            return replay
    at = now or utcnow()
    task_id = new_id("tk_")
    task = store.new_task(task_id, community_id, iso(at), caller.user_id, kind=doc.kind,
                          title=doc.title, description=doc.description,
                          reward_points=doc.reward_points, price_text=doc.price_text,
                          poster_name=caller.name)
    marker = (store.new_key_item(caller.user_id, idempotency_key, task_id, fingerprint)
              if idempotency_key else None)
    try:
        if doc.reward_points:
            poster = ledger.resident(community_id, caller.user_id, at)
            task.poster_account = poster.account_id
            ledger.transfer(community_id, poster, ledger.escrow(community_id),
                            doc.reward_points, f"task:{task_id}:escrow", "task_escrow",
                            f"任务悬赏托管: {doc.title}", at, ref=task_id,
                            extra=store.creation_writes(task, marker))
        else:
            store.create(task, marker)
    except (points_store.Refused, store.KeyTakenError, ledger.InsufficientPointsError) as err:
        replay = _replayed(caller, scope, idempotency_key, fingerprint) if idempotency_key \
            else None
        if replay is not None:
            return replay
        if isinstance(err, ledger.InsufficientPointsError):
            raise
        raise ConflictError("the task could not be stored; try again") from None
    return _viewed(caller, scope, task)


def get_task(caller: Caller, task_id: str) -> Viewed:
    """Raises NotFoundError (absent or of a community out of scope)."""
    scope = _scope(caller)
    return _viewed(caller, scope, _visible(scope, task_id))


def list_board(caller: Caller, community_id: str, status: str | None = None, limit: int = 20,
               cursor: str | None = None) -> Page:
    """A community's tasks, newest first. Raises NotFoundError, InvalidInputError (cursor)."""
    scope = _scope(caller)
    if not scope.belongs_to_community(community_id):
        raise NotFoundError("community not found")
    before = decode_cursor(cursor) if cursor else None
    found = store.board(community_id, status, before, limit + 1)
    return _page(caller, scope, found, limit, "board")


def my_tasks(caller: Caller, role: str = "poster", limit: int = 20,
             cursor: str | None = None) -> Page:
    """Tasks the caller posted or took, newest first. Raises InvalidInputError (cursor)."""
    before = decode_cursor(cursor) if cursor else None
    found = store.of_person(caller.user_id, role, before, limit + 1)
    return _page(caller, _scope(caller), found, limit, role)


def _page(caller: Caller, scope: Scope, found: list[TaskItem], limit: int,
          listing: str) -> Page:
    page = found[:limit]
    more = len(found) > limit and bool(page)
    return Page([_viewed(caller, scope, t) for t in page],
                encode_cursor(store.position(page[-1], listing)) if more else None)


# --- transitions ------------------------------------------------------------------------------

def _consents(task: TaskItem) -> frozenset[str]:
    return frozenset(task.cancel_consents or ())


def _changes(task: TaskItem, action: str, relation: str, decision: rules.Decision,
             actor: Caller | None, at: str, details: dict[str, Any]) -> dict[str, Any]:
    if decision.outcome == "consent":
        return {"cancel_consents": set(_consents(task) | {relation}), "updated_at": at,
                "cancel_reason": details.get("reason") or task.cancel_reason}
    sets: dict[str, Any] = {"status": decision.to_status, "updated_at": at}
    if action == "accept" and actor is not None:
        sets |= {"taker_id": actor.user_id, "taker_name": actor.name, "accepted_at": at}
        if task.reward_points:
            sets["taker_account"] = ledger.resident(task.community_id, actor.user_id,
                                                    parse_iso(at)).account_id
    elif action == "deliver":
        sets |= {"delivered_at": at, "delivery_note": details.get("note"),
                 "cancel_consents": None}
    elif action in ("confirm", "autoconfirm"):
        sets |= {"closed_at": at, "resolution": "confirmed" if action == "confirm"
                 else "auto_confirmed"}
    elif action == "cancel":
        sets |= {"closed_at": at, "resolution": "cancelled",
                 "cancel_reason": details.get("reason") or task.cancel_reason}
        if relation in rules.PARTIES:
            sets["cancel_consents"] = set(_consents(task) | {relation})
    elif action == "dispute":
        sets |= {"disputed_by": relation, "dispute_reason": details.get("reason")}
    elif action == "settle":
        sets |= {"closed_at": at, "resolution": "settled", "settled_to": decision.payout,
                 "settle_note": details.get("note")}
    return sets


def _commit(task: TaskItem, action: str, decision: rules.Decision, sets: dict[str, Any],
            at: str) -> None:
    """Store the change; with points paid out, in the movement's transaction (one payout
    per task, whatever the path: its key is the task's). Raises StaleTaskError."""
    points = int(task.reward_points or 0)
    if decision.payout is None or points <= 0:
        store.update(task, sets)
        return
    to_taker = decision.payout == "taker"
    account = task.taker_account if to_taker else task.poster_account
    if not account:
        raise ConflictError("the task has no account to pay")
    memo = f"{'任务酬劳' if to_taker else '任务退款'}: {task.title}"
    try:
        movement = ledger.transfer(
            task.community_id, ledger.escrow(task.community_id), ledger.Side(account, RESIDENT),
            points, f"task:{task.task_id}:payout", "task_release" if to_taker else "task_refund",
            memo, parse_iso(at), ref=task.task_id, extra=store.writes(task, sets))
    except points_store.Refused as err:
        raise store.StaleTaskError(task.task_id) from err
    if not movement.created:
        raise store.StaleTaskError(task.task_id)


def _transition(task_id: str, action: str, load: Callable[[bool], TaskItem],
                relation_of: Callable[[TaskItem], str], actor: Caller | None,
                now: datetime | None, settle_to: Any = None,
                details: dict[str, Any] | None = None) -> tuple[TaskItem, str]:
    at = iso(now or utcnow())
    for _ in range(RETRIES):
        task = load(True)
        relation = relation_of(task)
        decision = rules.decide(action, task.status, relation, _consents(task), settle_to,
                                task.settled_to)
        if decision.outcome == "already":
            return task, relation
        sets = _changes(task, action, relation, decision, actor, at, details or {})
        try:
            _commit(task, action, decision, sets, at)
        except store.StaleTaskError:
            continue
        return load(True), relation
    raise ConflictError("the task changed meanwhile; try again")


def act(caller: Caller, task_id: str, action: str, doc: Any = None,
        now: datetime | None = None) -> Viewed:
    """``accept``, ``deliver``, ``confirm``, ``cancel``, ``dispute`` or ``settle`` a task, as
    ``rules.decide`` allows; a retry of one's own request answers the task as it is.
    Raises NotFoundError (out of scope), ForbiddenError (not theirs to do),
    InvalidTaskTransitionError (409: not in this status; a second taker),
    InsufficientPointsError (409)."""
    scope = _scope(caller)
    details = doc.model_dump() if doc is not None else {}
    task, _ = _transition(
        task_id, action, lambda consistent: _visible(scope, task_id, consistent),
        lambda task: _relation(caller, scope, task), caller, now,
        settle_to=details.get("to"), details=details)
    return _viewed(caller, scope, task)


def rate(caller: Caller, task_id: str, doc: docs.NewRating,
         now: datetime | None = None) -> Viewed:
    """The poster rates the taker, the taker the poster: once each, when the task is over.
    Raises NotFoundError, ForbiddenError (not a party), ConflictError (not over; rated)."""
    scope = _scope(caller)
    task = _visible(scope, task_id, consistent=True)
    side = rules.rater_side(_relation(caller, scope, task))
    if not rules.may_rate(task.status, bool(task.accepted_at)):
        raise rules.InvalidTaskTransitionError("rate", task.status)
    if not store.rate(task_id, side, doc.stars, doc.comment, iso(now or utcnow())):
        raise ConflictError("you have already rated this task")
    return _viewed(caller, scope, _visible(scope, task_id, consistent=True))


def autoconfirm_due(now: datetime | None = None) -> dict[str, int]:
    """Confirm every task delivered ``AUTO_CONFIRM_AFTER`` ago or earlier (Query of the
    delivery index per shard), releasing its escrow once. Returns counts."""
    at = now or utcnow()
    cutoff = iso(at - rules.AUTO_CONFIRM_AFTER)
    counts = {"confirmed": 0, "skipped": 0}
    for partition in store.delivery_partitions():
        for due in store.delivered_before(partition, cutoff, AUTO_CONFIRM_BATCH):
            def load(consistent: bool, task_id: str = due.task_id) -> TaskItem:
                found = store.get(task_id, consistent=consistent)
                if found is None:
                    raise NotFoundError("task not found")
                return found

            try:
                task, _ = _transition(due.task_id, "autoconfirm", load, lambda _: "system",
                                      None, at)
            except ConflictError:
                counts["skipped"] += 1
                continue
            counts["confirmed" if task.resolution == "auto_confirmed" else "skipped"] += 1
    return counts


# --- privacy --------------------------------------------------------------------------------

def export_of(user_id: str) -> dict[str, Any]:
    """The tasks a person posted and took, as they see them."""
    from chalicelib.tasks.views import task_view

    def seen(task: TaskItem, relation: str) -> dict[str, Any]:
        return task_view(Viewed(task, relation, False))

    return {"tasks_posted": [seen(t, "poster") for t in store.of_person(user_id, "poster",
                                                                         None, None)],
            "tasks_taken": [seen(t, "taker") for t in store.of_person(user_id, "taker",
                                                                       None, None)]}


def erase(user_id: str, now: datetime | None = None) -> dict[str, int]:
    """Detach a person from the board: their open tasks are cancelled (the escrow goes back
    to their account, which stays, detached, in the ledger); every task they posted or took
    keeps its history without their id or name. Safe to repeat."""
    counts = {"tasks_cancelled": 0, "tasks_detached": 0}
    for task in store.of_person(user_id, "poster", None, None):
        if task.status == rules.OPEN:
            def load(consistent: bool, task_id: str = task.task_id) -> TaskItem:
                found = store.get(task_id, consistent=consistent)
                if found is None:
                    raise NotFoundError("task not found")
                return found

            try:
                closed, _ = _transition(task.task_id, "cancel", load, lambda _: "staff", None,
                                        now, details={"reason": "发布人已注销"})
                counts["tasks_cancelled"] += closed.status == rules.CANCELLED
            except ConflictError:
                pass
        counts["tasks_detached"] += store.detach(task, "poster", user_id)
    for task in store.of_person(user_id, "taker", None, None):
        counts["tasks_detached"] += store.detach(task, "taker", user_id)
    return counts
