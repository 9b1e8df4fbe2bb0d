"""Money is ``Decimal`` end to end, with one rounding rule, and two-place strings on the wire."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: Decimal | int | str) -> Decimal:
    """Quantize to cents with ROUND_HALF_UP (the one rounding rule). Floats are refused: they are not money."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a Decimal, int or string")
    if isinstance(value, bool):
        raise TypeError("money must not be a bool")
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation as e:
        raise ValueError(f"not an amount of money: {value!r}") from e
    if not d.is_finite():
        raise ValueError(f"not an amount of money: {value!r}")
    try:
        return d.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as e:  # more digits than the decimal context holds
        raise ValueError(f"not an amount of money (too large): {value!r}") from e


def format_money(value: Decimal) -> str:
    """``Decimal('1234.5')`` → ``'1234.50'`` (no sign, no separators: the wire format)."""
    return f"{to_money(value):.2f}"


def _validate(value: object) -> Decimal:
    if isinstance(value, (Decimal, int, str)):
        return to_money(value)
    raise TypeError(f"money must be a Decimal, int or string, not {type(value).__name__}")


#: Pydantic field type for money: validates to a two-place Decimal, serializes to ``"1234.50"``.
Money = Annotated[
    Decimal,
    BeforeValidator(_validate),
    PlainSerializer(format_money, return_type=str, when_used="always"),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$"}),
]
