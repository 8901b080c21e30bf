"""Row rules across fields: what is certainly wrong whatever the plan says.

Only contradictions are rules here: a job completed before it was created, an appointment window
that ends before it starts, an installer who left before joining, a complaint resolved before it
was received. Anything that might be legitimate (a job registered after the visit, so arrived
before created) is left to the plan.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from scoring.entities import Entity
from scoring.ingest.conversion import Check

REQUIRED = "必填字段为空 / required value is missing"


@dataclass(frozen=True)
class NotBefore:
    """``later`` must not be before ``earlier`` when both are given."""

    entity: str
    later: str
    earlier: str
    reason: str


ORDER_RULES: tuple[NotBefore, ...] = (
    NotBefore(
        "jobs",
        "completed_at",
        "created_at",
        "完工时间早于派单时间 / completed_at is before created_at",
    ),
    NotBefore(
        "jobs",
        "appointment_end",
        "appointment_start",
        "预约结束早于预约开始 / appointment_end is before appointment_start",
    ),
    NotBefore(
        "installers",
        "active_to",
        "active_from",
        "离职日期早于入职日期 / active_to is before active_from",
    ),
    NotBefore(
        "complaints",
        "resolved_at",
        "received_at",
        "处理完成时间早于受理时间 / resolved_at is before received_at",
    ),
)


def row_checks(entity: Entity, filled_of: dict[str, pl.Expr], present: set[str]) -> list[Check]:
    """Required values and order rules of ``entity`` (typed columns are named by the field).

    ``filled_of``: per field, whether the cell is not empty once trimmed. ``present`` are the
    fields that have a column in the file: a required field without one is a file-level
    problem, reported once, not once per row.
    """
    checks = [
        Check(f.name, ~filled_of[f.name], REQUIRED)
        for f in entity.fields
        if f.required and f.name in present
    ]
    for rule in ORDER_RULES:
        if rule.entity == entity.name:
            later = pl.col(entity.field(rule.later).column)
            earlier = pl.col(entity.field(rule.earlier).column)
            checks.append(Check(rule.later, later < earlier, rule.reason))
    return checks
