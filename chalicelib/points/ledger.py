"""The time bank: a double-entry ledger per community (SPEC 5).

Every movement debits one account and credits another by the same positive amount, in one
transaction with its idempotency key; the community's issuer account mints (it may go
negative), resident and escrow accounts never go below zero, the retired account receives the
points spent on prizes. So the sum of a community's accounts is always zero, and every balance
is the sum of its account's entries. Movements are never changed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.core.errors import ConflictError, NotFoundError
from chalicelib.core.ids import new_id
from chalicelib.core.paging import decode_cursor, encode_cursor
from chalicelib.core.timeutil import iso, utcnow
from chalicelib.points import rules, store
from chalicelib.points.rules import ESCROW, ISSUER, RESIDENT, RETIRED

if TYPE_CHECKING:
    from chalicelib.identity.caller import Caller
    from chalicelib.points.models import EntryItem, MovementItem


class InsufficientPointsError(ConflictError):
    """The debited account holds fewer points than the movement needs."""


@dataclass(frozen=True)
class Movement:
    movement_id: str
    community_id: str
    key: str
    kind: str
    debit: str
    credit: str
    amount: int
    memo: str
    at: str
    ref: str | None
    created: bool = True

    @classmethod
    def of(cls, item: MovementItem, created: bool) -> Movement:
        return cls(str(item.movement_id), str(item.community_id), str(item.idempotency_key),
                   str(item.kind), str(item.debit), str(item.credit), int(item.amount),
                   str(item.memo), str(item.at), item.ref, created)


@dataclass(frozen=True)
class Entry:
    """One movement as an account sees it: negative when points left the account."""

    movement_id: str
    at: str
    amount: int
    kind: str
    memo: str
    ref: str | None

    @classmethod
    def of(cls, item: EntryItem) -> Entry:
        return cls(str(item.movement_id), str(item.at), int(item.amount), str(item.kind),
                   str(item.memo), item.ref)


@dataclass(frozen=True)
class History:
    balance: int
    movements: list[Entry]
    next_cursor: str | None


@dataclass(frozen=True)
class Side:
    """An account taking part in a movement."""

    account_id: str
    kind: str


def new_movement_id() -> str:
    return new_id("mv_")


def issuer(community_id: str) -> Side:
    return Side(store.system_account(ISSUER, community_id), ISSUER)


def escrow(community_id: str) -> Side:
    return Side(store.system_account(ESCROW, community_id), ESCROW)


def retired(community_id: str) -> Side:
    return Side(store.system_account(RETIRED, community_id), RETIRED)


def resident(community_id: str, user_id: str, now: datetime | None = None) -> Side:
    """The person's account in the community (opened on first use)."""
    return Side(store.ensure_holder(user_id, community_id, iso(now or utcnow())), RESIDENT)


def transfer(community_id: str, debit: Side, credit: Side, amount: int, key: str, kind: str,
             memo: str, now: datetime | None = None, ref: str | None = None,
             extra: store.Extra | None = None, movement_id: str | None = None) -> Movement:
    """Move ``amount`` from ``debit`` to ``credit`` once per ``key``, with ``extra``'s items
    (another context's writes, built by its store) in the same transaction. A repeat of the
    key returns the first movement (``created`` False) and writes nothing.
    Raises InvalidInputError (amount, key, memo), InsufficientPointsError (the debited account
    would go below zero), store.Refused (one of ``extra``'s conditions failed)."""
    rules.require_amount(amount)
    rules.require_text(key, "key", rules.MAX_KEY)
    rules.require_text(memo, "memo", rules.MAX_MEMO)
    rules.require_distinct(debit.account_id, credit.account_id)
    plan = store.Plan(community_id, key, kind, debit.account_id, debit.kind, credit.account_id,
                      credit.kind, amount, memo, iso(now or utcnow()), ref,
                      movement_id or new_movement_id())
    try:
        item, created = store.record(plan, extra)
    except store.Refused:
        if extra is None or (not rules.may_go_negative(debit.kind)
                             and store.balance(debit.account_id) < amount):
            raise InsufficientPointsError("not enough points") from None
        raise
    return Movement.of(item, created)


def mint(community_id: str, user_id: str, amount: int, key: str, memo: str,
         now: datetime | None = None) -> Movement:
    """Credit ``amount`` points from the community's issuer account to the person's account,
    exactly once per ``key``: a repeat returns the first movement and credits nothing.
    Raises InvalidInputError (amount <= 0, an empty or over-long key or memo), ConflictError
    (the key credited another amount or another person already)."""
    rules.require_amount(amount)
    rules.require_text(key, "key", rules.MAX_KEY)
    rules.require_text(memo, "memo", rules.MAX_MEMO)
    earlier = store.movement(community_id, key)
    if earlier is None:
        credit = resident(community_id, user_id, now)
        movement = transfer(community_id, issuer(community_id), credit, amount, key, "mint",
                            memo, now)
    else:
        movement = Movement.of(earlier, False)
        credit = Side(store.holder_account(user_id, community_id) or "", RESIDENT)
    if (movement.kind, movement.credit, movement.amount) != ("mint", credit.account_id, amount):
        raise ConflictError(f"the key {key} was used for another movement")
    return movement


def balance_of(community_id: str, user_id: str) -> int:
    account_id = store.holder_account(user_id, community_id)
    return store.balance(account_id) if account_id else 0


def history(community_id: str, user_id: str, limit: int = 20,
            cursor: str | None = None) -> History:
    """The person's balance in the community and their movements, newest first.
    Raises InvalidInputError (a cursor this API did not make)."""
    before = decode_cursor(cursor) if cursor else None
    account_id = store.holder_account(user_id, community_id)
    if account_id is None:
        return History(0, [], None)
    found = store.entries(account_id, before, limit + 1)
    page = found[:limit]
    more = len(found) > limit and bool(page)
    return History(store.balance(account_id), [Entry.of(e) for e in page],
                   encode_cursor(store.position(page[-1])) if more else None)


@dataclass(frozen=True)
class MyPoints:
    community_id: str | None
    history: History


def points_of(caller: Caller, community_id: str | None = None, limit: int = 20,
              cursor: str | None = None) -> MyPoints:
    """The caller's balance and movements in their own community (or in ``community_id``, one
    of theirs). Raises NotFoundError (a community not theirs), InvalidInputError (cursor)."""
    from chalicelib.directory import service as directory

    scope = directory.load_scope(caller)
    if community_id is not None and community_id not in scope.communities:
        raise NotFoundError("community not found")
    community = community_id or scope.community_id
    if community is None:
        return MyPoints(None, History(0, [], None))
    return MyPoints(community, history(community, caller.user_id, limit, cursor))
