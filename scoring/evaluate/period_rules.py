"""Per-installer values of a period (rating, grade, measures) and the per-period rules."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import polars as pl

from scoring.evaluate.amounts import amount_exprs, sign_of_kind
from scoring.evaluate.explanations import TemplateValues, kind_text, rule_title
from scoring.evaluate.inputs import Inputs
from scoring.money import yuan_text_expr
from scoring.period import Period
from scoring.rating import rate_installers
from scoring.result import LINES_SCHEMA
from scoring.rules.compile import Env, Needs
from scoring.rules.compiled import CompiledPlan
from scoring.rules.spec import Plan


def counted_rows(
    events: Mapping[str, pl.LazyFrame], shares: pl.LazyFrame, score: str
) -> pl.LazyFrame:
    """One row per (counted survey, installer of its job): survey_id, installer_id, overall."""
    return (
        events["survey"]
        .filter(pl.col(score).is_not_null())
        .select("survey_id", "job_id", pl.col(score).cast(pl.Int64).alias("overall"))
        .join(shares.select("job_id", "installer_id"), on="job_id", how="inner")
        .select("survey_id", "installer_id", "overall")
    )


def ratings(plan: Plan, counted: pl.LazyFrame) -> pl.LazyFrame:
    spec = plan.rating
    return rate_installers(
        counted,
        m=spec.m,
        min_surveys=spec.min_surveys,
        grades=[(g.grade, Fraction(g.at_least)) for g in spec.grades],
        unrated=spec.unrated,
    )


def installer_period(
    plan: Plan,
    inputs: Inputs,
    rated: pl.LazyFrame,
    measures: pl.LazyFrame | None,
    event_installers: pl.LazyFrame,
) -> pl.LazyFrame:
    """One row per installer known or involved in the period, with rating, grade and measures."""
    ids = pl.concat(
        [
            inputs.installers.select("installer_id"),
            event_installers.select("installer_id"),
            rated.select("installer_id"),
            *([measures.select("installer_id")] if measures is not None else []),
        ],
        how="vertical",
    ).unique()
    frame = (
        ids.join(inputs.installers, on="installer_id", how="left")
        .join(
            rated.select("installer_id", "surveys", "rating_num", "rating_den", "rating", "grade"),
            on="installer_id",
            how="left",
        )
        .with_columns(
            pl.col("surveys").fill_null(0),
            pl.col("grade").fill_null(plan.rating.unrated),
        )
    )
    if measures is not None:
        frame = frame.join(measures, on="installer_id", how="left")
    names = [f"measure:{n}" for n in plan.measures]
    if names:
        frame = frame.with_columns(pl.col(names).fill_null(0))
    return frame


def period_lines(
    plan: CompiledPlan, people: pl.LazyFrame, env: Env, period: Period
) -> pl.LazyFrame:
    """Lines of the per-installer, per-period rules (grade bonus, clean month, ...)."""
    id_type = people.collect_schema()["installer_id"]
    frames: list[pl.LazyFrame] = []
    for compiled in plan.period_rules:
        rule = compiled.rule
        needs = Needs()
        hit = compiled.when.expr(env, needs)
        fen, kind = amount_exprs(compiled.amount, plan.installer_scope, needs)
        specials = {
            lang: {
                "rule_id": pl.lit(rule.id),
                "rule": pl.lit(rule_title(rule, lang)),
                "kind": kind_text(pl.col("kind"), lang),
                "installer_id": pl.col("installer_id").cast(pl.String),
                "period": pl.lit(period.name),
                "amount": yuan_text_expr(pl.col("amount_fen")),
            }
            for lang in ("zh", "en")
        }
        values = TemplateValues(
            env.zone_name, plan.installer_scope, specials, plan.spec.parameters, needs
        )
        base = people.with_columns(
            pl.when(hit).then(fen).alias("amount_fen"), kind.alias("kind")
        ).filter(pl.col("amount_fen").is_not_null() & (pl.col("amount_fen") != 0))
        sign = sign_of_kind()
        frames.append(
            base.select(
                pl.lit(compiled.seq, dtype=pl.Int32).alias("_seq"),
                pl.lit(period.name).alias("period"),
                "installer_id",
                pl.lit(rule.id).alias("rule_id"),
                "kind",
                (pl.col("amount_fen") * sign).alias("amount_fen"),
                pl.lit("period").alias("source"),
                pl.lit(period.name).alias("source_id"),
                pl.lit(None, id_type).alias("job_id"),
                pl.lit(None, pl.String).alias("corrects_period"),
                values.render(compiled.explain["zh"], "zh").alias("explanation_zh"),
                values.render(compiled.explain["en"], "en").alias("explanation_en"),
            )
        )
    if not frames:
        return pl.LazyFrame(schema=pl.Schema([("_seq", pl.Int32()), *LINES_SCHEMA.items()]))
    return pl.concat(frames, how="vertical")
