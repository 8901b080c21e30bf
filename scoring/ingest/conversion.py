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


def invalid_when_unparsed(field: str, text: pl.Expr, value: pl.Expr, reason: str) -> Check:
    """The usual check: a non-empty cell that did not convert."""
    return Check(field, text.is_not_null() & value.is_null(), reason)
