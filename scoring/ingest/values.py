"""Cell text → typed value, per kind of field, as vectorised conversions with their checks.

Every cell has already been trimmed, with an empty cell as null; a null is never a value
problem here (a missing required value is checked by the row rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

import polars as pl

from scoring.entities import SCORE_LABELS, Field, Kind
from scoring.ingest.columns import text_column
from scoring.ingest.conversion import Check, Conversion, invalid_when_unparsed
from scoring.ingest.moments import date_conversion, timestamp_conversion
from scoring.ingest.shares import shares_conversion
from scoring.ingest.yuan import money_conversion

SCORE_REASON = (
    "评分须为1–5的整数或满意度标签(非常满意、满意、一般、不满意、非常不满意)/ "
    "score must be an integer 1–5 or a satisfaction label"
)
BOOL_REASON = (
    "须为 是/否、true/false、yes/no、y/n、1/0 / must be one of true/false, yes/no, y/n, 1/0, 是/否"
)
INT_REASON = "须为非负整数 / must be a non-negative integer"

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


def conversion_for(field: Field, zone: ZoneInfo) -> Conversion:
    """The conversion of ``field`` from its text column to its typed column ``field.column``.

    ``Kind.SHARES`` also leaves working columns for the job_installers rows (``shares.py``).
    """
    text = pl.col(text_column(field.name))
    out = field.column
    match field.kind:
        case Kind.STRING:
            return Conversion(steps=({out: text},))
        case Kind.SHARES:
            return shares_conversion(field.name, text, out)
        case Kind.MONEY:
            return money_conversion(field.name, text, out)
        case Kind.DATE:
            return date_conversion(field.name, text, out)
        case Kind.TIMESTAMP:
            return timestamp_conversion(field.name, text, out, zone)
        case Kind.ENUM:
            return _lookup(field, text, _enum_spellings(field), pl.String(), enum_reason(field))
        case Kind.SCORE:
            # Also "5.0": a number cell written by a program that keeps floats.
            scores = {str(n): n for n in range(1, 6)}
            scores |= {label: int(value) for value, label in SCORE_LABELS.items()}
            normal = text.str.replace(r"^([1-5])\.0+$", "${1}")
            return _lookup(field, normal, scores, pl.Int8(), SCORE_REASON, shown=text)
        case Kind.BOOL:
            return _lookup(
                field, text.str.to_lowercase(), BOOLEANS, pl.Boolean(), BOOL_REASON, shown=text
            )
        case Kind.INT:
            digits = text.str.replace(r"^([0-9]{1,18})(?:\.0+)?$", "${1}")
            value = pl.when(digits.str.contains(r"^[0-9]{1,18}$")).then(
                digits.str.to_integer(strict=False)
            )
            return Conversion(
                steps=({out: value.cast(pl.Int64)},),
                checks=(invalid_when_unparsed(field.name, text, pl.col(out), INT_REASON),),
            )
    raise AssertionError(f"no conversion for {field.kind}")  # pragma: no cover


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
) -> Conversion:
    lookup_key = key.str.to_lowercase() if field.kind is Kind.ENUM else key
    value = lookup_key.replace_strict(table, default=None, return_dtype=dtype)
    out = field.column
    text = shown if shown is not None else key
    return Conversion(
        steps=({out: value},),
        checks=(invalid_when_unparsed(field.name, text, pl.col(out), reason),),
    )


__all__ = ["BOOLEANS", "Check", "Conversion", "conversion_for"]
