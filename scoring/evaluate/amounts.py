"""A rule's amount and kind for each row (fixed, or looked up by a field), and the sign of
each kind of line."""

from __future__ import annotations

import polars as pl

from scoring.result import KIND_SIGNS
from scoring.rules.amounts import Resolved
from scoring.rules.compile import Needs
from scoring.rules.scope import Scope
from scoring.rules.types import Ty


def sign_of_kind() -> pl.Expr:
    """+1 or -1 by the line's ``kind`` (KIND_SIGNS): deductions are negative amounts.

    A comparison, not a lookup per row: ``kind`` may be coded (ids.CODED_LINE_COLUMNS).
    """
    negative = [kind for kind, sign in KIND_SIGNS.items() if sign < 0]
    return pl.when(pl.col("kind").is_in(negative)).then(pl.lit(-1, pl.Int64)).otherwise(1)


def _key(value: str, ty: Ty) -> object:
    if ty is Ty.INT:
        return int(value)
    if ty is Ty.BOOL:
        return value.lower() == "true"
    return value


def amount_exprs(resolved: Resolved, scope: Scope, needs: Needs) -> tuple[pl.Expr, pl.Expr]:
    """(fen, kind) of a rule for each row: fixed, or looked up by a field's value."""
    if resolved.fixed is not None or resolved.by is None:
        return pl.lit(resolved.fixed, dtype=pl.Int64), pl.lit(resolved.kind, dtype=pl.String)
    by = resolved.by
    info = scope.job.fields[by[4:]] if by.startswith("job.") and scope.job else scope.fields[by]
    needs.columns.add(info.column)
    column = pl.col(info.column)
    keys = {_key(k, info.ty): v for k, v in resolved.table.items()}
    default_fen = resolved.default[0] if resolved.default else None
    default_kind = resolved.default[1] if resolved.default else resolved.kind
    fen = column.replace_strict(
        {k: v[0] for k, v in keys.items()}, default=default_fen, return_dtype=pl.Int64
    )
    kind = column.replace_strict(
        {k: v[1] for k, v in keys.items()}, default=default_kind, return_dtype=pl.String
    )
    return fen, kind
