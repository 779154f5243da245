from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.core.lazy import lazy
from chalicelib.web.routing import IDEMPOTENCY_KEY, Caller, LazySchemas, Resource

if TYPE_CHECKING:
    from chalicelib.core import documents as query_docs
    from chalicelib.points import ledger, rewards, views
    from chalicelib.points import schemas as docs
else:
    ledger = lazy("chalicelib.points.ledger")
    rewards = lazy("chalicelib.points.rewards")
    views = lazy("chalicelib.points.views")

schemas = LazySchemas("chalicelib.points.schemas")
queries = LazySchemas("chalicelib.core.documents")
answers = LazySchemas("chalicelib.points.responses")
bp = Resource(__name__)
REDEEM_ERRORS = {409: "Too few points or no stock left: nothing changed",
                 422: "The Idempotency-Key was used for another reward"}


@bp.route("/me/points", query=schemas.PointsQuery,
          summary="The caller's time-bank balance and movements, newest first",
          response=answers.Points)
def get_my_points(caller: Caller, query: docs.PointsQuery) -> dict[str, Any]:
    mine = ledger.points_of(caller, query.community_id, query.limit, query.cursor)
    return views.points_view(mine.community_id, mine.history)


@bp.route("/communities/{community_id}/rewards", query=queries.PageQuery,
          summary="Rewards of a community, newest first", response=answers.RewardList)
def list_rewards(caller: Caller, community_id: str,
                 query: query_docs.PageQuery) -> dict[str, Any]:
    return views.reward_page_view(rewards.list_rewards(caller, community_id, query.limit,
                                                       query.cursor))


@bp.route("/communities/{community_id}/rewards", methods=["POST"], body=schemas.NewReward,
          status=201, summary="Stock a new reward (community staff)", response=answers.Reward,
          links={"reward_id": "/reward_id"})
def create_reward(caller: Caller, community_id: str, body: docs.NewReward) -> dict[str, Any]:
    return views.reward_view(rewards.create_reward(caller, community_id, body))


@bp.route("/rewards/{reward_id}", summary="A reward with its stock", response=answers.Reward)
def get_reward(caller: Caller, reward_id: str) -> dict[str, Any]:
    return views.reward_view(rewards.get_reward(caller, reward_id))


@bp.route("/rewards/{reward_id}/stock", methods=["POST"], body=schemas.Restock,
          summary="Add units to a reward's stock (community staff)", response=answers.Reward)
def restock_reward(caller: Caller, reward_id: str, body: docs.Restock) -> dict[str, Any]:
    return views.reward_view(rewards.restock(caller, reward_id, body))


@bp.route("/rewards/{reward_id}/redemptions", methods=["POST"], status=201,
          summary="Redeem a reward with points (residents): points and stock drop together",
          response=answers.Redemption, headers=(IDEMPOTENCY_KEY,), responses=REDEEM_ERRORS,
          links={"code": "/code"})
def redeem_reward(caller: Caller, reward_id: str) -> dict[str, Any]:
    key = bp.current_request.headers.get("idempotency-key")
    return views.redemption_view(rewards.redeem(caller, reward_id, key).redemption)


@bp.route("/me/redemptions", query=queries.PageQuery,
          summary="The caller's redemptions, newest first", response=answers.RedemptionList)
def list_my_redemptions(caller: Caller, query: query_docs.PageQuery) -> dict[str, Any]:
    return views.redemption_page_view(rewards.my_redemptions(caller, query.limit,
                                                             query.cursor))


@bp.route("/redemptions/{code}", summary="A redemption (its redeemer or community staff)",
          response=answers.Redemption)
def get_redemption(caller: Caller, code: str) -> dict[str, Any]:
    return views.redemption_view(rewards.get_redemption(caller, code))


@bp.route("/redemptions/{code}/fulfil", methods=["POST"],
          summary="Hand the prize over at the office, once (community staff)",
          response=answers.Redemption, responses={409: "Already fulfilled"})
def fulfil_redemption(caller: Caller, code: str) -> dict[str, Any]:
    return views.redemption_view(rewards.fulfil(caller, code))
