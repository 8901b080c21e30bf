"""Money: integer fen everywhere; the only module that touches Decimal.

金额一律以整数"分"保存与计算;只有本模块使用 Decimal 做解析与格式化。
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import polars as pl

from scoring.errors import InputError

FEN_PER_YUAN = 100


class MoneyError(ValueError):
    """A text that is not a CNY amount with at most two decimals."""


#: The largest amount accepted anywhere (99,999,999.99 yuan): far above any month's pay, and
#: small enough that sums over millions of lines stay exact in Int64 fen and in an Excel cell.
MAX_FEN = 10**10 - 1

#: An unsigned number: ASCII digits, thousands groups of three only in valid places, an
#: optional ``.`` with at most two decimals (more only when they are zeros: ``5200.000``).
_NUMBER = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2}0*)?"
#: The one money grammar (Python ``re`` and polars' regex read it alike). Either a leading
#: ``¥``/``￥`` with the sign before or after it (Excel shows ``¥-1,234.00``), or a sign and a
#: trailing ``元``; spaces only between the mark and the number. ``p1``/``p2``: the sign and
#: mark, ``n1``/``n2``: the number, in the one branch that matched.
MONEY_PATTERN = (
    rf"^(?:(?P<p1>[+-]?[¥￥]|[¥￥][+-]) *(?P<n1>{_NUMBER})|(?P<p2>[+-]?)(?P<n2>{_NUMBER}) *元?)$"
)
_MONEY = re.compile(MONEY_PATTERN)
#: The white space around an amount that is ignored (Unicode White_Space, as polars strips it).
SPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
#: At most this much of a refused text is shown in its message.
_SHOWN = 40

#: Reasons an amount is refused, zh-CN first.
EMPTY = "金额为空 / empty amount"
NOT_AN_AMOUNT = (
    "不是金额:金额须为最多两位小数的数字,如 5200、5,200.50、¥5200 或 5200元 / "
    "not an amount: amount must be a number with at most two decimals, "
    "e.g. 5200, 5,200.50, ¥5200 or 5200元"
)
DIGITS = "金额只能使用 0–9 的数字 / an amount uses the digits 0–9 only"
DECIMAL_COMMA = (
    "小数点请用 '.',逗号只用作千位分隔符(如 5,200.50)/ "
    "use '.' for decimals; ',' only separates thousands (e.g. 5,200.50)"
)
GROUPS = (
    "千位分隔符位置不对,应每三位一个逗号(如 1,234,567.50)/ "
    "thousands separators in the wrong places: one ',' every three digits (e.g. 1,234,567.50)"
)
DECIMALS = "金额最多两位小数 / at most two decimals"
EXPONENT = "金额不能用科学计数法 / no exponent notation in an amount"
UNDERSCORE = "金额不能含下划线 / no underscores in an amount"
TOO_LARGE = (
    f"金额超出范围,绝对值最大 {MAX_FEN // 100:,}.{MAX_FEN % 100:02d} / "
    f"amount out of range: at most {MAX_FEN // 100:,}.{MAX_FEN % 100:02d} either way"
)


def money_reason(text: str) -> str:
    """Why ``text`` is not an amount (for a text :func:`parse_yuan` refuses)."""
    cleaned = text.strip(SPACE)
    if not cleaned:
        return EMPTY
    if any(ch.isdigit() and not "0" <= ch <= "9" for ch in cleaned):
        return DIGITS
    if "_" in cleaned:
        return UNDERSCORE
    number = cleaned.strip("+-¥￥元 ")
    if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+", number):
        return EXPONENT
    if re.fullmatch(r"[0-9]+,[0-9]{1,2}", number):
        return DECIMAL_COMMA
    if re.fullmatch(r"[0-9,]+(?:\.[0-9]+)?", number) and "," in number:
        return DECIMALS if _MONEY.fullmatch(re.sub(r"\.[0-9]+$", "", cleaned)) else GROUPS
    if re.fullmatch(r"[0-9]+\.[0-9]{3,}", number):
        return DECIMALS
    if _MONEY.fullmatch(cleaned):
        return TOO_LARGE
    return NOT_AN_AMOUNT


def parse_yuan(text: str) -> int:
    """Parse a CNY amount such as ``5200``, ``5,200.50``, ``¥-12.30`` or ``12元`` into fen.

    The one grammar (:data:`MONEY_PATTERN`): ASCII digits, thousands groups only in valid
    places, at most two decimals, an optional leading ``¥``/``￥`` or trailing ``元``, an
    optional sign; surrounding white space is ignored, the magnitude is at most
    :data:`MAX_FEN`. Anything else (``5200,50``, ``1,2,3``, ``1_000``, ``٣٠٠``, ``１２``,
    ``1e3``) is a :class:`MoneyError` with the reason, never a guess.
    """
    match = _MONEY.fullmatch(text.strip(SPACE))
    if match is None:
        raise MoneyError(f"{money_reason(text)}: {shown(text)}")
    prefix = match.group("p1") or match.group("p2") or ""
    number = (match.group("n1") or match.group("n2")).replace(",", "")
    whole, _, fraction = number.partition(".")
    if len(whole) > 12:
        raise MoneyError(f"{TOO_LARGE}: {shown(text)}")
    fen = int(whole) * FEN_PER_YUAN + int(fraction[:2].ljust(2, "0"))
    if fen > MAX_FEN:
        raise MoneyError(f"{TOO_LARGE}: {shown(text)}")
    return -fen if "-" in prefix else fen


def shown(text: str) -> str:
    """A refused text as a message shows it: quoted, and cut short when long."""
    if len(text) <= _SHOWN:
        return repr(text)
    return f"{text[:_SHOWN]!r}…({len(text):,} 个字符 / characters)"


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


def format_fen(fen: int, *, grouped: bool = False) -> str:
    """Format integer fen as yuan with two decimals: ``-1234`` → ``"-12.34"``; ``grouped``
    puts a comma between thousands, as people read it: ``123450`` → ``"1,234.50"``."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{whole:,}.{part:02d}" if grouped else f"{sign}{whole}.{part:02d}"


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
