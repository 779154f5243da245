"""The only code that knows how the task board is kept in the table.

- TaskItem: pk ``TASK#{id}``, sk ``TASK``. gsi1 ``TASKS#{community}`` / ``{created_at}#{id}``
  (the board); gsi2 ``TASKS#{community}#{status}`` / ``{created_at}#{id}`` (the board by
  status); gsi3 ``TASKPOSTER#{user}`` / ``{created_at}#{id}`` and gsi4 ``TASKTAKER#{user}`` /
  ``{accepted_at}#{id}`` (a person's own tasks; removed when they are erased); gsi5
  ``TASKDELIVERED#{shard}`` / ``{delivered_at}#{id}``, sparse: delivered tasks only, which the
  auto-confirmation reads by delivery time.
- TaskKeyItem: pk ``TASKKEY#{user}#{key}``, sk ``TASKKEY``: an Idempotency-Key of a poster.

Every change of status is conditional on the status and ``revision`` read (``StaleTaskError``
when another writer won); with points it joins the ledger's movement transaction (``writes``).
"""
from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.core.db import is_conditional_failure, sort_key, transaction
from chalicelib.tasks import rules
from chalicelib.tasks.models import RatingAttribute, TaskItem, TaskKeyItem

DELIVERY_SHARDS = 4
Extra = Any


class StaleTaskError(Exception):
    """The task is no longer the status and revision that was read."""


class KeyTakenError(Exception):
    """The poster's Idempotency-Key was stored by a simultaneous request."""


def _key(task_id: str) -> tuple[str, str]:
    return f"TASK#{task_id}", "TASK"


def delivery_partition(task_id: str) -> str:
    return f"TASKDELIVERED#{zlib.crc32(task_id.encode()) % DELIVERY_SHARDS}"


def delivery_partitions() -> list[str]:
    return [f"TASKDELIVERED#{n}" for n in range(DELIVERY_SHARDS)]


def new_task(task_id: str, community_id: str, at: str, poster_id: str,
             **values: Any) -> TaskItem:
    return TaskItem(*_key(task_id), task_id=task_id, community_id=community_id,
                    status=rules.OPEN, poster_id=poster_id, created_at=at, updated_at=at,
                    gsi1pk=f"TASKS#{community_id}", gsi1sk=f"{at}#{task_id}",
                    gsi2pk=f"TASKS#{community_id}#{rules.OPEN}", gsi2sk=f"{at}#{task_id}",
                    gsi3pk=f"TASKPOSTER#{poster_id}", gsi3sk=f"{at}#{task_id}", **values)


def new_key_item(user_id: str, key: str, task_id: str, fingerprint: str) -> TaskKeyItem:
    return TaskKeyItem(f"TASKKEY#{user_id}#{key}", "TASKKEY", task_id=task_id,
                       fingerprint=fingerprint)


def key_item(user_id: str, key: str) -> TaskKeyItem | None:
    try:
        return TaskKeyItem.get(f"TASKKEY#{user_id}#{key}", "TASKKEY", consistent_read=True)
    except DoesNotExist:
        return None


def creation_writes(task: TaskItem, marker: TaskKeyItem | None) -> Extra:
    """The new task (and its poster's Idempotency-Key) in the escrow's transaction."""

    def add(tx: Any) -> None:
        tx.save(task, condition=TaskItem.pk.does_not_exist())
        if marker is not None:
            tx.save(marker, condition=TaskKeyItem.pk.does_not_exist())

    return add


def create(task: TaskItem, marker: TaskKeyItem | None) -> None:
    """Store a task that holds no points. Raises KeyTakenError."""
    try:
        with transaction() as tx:
            creation_writes(task, marker)(tx)
    except TransactWriteError as err:
        if is_conditional_failure(err):
            raise KeyTakenError(task.task_id) from err
        raise


def get(task_id: str, consistent: bool = False) -> TaskItem | None:
    try:
        return TaskItem.get(*_key(task_id), consistent_read=consistent)
    except DoesNotExist:
        return None


def board(community_id: str, status: str | None, before: str | None,
          limit: int) -> list[TaskItem]:
    """A community's tasks (of one status), newest first, before the position ``before``."""
    index = TaskItem.by_status if status else TaskItem.by_community
    partition = f"TASKS#{community_id}#{status}" if status else f"TASKS#{community_id}"
    condition = sort_key(index) < before if before else None
    return list(index.query(partition, condition, scan_index_forward=False, limit=limit))


