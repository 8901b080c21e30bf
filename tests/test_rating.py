"""Exact Bayesian rating and grade."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from scoring.money import round_half_up
from scoring.rating import (
    at_least_expr,
    bayesian_fraction,
    fraction_text_expr,
    rate_installers,
    reduce_fraction,
)

GRADES = [
    ("A", Fraction(460, 100)),
    ("B", Fraction(420, 100)),
    ("C", Fraction(350, 100)),
    ("D", Fraction(0)),
]


def counted_frame(rows: list[tuple[str, str, int]]) -> pl.LazyFrame:
    return pl.LazyFrame(
        rows,
        schema={"survey_id": pl.String, "installer_id": pl.String, "overall": pl.Int8},
        orient="row",
    )


def rate(rows: list[tuple[str, str, int]], m: int = 5, min_surveys: int = 3) -> pl.DataFrame:
    return rate_installers(
        counted_frame(rows), m=m, min_surveys=min_surveys, grades=GRADES
    ).collect()


def test_hand_computed_example() -> None:
    # S1 is a job of I1 and I2: it counts whole for both but once in mu.
    # mu = (5 + 4 + 5 + 3) / 4 = 17/4.
    # I1: n 3, sum 14 → (14 + 5·17/4) / 8 = 141/32 = 4.40625 → "4.406", B.
    # I2: n 2, sum 8 → (8 + 5·17/4) / 7 = 117/28 = 4.17857… → "4.179", unrated (n < 3).
    got = rate(
        [("S1", "I1", 5), ("S1", "I2", 5), ("S2", "I1", 4), ("S3", "I1", 5), ("S4", "I2", 3)]
    )
    expected = pl.DataFrame(
        {
            "installer_id": ["I1", "I2"],
            "surveys": [3, 2],
            "rating_sum": [14, 8],
            "rating_num": [141, 117],
            "rating_den": [32, 28],
            "rating": ["4.406", "4.179"],
            "grade": ["B", "unrated"],
            "mu_num": [17, 17],
            "mu_den": [4, 4],
            "mu": ["4.250", "4.250"],
        }
    )
    assert_frame_equal(got, expected)


def test_rating_exactly_on_a_threshold_reaches_it() -> None:
    # One installer: mu equals the installer's own mean, so the rating is that mean.
    got = rate([(f"S{i}", "I1", score) for i, score in enumerate([5, 5, 5, 4, 4])])
    assert (got["rating_num"][0], got["rating_den"][0]) == (23, 5)
    assert got["rating"][0] == "4.600"
    assert got["grade"][0] == "A"
    got = rate([(f"S{i}", "I1", score) for i, score in enumerate([5, 4, 4, 4, 4])])
    assert got["rating"][0] == "4.200"
    assert got["grade"][0] == "B"


def test_a_hair_below_the_threshold_does_not_reach_it() -> None:
    # 4.6 - 1/5000: rounds to "4.600" for display but is below A.
    rows = [(f"S{i}", "I1", 5) for i in range(2999)] + [(f"T{i}", "I1", 4) for i in range(2001)]
    got = rate(rows)
    assert Fraction(got["rating_num"][0], got["rating_den"][0]) == Fraction(22999, 5000)
    assert got["rating"][0] == "4.600"
    assert got["grade"][0] == "B"


def test_half_up_on_an_exact_half() -> None:
    # 1999 surveys of 4 and one of 5: mean 8001/2000 = 4.0005 exactly → "4.001", not "4.000".
    rows = [(f"S{i}", "I1", 4) for i in range(1999)] + [("FIVE", "I1", 5)]
    got = rate(rows)
    assert Fraction(got["rating_num"][0], got["rating_den"][0]) == Fraction(8001, 2000)
    assert got["rating"][0] == "4.001"
    assert str(round_half_up(Fraction(8001, 2000), 3)) == "4.001"


def test_fraction_text_matches_round_half_up_on_ties() -> None:
    values = [
        Fraction(8001, 2000),
        Fraction(9331, 2000),
        Fraction(-1, 2000),
        Fraction(1, 2000),
        Fraction(-1, 3000),
        Fraction(2, 3),
        Fraction(5, 1),
        Fraction(0),
    ]
    frame = pl.DataFrame({"n": [v.numerator for v in values], "d": [v.denominator for v in values]})
    for places in (0, 1, 3):
        got = frame.select(fraction_text_expr(pl.col("n"), pl.col("d"), places).alias("t"))
        assert got["t"].to_list() == [str(round_half_up(v, places)) for v in values]
    assert frame.select(fraction_text_expr(pl.col("n"), pl.col("d"), 3).alias("t"))["t"].to_list()[
        :3
    ] == ["4.001", "4.666", "-0.001"]


def test_fewer_than_min_surveys_is_unrated_but_has_a_rating() -> None:
    got = rate([("S1", "I1", 5), ("S2", "I1", 5)])
    assert got["grade"].to_list() == ["unrated"]
    assert got["rating"].to_list() == ["5.000"]
    got = rate([("S1", "I1", 5)], min_surveys=1)
    assert got["grade"].to_list() == ["A"]


def test_grades_d_and_below_every_threshold() -> None:
    rows = [(f"S{i}", "I1", 1) for i in range(3)] + [(f"T{i}", "I2", 5) for i in range(3)]
    got = rate(rows)
    # mu = 3; I1: (3 + 15)/8 = 2.25 → D; I2: (15 + 15)/8 = 3.75 → C.
    assert got["rating"].to_list() == ["2.250", "3.750"]
    assert got["grade"].to_list() == ["D", "C"]
    no_d = rate_installers(counted_frame(rows), m=5, min_surveys=3, grades=GRADES[:3]).collect()
    assert no_d["grade"].to_list() == [None, "C"]


def test_repeated_installer_survey_rows_count_once() -> None:
    got = rate([("S1", "I1", 5), ("S1", "I1", 5), ("S2", "I1", 3)], m=0, min_surveys=0)
    assert got["surveys"].to_list() == [2]
    assert got["rating"].to_list() == ["4.000"]


def test_empty_input_gives_no_rows() -> None:
    got = rate_installers(counted_frame([]), m=5, min_surveys=3, grades=GRADES).collect()
    assert got.height == 0
    assert got.columns[:7] == [
        "installer_id",
        "surveys",
        "rating_sum",
        "rating_num",
        "rating_den",
        "rating",
        "grade",
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"grades": []}, "no grades"),
        ({"grades": [("B", Fraction(4)), ("A", Fraction(5))]}, "best first"),
        ({"grades": [("A", Fraction(2**70, 3))]}, "too large"),
        ({"m": -1}, "m must be"),
        ({"min_surveys": -1}, "min_surveys"),
    ],
)
def test_bad_parameters(kwargs: dict[str, object], message: str) -> None:
    params: dict[str, object] = {"m": 5, "min_surveys": 3, "grades": GRADES, **kwargs}
    with pytest.raises(ValueError, match=message):
        rate_installers(counted_frame([]), **params)  # type: ignore[arg-type]


def test_national_scale_values_stay_exact() -> None:
    # mu over 3 million surveys; an installer with 10 000 surveys summing 49 999.
    mu = Fraction(14_999_999, 3_000_000)
    frame = pl.DataFrame(
        {"total": [49_999], "count": [10_000], "mu_num": [mu.numerator], "mu_den": [mu.denominator]}
    )
    num, den = bayesian_fraction(
        pl.col("total"), pl.col("count"), pl.col("mu_num"), pl.col("mu_den"), 5
    )
    got = frame.select(num.alias("n"), den.alias("d"))
    expected = (49_999 + 5 * mu) / (10_000 + 5)
    assert (got["n"][0], got["d"][0]) == (expected.numerator, expected.denominator)


def test_reduce_fraction_refuses_to_wrap() -> None:
    frame = pl.DataFrame({"n": [2**62], "d": [3]})
    with pytest.raises(pl.exceptions.InvalidOperationError):
        frame.select(reduce_fraction(pl.col("n").cast(pl.Int128) * 4, pl.col("d"))[0])


def test_at_least_is_exact() -> None:
    frame = pl.DataFrame({"n": [23, 22999, 46], "d": [5, 5000, 10]})
    got = frame.select(at_least_expr(pl.col("n"), pl.col("d"), Fraction(46, 10)).alias("a"))
    assert got["a"].to_list() == [True, False, True]


@st.composite
def counted_case(draw: st.DrawFn) -> list[tuple[str, str, int]]:
    installers = [f"I{n}" for n in range(draw(st.integers(1, 5)))]
    rows: list[tuple[str, str, int]] = []
    for survey in range(draw(st.integers(1, 40))):
        overall = draw(st.integers(1, 5))
        who = draw(st.lists(st.sampled_from(installers), min_size=1, max_size=3, unique=True))
        rows.extend((f"S{survey}", installer, overall) for installer in who)
    return rows


def expected_ratings(
    rows: list[tuple[str, str, int]], m: int, min_surveys: int
) -> dict[str, tuple[Fraction, str, str]]:
    by_survey = {survey: overall for survey, _, overall in rows}
    mu = Fraction(sum(by_survey.values()), len(by_survey))
    scores: dict[str, list[int]] = {}
    for _, installer, overall in rows:
        scores.setdefault(installer, []).append(overall)
    out: dict[str, tuple[Fraction, str, str]] = {}
    for installer, values in scores.items():
        rating = (sum(values) + m * mu) / (len(values) + m)
        grade = "unrated"
        if len(values) >= min_surveys:
            grade = next(name for name, threshold in GRADES if rating >= threshold)
        out[installer] = (rating, str(round_half_up(rating, 3)), grade)
    return out


@settings(max_examples=150, deadline=None)
@given(rows=counted_case(), m=st.integers(0, 20), min_surveys=st.integers(0, 5))
def test_matches_fraction_arithmetic(
    rows: list[tuple[str, str, int]], m: int, min_surveys: int
) -> None:
    got = rate(rows, m=m, min_surveys=min_surveys)
    expected = expected_ratings(rows, m, min_surveys)
    assert got["installer_id"].to_list() == sorted(expected)
    for row in got.iter_rows(named=True):
        rating, text, grade = expected[row["installer_id"]]
        assert Fraction(row["rating_num"], row["rating_den"]) == rating
        assert (row["rating_num"], row["rating_den"]) == (rating.numerator, rating.denominator)
        assert row["rating"] == text
        assert row["grade"] == grade
