"""The lines in their order and the statements built from them (the "statements" stage).

A statement's money columns are the sums of the installer's lines by kind
(``result.KIND_TOTALS``), so that its ``net_fen`` is exactly the sum of its lines.
"""

from __future__ import annotations

import polars as pl

from scoring.evaluate.explanations import TEXT_INDEX
from scoring.evaluate.ids import CODED_LINE_COLUMNS
from scoring.evaluate.inputs import SOURCE_TABLES, Inputs
from scoring.order import LAST, KeyRanks, sort_key
from scoring.period import Period
from scoring.result import (
    KIND_TOTALS,
    LINES_SCHEMA,
    STATEMENTS_SCHEMA,
    as_schema,
    deduction_after_cap,
    kind_sums,
    net_of_totals,
)


def ordered_lines(lines: pl.DataFrame, ranks: KeyRanks) -> pl.LazyFrame:
    """The computed lines by installer, rule, job and source id (ids in text order)."""
    ids = lines.select("installer_id", "_seq", "job_id", "source", "source_id")
    installer = ranks.keys(ids, "installer_id", "installers")
    job = ranks.keys(ids, "job_id", "jobs")
    # A line's rule (_seq) fixes its source: sources never mix under one rule.
    source = ranks.keys_by_source(ids, "source_id", "source", SOURCE_TABLES)
    # installer and _seq in the first part, an Int64: a rank (null: last) is below 2**32,
    # and a rule number below 2**31.
    rank = pl.lit(installer).fill_null(LAST).cast(pl.Int64)
    first = rank * 2**31 + pl.col("_seq")
    order = ids.select(sort_key(first, pl.lit(job), pl.lit(source))).to_series()
    del ids, installer, job, source
    keyed = lines.lazy().with_columns(pl.lit(order).alias("_order"))
    return keyed.sort("_order", nulls_last=True)


def with_prior(
    lines: pl.LazyFrame, prior: pl.DataFrame | None, id_type: pl.DataType
) -> pl.LazyFrame:
    """The computed lines (in their order), then the prior adjustment/manual lines, in
    LINES_SCHEMA order (ids and CODED_LINE_COLUMNS of ``id_type``: the engine's)."""
    parts = [lines.select(*LINES_SCHEMA, "_seq", TEXT_INDEX, "share_text")]
    if prior is not None and prior.height:
        coded = ("installer_id", "job_id", *CODED_LINE_COLUMNS)
        types = {**LINES_SCHEMA, **dict.fromkeys(coded, id_type)}
        parts.append(prior.lazy().select(as_schema(types)))
    return pl.concat(parts, how="diagonal")


def build_statements(
    period: Period,
    lines: pl.LazyFrame,
    rated: pl.LazyFrame,
    inputs: Inputs,
    unrated: str,
) -> pl.LazyFrame:
    """One row per installer with any line or any counted survey (STATEMENTS_SCHEMA)."""
    sums = lines.group_by("installer_id").agg(kind_sums())
    rated_cols = rated.select(
        "installer_id", "surveys", "rating_num", "rating_den", "rating", "grade"
    )
    people = pl.concat(
        [lines.select("installer_id"), rated.select("installer_id")], how="vertical"
    ).unique()
    teams = inputs.teams.select("team_id", pl.col("name").alias("team_name"), "dealer_id")
    installers = inputs.installers.select("installer_id", "name", "team_id", "employment")
    frame = (
        people.join(installers, on="installer_id", how="left")
        .join(teams, on="team_id", how="left")
        .join(rated_cols, on="installer_id", how="left")
        .join(sums, on="installer_id", how="left")
        .with_columns(
            pl.lit(period.name).alias("period"),
            pl.col("surveys").fill_null(0).cast(pl.Int64),
            pl.col("grade").fill_null(unrated),
            pl.col([total.column for total in KIND_TOTALS]).fill_null(0),
        )
        .with_columns(deduction_after_cap().alias("deduction_fen"))
        .with_columns(net_of_totals().alias("net_fen"))
    )
    return frame.select(as_schema(STATEMENTS_SCHEMA)).sort("installer_id")
