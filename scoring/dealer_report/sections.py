"""The sections of the dealers' monthly report, as pure functions over frames.

Each ``*_all`` function works on every dealer at once (the records are read once for all the
reports of a month); :func:`for_dealer` then keeps one dealer's rows. Figures are exact: means
and shares are integer fractions rounded half up as text (``scoring.rating``), never floats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from scoring.entities import CATEGORIES, RESPONSIBILITIES
from scoring.evaluate.counting import in_period, survey_status
from scoring.evaluate.inputs import Inputs
from scoring.money import round_half_up
from scoring.period import Period
from scoring.rating import fraction_text_expr
from scoring.rules.spec import Plan
from scoring.words import frequent_terms

#: The survey dimensions of the report, in the order of CONTRACT.md.
DIMENSIONS = ("overall", "attitude", "punctuality", "professionalism", "cleanliness")
#: Where the texts of the word lists come from.
TEXT_SOURCES = ("survey_comment", "complaint_resolution", "revisit_note")
#: Terms per word list.
TOP_TERMS = 15

#: The ranking columns the report shows, in order.
RANKING_COLUMNS = (
    "rank",
    "team_id",
    "team_name",
    "kind",
    "surveys",
    "rating",
    "completed_jobs",
    "complaints_at_fault",
    "complaints_per_100_jobs",
    "revisit_reach_rate",
    "sla_share_met",
    "decided_by",
)


def ranking_frame(rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """Stored ranking rows as a frame with every column the report reads (missing: null)."""
    frame = pl.DataFrame(list(rows), infer_schema_length=None) if rows else pl.DataFrame()
    wanted: dict[str, pl.DataType] = {
        "dealer_id": pl.String(),
        "dealer_name": pl.String(),
        "rank": pl.Int64(),
        "team_id": pl.String(),
        "team_name": pl.String(),
        "kind": pl.String(),
        "surveys": pl.Int64(),
        "rating": pl.String(),
        "rating_num": pl.Int64(),
        "rating_den": pl.Int64(),
        "completed_jobs": pl.Int64(),
        "complaints_at_fault": pl.Int64(),
        "complaints_per_100_jobs": pl.String(),
        "revisit_reach_rate": pl.String(),
        "sla_share_met": pl.String(),
        "sla_as_of": pl.String(),
        "decided_by": pl.String(),
    }
    return frame.select(
        [
            (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in wanted.items()
        ]
    )


def month_over_month(now: pl.DataFrame, before: pl.DataFrame | None) -> pl.DataFrame:
    """Per team of ``now`` (a dealer's ranking): rank, rating and the other figures of the
    previous month beside this month's, the rank change (positive: moved up) and the rating
    change (exact, signed, three decimals)."""
    previous = before if before is not None else ranking_frame([])
    old = previous.select(
        "team_id",
        pl.col("rank").alias("rank_before"),
        pl.col("rating").alias("rating_before"),
        pl.col("rating_num").alias("_num_before"),
        pl.col("rating_den").alias("_den_before"),
        pl.col("surveys").alias("surveys_before"),
        pl.col("complaints_per_100_jobs").alias("complaints_per_100_jobs_before"),
        pl.col("revisit_reach_rate").alias("revisit_reach_rate_before"),
        pl.col("sla_share_met").alias("sla_share_met_before"),
    )
    joined = now.join(old, on="team_id", how="left", maintain_order="left")
    num = pl.col("rating_num").cast(pl.Int128) * pl.col("_den_before").cast(pl.Int128) - pl.col(
        "_num_before"
    ).cast(pl.Int128) * pl.col("rating_den").cast(pl.Int128)
    den = pl.col("rating_den").cast(pl.Int128) * pl.col("_den_before").cast(pl.Int128)
    change = fraction_text_expr(num, den, 3)
    signed = pl.when(num > 0).then(pl.concat_str([pl.lit("+"), change])).otherwise(change)
    return joined.select(
        "team_id",
        "team_name",
        "rank_before",
        "rank",
        (pl.col("rank_before") - pl.col("rank")).alias("rank_change"),
        "rating_before",
        "rating",
        signed.alias("rating_change"),
        "surveys_before",
        "surveys",
        "complaints_per_100_jobs_before",
        "complaints_per_100_jobs",
        "revisit_reach_rate_before",
        "revisit_reach_rate",
        "sla_share_met_before",
        "sla_share_met",
    )


def team_dealers(inputs: Inputs) -> pl.LazyFrame:
    """``installer_id, team_id, team_name, dealer_id`` of every installer with a team."""
    return (
        inputs.installers.select("installer_id", "team_id")
        .join(
            inputs.teams.select("team_id", pl.col("name").alias("team_name"), "dealer_id"),
            on="team_id",
            how="inner",
        )
        .select(
            pl.col("installer_id").cast(pl.String),
            pl.col("team_id").cast(pl.String),
            pl.col("team_name").cast(pl.String),
            pl.col("dealer_id").cast(pl.String),
        )
    )


def _job_teams(inputs: Inputs) -> pl.LazyFrame:
    """``job_id, installer_id, team_id, team_name, dealer_id``: each installer of a job."""
    return inputs.job_installers.select(
        pl.col("job_id").cast(pl.String), pl.col("installer_id").cast(pl.String)
    ).join(team_dealers(inputs), on="installer_id", how="inner")


def complaints_all(inputs: Inputs, period: Period, zone: ZoneInfo) -> pl.DataFrame:
    """``dealer_id, complaint_id, category, responsibility, resolution``: the complaints
    resolved in the period, once per dealer of the installers charged (its ``installer_id``,
    else every installer of the job)."""
    resolved = inputs.complaints.filter(in_period("resolved_at", period, zone)).select(
        pl.col("complaint_id").cast(pl.String),
        pl.col("job_id").cast(pl.String),
        pl.col("installer_id").cast(pl.String),
        pl.col("category").cast(pl.String),
        pl.col("responsibility").cast(pl.String),
        pl.col("resolution").cast(pl.String),
    )
    people = _job_teams(inputs)
    named = resolved.filter(pl.col("installer_id").is_not_null()).join(
        team_dealers(inputs), on="installer_id", how="inner"
    )
    shared = (
        resolved.filter(pl.col("installer_id").is_null())
        .drop("installer_id")
        .join(people.drop("installer_id"), on="job_id", how="inner")
    )
    columns = ["dealer_id", "complaint_id", "category", "responsibility", "resolution"]
    return (
        pl.concat([named.select(columns), shared.select(columns)], how="vertical")
        .unique(subset=["dealer_id", "complaint_id"], keep="any")
        .sort("dealer_id", "complaint_id")
        .collect()
    )


def complaints_matrix(complaints: pl.DataFrame) -> pl.DataFrame:
    """One row per category (every category, in the contract's order) with a count per
    responsibility (verdict) and the total; a last row ``total``."""
    rows: list[dict[str, Any]] = []
    counted: dict[tuple[str, str], int] = {
        (str(c), str(r)): int(n)
        for c, r, n in complaints.group_by("category", "responsibility").len().iter_rows()
    }
    for category in (*CATEGORIES, "total"):
        row: dict[str, Any] = {"category": category}
        for verdict in RESPONSIBILITIES:
            row[verdict] = sum(
                n
                for (c, r), n in counted.items()
                if r == verdict and (category == "total" or c == category)
            )
        row["total"] = sum(row[v] for v in RESPONSIBILITIES)
        rows.append(row)
    schema = {"category": pl.String, **{v: pl.Int64 for v in RESPONSIBILITIES}, "total": pl.Int64}
    return pl.DataFrame(rows, schema=schema)


def surveys_all(plan: Plan, inputs: Inputs, period: Period, zone: ZoneInfo) -> pl.DataFrame:
    """The counted surveys of the period (the plan's counting rules, as the ranking counts
    them), once per team of the job's installers: ``dealer_id, team_id, team_name,
    survey_id`` and the dimensions."""
    counted = (
        survey_status(plan, inputs)
        .filter(pl.col("counted") & in_period("surveyed_at", period, zone))
        .select("survey_id")
    )
    surveys = inputs.surveys.join(counted, on="survey_id", how="semi").select(
        pl.col("survey_id").cast(pl.String),
        pl.col("job_id").cast(pl.String),
        *[pl.col(d).cast(pl.Int64) for d in DIMENSIONS],
        pl.col("promise_kept").cast(pl.Boolean),
    )
    return (
        surveys.join(_job_teams(inputs).drop("installer_id"), on="job_id", how="inner")
        .unique(subset=["team_id", "survey_id"], keep="any")
        .drop("job_id")
        .collect()
    )


def survey_dimensions(surveys: pl.DataFrame, teams: pl.DataFrame) -> pl.DataFrame:
    """Per team of ``teams`` (``team_id, team_name``, in order): counted surveys, the mean of
    each dimension answered (two decimals) and the share of surveys saying the promise was
    kept among those that answered it (percent, one decimal)."""
    stats = surveys.group_by("team_id").agg(
        pl.len().cast(pl.Int64).alias("surveys"),
        *[pl.col(d).sum().cast(pl.Int64).alias(f"_{d}_sum") for d in DIMENSIONS],
        *[pl.col(d).count().cast(pl.Int64).alias(f"_{d}_n") for d in DIMENSIONS],
        pl.col("promise_kept").sum().cast(pl.Int64).alias("_kept"),
        pl.col("promise_kept").count().cast(pl.Int64).alias("_kept_n"),
    )
    joined = teams.select("team_id", "team_name").join(
        stats, on="team_id", how="left", maintain_order="left"
    )
    return joined.select(
        "team_id",
        "team_name",
        pl.col("surveys").fill_null(0),
        *[
            fraction_text_expr(pl.col(f"_{d}_sum"), pl.col(f"_{d}_n"), 2).alias(d)
            for d in DIMENSIONS
        ],
        pl.concat_str(
            [fraction_text_expr(pl.col("_kept") * 100, pl.col("_kept_n"), 1), pl.lit("%")]
        ).alias("promise_kept"),
    )


def texts_all(inputs: Inputs, period: Period, zone: ZoneInfo) -> pl.DataFrame:
    """``dealer_id, source, record_id, text``: survey comments and revisit notes of the
    period (by their time) and resolutions of the complaints resolved in it, once per dealer
    of the job's installers."""
    sources = (
        ("survey_comment", inputs.surveys, "surveyed_at", "survey_id", "comment"),
        ("complaint_resolution", inputs.complaints, "resolved_at", "complaint_id", "resolution"),
        ("revisit_note", inputs.revisits, "revisited_at", "revisit_id", "note"),
    )
    people = _job_teams(inputs).select("job_id", "dealer_id").unique()
    parts = [
        frame.filter(in_period(stamp, period, zone) & pl.col(text).is_not_null())
        .select(
            pl.lit(source).alias("source"),
            pl.col(key).cast(pl.String).alias("record_id"),
            pl.col("job_id").cast(pl.String),
            pl.col(text).cast(pl.String).alias("text"),
        )
        .join(people, on="job_id", how="inner")
        .select("dealer_id", "source", "record_id", "text")
        for source, frame, stamp, key, text in sources
    ]
    return pl.concat(parts, how="vertical").collect()


def word_lists(texts: pl.DataFrame, *, top: int = TOP_TERMS) -> pl.DataFrame:
    """Per source, the most frequent terms: ``source, position, term, count``."""
    rows: list[dict[str, Any]] = []
    for source in TEXT_SOURCES:
        said = texts.filter(pl.col("source") == source).get_column("text").to_list()
        for position, term in enumerate(frequent_terms(said, top=top), start=1):
            rows.append(
                {"source": source, "position": position, "term": term.text, "count": term.count}
            )
    schema = {"source": pl.String, "position": pl.Int64, "term": pl.String, "count": pl.Int64}
    return pl.DataFrame(rows, schema=schema)


STATEMENT_COLUMNS = ("installer_id", "name", "team_id", "team_name", "dealer_id", "rating", "grade")


def grade_changes(
    now: pl.DataFrame, before: pl.DataFrame | None, grades: Sequence[str]
) -> pl.DataFrame:
    """Installers of ``now`` (a dealer's statements) graded in both months whose grade rose or
    fell: ``installer_id, name, team_id, team_name, grade_before, grade, direction (rose |
    fell), steps, rating_before, rating``; best rises first, then the falls."""
    order = {name: index for index, name in enumerate(grades)}
    schema = {
        "installer_id": pl.String,
        "name": pl.String,
        "team_id": pl.String,
        "team_name": pl.String,
        "grade_before": pl.String,
        "grade": pl.String,
        "direction": pl.String,
        "steps": pl.Int64,
        "rating_before": pl.String,
        "rating": pl.String,
    }
    if before is None or before.height == 0 or now.height == 0:
        return pl.DataFrame(schema=schema)
    old = before.select(
        "installer_id",
        pl.col("grade").alias("grade_before"),
        pl.col("rating").alias("rating_before"),
    )
    level = pl.col("grade").replace_strict(order, default=None, return_dtype=pl.Int64)
    level_before = pl.col("grade_before").replace_strict(order, default=None, return_dtype=pl.Int64)
    steps = level_before - level
    found = (
        now.join(old, on="installer_id", how="inner")
        .filter(level.is_not_null() & level_before.is_not_null() & (steps != 0))
        .with_columns(
            pl.when(steps > 0).then(pl.lit("rose")).otherwise(pl.lit("fell")).alias("direction"),
            steps.abs().alias("steps"),
            steps.alias("_signed"),
        )
        .sort(pl.col("_signed"), "installer_id", descending=[True, False])
    )
    return found.select([pl.col(n).cast(d) for n, d in schema.items()])


def percent_of_basis_points(points: int) -> str:
    return f"{points // 100}.{points % 100:02d}%"


def share_fraction(text: str | None) -> Fraction | None:
    """A share written ``0.875`` as an exact fraction (None for none)."""
    if text is None:
        return None
    whole, _, part = text.partition(".")
    return Fraction(int(whole + part), 10 ** len(part))


def percent_text(share: str | None) -> str | None:
    """``0.875`` → ``87.5%`` (exact, one decimal, half up)."""
    value = share_fraction(share)
    if value is None:
        return None
    return f"{round_half_up(value * 100, 1)}%"
