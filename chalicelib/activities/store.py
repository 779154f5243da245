"""The only code that knows how activities are kept: keys, indexes, conditions, transactions.

- Activity: pk ``ACTIVITY#{id}``, sk ``ACTIVITY``; gsi1 ``ACTIVITIES#{community}`` /
  ``{starts_at}#{id}`` (a community's activities by start).
- Signup: pk ``ACTIVITY#{id}``, sk ``SIGNUP#{user}`` (an activity's roster is its partition);
  gsi1 ``SIGNUPS#{user}`` / ``{starts_at}#{activity}`` (a person's own: export, erasure).

A sign-up is one transaction: the sign-up item put if absent, and the activity's
``signed_up`` incremented on the condition ``signed_up < capacity`` and that it has not
started. A cancellation deletes the item (if it holds no attendance) and decrements the count
in one transaction. So the count always equals the number of sign-up items and never exceeds
the capacity, however many requests race.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Literal

from pynamodb.exceptions import DeleteError, DoesNotExist, TransactWriteError, UpdateError

from chalicelib.activities.models import Activity, Signup
from chalicelib.core.db import is_conditional_failure, sort_key, transaction

_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
SIGNUP_PREFIX = "SIGNUP#"


class RefusedError(Exception):
    """A transaction's condition failed: ``which`` names the item (``signup`` or
    ``activity``)."""

    def __init__(self, which: Literal["signup", "activity"]) -> None:
        super().__init__(which)
        self.which = which


def activity_key(activity_id: str) -> tuple[str, str]:
    return f"ACTIVITY#{activity_id}", "ACTIVITY"


def signup_key(activity_id: str, user_id: str) -> tuple[str, str]:
    return f"ACTIVITY#{activity_id}", f"{SIGNUP_PREFIX}{user_id}"


def fits(activity_id: str) -> bool:
    return bool(_ID.match(activity_id))


def new_activity(**values: Any) -> Activity:
    """An activity item with its index keys (not yet stored)."""
    activity = Activity(*activity_key(values["activity_id"]), **values)
    activity.gsi1pk = f"ACTIVITIES#{activity.community_id}"
    activity.gsi1sk = position(activity)
    return activity


def new_signup(activity: Activity, user_id: str, **values: Any) -> Signup:
    return Signup(*signup_key(activity.activity_id, user_id), activity_id=activity.activity_id,
                  community_id=activity.community_id, user_id=user_id,
                  starts_at=activity.starts_at, gsi1pk=f"SIGNUPS#{user_id}",
                  gsi1sk=f"{activity.starts_at}#{activity.activity_id}", **values)


def position(activity: Activity) -> str:
    """Where the activity sorts in its community's list (a cursor)."""
    return f"{activity.starts_at}#{activity.activity_id}"


def create(activity: Activity) -> None:
    activity.save(condition=Activity.pk.does_not_exist())


def get(activity_id: str, consistent: bool = False) -> Activity | None:
    if not fits(activity_id):
        return None
    try:
        return Activity.get(*activity_key(activity_id), consistent_read=consistent)
    except DoesNotExist:
        return None


def signup(activity_id: str, user_id: str, consistent: bool = False) -> Signup | None:
    if not fits(activity_id):
        return None
    try:
        return Signup.get(*signup_key(activity_id, user_id), consistent_read=consistent)
    except DoesNotExist:
        return None


def starting_from(community_id: str, start: str, after: str | None,
                  page: int) -> Iterator[Activity]:
    """Activities starting at or after ``start``, soonest first, after the position ``after``."""
    index = Activity.by_community
    condition = sort_key(index) > after if after else sort_key(index) >= start
    return iter(index.query(f"ACTIVITIES#{community_id}", condition, page_size=page))


def started_before(community_id: str, start: str, before: str | None,
                   page: int) -> Iterator[Activity]:
    """Activities that started before ``start``, latest first, before the position
    ``before``."""
    index = Activity.by_community
    condition = sort_key(index) < (before if before else start)
    return iter(index.query(f"ACTIVITIES#{community_id}", condition, scan_index_forward=False,
                            page_size=page))


