"""Pure rules of the time bank: amounts, keys and memos, which accounts may go negative."""
from __future__ import annotations

from typing import Any

import pytest

from chalicelib.core.errors import InvalidInputError
from chalicelib.points import rules


@pytest.mark.parametrize("amount", [1, 7, rules.MAX_AMOUNT])
def test_whole_positive_amounts_pass(amount: int) -> None:
    assert rules.require_amount(amount) == amount


@pytest.mark.parametrize("amount, message", [
    (0, "greater than 0"), (-5, "greater than 0"), (rules.MAX_AMOUNT + 1, "at most"),
    (2.5, "integer"), (True, "integer"), ("3", "integer"), (None, "integer")])
def test_other_amounts_are_refused_with_the_field(amount: Any, message: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        rules.require_amount(amount, field="reward_points")
    assert refused.value.details == [{"field": "reward_points",
                                      "message": refused.value.details[0]["message"]}]
    assert message in refused.value.details[0]["message"]


@pytest.mark.parametrize("value", ["", "   ", None, 5, "x" * 201])
def test_keys_and_memos_must_be_short_text(value: Any) -> None:
    with pytest.raises(InvalidInputError):
        rules.require_text(value, "key", rules.MAX_KEY)


def test_a_movement_needs_two_accounts() -> None:
    rules.require_distinct("issuer.jinxiu", "pa_1")
    with pytest.raises(InvalidInputError):
        rules.require_distinct("pa_1", "pa_1")


def test_only_the_issuer_may_go_negative() -> None:
    assert [k for k in rules.KINDS if rules.may_go_negative(k)] == [rules.ISSUER]
