"""Money: integer fen everywhere; the only module that touches Decimal.

金额一律以整数"分"保存与计算;只有本模块使用 Decimal 做解析与格式化。
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import polars as pl

from scoring.errors import InputError

FEN_PER_YUAN = 100


class MoneyError(ValueError):
    """A text that is not a CNY amount with at most two decimals."""


def parse_yuan(text: str) -> int:
    """Parse a CNY amount such as ``5200`` or ``5200.50`` into integer fen.

    Accepts an optional sign, thousands separators (``5,200.50``) and a leading ``¥``/``￥``.
    More than two decimals is an error, never a silent rounding.
    """
    cleaned = text.strip().replace(",", "").replace("，", "")
    for symbol in ("¥", "￥", "元", "CNY", "RMB"):
        cleaned = cleaned.replace(symbol, "")
    cleaned = cleaned.strip()
    if not cleaned:
        raise MoneyError("金额为空 / empty amount")
    if any(ch in cleaned for ch in "eE"):  # 1e3 is not how anyone writes money
        raise MoneyError(f"不是金额 / not an amount: {text!r}")
    try:
        value = Decimal(cleaned)
    except (InvalidOperation, ArithmeticError) as exc:
        raise MoneyError(f"不是金额 / not an amount: {text!r}") from exc
    if not value.is_finite():
        raise MoneyError(f"不是金额 / not an amount: {text!r}")
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise MoneyError(f"金额最多两位小数 / at most two decimals: {text!r}")
    return int(fen)


def parse_amount(text: str) -> int:
    """An amount a person typed (command line, web form) in fen; a bad one is an InputError."""
    try:
        return parse_yuan(text)
    except MoneyError as exc:
        raise InputError(str(exc)) from None


def format_fen(fen: int) -> str:
    """Format integer fen as yuan with two decimals: ``-1234`` → ``"-12.34"``."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole}.{part:02d}"


def fen_to_decimal(fen: int) -> Decimal:
    """Exact yuan as a Decimal, for writers that need a number (Excel cells)."""
    return Decimal(fen) / FEN_PER_YUAN


def yuan_text_expr(column: str | pl.Expr) -> pl.Expr:
    """A polars expression formatting an Int64 fen column as yuan text with two decimals."""
    col = pl.col(column) if isinstance(column, str) else column
    absolute = col.abs()
    text = pl.concat_str(
        [
            pl.when(col < 0).then(pl.lit("-")).otherwise(pl.lit("")),
            (absolute // FEN_PER_YUAN).cast(pl.String),
            pl.lit("."),
            (absolute % FEN_PER_YUAN).cast(pl.String).str.zfill(2),
        ]
    )
    return pl.when(col.is_null()).then(None).otherwise(text)


def split_fen(amount: int, shares: Sequence[tuple[str, Fraction]]) -> dict[str, int]:
    """Split ``amount`` fen by exact ``shares`` so that the parts add up to the whole.

    Each part is the floor of its exact share; the fen left over go one each to the largest
    remainders, ties by key ascending (REFERENCE_PLAN.md, "What counts"). A negative amount is
    split as its absolute value and the sign put back, so a deduction splits like a bonus.
    """
    if not shares:
        raise ValueError("no shares to split by")
    total_share = sum((share for _, share in shares), Fraction(0))
    if total_share != 1:
        raise ValueError(f"shares add up to {total_share}, not 1")
    sign = -1 if amount < 0 else 1
    whole = abs(amount)
    parts: dict[str, int] = {}
    remainders: list[tuple[Fraction, str]] = []
    for key, share in shares:
        exact = whole * share
        floor = exact.numerator // exact.denominator
        parts[key] = floor
        remainders.append((exact - floor, key))
    left = whole - sum(parts.values())
    remainders.sort(key=lambda item: (-item[0], item[1]))
    for _, key in remainders[:left]:
        parts[key] += 1
    return {key: sign * value for key, value in parts.items()}


def round_half_up(value: Fraction, places: int) -> Decimal:
    """Round an exact fraction half-up (away from zero on a tie) to ``places`` decimals.

    Ratings are compared exactly and only shown rounded; the tie is decided on the fraction
    itself, never on an already rounded quotient.
    """
    sign = -1 if value < 0 else 1
    scaled = abs(value) * (10**places)
    floor = scaled.numerator // scaled.denominator
    if scaled - floor >= Fraction(1, 2):
        floor += 1
    return Decimal(sign * floor).scaleb(-places)