def _refused(err: TransactWriteError, order: tuple[Literal["signup", "activity"], ...]
             ) -> RefusedError:
    reasons = getattr(err, "cancellation_reasons", None) or []
    for which, reason in zip(order, reasons, strict=False):
        if reason is not None and reason.code == "ConditionalCheckFailed":
            return RefusedError(which)
    return RefusedError(order[-1])


def add_signup(activity: Activity, item: Signup, now: str) -> None:
    """Take a place: the sign-up item if the person holds none, and the count, while places
    are left and the activity has not started. Raises RefusedError."""
    order: tuple[Literal["signup", "activity"], ...] = ("signup", "activity")
    try:
        with transaction() as tx:
            tx.save(item, condition=Signup.pk.does_not_exist())
            tx.update(Activity(*activity_key(activity.activity_id)),
                      actions=[Activity.signed_up.add(1)],
                      condition=Activity.pk.exists() & (Activity.signed_up < Activity.capacity)
                      & (Activity.starts_at > now))
    except TransactWriteError as err:
        if is_conditional_failure(err):
            raise _refused(err, order) from err
        raise


def remove_signup(activity_id: str, user_id: str, now: str | None) -> None:
    """Give a place back: the sign-up item (holding no attendance) and the count, before the
    activity starts (``now``; None: whenever). Raises RefusedError."""
    order: tuple[Literal["signup", "activity"], ...] = ("signup", "activity")
    condition = Activity.pk.exists() & (Activity.signed_up > 0)
    if now is not None:
        condition = condition & (Activity.starts_at > now)
    try:
        with transaction() as tx:
            tx.delete(Signup(*signup_key(activity_id, user_id)),
                      condition=Signup.pk.exists() & Signup.hours.does_not_exist())
            tx.update(Activity(*activity_key(activity_id)),
                      actions=[Activity.signed_up.add(-1)], condition=condition)
    except TransactWriteError as err:
        if is_conditional_failure(err):
            raise _refused(err, order) from err
        raise


def record_attendance(activity_id: str, user_id: str, hours: float, points: int, at: str,
                      by: str) -> bool:
    """Write a sign-up's attendance once; False when it holds one already or is gone."""
    try:
        Signup(*signup_key(activity_id, user_id)).update(
            actions=[Signup.hours.set(hours), Signup.points.set(points),
                     Signup.attended_at.set(at), Signup.recorded_by.set(by)],
            condition=Signup.pk.exists() & Signup.hours.does_not_exist())
    except UpdateError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def note_movement(activity_id: str, user_id: str, movement_id: str) -> None:
    """Keep the ledger movement that credited an attendance on its sign-up."""
    try:
        Signup(*signup_key(activity_id, user_id)).update(
            actions=[Signup.movement_id.set(movement_id)], condition=Signup.pk.exists())
    except UpdateError as err:
        if not is_conditional_failure(err):
            raise


def roster(activity_id: str, after: str | None, page: int) -> Iterator[Signup]:
    """An activity's sign-ups by user id, after the position ``after`` (the partition's
    other item, the activity, sorts before them all)."""
    pk = activity_key(activity_id)[0]
    condition = Signup.sk > after if after else Signup.sk.startswith(SIGNUP_PREFIX)
    return iter(Signup.query(pk, condition, page_size=page))


def roster_position(item: Signup) -> str:
    return str(item.sk)


def is_roster_position(position: str) -> bool:
    """Whether a cursor's position lies among an activity's sign-ups (anything else would
    reach the activity item that shares their partition)."""
    return position.startswith(SIGNUP_PREFIX)


def signups_of(user_id: str) -> Iterator[Signup]:
    return iter(Signup.by_person.query(f"SIGNUPS#{user_id}"))


def forget_signup(item: Signup) -> bool:
    """Delete a sign-up of an activity that has started (its count stays: it counted a
    place that was taken). False when it is gone already."""
    try:
        item.delete(condition=Signup.pk.exists())
    except DeleteError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True
