"""Rewards (prizes) a community stocks, and redemptions: points and stock drop together, in
the movement's transaction; staff hand the prize over once against the code."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.core.errors import ConflictError, ForbiddenError, NotFoundError
from chalicelib.core.ids import new_id
from chalicelib.core.paging import decode_cursor, encode_cursor
from chalicelib.core.timeutil import iso, utcnow
from chalicelib.points import ledger, store

if TYPE_CHECKING:
    from chalicelib.directory.service import Scope
    from chalicelib.identity.caller import Caller
    from chalicelib.points import schemas as docs
    from chalicelib.points.models import RedemptionItem, RewardItem

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
RESIDENT_ROLES = ("resident", "owner")


class OutOfStockError(ConflictError):
    """No unit of the reward is left."""


@dataclass(frozen=True)
class RewardPage:
    items: list[RewardItem]
    next_cursor: str | None


@dataclass(frozen=True)
class RedemptionPage:
    items: list[RedemptionItem]
    next_cursor: str | None


@dataclass(frozen=True)
class Redeemed:
    redemption: RedemptionItem
    created: bool


def _scope(caller: Caller) -> Scope:
    from chalicelib.directory import service as directory

    return directory.load_scope(caller)


def _visible_community(caller: Caller, community_id: str) -> Scope:
    """Raises NotFoundError unless the caller belongs to (or supervises) the community."""
    scope = _scope(caller)
    if not scope.belongs_to_community(community_id):
        raise NotFoundError("community not found")
    return scope


def resident_of(caller: Caller, scope: Scope, community_id: str) -> bool:
    """A resident (or owner) with a home in the community: merchants post and redeem as
    residents too (SPEC 2 has no merchant role)."""
    return caller.has_any(*RESIDENT_ROLES) and any(h.community_id == community_id
                                                   for h in scope.homes)


def _require_staff(caller: Caller, scope: Scope, community_id: str) -> None:
    if not (caller.is_admin or scope.staffs_community(community_id)):
        raise ForbiddenError("only the community's office stocks rewards and hands them over")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def create_reward(caller: Caller, community_id: str, doc: docs.NewReward,
                  now: datetime | None = None) -> RewardItem:
    """Raises NotFoundError (community out of scope), ForbiddenError (not its office staff)."""
    scope = _visible_community(caller, community_id)
    _require_staff(caller, scope, community_id)
    item = store.new_reward(new_id("rw_"), community_id, iso(now or utcnow()), title=doc.title,
                            description=doc.description, points=doc.points, stock=doc.stock)
    store.create_reward(item)
    return item


def list_rewards(caller: Caller, community_id: str, limit: int = 20,
                 cursor: str | None = None) -> RewardPage:
    """Raises NotFoundError (community out of scope), InvalidInputError (cursor)."""
    _visible_community(caller, community_id)
    before = decode_cursor(cursor) if cursor else None
    found = store.rewards_of(community_id, before, limit + 1)
    page = found[:limit]
    more = len(found) > limit and bool(page)
    return RewardPage(page, encode_cursor(store.reward_position(page[-1])) if more else None)


def _reward_in(scope: Scope, reward_id: str) -> RewardItem:
    item = store.reward(reward_id)
    if item is None or not scope.belongs_to_community(item.community_id):
        raise NotFoundError("reward not found")
    return item


def get_reward(caller: Caller, reward_id: str) -> RewardItem:
    """Raises NotFoundError (absent or of a community out of scope)."""
    return _reward_in(_scope(caller), reward_id)


def restock(caller: Caller, reward_id: str, doc: docs.Restock,
            now: datetime | None = None) -> RewardItem:
    """Add units to the stock. Raises NotFoundError, ForbiddenError (not its office staff)."""
    scope = _scope(caller)
    item = _reward_in(scope, reward_id)
    _require_staff(caller, scope, item.community_id)
    if store.restock(reward_id, doc.add, iso(now or utcnow())) is None:
        raise NotFoundError("reward not found")
    fresh = store.reward(reward_id, consistent=True)
    if fresh is None:
        raise NotFoundError("reward not found")
    return fresh


def redeem(caller: Caller, reward_id: str, idempotency_key: str | None = None,
           now: datetime | None = None) -> Redeemed:
    """Buy one unit of the reward with the caller's points: the points go to the community's
    retired account, the stock falls by one and the redemption is stored, all at once. With an
    ``idempotency_key`` a retry answers the first redemption.
    Raises NotFoundError (reward out of scope), ForbiddenError (not a resident of its
    community), InsufficientPointsError, OutOfStockError (409: nothing changed),
    ConflictError (the price changed meanwhile), InvalidInputError (key too long)."""
    from chalicelib.points import rules

    scope = _scope(caller)
    item = _reward_in(scope, reward_id)
    if not resident_of(caller, scope, item.community_id):
        raise ForbiddenError("only residents of the community redeem its rewards")
    if idempotency_key is not None:
        rules.require_text(idempotency_key, "Idempotency-Key", 128)
    at = now or utcnow()
    code = new_code()
    key = (f"redeem:{caller.user_id}:{idempotency_key}" if idempotency_key
           else f"redeem:{code}")
    if idempotency_key:
        earlier = store.movement(item.community_id, key)
        if earlier is not None:
            return _earlier(earlier.ref, reward_id)
    account = ledger.resident(item.community_id, caller.user_id, at)
    movement_id = ledger.new_movement_id()
    redemption = store.new_redemption(code, item, account.account_id, caller.user_id,
                                      movement_id, iso(at))
    try:
        movement = ledger.transfer(
            item.community_id, account, ledger.retired(item.community_id), int(item.points),
            key, "redeem", f"兑换 {item.title}", at, ref=code,
            extra=store.redemption_writes(item, redemption), movement_id=movement_id)
    except store.Refused:
        fresh = store.reward(reward_id, consistent=True)
        if fresh is None or int(fresh.stock or 0) < 1:
            raise OutOfStockError("this reward is out of stock") from None
        raise ConflictError("the reward changed meanwhile; try again") from None
    if not movement.created:
        return _earlier(movement.ref, reward_id)
    return Redeemed(_stored(code), True)


def _stored(code: str) -> RedemptionItem:
    found = store.redemption(code, consistent=True)
    if found is None:
        raise ConflictError("the redemption is not stored yet; try again")
    return found


def _earlier(code: str | None, reward_id: str) -> Redeemed:
    found = _stored(code or "")
    if found.reward_id != reward_id:
        from chalicelib.core.errors import UnprocessableError

        raise UnprocessableError("Idempotency-Key was used for another reward")
    return Redeemed(found, False)


def get_redemption(caller: Caller, code: str) -> RedemptionItem:
    """The redeemer or the community's staff. Raises NotFoundError."""
    item = store.redemption(code)
    if item is None:
        raise NotFoundError("redemption not found")
    if item.user_id == caller.user_id:
        return item
    scope = _scope(caller)
    if caller.is_admin or scope.staffs_community(item.community_id):
        return item
    raise NotFoundError("redemption not found")


def fulfil(caller: Caller, code: str, now: datetime | None = None) -> RedemptionItem:
    """Hand the prize over, once. Raises NotFoundError, ForbiddenError (not the community's
    office staff), ConflictError (already fulfilled)."""
    item = store.redemption(code, consistent=True)
    scope = _scope(caller)
    if item is None or not scope.belongs_to_community(item.community_id):
        raise NotFoundError("redemption not found")
    _require_staff(caller, scope, item.community_id)
    if store.fulfil(code, caller.user_id, iso(now or utcnow())) is None:
        raise ConflictError("this redemption was already fulfilled")
    return _stored(code)


def my_redemptions(caller: Caller, limit: int = 20, cursor: str | None = None
                   ) -> RedemptionPage:
    """The caller's redemptions, newest first. Raises InvalidInputError (cursor)."""
    before = decode_cursor(cursor) if cursor else None
    found = store.redemptions_of(caller.user_id, before, limit + 1)
    page = found[:limit]
    more = len(found) > limit and bool(page)
    return RedemptionPage(page, encode_cursor(store.redemption_position(page[-1]))
                          if more else None)
