"""Ids from XLSX number cells, read as the text Excel shows or rejected.

An id is text, but Excel stores an id typed as digits as a number. Two things then go wrong
in a reader that renders the number (see :mod:`scoring.ingest.xlsx_extent` for how they are
found):

- a number formatted with leading zeros (``00000``) shows ``00123`` in Excel and would read as
  ``123``: in id and text fields its text is the one Excel shows;
- a number of more than 15 significant digits (or an integer of 16 digits or more) was rounded
  by Excel when it was typed (a 18-digit order number ends in ``000``): in id fields the row is
  rejected with the reason, since no reader can give the id back.

Other fields (scores, money, dates) read numbers as numbers and are left alone.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from scoring.entities import Entity, Kind
from scoring.ingest.headers import HeaderMap
from scoring.ingest.model import ROW
from scoring.ingest.problems import ORDER, PROBLEM_SCHEMA, SHOWN_VALUE, empty_problems
from scoring.ingest.source import TextTable
from scoring.ingest.text import kind_of

ROUNDED = (
    "编号是超过 15 位的数字,Excel 只保留 15 位有效数字,末尾几位已被改动;请把该列设为“文本”格式"
    "后重新输入编号 / the id is a number of more than 15 digits, which Excel has already "
    "rounded (it keeps 15 significant digits); format the column as text and type the ids again"
)


def apply_numbers(
    table: TextTable, layout: HeaderMap, entity: Entity
) -> tuple[TextTable, pl.DataFrame]:
    """``table`` with zero-padded ids as Excel shows them, and a problem frame (rows to reject
    while reading) for the ids Excel had rounded."""
    numbers = table.numbers
    if numbers is None or numbers.height == 0:
        return table, empty_problems()
    order = {f.name: i for i, f in enumerate(entity.fields)}
    text_fields = {
        column: f
        for f in entity.fields
        if f.kind in (Kind.STRING, Kind.SHARES) and (column := layout.fields.get(f.name))
    }
    id_fields = {
        column: f
        for column, f in text_fields.items()
        if f.kind is Kind.SHARES or kind_of(f) == "id"
    }
    frame = table.frame
    shown = numbers.filter(pl.col("shown").is_not_null() & pl.col("column").is_in(text_fields))
    if shown.height:
        # One column of shown texts per column that has any, then taken where given.
        wide = shown.pivot(on="column", index=ROW, values="shown")
        renamed = {c: f"__shown__{c}" for c in wide.columns if c != ROW}
        frame = (
            frame.join(wide.rename(renamed), on=ROW, how="left", maintain_order="left")
            .with_columns(
                pl.coalesce(pl.col(name), pl.col(column)).alias(column)
                for column, name in renamed.items()
            )
            .drop(list(renamed.values()))
        )
    rounded = numbers.filter(pl.col("rounded") & pl.col("column").is_in(id_fields))
    problems = empty_problems()
    if rounded.height:
        header = layout.header_of
        cells = rounded.join(
            frame.unpivot(index=ROW, on=list(id_fields), variable_name="column", value_name="v"),
            on=[ROW, "column"],
            how="left",
        )
        problems = cells.select(
            pl.col(ROW),
            pl.col("column").replace_strict(header, default=pl.col("column")).alias("column"),
            pl.col("v").str.slice(0, SHOWN_VALUE).alias("value"),
            pl.lit(ROUNDED).alias("reason"),
            pl.col("column")
            .replace_strict({c: order[f.name] for c, f in id_fields.items()}, default=0)
            .cast(pl.Int64)
            .alias(ORDER),
        ).select(PROBLEM_SCHEMA.names())
    return replace(table, frame=frame), problems
