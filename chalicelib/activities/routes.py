from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Response

from chalicelib.core.lazy import lazy
from chalicelib.web.routing import Caller, LazySchemas, Resource

if TYPE_CHECKING:
    from chalicelib.activities import schemas as docs
    from chalicelib.activities import service as activities
    from chalicelib.activities import views
    from chalicelib.core import documents as query_docs
else:
    activities = lazy("chalicelib.activities.service")
    views = lazy("chalicelib.activities.views")

schemas = LazySchemas("chalicelib.activities.schemas")
queries = LazySchemas("chalicelib.core.documents")
answers = LazySchemas("chalicelib.activities.responses")
bp = Resource(__name__)
ICALENDAR = "text/calendar; charset=utf-8"


@bp.route("/communities/{community_id}/activities", methods=["POST"],
          body=schemas.NewActivity, status=201, response=answers.Activity,
          summary="Create a volunteer activity (office staff)",
          links={"activity_id": "/activity_id"})
def create_activity(caller: Caller, community_id: str,
                    body: docs.NewActivity) -> dict[str, Any]:
    return views.activity_view(activities.create(caller, community_id, body))


@bp.route("/communities/{community_id}/activities", query=schemas.ActivityQuery,
          response=answers.ActivityList,
          summary="Volunteer activities of the community, upcoming or past")
def list_activities(caller: Caller, community_id: str,
                    query: docs.ActivityQuery) -> dict[str, Any]:
    return views.page_view(activities.list_activities(caller, community_id, query.when,
                                                      query.limit, query.cursor))


@bp.route("/communities/{community_id}/activities.ics", response={200: None},
          responses={200: "The community's activities from a week ago on as an iCalendar "
                          "feed (RFC 5545), text/calendar; charset=utf-8"},
          summary="Volunteer activities as an iCalendar feed for a phone's calendar")
def activities_calendar(caller: Caller, community_id: str) -> Response:
    body = activities.feed(caller, community_id)
    return Response(body=body, status_code=200, headers={
        "Content-Type": ICALENDAR,
        "Content-Disposition": f'inline; filename="{community_id}-activities.ics"'})


@bp.route("/activities/{activity_id}", response=answers.Activity,
          summary="A volunteer activity with its places taken and the caller's sign-up")
def get_activity(caller: Caller, activity_id: str) -> dict[str, Any]:
    return views.activity_view(activities.get(caller, activity_id))


@bp.route("/activities/{activity_id}/signups", methods=["POST"], body=schemas.NewSignup,
          status=201, response=answers.Activity, responses={409: "Full, started, or already "
                                                                 "signed up"},
          summary="Sign up for an activity (residents); 409 when full",
          links={"activity_id": "/activity_id"})
def sign_up(caller: Caller, activity_id: str, body: docs.NewSignup) -> dict[str, Any]:
    return views.activity_view(activities.sign_up(caller, activity_id, body))


@bp.route("/activities/{activity_id}/signups", query=queries.PageQuery,
          response=answers.RosterPage,
          summary="Who signed up, with their attendance (office staff)")
def list_signups(caller: Caller, activity_id: str,
                 query: query_docs.PageQuery) -> dict[str, Any]:
    return views.roster_view(activities.roster(caller, activity_id, query.limit, query.cursor))


@bp.route("/activities/{activity_id}/signups/me", methods=["DELETE"],
          response=answers.Activity, summary="Cancel one's sign-up, freeing the place")
def cancel_signup(caller: Caller, activity_id: str) -> dict[str, Any]:
    return views.activity_view(activities.cancel(caller, activity_id))


@bp.route("/activities/{activity_id}/attendance", methods=["POST"], body=schemas.Attendance,
          response=answers.AttendanceRecord,
          responses={409: "Not started, not signed up, or recorded with other hours"},
          summary="Record a volunteer's hours (organizer staff): credits hours × "
                  "points_per_hour once")
def record_attendance(caller: Caller, activity_id: str,
                      body: docs.Attendance) -> dict[str, Any]:
    return views.attended_view(activities.record_attendance(caller, activity_id, body))
