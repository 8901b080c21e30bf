"""The floor: the `standard` plan (docs REFERENCE_PLAN.md) as one hand-written polars query.

Written directly against the entity frames, with every number of the plan typed in, no plan
file, no expression compiler, no explanation texts, no ranking, no survey-status output: only
what it takes to get each installer's money for the period. It is what a good engineer would
write by hand for this one plan, and the benchmark uses it as the lower bound ("floor") that
the engine's plan evaluation is compared with (target: engine within 3x of this).

It is also an independent implementation of the plan: benchmarks/bench_compute.py asserts
that its per-installer ``net_fen`` equals the engine's on the national month.

    from floor import floor_query   # with benchmarks/ on sys.path
    frame = floor_query(frames, "2025-10", calendar=WorkCalendar.load(), zone=ZoneInfo(...))

Building block reused from the engine: ``WorkCalendar.deadline_expr`` (the official calendar).
Everything else — which surveys count, the per-job complaint facts, the rules, the exact fen
split, the rating, grades, clean month and caps — is written out here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

import polars as pl

from scoring.workdays import WorkCalendar

# -- the plan, typed in (REFERENCE_PLAN.md) ---------------------------------------------------
AT_FAULT = "installer"
EXCUSED = ("customer_unreasonable", "product", "logistics")
SURVEY_WINDOW_DAYS = 30
LATE_AFTER_MINUTES = 30
FIVE_STAR_FEN = 1000
LOW_SCORE_FEN = 3000
UPHELD_FEN = {"minor": 5000, "major": 15000, "severe": 30000}
SHARED_FEN = {k: v // 2 for k, v in UPHELD_FEN.items()}  # exactly half: 2500, 7500, 15000
GRIEVANCE_FEN = 5000
REVISIT_UNRESOLVED_FEN = 2000
LATE_ARRIVAL_FEN = 2000
OVERDUE_FEN = 2000
RATING_M = 5
MIN_SURVEYS = 3
# Grade thresholds as exact fractions (num, den): 4.60, 4.20, 3.50.
GRADE_A, GRADE_B, GRADE_C = (23, 5), (21, 5), (7, 2)
GRADE_BONUS_FEN = {"A": 30000, "B": 10000, "C": 0, "D": -10000}
CLEAN_MONTH_JOBS = 10
CLEAN_MONTH_FEN = 10000
STATUTORY_PERCENT = 20
CONTRACT_CAP_FEN = 100000


def month_bounds(period: str, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The local month ``YYYY-MM`` as the half-open UTC interval [start, end)."""
    year, month = (int(part) for part in period.split("-"))
    nxt = (year + 1, 1) if month == 12 else (year, month + 1)
    start = dt.datetime(year, month, 1, tzinfo=zone).astimezone(dt.UTC)
    end = dt.datetime(nxt[0], nxt[1], 1, tzinfo=zone).astimezone(dt.UTC)
    return start, end


