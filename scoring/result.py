"""What a computation produces: the shapes every stage after evaluation agrees on.

Money columns are Int64 fen and end in ``_fen``; the payroll export formats them as yuan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

LINE_KINDS = ("bonus", "deduction", "cap", "allowance", "adjustment", "manual")
LINE_SOURCES = ("survey", "revisit", "complaint", "job", "period", "manual")

#: Every amount behind a statement. Signed: bonuses and allowances positive, deductions
#: negative, a cap line positive (the part of the deductions it waives).
LINES_SCHEMA = pl.Schema(
    [
        ("period", pl.String()),
        ("installer_id", pl.String()),
        ("rule_id", pl.String()),
        ("kind", pl.String()),
        ("amount_fen", pl.Int64()),
        ("source", pl.String()),
        ("source_id", pl.String()),
        ("job_id", pl.String()),
        ("corrects_period", pl.String()),
        ("explanation_zh", pl.String()),
        ("explanation_en", pl.String()),
    ]
)

#: One row per installer with any line or any counted survey in the period.
#: ``rating_num / rating_den`` is the exact Bayesian rating; ``rating`` its half-up 3-decimal text.
STATEMENTS_SCHEMA = pl.Schema(
    [
        ("period", pl.String()),
        ("installer_id", pl.String()),
        ("name", pl.String()),
        ("team_id", pl.String()),
        ("team_name", pl.String()),
        ("dealer_id", pl.String()),
        ("employment", pl.String()),
        ("surveys", pl.Int64()),
        ("rating_num", pl.Int64()),
        ("rating_den", pl.Int64()),
        ("rating", pl.String()),
        ("grade", pl.String()),
        ("bonus_fen", pl.Int64()),
        ("deduction_before_cap_fen", pl.Int64()),
        ("deduction_waived_by_cap_fen", pl.Int64()),
        ("deduction_fen", pl.Int64()),
        ("grievance_allowance_fen", pl.Int64()),
        ("prior_period_adjustment_fen", pl.Int64()),
        ("manual_adjustment_fen", pl.Int64()),
        ("net_fen", pl.Int64()),
    ]
)

#: The money columns of a statement, in the payroll sheet's order (fen).
STATEMENT_MONEY_COLUMNS = tuple(name for name in STATEMENTS_SCHEMA if name.endswith("_fen"))

#: Surveys of the period and whether they count: reason is null when counted, else
#: ``superseded``, ``outside_window`` or ``job_not_completed``.
SURVEY_STATUS_SCHEMA = pl.Schema(
    [
        ("survey_id", pl.String()),
        ("job_id", pl.String()),
        ("surveyed_at", pl.Datetime("us", "UTC")),
        ("counted", pl.Boolean()),
        ("reason", pl.String()),
    ]
)


@dataclass(frozen=True)
class Result:
    """A computed period: the lines, the statements built from them, the team ranking.

    Frozen: a result may be shared between threads and requests; a changed copy is made with
    ``dataclasses.replace``."""

    period: str
    lines: pl.DataFrame
    statements: pl.DataFrame
    ranking: pl.DataFrame
    surveys: pl.DataFrame
    about: Mapping[str, Any] = field(default_factory=dict)
    draft: bool = True


def as_schema(schema: Mapping[str, pl.DataType]) -> list[pl.Expr]:
    """The columns of ``schema``, in its order and cast to its types: a select list."""
    return [pl.col(name).cast(dtype) for name, dtype in schema.items()]
