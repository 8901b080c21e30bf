"""Problems as a polars frame first, Problem objects last.

A file of three million rows may have problems in any number of them; the checks are polars
expressions, their hits are gathered into one frame (row, column, value, reason), and only the
rows of that frame become :class:`~scoring.errors.Problem` objects. File-level problems (a
missing column) have a null row and apply to every row.
"""

from __future__ import annotations

import polars as pl

from scoring.errors import Problem
from scoring.ingest.model import ROW

#: Column of a problem frame holding the order of the check that found it (stable sorting).
ORDER = "_order"

#: The most characters of a cell a problem shows.
SHOWN_VALUE = 200

PROBLEM_SCHEMA = pl.Schema(
    [
        (ROW, pl.Int64()),
        ("column", pl.String()),
        ("value", pl.String()),
        ("reason", pl.String()),
        (ORDER, pl.Int64()),
    ]
)


def empty_problems() -> pl.DataFrame:
    return pl.DataFrame(schema=PROBLEM_SCHEMA)


def problem_frame(
    rows: pl.Expr,
    *,
    column: str | None,
    value: pl.Expr | None,
    reason: str | pl.Expr,
    order: int,
) -> list[pl.Expr]:
    """The select list that turns filtered rows into problem rows (see ``PROBLEM_SCHEMA``)."""
    return [
        rows.cast(pl.Int64).alias(ROW),
        pl.lit(column, pl.String()).alias("column"),
        # A problem shows the start of a long value; the rejects file keeps all of it.
        (value if value is not None else pl.lit(None, pl.String()))
        .cast(pl.String)
        .str.slice(0, SHOWN_VALUE)
        .alias("value"),
        (pl.lit(reason) if isinstance(reason, str) else reason).cast(pl.String).alias("reason"),
        pl.lit(order, pl.Int64()).alias(ORDER),
    ]


def file_problem(reason: str, *, column: str | None = None, order: int = 0) -> pl.DataFrame:
    """A problem of the whole file (no row), for example a missing required column."""
    return pl.DataFrame(
        {ROW: [None], "column": [column], "value": [None], "reason": [reason], ORDER: [order]},
        schema=PROBLEM_SCHEMA,
    )


def combine(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """All problems of a file, file-level first, then by row and by the order of the checks."""
    if not frames:
        return empty_problems()
    together = pl.concat([f.select(PROBLEM_SCHEMA.names()) for f in frames], how="vertical")
    return together.sort([ROW, ORDER, "column"], nulls_last=False, maintain_order=True)


def to_problems(frame: pl.DataFrame, *, source: str, sheet: str | None) -> list[Problem]:
    """Problem objects for the rows of a problem frame (only problem rows reach Python)."""
    return [
        Problem(source=source, sheet=sheet, row=row, column=column, value=value, reason=reason)
        for row, column, value, reason in frame.select(ROW, "column", "value", "reason").iter_rows()
    ]
