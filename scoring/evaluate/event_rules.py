"""Per-event rules: a line per (rule, event) that hits, then split to the job's installers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from scoring.evaluate.amounts import amount_exprs, sign_of_kind
from scoring.evaluate.explanations import TEXT_INDEX, event_segments
from scoring.evaluate.inputs import SOURCE_IDS, SOURCE_TABLES
from scoring.period import Period
from scoring.rules.compile import Env, Needs
from scoring.rules.compiled import CompiledPlan
from scoring.rules.spec import EventRule
from scoring.split import split_amounts


@dataclass
class CompiledSource:
    """The rules and measures over one source as polars expressions, and the columns they
    need."""

    source: str
    needs: Needs
    rules: list[tuple[int, EventRule, pl.Expr, pl.Expr, pl.Expr, dict[str, pl.Expr]]]
    measures: dict[str, pl.Expr]


def compile_sources(plan: CompiledPlan, env: Env, period: Period) -> dict[str, CompiledSource]:
    """Every per-event rule and measure of ``plan`` as expressions, grouped by source; the
    explanations' per-event segments as ``plan.layouts`` says."""
    out: dict[str, CompiledSource] = {}
    for source in SOURCE_TABLES:
        out[source] = CompiledSource(source, Needs(), [], {})
    for compiled in plan.rules:
        rule = compiled.rule
        assert isinstance(rule, EventRule)
        found = out[rule.source]
        hit = compiled.when.expr(env, found.needs)
        fen, kind = amount_exprs(compiled.amount, compiled.when.scope, found.needs)
        texts = event_segments(compiled, found.needs, env, period, plan)
        found.rules.append((compiled.seq, rule, hit, fen, kind, texts))
    for name, where in plan.measures.items():
        found = out[plan.spec.measures[name].count]
        found.measures[name] = where.expr(env, found.needs)
    return out


def event_lines(
    compiled: Mapping[str, CompiledSource],
    prepared: Mapping[str, pl.LazyFrame],
    period: Period,
) -> pl.LazyFrame:
    """One row per (rule, event) that hits, before the split: the event's whole amount."""
    # The events' id type (String, or the Categorical of encode_ids) for typed nulls.
    id_type = prepared["job"].collect_schema()["job_id"]
    frames: list[pl.LazyFrame] = []
    for source, comp in compiled.items():
        if not comp.rules:
            continue
        frame = prepared[source]
        id_column = SOURCE_IDS[source]
        for seq, rule, hit, fen, kind, texts in comp.rules:
            charged = (
                pl.col("installer_id")
                if rule.split == "charged_installer"
                else pl.lit(None, id_type)
            )
            base = frame.with_columns(
                pl.when(hit).then(fen).alias("amount_fen"), kind.alias("kind")
            ).filter(pl.col("amount_fen").is_not_null() & (pl.col("amount_fen") != 0))
            frames.append(
                base.select(
                    pl.lit(seq, dtype=pl.Int32).alias("_seq"),
                    pl.lit(period.name).cast(id_type).alias("period"),
                    pl.lit(rule.id).cast(id_type).alias("rule_id"),
                    pl.col("kind").cast(id_type),
                    pl.col("amount_fen"),
                    pl.lit(source).cast(id_type).alias("source"),
                    pl.col(id_column).cast(id_type).alias("source_id"),
                    pl.col("job_id"),
                    charged.cast(id_type).alias("_charged"),
                    *[text.alias(name) for name, text in texts.items()],
                )
            )
    if not frames:
        return pl.LazyFrame(schema=_pre_split_schema(id_type))
    return pl.concat(frames, how="vertical")


def _pre_split_schema(id_type: pl.DataType) -> pl.Schema:
    """The columns of event_lines (ids of ``id_type``), for a plan without per-event rules
    (and so without explanation segments)."""
    return pl.Schema(
        [
            ("_seq", pl.Int32()),
            ("period", id_type),
            ("rule_id", id_type),
            ("kind", id_type),
            ("amount_fen", pl.Int64()),
            ("source", id_type),
            ("source_id", id_type),
            ("job_id", id_type),
            ("_charged", id_type),
        ]
    )


def split_lines(pre: pl.LazyFrame, shares: pl.LazyFrame) -> pl.LazyFrame:
    """Event amounts → installer lines: charged to one installer, or split by the job's shares.

    An event charged to one installer, or on a job with a single installer holding the whole
    share, goes to that installer unchanged; only the others go through ``split_amounts``
    (with the shares of their jobs only), which is exact but does far more work per row.
    ``pre`` are event lines without their texts (see ``explanations.event_texts``); the result
    keeps their ``_text`` and adds ``share_text`` for ``explanations.explain_lines``.
    """
    whole = (pl.col("share_den") > 0) & (pl.col("share_num") == pl.col("share_den"))
    sole = (
        shares.group_by("job_id")
        .agg(
            pl.len().alias("_n"),
            pl.col("installer_id").first().alias("_sole"),
            whole.all().alias("_whole"),
        )
        .filter((pl.col("_n") == 1) & pl.col("_whole"))
        .select("job_id", "_sole")
    )
    # Both branches below read ``routed``: collected once here, since polars 2.1 would compute
    # it once per branch (measured on the national month: split 10 s CPU → about 4 s).
    routed = pre.join(sole, on="job_id", how="left").collect().lazy()
    alone = pl.col("_charged").is_not_null() | pl.col("_sole").is_not_null()
    direct = routed.filter(alone).with_columns(
        pl.coalesce("_charged", "_sole").alias("installer_id"),
        pl.lit("100%").alias("share_text"),
    )
    to_split = routed.filter(~alone).drop("_charged", "_sole")
    their_shares = shares.join(to_split.select("job_id").unique(), on="job_id", how="semi")
    shared = split_amounts(to_split, their_shares, by=["rule_id", "source", "source_id", "job_id"])
    columns = [
        "_seq",
        "period",
        "installer_id",
        "rule_id",
        "kind",
        "amount_fen",
        "source",
        "source_id",
        "job_id",
        TEXT_INDEX,
        "share_text",
    ]
    both = pl.concat([direct.select(columns), shared.select(columns)], how="vertical")
    sign = sign_of_kind()
    return both.with_columns(
        (pl.col("amount_fen") * sign).alias("amount_fen"),
        pl.lit(None, pl.String).alias("corrects_period"),
    )
