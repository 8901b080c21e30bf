"""A plan compiled once, when it is loaded: what the engine evaluates.

The plan file says what is paid (:class:`scoring.rules.spec.Plan`); the compiled plan holds it
ready to run: every condition parsed and type-checked into a syntax tree with the scope it
reads, every amount resolved to fen (fixed or a table, derived amounts followed), every
explanation template parsed. The engine only turns these into polars expressions for the zone
and calendar of a run (:meth:`Condition.expr`); it never reads a condition's text again.

:func:`scoring.rules.load.check_bytes` compiles each plan it accepts, with the syntax trees
its check made, and keeps the result with the plan (:func:`compiled`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from scoring.rules import ast
from scoring.rules.amounts import Resolved, resolve
from scoring.rules.compile import CompileError, Compiler, Env, Needs
from scoring.rules.parser import parse
from scoring.rules.scope import Scope, event_scope, installer_scope, relation_scope
from scoring.rules.spec import Cap, EventRule, PeriodRule, Plan, Texts
from scoring.rules.templates import LANGS, Part, TextLayout, parse_template, text_layouts
from scoring.rules.typecheck import check_condition
from scoring.rules.types import Ty

#: Where a condition stands in the plan file, e.g. ``("rules", 3, "when")``.
ConditionPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Condition:
    """A checked condition: its text, its syntax tree and the scope its names come from."""

    text: str
    node: ast.Node
    scope: Scope

    def expr(self, env: Env, needs: Needs) -> pl.Expr:
        """The condition as a polars expression (null counts as false); what it reads from
        outside its row is added to ``needs``."""
        return Compiler(self.scope, env, needs, self.text).condition(self.node)


@dataclass(frozen=True)
class CompiledRule:
    """A per-event or per-period rule: its number (``seq``: per-event rules first, in plan
    order, then per-period rules), its condition, its amount and its parsed templates."""

    rule: EventRule | PeriodRule
    seq: int
    when: Condition
    amount: Resolved
    explain: Mapping[str, list[Part]]  # language → template


@dataclass(frozen=True)
class CompiledCap:
    cap: Cap
    when: Condition
    explain: Mapping[str, list[Part]]


@dataclass(frozen=True)
class CompiledPlan:
    """A valid plan (``spec``, as its file says it), compiled (see the module's docstring)."""

    spec: Plan
    rules: tuple[CompiledRule, ...]
    period_rules: tuple[CompiledRule, ...]
    caps: tuple[CompiledCap, ...]
    measures: Mapping[str, Condition]
    at_fault: Condition
    revisit_reached: Condition
    #: The scope of per-period rules and caps (installer fields, rating, grade, measures).
    installer_scope: Scope
    #: How the per-event explanations are rendered per event and completed per line.
    layouts: Mapping[str, TextLayout]

    @property
    def cap_seq(self) -> int:
        """The rule number of cap lines (and of deductions carried in): after every rule."""
        return len(self.rules) + len(self.period_rules)


def compile_plan(
    plan: Plan, checked: Mapping[ConditionPath, ast.Node] | None = None
) -> CompiledPlan:
    """``plan`` compiled. ``checked``: the syntax trees of its conditions, by place, as the
    plan check parsed and type-checked them; a condition without one is parsed and checked
    here (:class:`CompileError` if it is invalid: only a plan that skipped the check can be)."""
    trees = checked or {}
    params = plan.parameters

    def condition(path: ConditionPath, text: str, scope: Scope) -> Condition:
        node = trees.get(path)
        if node is None:
            node = parse(text)
            errors = check_condition(node, scope)
            if errors:
                raise CompileError("; ".join(error.message for error in errors))
        return Condition(text, node, scope)

    by_id = plan.rules_by_id()
    grades = (*(grade.grade for grade in plan.rating.grades), plan.rating.unrated)
    people = installer_scope(dict.fromkeys(plan.measures, Ty.INT), grades).with_params(params)
    rules = tuple(
        CompiledRule(
            rule,
            seq,
            condition(
                ("rules", seq, "when"), rule.when, event_scope(rule.source).with_params(params)
            ),
            resolve(rule, by_id),
            _templates(rule.explain),
        )
        for seq, rule in enumerate(plan.rules)
    )
    period_rules = tuple(
        CompiledRule(
            rule,
            len(plan.rules) + index,
            condition(("period_rules", index, "when"), rule.when, people),
            resolve(rule, by_id),
            _templates(rule.explain),
        )
        for index, rule in enumerate(plan.period_rules)
    )
    caps = tuple(
        CompiledCap(
            cap, condition(("caps", index, "when"), cap.when, people), _templates(cap.explain)
        )
        for index, cap in enumerate(plan.caps)
    )
    measures = {
        name: condition(
            ("measures", name, "where"),
            measure.where,
            event_scope(measure.count).with_params(params),
        )
        for name, measure in plan.measures.items()
    }
    ranking = plan.ranking
    at_fault = condition(
        ("ranking", "at_fault"),
        ranking.at_fault,
        relation_scope("complaint").with_params(params),
    )
    reached = condition(
        ("ranking", "revisit_reached"),
        ranking.revisit_reached,
        relation_scope("revisit").with_params(params),
    )
    layouts = text_layouts(
        {seq: {"zh": rule.explain.zh, "en": rule.explain.en} for seq, rule in enumerate(plan.rules)}
    )
    return CompiledPlan(
        plan, rules, period_rules, caps, measures, at_fault, reached, people, layouts
    )


def _templates(texts: Texts) -> dict[str, list[Part]]:
    return {lang: parse_template(texts.zh if lang == "zh" else texts.en) for lang in LANGS}


def compiled(plan: Plan | CompiledPlan) -> CompiledPlan:
    """The compiled form of ``plan``: the one its loader made, else compiled now (and kept)."""
    if isinstance(plan, CompiledPlan):
        return plan
    found = plan._compiled
    if not isinstance(found, CompiledPlan):
        found = compile_plan(plan)
        plan._compiled = found
    return found
