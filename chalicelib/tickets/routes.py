from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.lazy import lazy
from chalicelib.web.routing import IDEMPOTENCY_KEY, IDEMPOTENT_CREATE, Caller, LazySchemas, Resource

if TYPE_CHECKING:
    from chalicelib.tickets import followers, reading, reporting, transitions, views
    from chalicelib.tickets import schemas as docs
else:
    followers = lazy("chalicelib.tickets.followers")
    reading = lazy("chalicelib.tickets.reading")
    reporting = lazy("chalicelib.tickets.reporting")
    transitions = lazy("chalicelib.tickets.transitions")
    views = lazy("chalicelib.tickets.views")

schemas = LazySchemas("chalicelib.tickets.schemas")
answers = LazySchemas("chalicelib.tickets.responses")
bp = Resource(__name__)


@bp.route("/tickets", methods=["POST"], body=schemas.NewTicket, status=201,
          summary="Report a problem; answers the ticket and one upload slot per photo",
          response=answers.CreatedTicket, headers=(IDEMPOTENCY_KEY,), responses=IDEMPOTENT_CREATE,
          links={"ticket_id": "/ticket/ticket_id"})
def create_ticket(caller: Caller, body: docs.NewTicket) -> dict[str, Any]:
    key = bp.current_request.headers.get("idempotency-key")
    return views.created_view(reporting.create_ticket(caller, body, idempotency_key=key,
                                                      lambda_context=bp.lambda_context))


@bp.route("/tickets", query=schemas.TicketQuery,
          summary="Tickets the caller may see, newest first", response=answers.TicketList)
def list_tickets(caller: Caller, query: docs.TicketQuery) -> dict[str, Any]:
    return views.page_view(reading.list_tickets(caller, query))


@bp.route("/tickets/{ticket_id}", summary="A ticket with SLA, photos and timeline",
          response=answers.TicketDetail)
def get_ticket(caller: Caller, ticket_id: str) -> dict[str, Any]:
    return views.detail_view(reading.get_ticket(caller, ticket_id))


@bp.route("/tickets/{ticket_id}/acknowledge", methods=["POST"], body=schemas.OptionalNote,
          summary="Respond to a ticket (staff)", response=answers.TicketDetail)
def acknowledge(caller: Caller, ticket_id: str, body: docs.OptionalNote) -> dict[str, Any]:
    return views.detail_view(transitions.transition(caller, ticket_id, "acknowledge", body))


@bp.route("/tickets/{ticket_id}/resolve", methods=["POST"], body=schemas.Note,
          summary="Mark a ticket fixed, with a public note (staff)", response=answers.TicketDetail)
def resolve(caller: Caller, ticket_id: str, body: docs.Note) -> dict[str, Any]:
    return views.detail_view(transitions.transition(caller, ticket_id, "resolve", body))


@bp.route("/tickets/{ticket_id}/reopen", methods=["POST"], body=schemas.Note,
          summary="Dispute a resolution within 7 days (reporter)", response=answers.TicketDetail)
def reopen(caller: Caller, ticket_id: str, body: docs.Note) -> dict[str, Any]:
    return views.detail_view(transitions.transition(caller, ticket_id, "reopen", body))


@bp.route("/tickets/{ticket_id}/close", methods=["POST"], body=schemas.Close,
          summary="Confirm a resolution with a rating (reporter)", response=answers.TicketDetail)
def close(caller: Caller, ticket_id: str, body: docs.Close) -> dict[str, Any]:
    return views.detail_view(transitions.transition(caller, ticket_id, "close", body))


@bp.route("/tickets/{ticket_id}/reject", methods=["POST"], body=schemas.Reject,
          summary="Reject a ticket with a reason (staff)", response=answers.TicketDetail)
def reject(caller: Caller, ticket_id: str, body: docs.Reject) -> dict[str, Any]:
    return views.detail_view(transitions.transition(caller, ticket_id, "reject", body))


@bp.route("/tickets/{ticket_id}/duplicate", methods=["POST"], body=schemas.Duplicate,
          summary="Mark a ticket a duplicate of another (staff)", response=answers.TicketDetail)
def duplicate(caller: Caller, ticket_id: str, body: docs.Duplicate) -> dict[str, Any]:
    return views.detail_view(transitions.transition(caller, ticket_id, "duplicate", body))


@bp.route("/tickets/{ticket_id}/comments", methods=["POST"], body=schemas.NewComment, status=201,
          summary="Comment; internal notes are for staff", response=answers.TicketDetail)
def comment(caller: Caller, ticket_id: str, body: docs.NewComment) -> dict[str, Any]:
    return views.detail_view(transitions.add_comment(caller, ticket_id, body))


@bp.route("/tickets/nearby", query=schemas.NearbyQuery,
          summary="Open tickets near a place that may be the same problem",
          response=answers.TicketList)
def nearby(caller: Caller, query: docs.NearbyQuery) -> dict[str, Any]:
    return views.page_view(reading.nearby(caller, query))


@bp.route("/tickets/{ticket_id}/follow", methods=["POST"],
          summary="Follow a ticket ('me too') instead of filing a duplicate",
          response=answers.Following)
def follow(caller: Caller, ticket_id: str) -> dict[str, Any]:
    following = followers.follow_ticket(caller, ticket_id)
    return {"ticket_id": following.ticket_id, "following": True, "added": following.added,
            "followers": following.followers}
