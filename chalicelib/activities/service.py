"""Volunteer activities (志愿服务, SPEC 5): office staff of a community create them; its
residents sign up and cancel until the activity starts; from its start the organizer records
each volunteer's attendance, which credits ``hours × points_per_hour`` time-bank points once per
volunteer and activity (``points.ledger.mint`` with the key ``activity:{id}:{user}``).

Capacity holds under any concurrency: a place is taken by one transaction that writes the
sign-up and raises the count on the condition that places are left (``activities.store``).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.activities import ical, rules, store
from chalicelib.core.errors import ConflictError, InvalidInputError, NotFoundError
from chalicelib.core.ids import new_id
from chalicelib.core.paging import decode_cursor, encode_cursor
from chalicelib.core.timeutil import iso, utcnow
from chalicelib.directory import service as directory

if TYPE_CHECKING:
    from chalicelib.activities import schemas as docs
    from chalicelib.activities.models import Activity, Signup
    from chalicelib.identity.caller import Caller

FEED_PAST = timedelta(days=7)
FEED_MAX = 200
ROSTER_NAME_CHARS = 100


@dataclass(frozen=True)
class Shown:
    """An activity at ``now``, with the caller's own sign-up when asked for."""

    activity: Activity
    now: str
    mine: Signup | None = None
    with_mine: bool = False


@dataclass(frozen=True)
class Page:
    items: list[Shown]
    next_cursor: str | None


@dataclass(frozen=True)
class Roster:
    activity: Activity
    items: list[Signup]
    next_cursor: str | None


@dataclass(frozen=True)
class Attended:
    signup: Signup
    movement_id: str | None
    credited: bool


def _now(now: datetime | None) -> str:
    return iso(now or utcnow())


def _visible(caller: Caller, activity_id: str, consistent: bool = False) -> Activity:
    """The activity, for anyone of its community. Raises NotFoundError."""
    activity = store.get(activity_id, consistent)
    if activity is None or not directory.load_scope(caller).belongs_to_community(
            activity.community_id):
        raise NotFoundError(f"activity {activity_id} not found")
    return activity


def _organized(caller: Caller, activity_id: str) -> Activity:
    """The activity, for admins and office staff of its community.
    Raises ForbiddenError, NotFoundError."""
    caller.require("admin", "community")
    activity = store.get(activity_id)
    if activity is None or not (caller.is_admin or directory.load_scope(caller).staffs_community(
            activity.community_id)):
        raise NotFoundError(f"activity {activity_id} not found")
    return activity


def _volunteer(caller: Caller, activity_id: str) -> Activity:
    """The activity, for residents with a home in its community.
    Raises ForbiddenError, NotFoundError."""
    caller.require("resident", "owner")
    activity = store.get(activity_id, consistent=True)
    homes = {h.community_id for h in directory.load_scope(caller).homes}
    if activity is None or activity.community_id not in homes:
        raise NotFoundError(f"activity {activity_id} not found")
    return activity


def create(caller: Caller, community_id: str, doc: docs.NewActivity,
           now: datetime | None = None) -> Shown:
    """A new activity organised by the caller. Admins and office staff of the community.
    Raises ForbiddenError, NotFoundError, InvalidInputError (a start not in the future)."""
    caller.require("admin", "community")
    if not caller.is_admin and not directory.load_scope(caller).staffs_community(community_id):
        raise NotFoundError(f"community {community_id} not found")
    directory.get_community(community_id)
    at = _now(now)
    if doc.starts_at <= at:
        raise InvalidInputError("starts_at is not in the future", [
            {"field": "starts_at", "message": "must be in the future"}])
    activity = store.new_activity(
        activity_id=new_id("act_"), community_id=community_id, title=doc.title,
        description=doc.description, place=doc.place, starts_at=doc.starts_at,
        ends_at=doc.ends_at, capacity=doc.capacity, points_per_hour=doc.points_per_hour,
        min_age=doc.min_age, organizer_id=caller.user_id, created_at=at, signed_up=0)
    store.create(activity)
    return Shown(activity, at)