def floor_query(
    frames: Mapping[str, pl.DataFrame | pl.LazyFrame],
    period: str,
    *,
    calendar: WorkCalendar,
    zone: ZoneInfo,
) -> pl.DataFrame:
    """Per installer: ``surveys``, ``grade``, ``bonus_fen``, ``deduction_before_cap_fen``
    (positive), ``deduction_waived_by_cap_fen``, ``grievance_allowance_fen``, ``net_fen``;
    one row per installer with any money or any counted survey in the period.

    Written for speed the way one would by hand: each result used twice is collected once,
    every job-level fact of the period is gathered into one row per job so that the big join
    with the shares happens once, and fen are split per distinct amount, not per line.
    """
    start, end = month_bounds(period, zone)
    lo = pl.lit(start).dt.cast_time_unit("us")
    hi = pl.lit(end).dt.cast_time_unit("us")

    def in_month(column: str) -> pl.Expr:
        return pl.col(column).is_between(lo, hi, closed="left")

    jobs = frames["jobs"].lazy()
    shares = frames["job_installers"].lazy()
    complaints = frames["complaints"].lazy()
    local = str(zone.key)

    # -- which surveys count: in the window of a completed job, the latest per job ----------
    # (all surveys, whatever their period: a later survey of the job supersedes one of ours)
    window = pl.duration(days=SURVEY_WINDOW_DAYS, time_unit="us")
    candidates = (
        frames["surveys"]
        .lazy()
        .select("survey_id", "job_id", "surveyed_at", "overall")
        .join(jobs.select("job_id", "completed_at"), on="job_id", how="inner")
        .filter(
            (pl.col("surveyed_at") >= pl.col("completed_at"))
            & (pl.col("surveyed_at") <= pl.col("completed_at") + window)
        )
        .drop("completed_at")
        .with_columns(pl.col("job_id").is_duplicated().alias("_several"))
        .collect()
    )
    # Most jobs have one candidate; only the others need ordering (latest, then greatest id).
    several = (
        candidates.lazy()
        .filter(pl.col("_several"))
        .sort("job_id", "surveyed_at", "survey_id")
        .unique(subset="job_id", keep="last")
    )
    counted = pl.concat([candidates.lazy().filter(~pl.col("_several")), several]).filter(
        in_month("surveyed_at")
    )

    # -- per-job facts over every known complaint, whatever its period ----------------------
    facts = complaints.group_by("job_id").agg(
        (pl.col("responsibility") == AT_FAULT).any().alias("_fault"),
        pl.col("responsibility").is_in(EXCUSED).any().alias("_excused"),
    )
    survey_facts = (
        counted.join(facts, on="job_id", how="left")
        .select(
            "job_id",
            pl.col("overall").cast(pl.Int64),
            ((pl.col("overall") >= 5) & ~pl.col("_fault").fill_null(False)).alias("_five"),
            ((pl.col("overall") <= 2) & ~pl.col("_excused").fill_null(False)).alias("_low"),
        )
        .collect()
        .lazy()
    )

    # -- one row per job with everything the period has on it -------------------------------
    late = pl.col("arrived_at") > pl.col("appointment_end") + pl.duration(
        minutes=LATE_AFTER_MINUTES, time_unit="us"
    )
    deadline = calendar.deadline_expr(
        pl.col("created_at").dt.convert_time_zone(local).dt.date(), pl.col("promised_days")
    )
    overdue = pl.col("completed_at").dt.convert_time_zone(local).dt.date() > deadline
    done = jobs.filter(in_month("completed_at")).select(
        "job_id",
        pl.lit(1, pl.Int64).alias("_done"),
        (late.fill_null(False).cast(pl.Int64) + overdue.fill_null(False).cast(pl.Int64)).alias(
            "_job_2000"
        ),
    )
    unresolved = (
        frames["revisits"]
        .lazy()
        .filter(in_month("revisited_at") & pl.col("reached") & (pl.col("issue_resolved") == False))  # noqa: E712
        .group_by("job_id")
        .agg(pl.len().cast(pl.Int64).alias("_revisit_2000"))
    )
    per_job = (
        done.join(survey_facts, on="job_id", how="full", coalesce=True)
        .join(unresolved, on="job_id", how="full", coalesce=True)
        .select(
            "job_id",
            "overall",
            pl.col("_done").fill_null(0),
            pl.col("_five").fill_null(False),
            pl.col("_low").fill_null(False),
            (pl.col("_job_2000").fill_null(0) + pl.col("_revisit_2000").fill_null(0)).alias(
                "_n2000"
            ),
        )
    )

    # -- the join with the shares, and the exact split ----------------------------------------
    # Parts of an amount on a job depend only on the job's shares and the amount: each
    # installer gets floor(amount·num/den), and the fen left go to the largest remainders,
    # ties by installer_id. The only installer of a job gets the amount whole, so only the
    # jobs of several installers go through the ranking.
    assert REVISIT_UNRESOLVED_FEN == LATE_ARRIVAL_FEN == OVERDUE_FEN
    per_share = (
        per_job.join(shares, on="job_id", how="inner")
        .with_columns((pl.len().over("job_id") == 1).alias("_sole"))
        .collect()
    )
    five = pl.col("_five").cast(pl.Int64)
    low = pl.col("_low").cast(pl.Int64)
    n2000 = pl.col("_n2000")

    def parts(whole: int, times: pl.Expr) -> pl.Expr:
        product = pl.col("share_num") * whole
        floor_part = product // pl.col("share_den")
        left_over = whole - floor_part.sum().over("job_id")
        place = pl.int_range(pl.len()).over(
            "job_id", order_by=[(product % pl.col("share_den")) * -1, pl.col("installer_id")]
        )
        split = floor_part + (place < left_over).cast(pl.Int64)
        return pl.when(times == 0).then(0).otherwise(split * times)

    columns = ("installer_id", "overall", "_done")
    sole = (
        per_share.lazy()
        .filter(pl.col("_sole"))
        .select(
            *columns,
            (five * FIVE_STAR_FEN).alias("_bonus"),
            (low * LOW_SCORE_FEN + n2000 * OVERDUE_FEN).alias("_deduction"),
        )
    )
    several_installers = (
        per_share.lazy()
        .filter(~pl.col("_sole"))
        .select(
            *columns,
            parts(FIVE_STAR_FEN, five).alias("_bonus"),
            (parts(LOW_SCORE_FEN, low) + parts(OVERDUE_FEN, n2000)).alias("_deduction"),
        )
    )
    per_installer = (
        pl.concat([sole, several_installers])
        .group_by("installer_id")
        .agg(
            pl.col("overall").count().cast(pl.Int64).alias("surveys"),
            pl.col("overall").sum().cast(pl.Int64).alias("_total"),
            pl.col("_done").sum().cast(pl.Int64).alias("completed_jobs"),
            pl.col("_bonus").sum().cast(pl.Int64).alias("_bonus"),
            pl.col("_deduction").sum().cast(pl.Int64).alias("_deduction"),
        )
    )
    mean = survey_facts.select(
        pl.col("overall").sum().alias("_mu_sum"), pl.len().cast(pl.Int64).alias("_mu_n")
    )

    # -- complaints resolved in the period: charged to one installer, or split ------------
    responsibility = pl.col("responsibility")
    resolved = complaints.filter(in_month("resolved_at")).select(
        "complaint_id",
        "job_id",
        "installer_id",
        pl.when(responsibility == AT_FAULT)
        .then(pl.col("severity").replace_strict(UPHELD_FEN, return_dtype=pl.Int64))
        .when(responsibility == "shared")
        .then(pl.col("severity").replace_strict(SHARED_FEN, return_dtype=pl.Int64))
        .when(responsibility == "customer_unreasonable")
        .then(pl.lit(GRIEVANCE_FEN, pl.Int64))
        .alias("_whole"),
        (responsibility == "customer_unreasonable").alias("_allowance"),
        (responsibility == AT_FAULT).alias("_fault"),
    )
    charged = resolved.filter(pl.col("installer_id").is_not_null()).select(
        "installer_id", "_whole", "_allowance", "_fault"
    )
    product = pl.col("_whole") * pl.col("share_num")
    floor_part = product // pl.col("share_den")
    place = pl.int_range(pl.len()).over(
        "complaint_id", order_by=[(product % pl.col("share_den")) * -1, pl.col("installer_id")]
    )
    left_over = pl.col("_whole") - floor_part.sum().over("complaint_id")
    uncharged = (
        resolved.filter(pl.col("installer_id").is_null())
        .drop("installer_id")
        .join(shares, on="job_id", how="inner")
        .select(
            "installer_id",
            (floor_part + (place < left_over).cast(pl.Int64)).alias("_whole"),
            "_allowance",
            "_fault",
        )
    )
    part = pl.col("_whole").fill_null(0)
    complaint_money = (
        pl.concat([charged, uncharged])
        .group_by("installer_id")
        .agg(
            part.filter(pl.col("_allowance")).sum().alias("_grievance"),
            part.filter(~pl.col("_allowance")).sum().alias("_complaint_deduction"),
            pl.col("_fault").any().alias("_any_fault"),
        )
    )

    # -- rating, grade, grade bonus, clean month, caps -------------------------------------------
    people = (
        per_installer.join(complaint_money, on="installer_id", how="full", coalesce=True)
        .join(mean, how="cross")
        .join(
            frames["installers"]
            .lazy()
            .select("installer_id", "employment", "base_monthly_wage_fen", "local_min_wage_fen"),
            on="installer_id",
            how="left",
        )
        .with_columns(
            pl.col(
                "surveys",
                "_total",
                "completed_jobs",
                "_bonus",
                "_deduction",
                "_grievance",
                "_complaint_deduction",
            ).fill_null(0),
            pl.col("_any_fault").fill_null(False),
        )
    )
    # rating = (total + m·S/N) / (n + m) = (total·N + m·S) / ((n + m)·N): compared exactly.
    num = pl.col("_total") * pl.col("_mu_n") + RATING_M * pl.col("_mu_sum")
    den = (pl.col("surveys") + RATING_M) * pl.col("_mu_n")

    def at_least(threshold: tuple[int, int]) -> pl.Expr:
        return num * threshold[1] >= den * threshold[0]

    grade = (
        pl.when(pl.col("surveys") < MIN_SURVEYS)
        .then(pl.lit("unrated"))
        .when(at_least(GRADE_A))
        .then(pl.lit("A"))
        .when(at_least(GRADE_B))
        .then(pl.lit("B"))
        .when(at_least(GRADE_C))
        .then(pl.lit("C"))
        .otherwise(pl.lit("D"))
    )
    grade_fen = pl.col("grade").replace_strict(GRADE_BONUS_FEN, default=0, return_dtype=pl.Int64)
    clean = (pl.col("completed_jobs") >= CLEAN_MONTH_JOBS) & ~pl.col("_any_fault")
    base = pl.col("base_monthly_wage_fen")
    statutory = base * STATUTORY_PERCENT // 100
    statutory = (
        pl.when(pl.col("local_min_wage_fen").is_null())
        .then(statutory)
        .otherwise(pl.min_horizontal(statutory, base - pl.col("local_min_wage_fen")))
    )
    limit = (
        pl.when((pl.col("employment") == "employee") & base.is_not_null())
        .then(pl.max_horizontal(statutory, pl.lit(0, pl.Int64)))
        .when(pl.col("employment") == "contractor")
        .then(pl.lit(CONTRACT_CAP_FEN, pl.Int64))
    )
    deduction = pl.col("deduction_before_cap_fen")
    return (
        people.with_columns(grade.alias("grade"))
        .with_columns(
            (
                pl.col("_bonus")
                + grade_fen.clip(lower_bound=0)
                + pl.when(clean).then(CLEAN_MONTH_FEN).otherwise(0)
            ).alias("bonus_fen"),
            (
                pl.col("_deduction")
                + pl.col("_complaint_deduction")
                - grade_fen.clip(upper_bound=0)
            ).alias("deduction_before_cap_fen"),
            pl.col("_grievance").alias("grievance_allowance_fen"),
        )
        .with_columns(
            pl.when(limit.is_not_null() & (deduction > limit))
            .then(deduction - limit)
            .otherwise(0)
            .cast(pl.Int64)
            .alias("deduction_waived_by_cap_fen")
        )
        .with_columns(
            (
                pl.col("bonus_fen")
                - deduction
                + pl.col("deduction_waived_by_cap_fen")
                + pl.col("grievance_allowance_fen")
            ).alias("net_fen")
        )
        # The engine's statements: installers with a money line or a counted survey.
        .filter(
            (pl.col("surveys") > 0)
            | (pl.col("bonus_fen") != 0)
            | (deduction != 0)
            | (pl.col("grievance_allowance_fen") != 0)
        )
        .select(
            "installer_id",
            "surveys",
            "grade",
            "bonus_fen",
            "deduction_before_cap_fen",
            "deduction_waived_by_cap_fen",
            "grievance_allowance_fen",
            "net_fen",
        )
        .sort("installer_id")
        .collect()
    )
