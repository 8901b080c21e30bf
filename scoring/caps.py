"""Deduction caps: a cap is its own positive line that waives the deductions above it.

REFERENCE_PLAN.md, "Caps": employees with a base wage may lose at most a percentage of it and
never go below the local minimum wage (Provisional Regulations on Wage Payment, art. 16);
contractors have a fixed contractual cap. Which cap applies, and its numbers, come from the
plan: the first cap whose condition holds for the installer. A cap never touches bonuses or
allowances: it only looks at, and waives part of, the period's deduction lines.
"""

from __future__ import annotations

from fractions import Fraction

import polars as pl

from scoring.evaluate.explanations import TemplateValues, rule_title
from scoring.money import yuan_text_expr
from scoring.period import Period
from scoring.result import LINES_SCHEMA
from scoring.rules.compile import Env, Needs
from scoring.rules.compiled import CompiledPlan
from scoring.rules.spec import Cap, FixedLimit, Plan
from scoring.rules.vocab import KIND_TEXT

DEDUCTIONS = "_deductions_fen"


def limit_expr(cap: Cap) -> pl.Expr:
    """The cap in fen for each installer row; null when it cannot be known (no base wage)."""
    if isinstance(cap.limit, FixedLimit):
        return pl.lit(cap.limit.fixed, dtype=pl.Int64)
    percent = Fraction(cap.limit.percent_of_base_wage) / 100
    base = pl.col("base_monthly_wage_fen").cast(pl.Int64)
    # floor(base × p/q): exact, in integers, rounded down to the fen.
    share = (base * percent.numerator) // percent.denominator
    if cap.limit.keep_local_min_wage:
        floor_room = base - pl.col("local_min_wage_fen").cast(pl.Int64)
        share = (
            pl.when(floor_room.is_null())
            .then(share)
            .otherwise(pl.min_horizontal(share, floor_room))
        )
    return pl.when(base.is_null()).then(None).otherwise(pl.max_horizontal(share, pl.lit(0)))


def cap_lines(
    plan: CompiledPlan, people: pl.LazyFrame, lines: pl.LazyFrame, env: Env, period: Period
) -> pl.LazyFrame:
    """One ``cap`` line per installer whose period deductions exceed its cap.

    ``people``: one row per installer with the installer fields, rating and measures;
    ``lines``: the period's rule lines (signed). Deductions are the negated sum of the
    ``deduction`` lines; the line waives ``deductions - limit`` when positive.
    """
    if not plan.caps:
        return pl.LazyFrame(schema=_schema())
    deductions = (
        lines.filter(pl.col("kind") == "deduction")
        .group_by("installer_id")
        .agg((-pl.col("amount_fen")).sum().cast(pl.Int64).alias(DEDUCTIONS))
    )
    needs = Needs()
    chosen: pl.Expr = pl.lit(None, dtype=pl.Int32)
    limit: pl.Expr = pl.lit(None, dtype=pl.Int64)
    for index in reversed(range(len(plan.caps))):
        holds = plan.caps[index].when.expr(env, needs)
        chosen = pl.when(holds).then(pl.lit(index, dtype=pl.Int32)).otherwise(chosen)
    for index, compiled in enumerate(plan.caps):
        limit = pl.when(pl.col("_cap") == index).then(limit_expr(compiled.cap)).otherwise(limit)
    waived = pl.col(DEDUCTIONS) - pl.col("_limit")
    id_type = people.collect_schema()["installer_id"]
    frame = (
        people.join(deductions, on="installer_id", how="inner")
        .with_columns(chosen.alias("_cap"))
        .with_columns(limit.alias("_limit"))
        .with_columns(
            pl.when(pl.col("_limit").is_not_null() & (waived > 0)).then(waived).alias("_waived")
        )
        .filter(pl.col("_waived").is_not_null())
    )
    texts = {lang: _explanations(plan, needs, env, period, lang) for lang in ("zh", "en")}
    ids = {index: compiled.cap.id for index, compiled in enumerate(plan.caps)}
    return frame.select(
        pl.lit(plan.cap_seq, dtype=pl.Int32).alias("_seq"),
        pl.lit(period.name).alias("period"),
        "installer_id",
        pl.col("_cap").replace_strict(ids, return_dtype=pl.String).alias("rule_id"),
        pl.lit("cap").alias("kind"),
        pl.col("_waived").alias("amount_fen"),
        pl.lit("period").alias("source"),
        pl.lit(period.name).alias("source_id"),
        pl.lit(None, id_type).alias("job_id"),
        pl.lit(None, pl.String).alias("corrects_period"),
        texts["zh"].alias("explanation_zh"),
        texts["en"].alias("explanation_en"),
    )


