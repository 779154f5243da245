"""The voting blueprint (业主大会, SPEC 5): parse, one domain call, its view."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.lazy import lazy
from chalicelib.web.routing import Caller, LazySchemas, Resource

if TYPE_CHECKING:
    from chalicelib.voting import ballots, closing, polls, views
    from chalicelib.voting import schemas as docs
else:
    ballots = lazy("chalicelib.voting.ballots")
    closing = lazy("chalicelib.voting.closing")
    polls = lazy("chalicelib.voting.polls")
    views = lazy("chalicelib.voting.views")

schemas = LazySchemas("chalicelib.voting.schemas")
answers = LazySchemas("chalicelib.voting.responses")
bp = Resource(__name__)
UNCOUNTABLE = {422: "The roll cannot be frozen until the office corrects the unit registry"}
NOT_OPEN = {409: "The poll is not open: it opens later, or has closed", **UNCOUNTABLE}


@bp.route("/communities/{community_id}/polls", methods=["POST"], body=schemas.NewPoll,
          status=201, response=answers.PollView,
          summary="Open an owners' poll of an estate (community office, admin)",
          links={"poll_id": "/poll_id"})
def open_poll(caller: Caller, community_id: str, body: docs.NewPoll) -> dict[str, Any]:
    return views.poll_view(polls.open_poll(caller, community_id, body))


@bp.route("/communities/{community_id}/polls", query=schemas.PageQuery,
          response=answers.PollList, summary="Polls of a community, newest first")
def list_polls(caller: Caller, community_id: str, query: docs.PageQuery) -> dict[str, Any]:
    return views.poll_list(polls.list_polls(caller, community_id, query.limit, query.cursor))


@bp.route("/polls/{poll_id}", response=answers.PollView, responses=UNCOUNTABLE,
          summary="A poll with its live turnout, quorum and shortfall by building and grid")
def get_poll(caller: Caller, poll_id: str) -> dict[str, Any]:
    return views.poll_view(polls.get_poll(caller, poll_id))


@bp.route("/polls/{poll_id}/ballots", methods=["POST"], body=schemas.NewBallot, status=201,
          response=answers.BallotReceipt, responses=NOT_OPEN,
          summary="Cast or change the caller's ballot (owners on the roll); answers a receipt",
          links={"receipt": "/receipt"})
def cast_ballot(caller: Caller, poll_id: str, body: docs.NewBallot) -> dict[str, Any]:
    return views.cast_view(ballots.cast(caller, poll_id, body))


@bp.route("/polls/{poll_id}/paper-ballots", methods=["POST"], body=schemas.PaperBallot,
          status=201, response=answers.BallotReceipt, responses=NOT_OPEN,
          summary="Enter a paper ballot on a voter's behalf (community office)",
          links={"receipt": "/receipt"})
def enter_paper_ballot(caller: Caller, poll_id: str, body: docs.PaperBallot) -> dict[str, Any]:
    return views.cast_view(ballots.enter_paper(caller, poll_id, body))


@bp.route("/polls/{poll_id}/receipts/{receipt}", response=answers.ReceiptCheck,
          summary="Check that a ballot was counted as cast (its voter's owners, office staff)")
def check_receipt(caller: Caller, poll_id: str, receipt: str) -> dict[str, Any]:
    return views.receipt_view(ballots.check_receipt(caller, poll_id, receipt))


@bp.route("/polls/{poll_id}/results", response=answers.PollResult,
          responses={409: "Not closed and counted yet"},
          summary="The Art. 278 result, for anyone of the community once counted")
def get_results(caller: Caller, poll_id: str) -> dict[str, Any]:
    return closing.read_result(caller, poll_id)


@bp.route("/polls/{poll_id}/ballots", query=schemas.PageQuery, response=answers.AuditPage,
          responses={409: "Not closed and counted yet"},
          summary="Audit export of every ballot version once counted (office, street, admin)")
def export_ballots(caller: Caller, poll_id: str, query: docs.PageQuery) -> dict[str, Any]:
    return views.audit_view(ballots.audit_export(caller, poll_id, query.limit, query.cursor))
