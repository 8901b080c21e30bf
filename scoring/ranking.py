"""Team ranking for dealers: exact Bayesian average, Wilson lower bound as tie-breaker.

经销商的团队排名:按团队计入问卷的贝叶斯平均(m = 20,mu 为该经销商本期平均分)精确排序,
分数相同再比"好评(综合评分 >= 4)比例"的 Wilson 置信下限(95%),再按团队编号升序。
没有计入问卷的团队列在最后,不排名。

Ratings are compared exactly by integer cross-multiplication (a pairwise comparison inside each
dealer), never through floats; the Wilson bound is a float, which is fine for a tie-breaker.
"""

from __future__ import annotations

import math

import polars as pl

from scoring.rating import (
    bayesian_fraction,
    fraction_text_expr,
    reduce_fraction,
    scaled_text_expr,
)

#: The side figures a caller may give per team (missing teams or columns count as 0).
FIGURE_COLUMNS = ("completed_jobs", "complaints_at_fault", "revisit_reached_jobs")


def team_surveys(counted: pl.LazyFrame, installers: pl.LazyFrame) -> pl.LazyFrame:
    """Each counted survey once per team: ``team_id``, ``survey_id``, ``overall`` (Int64).

    ``counted``: one row per (counted survey, installer of its job) with ``survey_id``,
    ``installer_id``, ``overall``; ``installers``: ``installer_id``, ``team_id``. A survey of a
    job done by two installers of one team counts once for that team (and once for each other
    team involved). Rows of installers without a team are left out. The rows come in no
    particular order: the ranking only counts them.
    """
    return (
        counted.select("survey_id", "installer_id", pl.col("overall").cast(pl.Int64))
        .join(
            installers.select("installer_id", "team_id").unique(),
            on="installer_id",
            how="inner",
        )
        .filter(pl.col("team_id").is_not_null())
        .unique(subset=["team_id", "survey_id"], keep="any")
        .select("team_id", "survey_id", "overall")
    )


def wilson_lower_expr(good: pl.Expr, total: pl.Expr, z: float) -> pl.Expr:
    """Wilson score lower bound of ``good / total`` (Float64); null when ``total`` is 0."""
    n = total.cast(pl.Float64)
    p = good.cast(pl.Float64) / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * ((p * (1 - p) / n + z2 / (4 * n * n)).sqrt())
    bound = (centre - margin) / (1 + z2 / n)
    return pl.when(total > 0).then(bound.clip(lower_bound=0.0)).otherwise(None)


def _above(a_num: str, a_den: str, b_num: str, b_den: str) -> pl.Expr:
    """Exact ``a_num/a_den > b_num/b_den`` (positive denominators)."""
    left = pl.col(a_num).cast(pl.Int128) * pl.col(b_den).cast(pl.Int128)
    right = pl.col(b_num).cast(pl.Int128) * pl.col(a_den).cast(pl.Int128)
    return left > right


def _same(a_num: str, a_den: str, b_num: str, b_den: str) -> pl.Expr:
    left = pl.col(a_num).cast(pl.Int128) * pl.col(b_den).cast(pl.Int128)
    right = pl.col(b_num).cast(pl.Int128) * pl.col(a_den).cast(pl.Int128)
    return left == right


def _ranks(rated: pl.LazyFrame) -> pl.LazyFrame:
    """``team_id``, ``rank``: 1 + how many teams of the same dealer come before the team."""
    key = rated.select("dealer_id", "team_id", "rating_num", "rating_den", "_wilson")
    other = key.rename(
        {
            "team_id": "_o_team",
            "rating_num": "_o_num",
            "rating_den": "_o_den",
            "_wilson": "_o_wilson",
        }
    )
    same_rating = _same("_o_num", "_o_den", "rating_num", "rating_den")
    before = (
        _above("_o_num", "_o_den", "rating_num", "rating_den")
        | (same_rating & (pl.col("_o_wilson") > pl.col("_wilson")))
        | (
            same_rating
            & (pl.col("_o_wilson") == pl.col("_wilson"))
            & (pl.col("_o_team") < pl.col("team_id"))
        )
    )
    return (
        key.join(other, on="dealer_id", how="inner")
        .group_by("team_id")
        .agg((before.sum().cast(pl.Int64) + 1).alias("rank"))
    )


