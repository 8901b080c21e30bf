"""The four sheets of a payroll workbook, built from a checked :class:`Result`.

Pure functions: frames in, :class:`Sheet` values out. Rows keep the order the engine gave.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time
from typing import Any

import polars as pl

from payroll_export.columns import (
    ABOUT_COLUMNS,
    KIND_DTYPES,
    LINES_COLUMNS,
    PAYROLL_COLUMNS,
    RANKING_ZH,
    CellKind,
    Column,
    Sheet,
    frame_column,
)

FEN_SUFFIX = "_fen"


def _spec_sheet(
    name: str,
    frame: pl.DataFrame,
    spec: tuple[tuple[str, Column], ...],
    *,
    cell_refs: bool = True,
) -> Sheet:
    """The sheet of the (frame column, Column) pairs of ``spec``, each cast to its kind's dtype."""
    selected = frame.select(
        pl.col(source).cast(KIND_DTYPES[column.kind]).alias(frame_column(index))
        for index, (source, column) in enumerate(spec)
    )
    return Sheet(name, selected, tuple(column for _, column in spec), cell_refs=cell_refs)


def payroll_sheet(statements: pl.DataFrame) -> Sheet:
    """One row per installer; money as yuan, ``rating`` its three-decimal text."""
    return _spec_sheet("payroll", statements, PAYROLL_COLUMNS)


def lines_sheet(lines: pl.DataFrame) -> Sheet:
    """Every amount behind the payroll sheet, signed."""
    return _spec_sheet("lines", lines, LINES_COLUMNS, cell_refs=False)


def _ranking_column(ranking: pl.DataFrame, name: str) -> tuple[Column, pl.Expr]:
    """How a ranking column is written: money, number, decimal text, boolean or text."""
    dtype = ranking.schema[name]
    source = pl.col(name)
    if name.endswith(FEN_SUFFIX) and dtype.is_integer():
        shown = name.removesuffix(FEN_SUFFIX)
        return Column(shown, RANKING_ZH.get(shown, shown), CellKind.MONEY), source.cast(pl.Int64)
    zh = RANKING_ZH.get(name, name)
    if dtype.is_integer():
        return Column(name, zh, CellKind.INTEGER, 10), source.cast(pl.Int64)
    if dtype.is_float():
        return Column(name, zh, CellKind.NUMBER, 10), source.cast(pl.Float64)
    if dtype == pl.Boolean:
        return Column(name, zh, CellKind.BOOLEAN, 8), source
    if dtype.is_nested() or isinstance(dtype, pl.Object):
        as_json = source.map_batches(_json_texts, return_dtype=pl.String)
        return Column(name, zh, CellKind.TEXT, 24), as_json
    text = source.cast(pl.String)
    places = decimal_places(ranking[name].cast(pl.String)) if dtype == pl.String else None
    if places is not None:
        return Column(name, zh, CellKind.DECIMAL, 10, places=places), text
    # Strings, temporals, decimals, categoricals: their text, exactly as polars prints it.
    return Column(name, zh, CellKind.TEXT, 14), text


def decimal_places(texts: pl.Series) -> int | None:
    """``k`` when every text is a decimal number with ``k`` places (1 ≤ k ≤ 4), else None."""
    present = texts.drop_nulls()
    if present.is_empty():
        return None
    for places in range(1, 5):
        if present.str.contains(rf"^-?\d{{1,15}}\.\d{{{places}}}$").all():
            return places
    return None


def _json_texts(series: pl.Series) -> pl.Series:
    return pl.Series(
        series.name,
        [None if value is None else _json(value) for value in series.to_list()],
        dtype=pl.String,
    )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def ranking_sheet(ranking: pl.DataFrame) -> Sheet:
    """The ranking as given; ``_fen`` columns become yuan and lose the suffix in the heading."""
    columns: list[Column] = []
    exprs: list[pl.Expr] = []
    for index, name in enumerate(ranking.columns):
        column, expr = _ranking_column(ranking, name)
        columns.append(column)
        exprs.append(expr.alias(frame_column(index)))
    return Sheet("ranking", ranking.select(exprs), tuple(columns))


def about_text(value: Any) -> str | None:
    """A value of ``Result.about`` as the text written in the ``about`` sheet."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
        return _json(items)
    return str(value)


def flatten_about(about: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str | None]]:
    """``{"inputs": {"surveys": {"rows": 3}}}`` → ``("inputs.surveys.rows", "3")``."""
    for key, value in about.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            if value:
                yield from flatten_about(value, f"{name}.")
            else:
                yield name, None
        else:
            yield name, about_text(value)


def about_sheet(period: str, about: Mapping[str, Any], *, draft: bool) -> Sheet:
    """Key/value rows: ``status`` (DRAFT or CLOSED) first, ``period``, then ``about`` flattened.

    The export's own ``status`` replaces any ``status`` key in ``about``, so the sheet always
    agrees with the file name; ``period`` is taken from the result when ``about`` lacks it.
    """
    rows: list[tuple[str, str | None]] = [("status", "DRAFT" if draft else "CLOSED")]
    if "period" not in about:
        rows.append(("period", period))
    rows += [(key, value) for key, value in flatten_about(about) if key != "status"]
    frame = pl.DataFrame(
        {
            frame_column(0): [key for key, _ in rows],
            frame_column(1): [value for _, value in rows],
        },
        schema={frame_column(0): pl.String, frame_column(1): pl.String},
    )
    return Sheet("about", frame, ABOUT_COLUMNS)