CARRY_RULE = "carried_deduction"


def carried_out(plan: Plan, lines: pl.DataFrame) -> pl.DataFrame:
    """The cap lines of a computed period whose cap carries the excess forward:
    (installer_id, amount_fen, period) — what the following period deducts."""
    carrying = [cap.id for cap in plan.caps if cap.above_cap == "carry_forward"]
    return lines.filter((pl.col("kind") == "cap") & pl.col("rule_id").is_in(carrying)).select(
        "installer_id", pl.col("amount_fen").cast(pl.Int64), "period"
    )


def carried_lines(
    period: Period, carried: pl.DataFrame, seq: int, id_type: pl.DataType | None = None
) -> pl.LazyFrame:
    """Deduction lines of ``period`` for amounts carried from the previous period's caps.

    ``id_type``: the dtype of the id columns of the lines they join (default String).
    """
    id_type = id_type or pl.String()
    frame = carried.lazy().filter(pl.col("amount_fen") > 0)
    amount = yuan_text_expr(pl.col("amount_fen"))
    return frame.select(
        pl.lit(seq, dtype=pl.Int32).alias("_seq"),
        pl.lit(period.name).alias("period"),
        pl.col("installer_id").cast(id_type),
        pl.lit(CARRY_RULE).alias("rule_id"),
        pl.lit("deduction").alias("kind"),
        (-pl.col("amount_fen")).cast(pl.Int64).alias("amount_fen"),
        pl.lit("period").alias("source"),
        pl.col("period").cast(pl.String).alias("source_id"),
        pl.lit(None, id_type).alias("job_id"),
        pl.lit(None, pl.String).alias("corrects_period"),
        pl.concat_str(
            [pl.col("period"), pl.lit("期超出扣款上限的"), amount, pl.lit("元结转本期扣除")]
        ).alias("explanation_zh"),
        pl.concat_str(
            [
                pl.lit("deduction of "),
                amount,
                pl.lit(" carried from "),
                pl.col("period"),
                pl.lit(" where it was above the cap"),
            ]
        ).alias("explanation_en"),
    )


def _explanations(plan: CompiledPlan, needs: Needs, env: Env, period: Period, lang: str) -> pl.Expr:
    text: pl.Expr = pl.lit(None, pl.String)
    for index in reversed(range(len(plan.caps))):
        compiled = plan.caps[index]
        cap = compiled.cap
        specials = {
            "rule_id": pl.lit(cap.id),
            "rule": pl.lit(rule_title(cap, lang)),
            "kind": pl.lit(KIND_TEXT[lang]["cap"]),
            "installer_id": pl.col("installer_id").cast(pl.String),
            "period": pl.lit(period.name),
            "amount": yuan_text_expr(pl.col("_waived")),
            "waived": yuan_text_expr(pl.col("_waived")),
            "limit": yuan_text_expr(pl.col("_limit")),
            "deductions": yuan_text_expr(pl.col(DEDUCTIONS)),
        }
        values = TemplateValues(
            env.zone_name, plan.installer_scope, {lang: specials}, plan.spec.parameters, needs
        )
        rendered = values.render(compiled.explain[lang], lang)
        text = pl.when(pl.col("_cap") == index).then(rendered).otherwise(text)
    return text


def _schema() -> pl.Schema:
    return pl.Schema([("_seq", pl.Int32()), *LINES_SCHEMA.items()])
