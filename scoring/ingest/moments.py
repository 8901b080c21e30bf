"""Dates and timestamps from text, vectorised.

Dates are ``YYYY-MM-DD`` or ``YYYY/MM/DD`` (a midnight time after them is tolerated, because
Excel and the CSV it saves write date cells as ``2025-10-12 00:00:00``).

Timestamps are ISO 8601 with or without an offset: ``2025-10-12 14:30``,
``2025-10-12T14:30:00``, ``2025-10-12T14:30:00.5+08:00``, ``...Z``, ``2025/10/12 14:30``, or a
date alone (local midnight). Without an offset the time is local time in the configured zone.
They become ``Datetime("us", "UTC")``. A local time that does not exist or is ambiguous in the
zone (a daylight-saving change) is a problem of the row, never a guess: the pay of a survey
depends on the month it falls in.

The common shape ``YYYY-MM-DD HH:MM:SS`` goes through polars' fixed-format fast path; only the
other cells reach the general pattern (the rest are null for it, which costs nothing).

With ``raw`` (the untrimmed cell, see ``validate.py``) the conversion also makes the trimmed
text itself: a cell of the exact shape ``YYYY-MM-DDTHH:MM:SS`` or ``YYYY-MM-DD HH:MM:SS`` has
nothing to trim and is parsed straight from the cell (the ``T`` shape by its own format, which
gives what the general pattern gives: ``tests/test_ingest_fast.py``); only the other cells are
trimmed and go the way above.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl

from scoring.ingest.columns import text_column, work_column
from scoring.ingest.conversion import (
    Check,
    Conversion,
    invalid_when_unparsed,
    only_where,
    unread_text,
)
from scoring.period import FIRST_YEAR, LAST_YEAR

_DATE_PATTERN = (
    r"^[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}(?:(?:[Tt]|[ ]+)0{1,2}:00(?::00(?:\.0{1,9})?)?)?$"
)
_FAST = "%Y-%m-%d %H:%M:%S"
#: The two shapes a system export writes; such a cell has no space to trim.
_STRICT_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}$"
_TIMESTAMP_PATTERN = (
    r"^(?<y>[0-9]{4})[-/](?<mo>[0-9]{1,2})[-/](?<d>[0-9]{1,2})"
    r"(?:(?:[Tt]|[ ]+)(?<h>[0-9]{1,2}):(?<mi>[0-9]{2})(?::(?<s>[0-9]{2})(?<f>\.[0-9]{1,6})?)?"
    r"[ ]*(?<z>[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?)?$"
)

DATE_REASON = "日期格式无效,应为 YYYY-MM-DD / invalid date, expected YYYY-MM-DD"
TIMESTAMP_REASON = (
    "时间格式无效,应为 YYYY-MM-DD HH:MM[:SS],可带时差如 +08:00 / "
    "invalid timestamp, expected ISO 8601 such as 2025-10-12 14:30 or 2025-10-12T14:30:00+08:00"
)


def out_of_range_reason() -> str:
    return (
        f"时间须在 {FIRST_YEAR}–{LAST_YEAR} 年之间 / a timestamp must fall in the years "
        f"{FIRST_YEAR}–{LAST_YEAR}"
    )


def gap_reason(zone: ZoneInfo) -> str:
    return (
        f"该本地时间在时区 {zone.key} 不存在或有歧义(夏令时切换),请注明时差如 +08:00 / "
        f"local time does not exist or is ambiguous in {zone.key} (daylight-saving change); "
        "add an offset such as +08:00"
    )


def _period_bounds(zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The first and last instants of the periods there can be (local years, see period.py)."""
    first = dt.datetime(FIRST_YEAR, 1, 1, tzinfo=zone).astimezone(dt.UTC)
    last = dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=zone).astimezone(dt.UTC)
    return first, last - dt.timedelta(microseconds=1)


def date_conversion(field: str, text: pl.Expr, output: str) -> Conversion:
    day_text = text.str.replace_all("/", "-", literal=True).str.extract(r"^([0-9-]+)", 1)
    value = (
        pl.when(text.str.contains(_DATE_PATTERN))
        .then(day_text.str.strptime(pl.Date, "%Y-%m-%d", strict=False, cache=False))
        .otherwise(None)
    )
    return Conversion(
        steps=({output: value},),
        checks=(invalid_when_unparsed(field, text, pl.col(output), DATE_REASON),),
    )