def rank_teams(
    surveys: pl.LazyFrame,
    teams: pl.LazyFrame,
    dealers: pl.LazyFrame,
    figures: pl.LazyFrame | None = None,
    *,
    m: int,
    good_from: int,
    z: float,
) -> pl.LazyFrame:
    """Rank each dealer's teams, best first; teams without a counted survey last, unranked.

    Inputs (all lazy):

    - ``surveys``: ``team_id``, ``survey_id``, ``overall`` — the period's counted surveys, each
      once per team (build it with ``team_surveys``).
    - ``teams``: ``team_id``, ``name``, ``dealer_id``, ``kind``; every team is listed.
    - ``dealers``: ``dealer_id``, ``name``.
    - ``figures`` (optional): ``team_id`` and any of ``completed_jobs`` (jobs of the team's
      installers completed in the period, each job once per team), ``complaints_at_fault``
      (complaints with responsibility ``installer`` resolved in the period, charged to the
      team), ``revisit_reached_jobs`` (of those completed jobs, how many have a revisit with
      ``reached`` true within 30 days after ``completed_at``). Missing teams/columns count 0.

    ``mu`` is the dealer's mean ``overall`` over its teams' counted surveys (each survey once
    per dealer); a team's rating is ``(sum + m·mu) / (n + m)``, exact. Order inside a dealer:
    rating (exact, descending), then the Wilson lower bound (``z``) of the share of surveys
    with ``overall >= good_from`` (descending), then ``team_id`` ascending.

    Columns, sorted by dealer_id then rank (unranked last, by team_id): ``dealer_id``,
    ``dealer_name``, ``rank`` (null: unranked), ``team_id``, ``team_name``, ``kind``,
    ``surveys``, ``survey_sum``, ``good_surveys``, ``rating`` (3 dp half-up), ``rating_num``,
    ``rating_den`` (lowest terms), ``wilson_lower`` (4 dp half-up), ``decided_by`` (what put
    the team below the one ranked just above: ``rating``, ``wilson`` or ``team_id``; null for
    rank 1 and unranked teams), ``dealer_mean`` (3 dp), ``dealer_mean_num``,
    ``dealer_mean_den``, ``completed_jobs``, ``complaints_at_fault``,
    ``complaints_per_100_jobs`` (2 dp half-up; null without completed jobs),
    ``revisit_reached_jobs``, ``revisit_reach_rate`` (percent with 1 decimal, e.g. ``"87.5%"``,
    half-up; null without completed jobs).
    """
    if m < 0:
        raise ValueError(f"m 不能为负 / m must be >= 0: {m}")
    team_info = teams.select(
        "team_id",
        pl.col("name").alias("team_name"),
        "dealer_id",
        "kind",
    )
    by_team = surveys.select("team_id", "survey_id", pl.col("overall").cast(pl.Int64)).unique(
        subset=["team_id", "survey_id"], keep="any"
    )
    # by_team and dealer_mean each feed several branches below: collected once here, since
    # polars 2.1 computes a shared input once per branch (national month: 2.0 s -> 0.8 s).
    by_team = by_team.collect().lazy()
    with_dealer = by_team.join(team_info.select("team_id", "dealer_id"), on="team_id")
    dealer_mean = (
        with_dealer.unique(subset=["dealer_id", "survey_id"], keep="any")
        .group_by("dealer_id")
        .agg(
            pl.col("overall").sum().cast(pl.Int64).alias("_mu_sum"),
            pl.len().cast(pl.Int64).alias("_mu_count"),
        )
        .collect()
        .lazy()
    )
    stats = by_team.group_by("team_id").agg(
        pl.len().cast(pl.Int64).alias("surveys"),
        pl.col("overall").sum().cast(pl.Int64).alias("survey_sum"),
        (pl.col("overall") >= good_from).sum().cast(pl.Int64).alias("good_surveys"),
    )
    side = _figures(figures)

    mu_num, mu_den = reduce_fraction(pl.col("_mu_sum"), pl.col("_mu_count"))
    all_teams = (
        team_info.join(stats, on="team_id", how="left")
        .join(dealer_mean, on="dealer_id", how="left")
        .join(side, on="team_id", how="left")
        .with_columns(
            pl.col("surveys", "survey_sum", "good_surveys", *FIGURE_COLUMNS).fill_null(0),
            mu_num.alias("dealer_mean_num"),
            mu_den.alias("dealer_mean_den"),
        )
    )
    rating_num, rating_den = bayesian_fraction(
        pl.col("survey_sum"),
        pl.col("surveys"),
        pl.col("dealer_mean_num"),
        pl.col("dealer_mean_den"),
        m,
    )
    has_surveys = pl.col("surveys") > 0
    rated_all = all_teams.with_columns(
        pl.when(has_surveys).then(rating_num).alias("rating_num"),
        pl.when(has_surveys).then(rating_den).alias("rating_den"),
        wilson_lower_expr(pl.col("good_surveys"), pl.col("surveys"), z).alias("_wilson"),
    )
    ranks = _ranks(rated_all.filter(has_surveys))
    ordered = rated_all.join(ranks, on="team_id", how="left").sort(
        "dealer_id", "rank", "team_id", nulls_last=True
    )
    previous = {
        name: pl.col(name).shift(1).over("dealer_id", order_by=["rank", "team_id"], nulls_last=True)
        for name in ("rating_num", "rating_den", "_wilson")
    }
    same_as_previous = (
        pl.col("rating_num").cast(pl.Int128) * previous["rating_den"].cast(pl.Int128)
    ) == (previous["rating_num"].cast(pl.Int128) * pl.col("rating_den").cast(pl.Int128))
    decided_by = (
        pl.when(pl.col("rank").is_null() | (pl.col("rank") == 1))
        .then(pl.lit(None, pl.String))
        .when(~same_as_previous)
        .then(pl.lit("rating"))
        .when(pl.col("_wilson") != previous["_wilson"])
        .then(pl.lit("wilson"))
        .otherwise(pl.lit("team_id"))
    )
    wilson_scaled = (pl.col("_wilson") * 10_000 + 0.5).floor().cast(pl.Int64)
    completed = pl.col("completed_jobs")
    dealer_names = dealers.select("dealer_id", pl.col("name").alias("dealer_name"))
    return ordered.join(dealer_names, on="dealer_id", how="left", maintain_order="left").select(
        "dealer_id",
        "dealer_name",
        "rank",
        "team_id",
        "team_name",
        "kind",
        "surveys",
        "survey_sum",
        "good_surveys",
        fraction_text_expr(pl.col("rating_num"), pl.col("rating_den"), 3).alias("rating"),
        "rating_num",
        "rating_den",
        scaled_text_expr(wilson_scaled, 4).alias("wilson_lower"),
        decided_by.alias("decided_by"),
        fraction_text_expr(pl.col("dealer_mean_num"), pl.col("dealer_mean_den"), 3).alias(
            "dealer_mean"
        ),
        "dealer_mean_num",
        "dealer_mean_den",
        "completed_jobs",
        "complaints_at_fault",
        fraction_text_expr(pl.col("complaints_at_fault") * 100, completed, 2).alias(
            "complaints_per_100_jobs"
        ),
        "revisit_reached_jobs",
        pl.concat_str(
            [fraction_text_expr(pl.col("revisit_reached_jobs") * 100, completed, 1), pl.lit("%")]
        ).alias("revisit_reach_rate"),
    )


def _figures(figures: pl.LazyFrame | None) -> pl.LazyFrame:
    """The side figures per team, Int64, one row per team (summed if repeated)."""
    if figures is None:
        return pl.LazyFrame(
            schema={"team_id": pl.String, **{name: pl.Int64 for name in FIGURE_COLUMNS}}
        )
    present = figures.collect_schema().names()
    return figures.group_by("team_id").agg(
        (pl.col(name).sum() if name in present else pl.lit(0)).cast(pl.Int64).alias(name)
        for name in FIGURE_COLUMNS
    )


def wilson_interval(good: int, total: int, z: float) -> tuple[float, float] | None:
    """The Wilson score interval of ``good / total`` (for showing a share's uncertainty: few
    surveys, a wide interval); None without any. Floats: a drawing, never a decision."""
    if total <= 0:
        return None
    n = float(total)
    p = good / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low = (centre - margin) / (1 + z2 / n)
    high = (centre + margin) / (1 + z2 / n)
    return max(0.0, min(low, p)), min(1.0, max(high, p))
