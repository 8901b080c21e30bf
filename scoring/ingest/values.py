"""Cell text → typed value, per kind of field, as vectorised conversions with their checks.

Every cell has already been trimmed, with an empty cell as null; a null is never a value
problem here (a missing required value is checked by the row rules).

Fast paths: given the untrimmed cell (``raw``), the conversions of enums, scores, booleans and
integers first read the cell exactly as written (a system export writes ``install``, ``5``,
``true``); such a cell has nothing to trim, and only the other cells are trimmed and go the
general way. Both give the same value (each fast path accepts only what the general path maps
to the same value; ``tests/test_ingest_fast.py`` compares them).
"""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

import polars as pl

from scoring.entities import SCORE_LABELS, Field, Kind
from scoring.ingest.columns import text_column, work_column
from scoring.ingest.conversion import Check, Conversion, invalid_when_unparsed, unread_text
from scoring.ingest.moments import date_conversion, timestamp_conversion
from scoring.ingest.shares import shares_conversion
from scoring.ingest.text import string_conversion
from scoring.ingest.yuan import money_conversion

SCORE_REASON = (
    "评分须为1–5的整数或满意度标签(非常满意、满意、一般、不满意、非常不满意)/ "
    "score must be an integer 1–5 or a satisfaction label"
)
BOOL_REASON = (
    "须为 是/否、true/false、yes/no、y/n、1/0 / must be one of true/false, yes/no, y/n, 1/0, 是/否"
)
INT_REASON = "须为非负整数 / must be a non-negative integer"

#: The largest value of each integer field. Promised working days: about a year of working
#: days; a larger promise is a typo, and would ask the working-day calendar for years it does
#: not know, failing the compute of the whole month for one row.
MAX_INT: dict[str, int] = {"promised_days": 250}


def int_too_large(limit: int) -> str:
    return f"不能大于 {limit} / must be at most {limit}"


#: Accepted spellings of booleans, compared in lower case.
BOOLEANS: dict[str, bool] = {
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
    "1": True,
    "0": False,
    "是": True,
    "否": False,
}


def enum_reason(field: Field) -> str:
    zh = "、".join(f"{value}({label})" for value, label in field.labels.items())
    en = ", ".join(field.labels)
    return f"取值须为以下之一:{zh} / must be one of: {en}"


def conversion_for(field: Field, zone: ZoneInfo, *, raw: pl.Expr | None = None) -> Conversion:
    """The conversion of ``field`` from its text column to its typed column ``field.column``.

    ``Kind.SHARES`` also leaves working columns for the job_installers rows (``shares.py``).
    ``raw``: the untrimmed cell, for the kinds with a fast path (``Conversion.read``
    tells whether the conversion then makes the text column itself).
    """
    text = pl.col(text_column(field.name))
    out = field.column
    match field.kind:
        case Kind.STRING:
            return string_conversion(field, text)
        case Kind.SHARES:
            return shares_conversion(field.name, text, out)
        case Kind.MONEY:
            return money_conversion(field.name, text, out)
        case Kind.DATE:
            return date_conversion(field.name, text, out)
        case Kind.TIMESTAMP:
            return timestamp_conversion(field.name, text, out, zone, raw=raw)
        case Kind.ENUM:
            # Fast path: a stored value as written (each is its own lower-case spelling).
            values = list(field.labels)
            exact: pl.Expr | None = None
            if raw is not None:
                exact = pl.when(raw.is_in(values)).then(raw)
            return _lookup(
                field,
                text,
                _enum_spellings(field),
                pl.String(),
                enum_reason(field),
                raw=raw,
                exact=exact,
            )
        case Kind.SCORE:
            # Also "5.0": a number cell written by a program that keeps floats.
            scores = {str(n): n for n in range(1, 6)}
            scores |= {label: int(value) for value, label in SCORE_LABELS.items()}
            # Fast path: one digit 1–5 as written.
            exact = None
            if raw is not None:
                digit = pl.when(raw.str.len_bytes() == 1).then(raw.str.to_integer(strict=False))
                exact = pl.when(digit.is_between(1, 5)).then(digit).cast(pl.Int8)
            return _lookup(
                field,
                text.str.replace(r"^([1-5])\.0+$", "${1}"),
                scores,
                pl.Int8(),
                SCORE_REASON,
                shown=text,
                raw=raw,
                exact=exact,
            )
        case Kind.BOOL:
            # Fast path: "true" or "false" as written.
            exact = None
            if raw is not None:
                exact = pl.when(raw == "true").then(True).when(raw == "false").then(False)
            return _lookup(
                field,
                text.str.to_lowercase(),
                BOOLEANS,
                pl.Boolean(),
                BOOL_REASON,
                shown=text,
                raw=raw,
                exact=exact,
            )
        case Kind.INT:
            return _integer(field, text, raw)
    raise AssertionError(f"no conversion for {field.kind}")  # pragma: no cover


