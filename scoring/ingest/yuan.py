"""Money text to Int64 fen, vectorised, with exactly the semantics of ``money.parse_yuan``.

The common shapes (``5200``, ``5,200.50``, ``¥5200.5``, ``-12.30 元``) are parsed by polars string
expressions. A cell that does not have such a shape is decided by ``parse_yuan`` itself, once
per distinct text; normally there are none, and a file full of odd amounts still costs one Python
call per distinct text, not per row. So the two can never disagree on what they both accept,
and the property test in ``tests/test_ingest_money.py`` checks the fast path against
``parse_yuan`` on generated text.
"""

from __future__ import annotations

import polars as pl

from scoring.ingest.columns import work_column
from scoring.ingest.conversion import Check, Conversion, invalid_when_unparsed, only_where
from scoring.money import MoneyError, parse_yuan

#: What ``parse_yuan`` removes before reading the number (thousands separators, currency marks).
_NOISE = [",", "，", "¥", "￥", "元", "CNY", "RMB"]
#: Whitespace that both Python's ``str.strip`` and the fast path remove.
_ASCII_SPACE = " \t\n\r\x0b\x0c"
#: A plain decimal: optional sign, at most 16 integer digits (so fen fit in Int64), fraction.
_PLAIN = r"^[+-]?(?:[0-9]{1,16}(?:\.[0-9]*)?|\.[0-9]+)$"
_INT64_MAX = 2**63 - 1

REASON = (
    "金额须为最多两位小数的数字,如 5200 或 5200.50 / "
    "amount must be a number with at most two decimals, e.g. 5200 or 5200.50"
)
NEGATIVE = "金额不能为负 / amount must not be negative"


def clean(text: pl.Expr) -> pl.Expr:
    """What ``parse_yuan`` reads as a number: the text without separators and currency marks."""
    return text.str.replace_many(_NOISE, [""] * len(_NOISE)).str.strip_chars(_ASCII_SPACE)


def fast_fen(cleaned: pl.Expr) -> pl.Expr:
    """Fen of a cleaned plain amount, null for anything else (more than two decimals too)."""
    plain = cleaned.str.contains(_PLAIN)
    negative = cleaned.str.starts_with("-")
    unsigned = cleaned.str.strip_chars_start("+-")
    whole = unsigned.str.extract(r"^([0-9]*)", 1)
    fraction = unsigned.str.extract(r"\.([0-9]*)$", 1).fill_null("").str.strip_chars_end("0")
    cents = fraction.str.pad_end(2, "0")
    whole_fen = whole.str.to_integer(strict=False).fill_null(0) * 100
    fen = whole_fen + cents.str.to_integer(strict=False).fill_null(0)
    signed = pl.when(negative).then(-fen).otherwise(fen)
    return pl.when(plain & (fraction.str.len_chars() <= 2)).then(signed).cast(pl.Int64)


def slow_fen(series: pl.Series) -> pl.Series:
    """Fen by ``parse_yuan`` for the non-null cells of ``series`` (one call per distinct text)."""
    decided: dict[str, int | None] = {}
    for text in series.drop_nulls().unique().to_list():
        try:
            fen: int | None = parse_yuan(text)
        except (MoneyError, ArithmeticError):
            # ArithmeticError: parse_yuan lets decimal.Overflow through for "1e1000000".
            fen = None
        if fen is not None and not -_INT64_MAX <= fen <= _INT64_MAX:
            fen = None
        decided[text] = fen
    if not decided:
        return pl.Series(series.name, [None] * series.len(), dtype=pl.Int64)
    return series.replace_strict(decided, default=None, return_dtype=pl.Int64)


def money_conversion(field: str, text: pl.Expr, output: str) -> Conversion:
    """Text ``text`` of money field ``field`` → Int64 fen column ``output``.

    Every money field of the contract is a wage, so a negative amount is a problem too.
    """
    cleaned = work_column(field, "cleaned")
    fast = work_column(field, "fast")
    fast_col = pl.col(fast)
    leftover = only_where(fast_col.is_null(), text)
    slow = leftover.map_batches(slow_fen, return_dtype=pl.Int64)
    value = pl.col(output)
    return Conversion(
        steps=(
            {cleaned: clean(text)},
            {fast: fast_fen(pl.col(cleaned))},
            {output: pl.coalesce(fast_col, slow)},
        ),
        checks=(
            invalid_when_unparsed(field, text, value, REASON),
            Check(field, value < 0, NEGATIVE),
        ),
    )


def to_fen(texts: pl.Series) -> pl.Series:
    """Fen of a text series (null where it is not an amount); the same path as a file column."""
    conversion = money_conversion("amount", pl.col("text"), "fen")
    frame = pl.DataFrame({"text": texts.cast(pl.String)}).lazy()
    for step in conversion.steps:
        frame = frame.with_columns(**step)
    return frame.select("fen").collect().to_series()