def list_activities(caller: Caller, community_id: str, when: str = "upcoming",
                    limit: int = 20, cursor: str | None = None,
                    now: datetime | None = None) -> Page:
    """The community's activities: ``upcoming`` (not started, soonest first) or ``past``
    (started, latest first). Raises NotFoundError, InvalidInputError (cursor)."""
    directory.visible_community(caller, community_id)
    at = _now(now)
    position = decode_cursor(cursor) if cursor else None
    found: Iterator[Activity]
    if when == "past":
        found = store.started_before(community_id, at, position, limit + 1)
    else:
        found = store.starting_from(community_id, at, position, limit + 1)
    page = [a for _, a in zip(range(limit + 1), found, strict=False)]
    more = len(page) > limit
    page = page[:limit]
    return Page([Shown(a, at) for a in page],
                encode_cursor(store.position(page[-1])) if more and page else None)


def get(caller: Caller, activity_id: str, now: datetime | None = None) -> Shown:
    """An activity with its places taken and the caller's own sign-up.
    Raises NotFoundError."""
    activity = _visible(caller, activity_id)
    return Shown(activity, _now(now), store.signup(activity_id, caller.user_id), True)


def sign_up(caller: Caller, activity_id: str, doc: docs.NewSignup,
            now: datetime | None = None) -> Shown:
    """Take a place. Residents of the activity's community, until it starts.
    Raises ForbiddenError, NotFoundError, InvalidInputError (min_age not confirmed),
    ConflictError (already signed up, full, or started)."""
    activity = _volunteer(caller, activity_id)
    at = _now(now)
    if activity.min_age is not None and doc.meets_min_age is not True:
        raise InvalidInputError(f"this activity is for people aged {int(activity.min_age)} or "
                                "over", [{"field": "meets_min_age",
                                          "message": "confirm that you are old enough"}])
    if not rules.open_for_signups(activity.starts_at, at):
        raise ConflictError("sign-up has closed: the activity has started")
    name = (caller.name or "")[:ROSTER_NAME_CHARS] or None
    item = store.new_signup(activity, caller.user_id, name=name, signed_up_at=at,
                            meets_min_age=doc.meets_min_age)
    try:
        store.add_signup(activity, item, at)
    except store.RefusedError as err:
        if err.which == "signup":
            raise ConflictError("already signed up") from err
        current = store.get(activity_id, consistent=True)
        if current is not None and not rules.open_for_signups(current.starts_at, at):
            raise ConflictError("sign-up has closed: the activity has started") from err
        raise ConflictError("the activity is full") from err
    activity.signed_up = int(activity.signed_up or 0) + 1
    return Shown(activity, at, item, True)


def cancel(caller: Caller, activity_id: str, now: datetime | None = None) -> Shown:
    """Give one's place back, until the activity starts.
    Raises ForbiddenError, NotFoundError (not signed up), ConflictError (started, or
    attendance recorded)."""
    activity = _volunteer(caller, activity_id)
    at = _now(now)
    if store.signup(activity_id, caller.user_id, consistent=True) is None:
        raise NotFoundError("not signed up for this activity")
    if not rules.open_for_signups(activity.starts_at, at):
        raise ConflictError("the activity has started: a place can no longer be given back")
    try:
        store.remove_signup(activity_id, caller.user_id, at)
    except store.RefusedError as err:
        if store.signup(activity_id, caller.user_id, consistent=True) is None:
            raise NotFoundError("not signed up for this activity") from err
        raise ConflictError("the place can no longer be given back") from err
    activity.signed_up = max(0, int(activity.signed_up or 0) - 1)
    return Shown(activity, at, None, True)


def record_attendance(caller: Caller, activity_id: str, doc: docs.Attendance,
                      now: datetime | None = None) -> Attended:
    """Record a volunteer's hours and credit ``hours × points_per_hour`` points, once: a
    repeat with the same hours answers the first record and credits nothing; other hours get
    409. Admins and office staff of the activity's community, from the activity's start, for
    volunteers who signed up. Raises ForbiddenError, NotFoundError, InvalidInputError (more
    hours than the activity lasts), ConflictError (not started, not signed up, recorded with
    other hours)."""
    activity = _organized(caller, activity_id)
    at = _now(now)
    if not rules.attendance_open(activity.starts_at, at):
        raise ConflictError("attendance is recorded from the moment the activity starts")
    limit = rules.max_hours(activity.starts_at, activity.ends_at)
    if doc.hours > limit:
        raise InvalidInputError(f"more hours than the activity lasts ({limit:g} h)", [
            {"field": "hours", "message": f"at most {limit:g}"}])
    points = rules.points_for(doc.hours, int(activity.points_per_hour))
    first = store.record_attendance(activity_id, doc.user_id, doc.hours, points, at,
                                    caller.user_id)
    signup = store.signup(activity_id, doc.user_id, consistent=True)
    if signup is None:
        raise ConflictError(f"{doc.user_id} did not sign up for this activity")
    if not first and float(signup.hours or 0) != doc.hours:
        raise ConflictError(f"attendance was recorded already with {float(signup.hours):g} h")
    movement_id = _credit(activity, signup)
    return Attended(signup, movement_id, first)


