"""The events with every column their rules read: job fields, extras, per-job facts."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from scoring.evaluate.inputs import Inputs
from scoring.rules.compile import Aggregate, Needs
from scoring.rules.scope import JOB_RELATIONS


def decode_extras(frame: pl.LazyFrame, extras: Mapping[str, set[str]]) -> pl.LazyFrame:
    """Columns ``<extra column>:<header>`` from the JSON ``extra`` text (unknown input columns)."""
    columns: list[pl.Expr] = []
    for column, headers in extras.items():
        ordered = sorted(headers)
        struct = pl.col(column).str.json_decode(pl.Struct({h: pl.String for h in ordered}))
        columns += [struct.struct.field(h).alias(f"{column}:{h}") for h in ordered]
    return frame.with_columns(columns) if columns else frame


def _aggregate(agg: Aggregate, inputs: Inputs) -> pl.LazyFrame:
    """One per-job fact over all known related records, whatever their period."""
    related = decode_extras(inputs.table(JOB_RELATIONS[agg.relation]), agg.needs.extras)
    condition = agg.condition if agg.condition is not None else pl.lit(True)
    value = condition.any() if agg.op == "any" else condition.sum().cast(pl.Int64)
    return related.group_by("job_id").agg(value.alias(agg.column))


def prepare(source: str, events: pl.LazyFrame, needs: Needs, inputs: Inputs) -> pl.LazyFrame:
    """``events`` of ``source`` with every column ``needs`` names."""
    frame = events
    if source != "job":
        wanted = sorted(c[4:] for c in needs.columns if c.startswith("job."))
        job_extras = {k: v for k, v in needs.extras.items() if k.startswith("job.")}
        if job_extras:
            wanted.append("extra")
        wanted = sorted(set(wanted) - {"job_id"})
        if wanted:
            jobs = inputs.jobs.select("job_id", *[pl.col(c).alias(f"job.{c}") for c in wanted])
            frame = frame.join(jobs, on="job_id", how="left")
        if "job.job_id" in needs.columns:
            frame = frame.with_columns(pl.col("job_id").alias("job.job_id"))
    frame = decode_extras(frame, needs.extras)
    for agg in needs.aggregates.values():
        frame = frame.join(_aggregate(agg, inputs), on="job_id", how="left")
    return frame
