"""The only code that knows how the time bank is kept in the table.

- AccountItem: pk ``PTACCT#{account_id}``, sk ``ACCOUNT``; gsi1 ``PTACCTS#{community}`` /
  ``{kind}#{account_id}`` (every account of a community, for the ledger's totals).
  System accounts have readable ids ``{kind}.{community}``; residents' are opaque (``pa_…``).
- EntryItem: pk ``PTACCT#{account_id}``, sk ``ENTRY#{at}#{movement_id}`` (an account's history,
  newest first by a reverse Query).
- MovementItem: pk ``PTMOVE#{community}#{key}``, sk ``MOVEMENT``: the idempotency key is the item
  key, put if absent in the movement's transaction.
- HolderItem: pk ``PTHOLDER#{user}``, sk ``COMMUNITY#{community}``: the person's account there.
- RewardItem: pk ``PTREWARD#{id}``, sk ``REWARD``; gsi1 ``PTREWARDS#{community}`` /
  ``{created_at}#{id}``.
- RedemptionItem: pk ``PTREDEEM#{code}``, sk ``REDEMPTION``; gsi1 ``PTREDEEMS#{reward}`` /
  ``{created_at}#{code}``; gsi2 ``PTREDEEMER#{user}`` / ``{created_at}#{code}`` (removed when
  the person is erased).

One movement is ONE transaction: the movement put if absent, both entries put if absent, the
debited account's balance lowered (on condition ``balance >= amount`` unless it is the issuer),
the credited account's raised, and whatever the caller's own store adds (``extra``).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError, UpdateError

from chalicelib.core.db import is_conditional_failure, sort_key, transaction
from chalicelib.core.ids import new_id
from chalicelib.points import rules
from chalicelib.points.models import (
    AccountItem,
    EntryItem,
    HolderItem,
    MovementItem,
    RedemptionItem,
    RewardItem,
)

Extra = Callable[[Any], None]
CONFLICT_RETRIES = 4


class Refused(Exception):
    """A condition of the movement's transaction failed (and it was not a repeat)."""


@dataclass(frozen=True)
class Plan:
    community_id: str
    key: str
    kind: str
    debit: str
    debit_kind: str
    credit: str
    credit_kind: str
    amount: int
    memo: str
    at: str
    ref: str | None = None
    movement_id: str = ""


def system_account(kind: str, community_id: str) -> str:
    return f"{kind}.{community_id}"


def _account_key(account_id: str) -> tuple[str, str]:
    return f"PTACCT#{account_id}", "ACCOUNT"


def _movement_key(community_id: str, key: str) -> tuple[str, str]:
    return f"PTMOVE#{community_id}#{key}", "MOVEMENT"


def _holder_key(user_id: str, community_id: str) -> tuple[str, str]:
    return f"PTHOLDER#{user_id}", f"COMMUNITY#{community_id}"


def holder_account(user_id: str, community_id: str) -> str | None:
    try:
        return str(HolderItem.get(*_holder_key(user_id, community_id),
                                  consistent_read=True).account_id)
    except DoesNotExist:
        return None


def ensure_holder(user_id: str, community_id: str, since: str) -> str:
    """The person's account id in the community, linked now if they had none (put if absent,
    so two first movements at once agree on one account)."""
    found = holder_account(user_id, community_id)
    if found:
        return found
    item = HolderItem(*_holder_key(user_id, community_id), user_id=user_id,
                      community_id=community_id, account_id=new_id("pa_"), since=since)
    try:
        item.save(condition=HolderItem.pk.does_not_exist())
    except PutError as err:
        if not is_conditional_failure(err):
            raise
        again = holder_account(user_id, community_id)
        if again is None:
            raise
        return again
    return str(item.account_id)


def holdings(user_id: str) -> list[HolderItem]:
    return list(HolderItem.query(f"PTHOLDER#{user_id}"))


def unlink(holder: HolderItem) -> bool:
    """Remove a person's link to their account; False when it was already gone."""
    try:
        holder.delete(condition=HolderItem.pk.exists())
    except DeleteError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True


def movement(community_id: str, key: str) -> MovementItem | None:
    try:
        return MovementItem.get(*_movement_key(community_id, key), consistent_read=True)
    except DoesNotExist:
        return None


def account(account_id: str, consistent: bool = True) -> AccountItem | None:
    try:
        return AccountItem.get(*_account_key(account_id), consistent_read=consistent)
    except DoesNotExist:
        return None


def balance(account_id: str) -> int:
    found = account(account_id)
    return int(found.balance or 0) if found else 0


