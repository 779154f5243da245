"""The ledger's own functions against moto: mint once per key, balances, history."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from chalicelib.core.errors import ConflictError, InvalidInputError
from chalicelib.points import ledger, store

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)


def totals(community_id: str) -> dict[str, int]:
    return {a.account_id: int(a.balance) for a in store.accounts(community_id)}


def test_mint_credits_once_per_key(aws: dict[str, Any]) -> None:
    first = ledger.mint("jinxiu", "lin", 4, "activity:a1:lin", "志愿服务 2 小时", T0)
    again = ledger.mint("jinxiu", "lin", 4, "activity:a1:lin", "志愿服务 2 小时", T0)
    assert first.created and not again.created
    assert again.movement_id == first.movement_id and again.amount == 4
    assert first.debit == "issuer.jinxiu" and first.credit.startswith("pa_")
    assert ledger.balance_of("jinxiu", "lin") == 4
    balances = totals("jinxiu")
    assert balances == {"issuer.jinxiu": -4, first.credit: 4}
    assert sum(balances.values()) == 0


def test_mint_with_a_new_key_adds_and_history_is_newest_first(aws: dict[str, Any]) -> None:
    ledger.mint("jinxiu", "lin", 4, "k1", "first", T0)
    ledger.mint("jinxiu", "lin", 6, "k2", "second", T0 + timedelta(hours=1))
    ledger.mint("jinxiu", "lin", 1, "k3", "third", T0 + timedelta(hours=2))
    page = ledger.history("jinxiu", "lin", limit=2)
    assert page.balance == 11
    assert [e.memo for e in page.movements] == ["third", "second"]
    assert page.next_cursor
    rest = ledger.history("jinxiu", "lin", limit=2, cursor=page.next_cursor)
    assert [e.memo for e in rest.movements] == ["first"] and rest.next_cursor is None
    assert all(e.amount > 0 and e.kind == "mint" for e in page.movements + rest.movements)


@pytest.mark.parametrize("amount", [0, -3, 1.5, True, "5", 10**9])
def test_mint_refuses_bad_amounts_and_writes_nothing(aws: dict[str, Any], amount: Any) -> None:
    with pytest.raises(InvalidInputError):
        ledger.mint("jinxiu", "lin", amount, f"bad:{amount!r}", "memo", T0)
    assert totals("jinxiu") == {}
    assert ledger.balance_of("jinxiu", "lin") == 0


def test_mint_keys_are_per_community(aws: dict[str, Any]) -> None:
    ledger.mint("jinxiu", "lin", 2, "same", "memo", T0)
    ledger.mint("longxing", "zhang", 3, "same", "memo", T0)
    assert ledger.balance_of("jinxiu", "lin") == 2
    assert ledger.balance_of("longxing", "zhang") == 3
    assert ledger.balance_of("longxing", "lin") == 0


def test_empty_memo_or_key_is_refused(aws: dict[str, Any]) -> None:
    with pytest.raises(InvalidInputError):
        ledger.mint("jinxiu", "lin", 2, "", "memo", T0)
    with pytest.raises(InvalidInputError):
        ledger.mint("jinxiu", "lin", 2, "k", " ", T0)


def test_a_mint_key_reused_for_another_credit_is_refused(aws: dict[str, Any]) -> None:
    ledger.mint("jinxiu", "lin", 4, "activity:a9:lin", "志愿服务", T0)
    with pytest.raises(ConflictError):
        ledger.mint("jinxiu", "huang", 4, "activity:a9:lin", "志愿服务", T0)
    with pytest.raises(ConflictError):
        ledger.mint("jinxiu", "lin", 5, "activity:a9:lin", "志愿服务", T0)
    assert ledger.balance_of("jinxiu", "huang") == 0
    assert ledger.balance_of("jinxiu", "lin") == 4
