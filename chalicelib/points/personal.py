"""A person's time-bank data under PIPL (SPEC 10): export, and erasure that leaves points in
place. Erasure deletes the link from the person to their (opaque) account in each community;
the account, its balance and every movement stay, so the ledger still sums to zero, and no
one can tell whose they were. Redemptions keep their code and stock accounting but lose the
person's id."""
from __future__ import annotations

from typing import Any

from chalicelib.points import ledger, store, views


def export_of(user_id: str) -> dict[str, Any]:
    accounts = []
    for holder in store.holdings(user_id):
        entries = [ledger.Entry.of(e) for e in reversed(store.all_entries(holder.account_id))]
        accounts.append({"community_id": holder.community_id,
                         "balance": store.balance(holder.account_id),
                         "movements": [views.entry_view(e) for e in entries]})
    return {"points": accounts,
            "redemptions": [views.redemption_view(r)
                            for r in store.redemptions_of(user_id, None, None)]}


def erase(user_id: str) -> dict[str, int]:
    """Safe to repeat: what is already detached is skipped."""
    redemptions = sum(store.detach_redemption(r)
                      for r in store.redemptions_of(user_id, None, None))
    accounts = sum(store.unlink(h) for h in store.holdings(user_id))
    return {"points_accounts_detached": accounts, "redemptions_detached": redemptions}