def accounts(community_id: str) -> list[AccountItem]:
    """Every account of a community (gsi1; eventually consistent)."""
    return list(AccountItem.by_community.query(f"PTACCTS#{community_id}"))


def entries(account_id: str, before: str | None, limit: int,
            consistent: bool = False) -> list[EntryItem]:
    """Up to ``limit`` of an account's entries, newest first, before the position ``before``
    (the account item shares the partition, so the range starts at ``ENTRY#``)."""
    if before is not None and not before.startswith("ENTRY#"):
        return []
    condition = (EntryItem.sk.between("ENTRY#", before) if before
                 else EntryItem.sk.startswith("ENTRY#"))
    found = EntryItem.query(f"PTACCT#{account_id}", condition, scan_index_forward=False,
                            limit=limit + 1, consistent_read=consistent)
    return [e for e in found if e.sk != before][:limit]


def position(entry: EntryItem) -> str:
    return str(entry.sk)


def _account_update(tx: Any, account_id: str, kind: str, community_id: str, change: int,
                    guard: int | None) -> None:
    actions = [AccountItem.balance.add(change), AccountItem.account_id.set(account_id),
               AccountItem.community_id.set(community_id), AccountItem.kind.set(kind),
               AccountItem.gsi1pk.set(f"PTACCTS#{community_id}"),
               AccountItem.gsi1sk.set(f"{kind}#{account_id}")]
    condition = AccountItem.balance >= guard if guard is not None else None
    tx.update(AccountItem(*_account_key(account_id)), actions=actions, condition=condition)


def _entry(plan: Plan, account_id: str, movement_id: str, amount: int) -> EntryItem:
    return EntryItem(f"PTACCT#{account_id}", f"ENTRY#{plan.at}#{movement_id}",
                     account_id=account_id, movement_id=movement_id, at=plan.at, amount=amount,
                     kind=plan.kind, memo=plan.memo, ref=plan.ref)


def record(plan: Plan, extra: Extra | None = None) -> tuple[MovementItem, bool]:
    """Write the movement of ``plan`` with ``extra``'s items in one transaction. Returns the
    movement and True, or the movement stored earlier under the same key and False (nothing
    written). Raises Refused when a balance condition or one of ``extra``'s conditions failed."""
    movement_id = plan.movement_id or new_id("mv_")
    item = MovementItem(*_movement_key(plan.community_id, plan.key), movement_id=movement_id,
                        community_id=plan.community_id, idempotency_key=plan.key, kind=plan.kind,
                        debit=plan.debit, credit=plan.credit, amount=plan.amount,
                        memo=plan.memo, at=plan.at, ref=plan.ref)
    guard = None if rules.may_go_negative(plan.debit_kind) else plan.amount
    for attempt in range(CONFLICT_RETRIES + 1):
        try:
            with transaction() as tx:
                tx.save(item, condition=MovementItem.pk.does_not_exist())
                for account_id, amount in ((plan.debit, -plan.amount),
                                           (plan.credit, plan.amount)):
                    tx.save(_entry(plan, account_id, movement_id, amount),
                            condition=EntryItem.pk.does_not_exist())
                _account_update(tx, plan.debit, plan.debit_kind, plan.community_id,
                                -plan.amount, guard)
                _account_update(tx, plan.credit, plan.credit_kind, plan.community_id,
                                plan.amount, None)
                if extra is not None:
                    extra(tx)
            return item, True
        except TransactWriteError as err:
            if is_conditional_failure(err):
                earlier = movement(plan.community_id, plan.key)
                if earlier is not None:
                    return earlier, False
                raise Refused(plan.key) from err
            if not _transaction_conflict(err) or attempt == CONFLICT_RETRIES:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


def _transaction_conflict(err: Exception) -> bool:
    reasons = getattr(err, "cancellation_reasons", None) or []
    return any(r is not None and r.code == "TransactionConflict" for r in reasons)


def all_entries(account_id: str, consistent: bool = False) -> list[EntryItem]:
    """Every entry of an account, oldest first (export, the ledger check)."""
    return list(EntryItem.query(f"PTACCT#{account_id}", EntryItem.sk.startswith("ENTRY#"),
                                consistent_read=consistent))


# --- rewards and redemptions ---------------------------------------------------------------

def new_reward(reward_id: str, community_id: str, at: str, **values: Any) -> RewardItem:
    return RewardItem(f"PTREWARD#{reward_id}", "REWARD", reward_id=reward_id,
                      community_id=community_id, created_at=at, updated_at=at,
                      gsi1pk=f"PTREWARDS#{community_id}", gsi1sk=f"{at}#{reward_id}", **values)


