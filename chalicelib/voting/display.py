"""Exact amounts as the API shows them (pure): every fraction as ``"n/d"``, with a decimal for
display derived from it. Decimals are rounded so that they never overstate progress: percentages
down, areas still needed up."""
from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Decimal
from fractions import Fraction
from typing import Any

from chalicelib.voting.counting import text

CENT = Decimal("0.01")
MAX_DECIMAL_PLACES = 40


def _decimal(value: Fraction, rounding: str) -> float:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(CENT, rounding=rounding))


def ratio(value: Fraction) -> dict[str, Any]:
    return {"fraction": text(value), "percent": _decimal(value * 100, ROUND_DOWN)}


def area(value: Fraction, needed: bool = False) -> dict[str, Any]:
    return {"m2": _decimal(value, ROUND_UP if needed else ROUND_HALF_EVEN),
            "exact": text(value)}


def decimal_text(value: Fraction) -> str:
    """An area (a sum of decimals) as exact decimal text. Raises ValueError for a fraction
    with no finite decimal expansion."""
    for places in range(MAX_DECIMAL_PLACES):
        scaled = value * 10 ** places
        if scaled.denominator == 1:
            return format(Decimal(scaled.numerator).scaleb(-places), "f")
    raise ValueError(f"{value} is not a decimal")


def fraction_of(decimal: str | Decimal | float | int) -> Fraction:
    """The exact value of a stored decimal (a float as its shortest decimal text)."""
    return Fraction(Decimal(str(decimal)))
