"""The ``payroll`` sheet as CSV: UTF-8 with a byte-order mark so that Excel shows Chinese.

Money is yuan text with two decimals (``-12.00``) and stays a parseable number; ``rating`` is its
three-decimal text; only text columns (ids, names, codes) are guarded against formula injection,
by a leading single quote (OWASP), and lose any control character. Fields are quoted where CSV
needs it, rows end in CRLF.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from payroll_export.cells import csv_guard, csv_text
from payroll_export.columns import CellKind, Headings, Sheet, frame_column
from scoring.money import yuan_text_expr


def csv_frame(sheet: Sheet, headings: Headings) -> pl.DataFrame:
    """The sheet with every column as the text written to the CSV, under its heading."""
    exprs: list[pl.Expr] = []
    for index, column in enumerate(sheet.columns):
        value = pl.col(frame_column(index))
        if column.kind is CellKind.TEXT:
            text = csv_text(value)
        elif column.kind is CellKind.MONEY:
            text = yuan_text_expr(value)
        elif column.kind is CellKind.BOOLEAN:
            text = pl.when(value).then(pl.lit("true")).otherwise(pl.lit("false"))
        elif column.kind is CellKind.NUMBER:
            shown = value.cast(pl.String)
            text = pl.when(value.is_finite()).then(shown).otherwise(csv_guard(shown))
        else:
            text = value.cast(pl.String)
        exprs.append(pl.when(value.is_null()).then(None).otherwise(text).alias(f"_{index}"))
    frame = sheet.frame.select(exprs) if exprs else pl.DataFrame()
    names = sheet.headings(headings)
    if len(set(names)) != len(names):
        raise AssertionError(f"duplicate headings in {sheet.name}: {names}")
    return frame.rename(dict(zip(frame.columns, names, strict=True)))


def write_csv(path: Path, sheet: Sheet, headings: Headings) -> None:
    csv_frame(sheet, headings).write_csv(
        path, include_bom=True, line_terminator="\r\n", quote_style="necessary"
    )
