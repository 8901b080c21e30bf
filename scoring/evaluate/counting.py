"""Which surveys count (REFERENCE_PLAN.md, "What counts"), and the events of a period."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import polars as pl

from scoring.evaluate.inputs import SOURCE_TABLES, Inputs
from scoring.order import KeyRanks, sort_key
from scoring.period import Period
from scoring.rules.spec import Plan


def in_period(column: str, period: Period, zone: ZoneInfo) -> pl.Expr:
    """True where the timestamp ``column`` falls in ``period`` (a month in ``zone``)."""
    col = pl.col(column)
    start = pl.lit(period.start(zone)).dt.cast_time_unit("us")
    end = pl.lit(period.end(zone)).dt.cast_time_unit("us")
    return col.is_not_null() & (col >= start) & (col < end)


def survey_status(plan: Plan, inputs: Inputs) -> pl.LazyFrame:
    """Every known survey and whether it counts.

    Counted: its job is completed and ``completed_at <= surveyed_at <= completed_at + window``,
    and among such surveys of the job it is the latest (tie: greatest survey_id) — or the
    earliest, if the plan says so. Others get a reason: ``job_not_completed``,
    ``outside_window`` or ``superseded``. ``_order`` (Int128) sorts the surveys by time, then
    by survey_id in text order.
    """
    window = pl.duration(days=plan.counting.survey_window_days, time_unit="us")
    completed = inputs.jobs.select("job_id", pl.col("completed_at").alias("_completed_at"))
    # The latest survey of a job is the greatest (time, survey_id): one integer per survey
    # packs both (time, then the id's rank in text order), so that one aggregation finds it.
    frame = inputs.surveys.collect()
    ranks = KeyRanks.of({"surveys": frame}).keys(frame, "survey_id", "surveys")
    order = sort_key(pl.col("surveyed_at").to_physical(), pl.lit(ranks)).alias("_order")
    surveys = (
        frame.lazy()
        .select("survey_id", "job_id", "surveyed_at", order)
        .join(completed, on="job_id", how="left")
    )
    at, done = pl.col("surveyed_at"), pl.col("_completed_at")
    in_window = done.is_not_null() & at.is_not_null() & (at >= done) & (at <= done + window)
    latest = plan.counting.one_survey_per_job == "latest"
    best = pl.col("_order").max() if latest else pl.col("_order").min()
    winners = surveys.filter(in_window).group_by("job_id").agg(best.alias("_winner"))
    reason = (
        pl.when(done.is_null())
        .then(pl.lit("job_not_completed"))
        .when(~in_window)
        .then(pl.lit("outside_window"))
        .when(pl.col("_order") != pl.col("_winner"))
        .then(pl.lit("superseded"))
        .otherwise(pl.lit(None, pl.String))
    )
    return (
        surveys.join(winners, on="job_id", how="left")
        .with_columns(reason.alias("reason"))
        .select(
            "survey_id",
            "job_id",
            "surveyed_at",
            pl.col("reason").is_null().alias("counted"),
            "reason",
            "_order",
        )
    )


def period_events(
    plan: Plan, inputs: Inputs, status: pl.LazyFrame, period: Period, zone: ZoneInfo
) -> dict[str, pl.LazyFrame]:
    """The events of each source that belong to ``period`` (surveys: counted ones only)."""
    events: dict[str, pl.LazyFrame] = {}
    for source, table in SOURCE_TABLES.items():
        frame = inputs.table(table)
        stamp = plan.sources.of(source).period_by
        frame = frame.filter(in_period(stamp, period, zone))
        if source == "survey":
            counted = status.filter(pl.col("counted")).select("survey_id")
            frame = frame.join(counted, on="survey_id", how="semi")
        events[source] = frame
    return events