def of_person(user_id: str, side: str, before: str | None, limit: int | None
              ) -> list[TaskItem]:
    """Tasks a person posted (``poster``) or took (``taker``), newest first."""
    index = TaskItem.by_poster if side == "poster" else TaskItem.by_taker
    partition = f"TASKPOSTER#{user_id}" if side == "poster" else f"TASKTAKER#{user_id}"
    condition = sort_key(index) < before if before else None
    return list(index.query(partition, condition, scan_index_forward=False, limit=limit))


def position(task: TaskItem, listing: str) -> str:
    """The cursor position of a task in a listing: ``board``, ``poster`` or ``taker``."""
    return str(task.gsi4sk if listing == "taker" else task.gsi1sk)


def delivered_before(partition: str, cutoff: str, limit: int) -> list[TaskItem]:
    """Delivered tasks of one shard delivered at or before ``cutoff``, oldest first."""
    index = TaskItem.by_delivery
    return list(index.query(partition, sort_key(index) <= f"{cutoff}#~", limit=limit))


def _with_indexes(task: TaskItem, sets: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(sets)
    if "status" in values:
        values["gsi2pk"] = f"TASKS#{task.community_id}#{values['status']}"
    if values.get("taker_id"):
        values["gsi4pk"] = f"TASKTAKER#{values['taker_id']}"
        values["gsi4sk"] = f"{values['accepted_at']}#{task.task_id}"
    if values.get("status") == rules.DELIVERED:
        values["gsi5pk"] = delivery_partition(task.task_id)
        values["gsi5sk"] = f"{values['delivered_at']}#{task.task_id}"
    return values


def _actions(task: TaskItem, sets: Mapping[str, Any]) -> tuple[list[Any], Any]:
    values = _with_indexes(task, sets)
    actions = [getattr(TaskItem, n).set(v) for n, v in values.items() if v is not None]
    actions += [getattr(TaskItem, n).remove() for n, v in values.items() if v is None]
    if "status" in values and values["status"] != rules.DELIVERED and task.gsi5pk:
        actions += [TaskItem.gsi5pk.remove(), TaskItem.gsi5sk.remove()]
    actions.append(TaskItem.revision.add(1))
    condition = (TaskItem.status == task.status) & (TaskItem.revision == task.revision)
    return actions, condition


def writes(task: TaskItem, sets: Mapping[str, Any]) -> Extra:
    """The change of ``task`` (None removes an attribute), for the movement's transaction."""
    actions, condition = _actions(task, sets)

    def add(tx: Any) -> None:
        tx.update(TaskItem(*_key(task.task_id)), actions=actions, condition=condition)

    return add


def update(task: TaskItem, sets: Mapping[str, Any]) -> None:
    """Change ``task`` if it is still the status and revision read. Raises StaleTaskError."""
    actions, condition = _actions(task, sets)
    try:
        TaskItem(*_key(task.task_id)).update(actions=actions, condition=condition)
    except UpdateError as err:
        if is_conditional_failure(err):
            raise StaleTaskError(task.task_id) from err
        raise


def rate(task_id: str, side: str, stars: int, comment: str | None, at: str) -> bool:
    """Store the ``side``'s rating once, if the task is over; False when it was refused."""
    attribute = TaskItem.poster_rating if side == "poster" else TaskItem.taker_rating
    rating = RatingAttribute(stars=stars, comment=comment, at=at)
    try:
        TaskItem(*_key(task_id)).update(
            actions=[attribute.set(rating)],
            condition=attribute.does_not_exist() & TaskItem.accepted_at.exists()
            & TaskItem.status.is_in(*rules.TERMINAL))
    except UpdateError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def detach(task: TaskItem, side: str, user_id: str) -> bool:
    """Remove a party's id, name and own-list index entry (erasure); False when already
    gone."""
    actions: list[Any]
    if side == "poster":
        actions = [TaskItem.poster_id.remove(), TaskItem.poster_name.remove(),
                   TaskItem.gsi3pk.remove(), TaskItem.gsi3sk.remove()]
        condition = TaskItem.poster_id == user_id
    else:
        actions = [TaskItem.taker_id.remove(), TaskItem.taker_name.remove(),
                   TaskItem.gsi4pk.remove(), TaskItem.gsi4sk.remove()]
        condition = TaskItem.taker_id == user_id
    try:
        TaskItem(*_key(task.task_id)).update(actions=actions, condition=condition)
    except UpdateError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True