def _exact(field: Field) -> str:
    """The working column of a fast path: the value of the cell read exactly as written."""
    return work_column(field.name, "exact")


def _integer(field: Field, text: pl.Expr, raw: pl.Expr | None) -> Conversion:
    digits = text.str.replace(r"^([0-9]{1,18})(?:\.0+)?$", "${1}")
    value = pl.when(digits.str.contains(r"^[0-9]{1,18}$")).then(digits.str.to_integer(strict=False))
    checks: tuple[Check, ...] = (
        invalid_when_unparsed(field.name, text, pl.col(field.column), INT_REASON),
    )
    limit = MAX_INT.get(field.name)
    if limit is not None:
        checks += (Check(field.name, pl.col(field.column) > limit, int_too_large(limit)),)
    exact = None
    if raw is not None:
        # Fast path: plain digits, at most 18 of them (to_integer also takes a sign: not here).
        number = raw.str.to_integer(strict=False)
        plain = (
            number.is_not_null()
            & (raw.str.len_bytes() <= 18)
            & ~raw.str.starts_with("+")
            & ~raw.str.starts_with("-")
        )
        exact = pl.when(plain).then(number)
    return _fast_or_general(field, value.cast(pl.Int64), checks, raw=raw, exact=exact)


def _enum_spellings(field: Field) -> dict[str, str]:
    """English values in any case and the Chinese labels, each to the stored value."""
    spellings: dict[str, str] = {}
    for value, label in field.labels.items():
        spellings[label.lower()] = value
    for value in field.labels:
        spellings[value.lower()] = value
    return spellings


def _lookup(
    field: Field,
    key: pl.Expr,
    table: Mapping[str, object],
    dtype: pl.DataType,
    reason: str,
    *,
    shown: pl.Expr | None = None,
    raw: pl.Expr | None = None,
    exact: pl.Expr | None = None,
) -> Conversion:
    """Look the key of a cell up in ``table``; first ``exact``, the fast path, if given.

    ``exact``: the value of the commonest cells read straight from the untrimmed cell ``raw``, null
    for the others; it must give what the table gives (each such cell is a key of the table
    that is its own key: lower case, no ``.0``, no space around it).
    """
    text = shown if shown is not None else key
    lookup_key = key
    if field.kind is Kind.ENUM:
        lookup_key = key.str.to_lowercase()
    value = lookup_key.replace_strict(table, default=None, return_dtype=dtype)
    checks = (invalid_when_unparsed(field.name, text, pl.col(field.column), reason),)
    return _fast_or_general(field, value, checks, raw=raw, exact=exact)


def _fast_or_general(
    field: Field,
    value: pl.Expr,
    checks: tuple[Check, ...],
    *,
    raw: pl.Expr | None,
    exact: pl.Expr | None,
) -> Conversion:
    """``value`` (the general way) into the field's column; with a fast path, ``exact`` first:
    read from the untrimmed cell ``raw``, and only the cells it did not read are trimmed."""
    out = field.column
    if raw is None or exact is None:
        return Conversion(steps=({out: value},), checks=checks)
    return Conversion(
        steps=(
            {_exact(field): exact},
            {text_column(field.name): unread_text(raw, _exact(field))},
            {out: pl.coalesce(pl.col(_exact(field)), value)},
        ),
        checks=checks,
        read=_exact(field),
    )


__all__ = ["BOOLEANS", "Check", "Conversion", "conversion_for"]