def _parse(text: pl.Expr, form: str) -> pl.Expr:
    return text.str.strptime(pl.Datetime("us"), form, strict=False, cache=False)


def timestamp_conversion(
    field: str, text: pl.Expr, output: str, zone: ZoneInfo, *, raw: pl.Expr | None = None
) -> Conversion:
    """Text → UTC instant, through a naive local/offset time and the offset in minutes.

    ``raw``: the untrimmed cell; the conversion then also makes the text column ``text``,
    with the trimmed text of the cells the strict shapes did not read (see ``unread_text``).
    """
    if not zone.key:
        raise ValueError("the zone needs a key (ZoneInfo('Asia/Shanghai'), not from a file)")
    fast = work_column(field, "fast")
    parts = work_column(field, "parts")
    naive = work_column(field, "naive")
    offset = work_column(field, "offset")

    fast_value = _parse(text, _FAST)
    rest = only_where(pl.col(fast).is_null(), text)
    group = pl.col(parts).struct.field
    general_text = pl.concat_str(
        [
            group("y"),
            pl.lit("-"),
            group("mo"),
            pl.lit("-"),
            group("d"),
            pl.lit(" "),
            group("h").fill_null("0"),
            pl.lit(":"),
            group("mi").fill_null("00"),
            pl.lit(":"),
            group("s").fill_null("00"),
            group("f").fill_null(""),
        ]
    )
    general = general_text.str.strptime(
        pl.Datetime("us"), "%Y-%m-%d %H:%M:%S%.f", strict=False, cache=False
    )
    zone_text = group("z").str.replace_all(":", "", literal=True)
    hours = zone_text.str.slice(1, 2).str.to_integer(strict=False)
    minutes = zone_text.str.slice(3, 2).str.to_integer(strict=False).fill_null(0)
    sign = pl.when(zone_text.str.starts_with("-")).then(-1).otherwise(1)
    offset_minutes = (
        pl.when(zone_text.str.to_uppercase() == "Z")
        .then(0)
        .when((hours <= 23) & (minutes <= 59))
        .then(sign * (hours * 60 + minutes))
        .cast(pl.Int64)
    )
    bad_offset = group("z").is_not_null() & offset_minutes.is_null()

    naive_col = pl.col(naive)
    offset_col = pl.col(offset)
    local = naive_col.dt.replace_time_zone(
        zone.key, ambiguous="null", non_existent="null"
    ).dt.convert_time_zone("UTC")
    shifted = naive_col.dt.replace_time_zone("UTC") - pl.duration(minutes=offset_col)
    value = pl.when(offset_col.is_null()).then(local).otherwise(shifted)

    first: tuple[dict[str, pl.Expr], ...] = ({fast: fast_value},)
    exact = work_column(field, "exact") if raw is not None else None
    if raw is not None and exact is not None:
        strict = pl.col(work_column(field, "strict"))
        with_t = strict & raw.str.contains("T", literal=True)
        first = (
            {work_column(field, "strict"): raw.str.contains(_STRICT_PATTERN).fill_null(False)},
            {
                exact: pl.coalesce(
                    _parse(pl.when(with_t).then(raw), "%Y-%m-%dT%H:%M:%S"),
                    _parse(pl.when(strict & ~with_t).then(raw), _FAST),
                )
            },
            {text_column(field): unread_text(raw, exact)},
            # Any other cell is trimmed, then goes the usual way: the fast format, the pattern.
            {fast: pl.coalesce(exact, fast_value)},
        )
    return Conversion(
        read=exact,
        steps=(
            *first,
            {parts: rest.str.extract_groups(_TIMESTAMP_PATTERN)},
            {
                naive: pl.coalesce(pl.col(fast), pl.when(~bad_offset).then(general)),
                offset: offset_minutes,
            },
            {output: value.cast(pl.Datetime("us", "UTC"))},
        ),
        checks=(
            invalid_when_unparsed(field, text, naive_col, TIMESTAMP_REASON),
            Check(field, naive_col.is_not_null() & pl.col(output).is_null(), gap_reason(zone)),
            # Every timestamp names the period of its event: outside the periods that exist
            # it would break whatever lists the months of the data.
            Check(field, ~pl.col(output).is_between(*_period_bounds(zone)), out_of_range_reason()),
        ),
    )