def create_reward(item: RewardItem) -> None:
    item.save(condition=RewardItem.pk.does_not_exist())


def reward(reward_id: str, consistent: bool = False) -> RewardItem | None:
    try:
        return RewardItem.get(f"PTREWARD#{reward_id}", "REWARD", consistent_read=consistent)
    except DoesNotExist:
        return None


def rewards_of(community_id: str, before: str | None, limit: int) -> list[RewardItem]:
    """A community's rewards, newest first, before the position ``before``."""
    index = RewardItem.by_community
    condition = sort_key(index) < before if before else None
    return list(index.query(f"PTREWARDS#{community_id}", condition, scan_index_forward=False,
                            limit=limit))


def reward_position(item: RewardItem) -> str:
    return str(item.gsi1sk)


def restock(reward_id: str, add: int, at: str) -> RewardItem | None:
    """Add ``add`` to the stock (an atomic ADD: redemptions meanwhile are not lost); None when
    the reward does not exist."""
    item = RewardItem(f"PTREWARD#{reward_id}", "REWARD")
    try:
        item.update(actions=[RewardItem.stock.add(add), RewardItem.updated_at.set(at)],
                    condition=RewardItem.pk.exists())
    except UpdateError as err:
        if is_conditional_failure(err):
            return None
        raise
    return item


def new_redemption(code: str, reward: RewardItem, account_id: str, user_id: str,
                   movement_id: str, at: str) -> RedemptionItem:
    return RedemptionItem(
        f"PTREDEEM#{code}", "REDEMPTION", code=code, reward_id=reward.reward_id,
        community_id=reward.community_id, title=reward.title, points=reward.points,
        account_id=account_id, user_id=user_id, movement_id=movement_id, status="issued",
        created_at=at, gsi1pk=f"PTREDEEMS#{reward.reward_id}", gsi1sk=f"{at}#{code}",
        gsi2pk=f"PTREDEEMER#{user_id}", gsi2sk=f"{at}#{code}")


def redemption_writes(reward: RewardItem, redemption: RedemptionItem) -> Extra:
    """The redemption's own items in the movement's transaction: one unit of stock taken (on
    condition there is one and the price is still the one charged), the redemption put."""

    def add(tx: Any) -> None:
        tx.update(RewardItem(f"PTREWARD#{reward.reward_id}", "REWARD"),
                  actions=[RewardItem.stock.add(-1), RewardItem.redeemed.add(1),
                           RewardItem.updated_at.set(redemption.created_at)],
                  condition=(RewardItem.stock >= 1) & (RewardItem.points == reward.points))
        tx.save(redemption, condition=RedemptionItem.pk.does_not_exist())

    return add


def redemption(code: str, consistent: bool = False) -> RedemptionItem | None:
    try:
        return RedemptionItem.get(f"PTREDEEM#{code}", "REDEMPTION", consistent_read=consistent)
    except DoesNotExist:
        return None


def redemptions_of(user_id: str, before: str | None, limit: int | None) -> list[RedemptionItem]:
    """A person's redemptions, newest first."""
    index = RedemptionItem.by_redeemer
    condition = sort_key(index) < before if before else None
    return list(index.query(f"PTREDEEMER#{user_id}", condition, scan_index_forward=False,
                            limit=limit))


def redemption_position(item: RedemptionItem) -> str:
    return str(item.gsi2sk)


def fulfil(code: str, by: str, at: str) -> RedemptionItem | None:
    """Mark an issued redemption fulfilled; None when it is not issued (or absent)."""
    item = RedemptionItem(f"PTREDEEM#{code}", "REDEMPTION")
    try:
        item.update(actions=[RedemptionItem.status.set("fulfilled"),
                             RedemptionItem.fulfilled_at.set(at),
                             RedemptionItem.fulfilled_by.set(by)],
                    condition=RedemptionItem.status == "issued")
    except UpdateError as err:
        if is_conditional_failure(err):
            return None
        raise
    return item


def detach_redemption(item: RedemptionItem) -> bool:
    """Remove the person from a redemption (erasure); False when already detached."""
    try:
        item.update(actions=[RedemptionItem.user_id.remove(), RedemptionItem.gsi2pk.remove(),
                             RedemptionItem.gsi2sk.remove()],
                    condition=RedemptionItem.user_id == item.user_id)
    except UpdateError as err:
        if is_conditional_failure(err):
            return False
        raise
    return True
