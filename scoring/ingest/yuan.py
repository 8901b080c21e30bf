"""Money text to Int64 fen, vectorised, with exactly the grammar of ``money.parse_yuan``.

One regex (:data:`scoring.money.MONEY_PATTERN`) decides, in polars, which cells are amounts and
splits them into sign and number; the fen are computed from the digits. A refused cell gets
the reason :func:`scoring.money.money_reason` gives, computed once per distinct refused text
(on the rows with the problem only). The property test in ``tests/test_ingest_money.py`` checks
this path against ``parse_yuan`` on generated text.
"""

from __future__ import annotations

import polars as pl

from scoring.ingest.conversion import Check, Conversion
from scoring.money import MAX_FEN, MONEY_PATTERN, SPACE, money_reason

NEGATIVE = "金额不能为负 / amount must not be negative"
#: A whole part longer than this is out of range whatever its value (and fits Int64).
_WHOLE_DIGITS = 12


def fen_of(text: pl.Expr) -> pl.Expr:
    """Fen of each amount text, null where the text is not an amount or is out of range."""
    groups = text.str.strip_chars(SPACE).str.extract_groups(MONEY_PATTERN)
    prefix = pl.coalesce(groups.struct.field("p1"), groups.struct.field("p2"))
    number = pl.coalesce(groups.struct.field("n1"), groups.struct.field("n2"))
    digits = number.str.replace_all(",", "", literal=True)
    whole = digits.str.extract(r"^([0-9]+)", 1)
    fraction = digits.str.extract(r"\.([0-9]+)$", 1).fill_null("").str.slice(0, 2)
    cents = fraction.str.pad_end(2, "0").str.to_integer(strict=False)
    short = whole.str.len_bytes() <= _WHOLE_DIGITS
    fen = pl.when(short).then(whole.str.to_integer(strict=False)) * 100 + cents
    signed = pl.when(prefix.str.contains("-", literal=True)).then(-fen).otherwise(fen)
    return pl.when(fen <= MAX_FEN).then(signed).cast(pl.Int64)


def reasons(series: pl.Series) -> pl.Series:
    """The reason each (refused) text is not an amount, once per distinct text."""
    found = {text: money_reason(text) for text in series.drop_nulls().unique().to_list()}
    if not found:
        return pl.Series(series.name, [None] * series.len(), dtype=pl.String)
    return series.replace_strict(found, default=None, return_dtype=pl.String)


def money_conversion(field: str, text: pl.Expr, output: str) -> Conversion:
    """Text ``text`` of money field ``field`` → Int64 fen column ``output``.

    Every money field of the contract is a wage, so a negative amount is a problem too.
    """
    value = pl.col(output)
    refused = text.is_not_null() & value.is_null()
    return Conversion(
        steps=({output: fen_of(text)},),
        checks=(
            Check(field, refused, text.map_batches(reasons, return_dtype=pl.String)),
            Check(field, value < 0, NEGATIVE),
        ),
    )


def to_fen(texts: pl.Series) -> pl.Series:
    """Fen of a text series (null where it is not an amount); the same path as a file column."""
    frame = pl.DataFrame({"text": texts.cast(pl.String)})
    return frame.select(fen_of(pl.col("text")).alias("fen")).to_series()


__all__ = ["NEGATIVE", "fen_of", "money_conversion", "to_fen"]
