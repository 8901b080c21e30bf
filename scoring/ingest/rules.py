"""Row rules across fields: what is certainly wrong whatever the plan says.

Only contradictions are rules here: a job completed before it was created, an appointment window
that ends before it starts, an installer who left before joining, a complaint resolved before it
was received, a complaint reported to headquarters (``escalated_at``) but marked not escalated
(a given ``escalated_at`` also completes a blank ``escalated``: :func:`implied_values`).
Anything that might be legitimate (a job registered after the visit, so arrived before created)
is left to the plan.
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
    NotBefore(
        "complaints",
        "escalated_at",
        "received_at",
        "上报时间早于受理时间 / escalated_at is before received_at",
    ),
)


@dataclass(frozen=True)
class Implies:
    """A given ``when_given`` means the Boolean ``flag`` is true: a blank flag is set to true,
    a ``false`` flag contradicts it and the row is rejected."""

    entity: str
    when_given: str
    flag: str
    reason: str


IMPLIED: tuple[Implies, ...] = (
    Implies(
        "complaints",
        "escalated_at",
        "escalated",
        "填写了上报时间但上报总部为否 / escalated_at is given but escalated is false",
    ),
)


def implied_values(entity: Entity) -> dict[str, pl.Expr]:
    """The flags of ``entity`` that a given value implies: column → its completed value."""
    out: dict[str, pl.Expr] = {}
    for rule in IMPLIED:
        if rule.entity == entity.name:
            flag = pl.col(entity.field(rule.flag).column)
            given = pl.col(entity.field(rule.when_given).column).is_not_null()
            out[rule.flag] = pl.when(flag.is_null() & given).then(True).otherwise(flag)
    return out


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
    for implied in IMPLIED:
        if implied.entity == entity.name:
            flag = pl.col(entity.field(implied.flag).column)
            given = pl.col(entity.field(implied.when_given).column).is_not_null()
            checks.append(Check(implied.flag, given & ~flag, implied.reason))
    return checks
