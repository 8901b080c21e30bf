"""Exact Bayesian rating and grade of each installer over a period.

师傅评分:贝叶斯平均 ``(sum + m·mu) / (n + m)``,以整数分数精确计算、与等级阈值精确比较(整数交叉相乘),
只在显示时四舍五入(half-up)到 3 位小数。``mu`` 是本期全部计入问卷的平均综合评分(每份问卷只算一次)。

Also home of the small exact-fraction expression helpers (``gcd_expr``, ``fraction_text_expr``)
that ``split`` and ``ranking`` reuse: integer columns only, never floats.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import polars as pl

#: Largest magnitude accepted for a threshold's numerator or denominator, so that a cross
#: product with an Int64 rating term always fits in Int128.
_INT64_MAX = 2**63 - 1


def gcd_expr(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """Greatest common divisor (>= 0) of two Int64 expressions, element-wise; null if either is.

    最大公约数(逐行、向量化,用 numpy.gcd,不逐行调用 Python)。
    """

    def batch(series: Sequence[pl.Series]) -> pl.Series:
        left = series[0].fill_null(0).to_numpy()
        right = series[1].fill_null(0).to_numpy()
        return pl.Series(np.gcd(left, right), dtype=pl.Int64)

    result = pl.map_batches(
        [a.cast(pl.Int64), b.cast(pl.Int64)], batch, return_dtype=pl.Int64, is_elementwise=True
    )
    return pl.when(a.is_null() | b.is_null()).then(None).otherwise(result)


def reduce_fraction(num: pl.Expr, den: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """``num / den`` in lowest terms as two Int64 expressions (den assumed > 0).

    Inputs may be Int128; they are cast to Int64 strictly, so a value that does not fit raises
    at collect time instead of wrapping around.
    """
    num64 = num.cast(pl.Int64, strict=True)
    den64 = den.cast(pl.Int64, strict=True)
    divisor = gcd_expr(num64, den64)
    safe = pl.when(divisor == 0).then(pl.lit(1, pl.Int64)).otherwise(divisor)
    return num64 // safe, den64 // safe


def _digits(magnitude: pl.Expr, places: int) -> pl.Expr:
    """Text of a non-negative Int128 standing for ``magnitude / 10**places``."""
    if places == 0:
        return magnitude.cast(pl.String)
    scale = pl.lit(10**places, pl.Int128)
    return pl.concat_str(
        [
            (magnitude // scale).cast(pl.String),
            pl.lit("."),
            (magnitude % scale).cast(pl.String).str.zfill(places),
        ]
    )


def scaled_text_expr(value: pl.Expr, places: int) -> pl.Expr:
    """Text of an integer that stands for ``value / 10**places``: ``4667, 3`` → ``"4.667"``."""
    if places < 0:
        raise ValueError(f"小数位数不能为负 / places must be >= 0: {places}")
    sign = pl.when(value < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    text = pl.concat_str([sign, _digits(value.cast(pl.Int128).abs(), places)])
    return pl.when(value.is_null()).then(None).otherwise(text)


def fraction_text_expr(num: pl.Expr, den: pl.Expr, places: int) -> pl.Expr:
    """Exact ``num / den`` (den > 0) rounded half-up (away from zero on a tie) to ``places``.

    Agrees with ``scoring.money.round_half_up(Fraction(num, den), places)`` as text, e.g.
    ``14/3`` at 3 places → ``"4.667"``; ``-1/2000`` at 3 places → ``"-0.001"``; the tie is decided
    on the integers, never on a rounded quotient. Null when either input is null or den is 0.
    """
    if places < 0:
        raise ValueError(f"小数位数不能为负 / places must be >= 0: {places}")
    n = num.cast(pl.Int128)
    d = den.cast(pl.Int128)
    scaled = n.abs() * pl.lit(10**places, pl.Int128)
    quotient = scaled // d
    remainder = scaled - quotient * d
    rounded = quotient + (remainder * 2 >= d).cast(pl.Int128)
    sign = pl.when((n < 0) & (rounded > 0)).then(pl.lit("-")).otherwise(pl.lit(""))
    text = pl.concat_str([sign, _digits(rounded, places)])
    return pl.when(n.is_null() | d.is_null() | (d <= 0)).then(None).otherwise(text)


def at_least_expr(num: pl.Expr, den: pl.Expr, threshold: Fraction) -> pl.Expr:
    """Whether ``num / den >= threshold`` (den > 0), by exact integer cross-multiplication."""
    _check_fits(threshold)
    left = num.cast(pl.Int128) * pl.lit(threshold.denominator, pl.Int128)
    right = pl.lit(threshold.numerator, pl.Int128) * den.cast(pl.Int128)
    return left >= right


def _check_fits(threshold: Fraction) -> None:
    if abs(threshold.numerator) > _INT64_MAX or threshold.denominator > _INT64_MAX:
        raise ValueError(f"阈值过大 / threshold too large to compare exactly: {threshold}")


def bayesian_fraction(
    total: pl.Expr, count: pl.Expr, mu_num: pl.Expr, mu_den: pl.Expr, m: int
) -> tuple[pl.Expr, pl.Expr]:
    """``(total + m·mu) / (count + m)`` with ``mu = mu_num / mu_den``, in lowest Int64 terms.

    Computed as ``(total·mu_den + m·mu_num) / ((count + m)·mu_den)`` in Int128, then reduced.
    With ``mu`` already in lowest terms and national-scale inputs (mu_den ≤ 3·10⁶ surveys,
    total ≤ 5·10⁴), both terms stay below 10¹², far inside Int64; a value that did not fit
    would raise at collect time (strict cast), never wrap.
    """
    big_m = pl.lit(m, pl.Int128)
    num = total.cast(pl.Int128) * mu_den.cast(pl.Int128) + big_m * mu_num.cast(pl.Int128)
    den = (count.cast(pl.Int128) + big_m) * mu_den.cast(pl.Int128)
    return reduce_fraction(num, den)


def _validate_grades(grades: Sequence[tuple[str, Fraction]], m: int, min_surveys: int) -> None:
    if m < 0:
        raise ValueError(f"m 不能为负 / m must be >= 0: {m}")
    if min_surveys < 0:
        raise ValueError(f"min_surveys 不能为负 / min_surveys must be >= 0: {min_surveys}")
    if not grades:
        raise ValueError("没有等级 / no grades given")
    for (name, threshold), (_, following) in zip(grades, grades[1:], strict=False):
        if following > threshold:
            raise ValueError(
                f"等级须从高到低排列 / grades must be ordered best first: {name} {threshold} "
                f"is below the next threshold {following}"
            )
    for _, threshold in grades:
        _check_fits(Fraction(threshold))


def rate_installers(
    counted: pl.LazyFrame,
    *,
    m: int,
    min_surveys: int,
    grades: Sequence[tuple[str, Fraction]],
    unrated: str = "unrated",
) -> pl.LazyFrame:
    """Exact Bayesian rating and grade of every installer with a counted survey.

    ``counted``: one row per (counted survey, installer of its job) with ``survey_id``,
    ``installer_id`` and integer ``overall``. A survey counts whole for every installer of its
    job; a repeated (installer, survey) pair counts once.

    ``mu`` is the mean ``overall`` of all counted surveys, each ``survey_id`` once. The rating
    ``(sum + m·mu) / (n + m)`` is exact (``rating_num / rating_den`` in lowest terms).
    ``grades`` are ``(name, threshold)`` best first: the first whose threshold the rating
    reaches (``>=``, exact) is the grade; fewer than ``min_surveys`` surveys gives ``unrated``;
    a rating below every threshold gives a null grade (a plan should end with threshold 0).

    Returns, sorted by installer_id: ``installer_id``, ``surveys`` (n), ``rating_sum``,
    ``rating_num``, ``rating_den``, ``rating`` (half-up, 3 decimals, text), ``grade``,
    ``mu_num``, ``mu_den`` (the period mean in lowest terms), ``mu`` (its 3-decimal text).
    Installers without a counted survey are absent (no rating).
    """
    _validate_grades(grades, m, min_surveys)
    rows = counted.select(
        pl.col("survey_id"), pl.col("installer_id"), pl.col("overall").cast(pl.Int64)
    ).unique(subset=["installer_id", "survey_id"], keep="any")
    mean = (
        rows.unique(subset=["survey_id"], keep="any")
        .select(
            pl.col("overall").sum().cast(pl.Int64).alias("_mu_sum"),
            pl.len().cast(pl.Int64).alias("_mu_count"),
        )
        .with_columns(_mu_gcd=gcd_expr(pl.col("_mu_sum"), pl.col("_mu_count")))
        .select(
            (pl.col("_mu_sum") // pl.col("_mu_gcd")).alias("mu_num"),
            (pl.col("_mu_count") // pl.col("_mu_gcd")).alias("mu_den"),
        )
    )
    per_installer = rows.group_by("installer_id").agg(
        pl.len().cast(pl.Int64).alias("surveys"),
        pl.col("overall").sum().cast(pl.Int64).alias("rating_sum"),
    )
    rating_num, rating_den = bayesian_fraction(
        pl.col("rating_sum"), pl.col("surveys"), pl.col("mu_num"), pl.col("mu_den"), m
    )
    with_rating = per_installer.join(mean, how="cross").with_columns(
        rating_num.alias("rating_num"), rating_den.alias("rating_den")
    )
    grade: pl.Expr = pl.lit(None, pl.String)
    for name, threshold in reversed(grades):
        reached = at_least_expr(pl.col("rating_num"), pl.col("rating_den"), Fraction(threshold))
        grade = pl.when(reached).then(pl.lit(name)).otherwise(grade)
    grade = pl.when(pl.col("surveys") < min_surveys).then(pl.lit(unrated)).otherwise(grade)
    return with_rating.select(
        "installer_id",
        "surveys",
        "rating_sum",
        "rating_num",
        "rating_den",
        fraction_text_expr(pl.col("rating_num"), pl.col("rating_den"), 3).alias("rating"),
        grade.alias("grade"),
        "mu_num",
        "mu_den",
        fraction_text_expr(pl.col("mu_num"), pl.col("mu_den"), 3).alias("mu"),
    ).sort("installer_id")
