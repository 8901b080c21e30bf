"""Per-installer counts over the period's events (the plan's ``measures``)."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from scoring.evaluate.event_rules import CompiledSource
from scoring.evaluate.inputs import SOURCE_IDS
from scoring.rules.spec import Plan


def attributed(
    frame: pl.LazyFrame, mode: str, shares: pl.LazyFrame, id_column: str
) -> pl.LazyFrame:
    """(event id, installer_id) pairs: every installer of the job, or the charged one when set."""
    everyone = frame.select(pl.col(id_column).alias("_event"), "job_id").join(
        shares.select("job_id", "installer_id"), on="job_id", how="inner"
    )
    if mode != "charged_installer":
        return everyone.select("_event", "installer_id")
    charged = frame.filter(pl.col("installer_id").is_not_null()).select(
        pl.col(id_column).alias("_event"), "installer_id"
    )
    uncharged = (
        frame.filter(pl.col("installer_id").is_null())
        .select(pl.col(id_column).alias("_event"), "job_id")
        .join(shares.select("job_id", "installer_id"), on="job_id", how="inner")
    )
    return pl.concat([charged, uncharged.select("_event", "installer_id")], how="vertical")


def measure_values(
    plan: Plan,
    compiled: Mapping[str, CompiledSource],
    prepared: Mapping[str, pl.LazyFrame],
    shares: pl.LazyFrame,
) -> pl.LazyFrame:
    """``installer_id`` and one ``measure:<name>`` count per measure of the plan (no row for
    a plan without measures)."""
    result: pl.LazyFrame | None = None
    for name, measure in plan.measures.items():
        where = compiled[measure.count].measures[name]
        id_column = SOURCE_IDS[measure.count]
        events = prepared[measure.count].filter(where)
        pairs = attributed(events, measure.to, shares, id_column).unique()
        counts = pairs.group_by("installer_id").agg(
            pl.len().cast(pl.Int64).alias(f"measure:{name}")
        )
        result = (
            counts
            if result is None
            else result.join(counts, on="installer_id", how="full", coalesce=True)
        )
    if result is not None:
        return result
    return pl.LazyFrame(schema={"installer_id": shares.collect_schema()["installer_id"]})
