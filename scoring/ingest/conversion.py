"""The shape of a vectorised conversion: text column in, typed column and checks out.

A conversion is a few steps of polars expressions (each step may use the columns of the steps
before it, so a costly intermediate is computed once) and Boolean checks that are true on the
rows with a problem. The validation pass runs step k of every field together, so polars can
work on several columns at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Check:
    """Rows where ``bad`` is true have the problem ``reason`` in the cell of ``field``.

    ``reason`` is usually fixed text; an expression may name what it found (evaluated only on
    the rows with the problem).
    """

    field: str
    bad: pl.Expr
    reason: str | pl.Expr


@dataclass(frozen=True)
class Conversion:
    """Steps of named expressions, then the checks (evaluated after the last step).

    ``keep``: working columns needed after the pass (by a reason or by a later stage); the
    others are dropped as soon as the checks are evaluated.
    """

    steps: tuple[dict[str, pl.Expr], ...]
    checks: tuple[Check, ...] = ()
    keep: tuple[str, ...] = ()
    #: A fast path: the working column holding the value of the cells it read straight from
    #: the untrimmed cell (null elsewhere). The steps then make the field's text column
    #: themselves, with the trimmed text of the other cells only (see :func:`unread_text`);
    #: without one, the validation pass makes the text column of every cell first.
    read: str | None = None


def trimmed(cell: pl.Expr) -> pl.Expr:
    """The cell trimmed, an empty cell as null.

    Polars strips twice here (once for the condition): for whole columns, the validation pass
    strips in one step and nulls the empty cells in the next.
    """
    stripped = cell.str.strip_chars()
    return pl.when(stripped.str.len_bytes() > 0).then(stripped)


def unread_text(raw: pl.Expr, read: str) -> pl.Expr:
    """``trimmed(raw)`` of the cells a fast path did not read (column ``read`` is null).

    A cell the fast path read is non-empty, and the checks need no text for it: the value is
    there. The other cells go the general way on this text. When the fast path read every
    non-empty cell, the condition below is false everywhere and polars makes the text a null
    constant: the general way then costs nothing (see :func:`only_where`).
    """
    return trimmed(only_where(pl.col(read).is_null(), raw))


def only_where(condition: pl.Expr, value: pl.Expr) -> pl.Expr:
    """``value`` where ``condition``, null elsewhere, to feed a costly expression few rows need.

    The null cells of ``value`` are left out of ``condition``: when no row is left, polars
    turns the whole column into a null constant, on which any expression is free; a column
    with a single non-null cell costs a pass over every row.
    """
    return pl.when(condition & value.is_not_null()).then(value)


def invalid_when_unparsed(field: str, text: pl.Expr, value: pl.Expr, reason: str) -> Check:
    """The usual check: a non-empty cell that did not convert."""
    return Check(field, text.is_not_null() & value.is_null(), reason)