def _credit(activity: Activity, signup: Signup) -> str | None:
    """Credit a recorded attendance through the ledger, idempotently (a retry after a failure
    between record and credit credits it then)."""
    points = int(signup.points or 0)
    if points <= 0:
        return None
    from chalicelib.points import ledger

    movement = ledger.mint(activity.community_id, signup.user_id, points,
                           key=f"activity:{activity.activity_id}:{signup.user_id}",
                           memo=f"志愿服务: {activity.title}"[:100])
    if signup.movement_id != movement.movement_id:
        store.note_movement(activity.activity_id, signup.user_id, movement.movement_id)
        signup.movement_id = movement.movement_id
    return movement.movement_id


def roster(caller: Caller, activity_id: str, limit: int = 50,
           cursor: str | None = None) -> Roster:
    """Who signed up, with their attendance: for the organizers.
    Raises ForbiddenError, NotFoundError, InvalidInputError (cursor)."""
    activity = _organized(caller, activity_id)
    after = decode_cursor(cursor) if cursor else None
    if after is not None and not store.is_roster_position(after):
        raise InvalidInputError("invalid cursor", [{"field": "cursor", "message": "invalid"}])
    found = [s for _, s in zip(range(limit + 1), store.roster(activity_id, after, limit + 1),
                               strict=False)]
    page = found[:limit]
    more = len(found) > limit
    return Roster(activity, page,
                  encode_cursor(store.roster_position(page[-1])) if more and page else None)


def feed(caller: Caller, community_id: str, now: datetime | None = None) -> str:
    """The community's activities from a week ago on (at most ``FEED_MAX``) as an iCalendar
    document. Raises NotFoundError."""
    community, _ = directory.visible_community(caller, community_id)
    moment = now or utcnow()
    found = store.starting_from(community_id, iso(moment - FEED_PAST), None, FEED_MAX)
    events = [ical.Event(uid=a.activity_id, starts_at=a.starts_at, ends_at=a.ends_at,
                         summary=a.title, location=a.place, description=_describe(a),
                         created_at=a.created_at)
              for _, a in zip(range(FEED_MAX), found, strict=False)]
    return ical.calendar(f"{community.name} 志愿活动", events, iso(moment))


def _describe(activity: Activity) -> str:
    lines = [activity.description] if activity.description else []
    lines.append(f"名额 {int(activity.capacity)} 人，每小时 {int(activity.points_per_hour)} 积分")
    if activity.min_age is not None:
        lines.append(f"年满 {int(activity.min_age)} 岁")
    return "\n".join(lines)


def export_of(user_id: str) -> dict[str, Any]:
    """A person's sign-ups and attendance (their export)."""
    return {"activity_signups": [
        {"activity_id": s.activity_id, "community_id": s.community_id,
         "starts_at": s.starts_at, "signed_up_at": s.signed_up_at,
         "hours": float(s.hours) if s.hours is not None else None,
         "points": int(s.points) if s.points is not None else None,
         "attended_at": s.attended_at} for s in store.signups_of(user_id)]}


def erase(user_id: str, now: datetime | None = None) -> dict[str, int]:
    """Delete a person's sign-ups: places of activities not yet started are given back; the
    count of places taken in started ones stays (it names nobody). Points credited stay in
    the ledger. Safe to repeat. Returns counts."""
    at = _now(now)
    removed = 0
    for item in list(store.signups_of(user_id)):
        if rules.open_for_signups(item.starts_at, at) and item.hours is None:
            try:
                store.remove_signup(item.activity_id, user_id, at)
                removed += 1
                continue
            except store.RefusedError:
                pass
        removed += store.forget_signup(item)
    return {"activity_signups_deleted": removed}
