"""Pure rules of the time bank: amounts, idempotency keys, which accounts may go negative."""
from __future__ import annotations

from typing import Any

from chalicelib.core.errors import InvalidInputError

ISSUER, RESIDENT, ESCROW, RETIRED = "issuer", "resident", "escrow", "retired"
SYSTEM_KINDS = (ISSUER, ESCROW, RETIRED)
KINDS = (ISSUER, RESIDENT, ESCROW, RETIRED)
MAX_AMOUNT = 1_000_000
MAX_KEY = 200
MAX_MEMO = 200


def may_go_negative(kind: str) -> bool:
    """Only the issuer mints: every other account stays at zero or above."""
    return kind == ISSUER


def require_amount(amount: Any, field: str = "amount") -> int:
    """The amount of a movement: a whole number of points, 1..MAX_AMOUNT.
    Raises InvalidInputError."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidInputError("amount must be a whole number of points",
                                [{"field": field, "message": "must be an integer"}])
    if amount <= 0:
        raise InvalidInputError("amount must be positive",
                                [{"field": field, "message": "must be greater than 0"}])
    if amount > MAX_AMOUNT:
        raise InvalidInputError("amount is too large",
                                [{"field": field, "message": f"must be at most {MAX_AMOUNT}"}])
    return amount


def require_text(value: Any, field: str, limit: int) -> str:
    """Non-empty text of at most ``limit`` characters. Raises InvalidInputError."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"{field} is required",
                                [{"field": field, "message": "must be non-empty text"}])
    if len(value) > limit:
        raise InvalidInputError(f"{field} is too long",
                                [{"field": field, "message": f"at most {limit} characters"}])
    return value


def require_distinct(debit: str, credit: str) -> None:
    """A movement moves points between two different accounts. Raises InvalidInputError."""
    if debit == credit:
        raise InvalidInputError("a movement needs two different accounts",
                                [{"field": "credit", "message": "same as the debited account"}])
