"""Amounts of a rule resolved to integer fen: fixed, looked up in a table, or derived.

``complaint_shared`` is "half of ``complaint_upheld``": a derived amount names the other rule and
a factor, and resolves to that rule's table times the factor, which must land on whole fen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from scoring.money import format_fen
from scoring.rules.spec import AmountEntry, AmountTable, DerivedAmount, EventRule, PeriodRule

Rule = EventRule | PeriodRule


class AmountError(ValueError):
    """An amount that cannot be resolved (unknown rule, cycle, not whole fen)."""


@dataclass(frozen=True)
class Resolved:
    """``fixed`` fen, or ``table`` from a value of field ``by`` to (fen, kind)."""

    kind: str
    fixed: int | None = None
    by: str | None = None
    table: Mapping[str, tuple[int, str]] = field(default_factory=dict)
    default: tuple[int, str] | None = None


def resolve(rule: Rule, rules: Mapping[str, Rule], _seen: tuple[str, ...] = ()) -> Resolved:
    amount = rule.amount
    if isinstance(amount, int):
        return Resolved(rule.kind, fixed=amount)
    if isinstance(amount, AmountTable):
        table = {
            key: (value.amount, value.kind or rule.kind)
            if isinstance(value, AmountEntry)
            else (value, rule.kind)
            for key, value in amount.table.items()
        }
        default = (amount.default, rule.kind) if amount.default is not None else None
        return Resolved(rule.kind, by=amount.by, table=table, default=default)
    assert isinstance(amount, DerivedAmount)
    if amount.of in (*_seen, rule.id):
        raise AmountError(
            "金额循环引用 / amounts refer to each other: "
            + " → ".join((*_seen, rule.id, amount.of))
        )
    base_rule = rules.get(amount.of)
    if base_rule is None:
        raise AmountError(f"未知规则 / unknown rule {amount.of!r}")
    base = resolve(base_rule, rules, (*_seen, rule.id))
    factor = amount.factor

    def scaled(fen: int) -> int:
        exact = Fraction(fen) * factor
        if exact.denominator != 1:
            raise AmountError(
                f"{format_fen(fen)} × {factor} 不是整分 / is not a whole number of fen"
            )
        if exact < 0:
            raise AmountError("系数不能为负 / the factor must not be negative")
        return int(exact)

    if base.fixed is not None:
        return Resolved(rule.kind, fixed=scaled(base.fixed))
    table = {key: (scaled(fen), rule.kind) for key, (fen, _kind) in base.table.items()}
    default = (scaled(base.default[0]), rule.kind) if base.default is not None else None
    return Resolved(rule.kind, by=base.by, table=table, default=default)
