"""What a computation produces: the shapes every stage after evaluation agrees on.

Money columns are Int64 fen and end in ``_fen``; the payroll export formats them as yuan.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import reduce
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

#: The money columns of a statement, in STATEMENTS_SCHEMA order.
STATEMENT_MONEY_COLUMNS = tuple(name for name in STATEMENTS_SCHEMA if name.endswith("_fen"))


@dataclass(frozen=True)
class KindTotal:
    """A statement money column that totals an installer's lines of one ``kind``: the sum of
    those lines times ``sign``, the sign they carry (a deduction column shows a positive sum
    of negative lines)."""

    column: str
    kind: str
    sign: int


#: Every line kind and its statement column. The other two money columns follow from these:
#: ``deduction_fen`` (before the cap minus waived by it) and ``net_fen`` (the sum of all the
#: lines).
KIND_TOTALS = (
    KindTotal("bonus_fen", "bonus", 1),
    KindTotal("deduction_before_cap_fen", "deduction", -1),
    KindTotal("deduction_waived_by_cap_fen", "cap", 1),
    KindTotal("grievance_allowance_fen", "allowance", 1),
    KindTotal("prior_period_adjustment_fen", "adjustment", 1),
    KindTotal("manual_adjustment_fen", "manual", 1),
)
#: The sign of the amount of each line kind.
KIND_SIGNS = {total.kind: total.sign for total in KIND_TOTALS}


def kind_sums() -> list[pl.Expr]:
    """Aggregations over an installer's lines: each KIND_TOTALS column (Int64)."""
    amount = pl.col("amount_fen")
    return [
        (amount.filter(pl.col("kind") == total.kind).sum() * total.sign)
        .cast(pl.Int64)
        .alias(total.column)
        for total in KIND_TOTALS
    ]


def deduction_after_cap() -> pl.Expr:
    """``deduction_fen`` of a statement from its totals."""
    return pl.col("deduction_before_cap_fen") - pl.col("deduction_waived_by_cap_fen")


def net_of_totals() -> pl.Expr:
    """``net_fen`` of a statement from its totals and ``deduction_fen``: what its lines add up
    to (bonus - deduction + allowance + adjustments)."""
    in_deduction = ("deduction", "cap")
    terms = [pl.col(t.column) * t.sign for t in KIND_TOTALS if t.kind not in in_deduction]
    return reduce(operator.add, terms) - pl.col("deduction_fen")


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
