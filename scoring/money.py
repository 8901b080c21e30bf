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


def decimal_of(value: object) -> Decimal:
    """A number written in a plan (text, int, Decimal, float) as an exact Decimal.

    A float is read as it prints (``0.1`` is ``Decimal("0.1")``); true/false, NaN and infinity
    are refused with a :class:`MoneyError`.
    """
    if isinstance(value, bool):
        raise MoneyError("需要数字 / a number is needed, not true/false")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise MoneyError(f"不是数字 / not a number: {value!r}") from None
    else:
        raise MoneyError(f"需要数字 / a number is needed, not {type(value).__name__}")
    if not number.is_finite():
        raise MoneyError(f"不是有限数 / not a finite number: {value!r}")
    return number


def to_fen(value: object) -> int:
    """An amount of a plan in yuan (text as :func:`parse_yuan` reads it, int, Decimal, a float
    of at most two decimals) as integer fen, never negative; a :class:`MoneyError` otherwise."""
    if isinstance(value, str):
        fen = parse_yuan(value)
    else:
        scaled = decimal_of(value) * FEN_PER_YUAN
        if scaled != scaled.to_integral_value():
            raise MoneyError(f"金额最多两位小数 / at most two decimals: {value}")
        fen = int(scaled)
    if fen < 0:
        raise MoneyError(
            "金额不能为负,扣款请用 kind: deduction / an amount is never negative; "
            "use kind: deduction"
        )
    return fen


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
