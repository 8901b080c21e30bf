"""Team ranking for dealers."""

from __future__ import annotations

import math
from fractions import Fraction

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from scoring.ranking import rank_teams, team_surveys, wilson_lower_expr

Z = 1.959964


def surveys_frame(rows: list[tuple[str, str, int]]) -> pl.LazyFrame:
    return pl.LazyFrame(
        rows,
        schema={"team_id": pl.String, "survey_id": pl.String, "overall": pl.Int8},
        orient="row",
    )


def teams_frame(rows: list[tuple[str, str]]) -> pl.LazyFrame:
    """(team_id, dealer_id) → a teams frame named after the team."""
    return pl.LazyFrame(
        {
            "team_id": [t for t, _ in rows],
            "name": [f"name {t}" for t, _ in rows],
            "dealer_id": [d for _, d in rows],
            "kind": ["outsourced"] * len(rows),
        }
    )


DEALERS = pl.LazyFrame({"dealer_id": ["D1", "D2"], "name": ["Dealer one", "Dealer two"]})


def rank(
    rows: list[tuple[str, str, int]],
    teams: list[tuple[str, str]],
    figures: pl.LazyFrame | None = None,
) -> pl.DataFrame:
    return rank_teams(
        surveys_frame(rows), teams_frame(teams), DEALERS, figures, m=20, good_from=4, z=Z
    ).collect()


def test_team_surveys_counts_a_survey_once_per_team() -> None:
    counted = pl.LazyFrame(
        {
            "survey_id": ["S1", "S1", "S2", "S3", "S3"],
            "installer_id": ["I1", "I2", "I1", "I2", "I3"],
            "overall": [5, 5, 4, 3, 3],
        }
    )
    installers = pl.LazyFrame({"installer_id": ["I1", "I2", "I3"], "team_id": ["T1", "T1", "T2"]})
    got = team_surveys(counted, installers).collect().sort("team_id", "survey_id")
    expected = pl.DataFrame(
        {
            "team_id": ["T1", "T1", "T1", "T2"],
            "survey_id": ["S1", "S2", "S3", "S3"],
            "overall": [5, 4, 3, 3],
        }
    )
    assert_frame_equal(got, expected)


def test_one_five_star_does_not_beat_two_hundred_at_four_point_nine() -> None:
    rows = [("BIG", f"B{i}", 5 if i < 180 else 4) for i in range(200)]  # mean 4.9
    rows.append(("LUCKY", "L1", 5))  # mean 5.0, one survey
    rows += [("AVG", f"A{i}", 4) for i in range(100)]  # the rest of the dealer: 4.0
    got = rank(rows, [("LUCKY", "D1"), ("AVG", "D1"), ("BIG", "D1")])
    assert got["team_id"].to_list() == ["BIG", "LUCKY", "AVG"]
    assert got["rank"].to_list() == [1, 2, 3]
    assert got["surveys"].to_list() == [200, 1, 100]
    # mu = (980 + 5 + 400) / 301; a team's rating is (sum + 20·mu) / (n + 20).
    mu = Fraction(1385, 301)
    big, lucky, avg = (980 + 20 * mu) / 220, (5 + 20 * mu) / 21, (400 + 20 * mu) / 120
    ratings = [Fraction(n, d) for n, d in zip(got["rating_num"], got["rating_den"], strict=True)]
    assert ratings == [big, lucky, avg]
    assert got["rating"].to_list() == ["4.873", "4.620", "4.100"]
    assert got["decided_by"].to_list() == [None, "rating", "rating"]
    assert got["dealer_mean"].to_list() == ["4.601"] * 3
    assert (got["dealer_mean_num"][0], got["dealer_mean_den"][0]) == (1385, 301)


def test_shrinkage_follows_the_dealer_mean() -> None:
    # With only these two teams mu is about 4.9005, just above BIG's own mean: the single
    # five is then pulled only to about 4.905 and edges ahead. The rank follows the exact
    # formula, not a rule of thumb.
    rows = [("BIG", f"B{i}", 5 if i < 180 else 4) for i in range(200)]
    rows.append(("LUCKY", "L1", 5))
    got = rank(rows, [("BIG", "D1"), ("LUCKY", "D1")])
    mu = Fraction(985, 201)
    assert (5 + 20 * mu) / 21 > (980 + 20 * mu) / 220
    assert got["team_id"].to_list() == ["LUCKY", "BIG"]


def test_equal_ratings_are_broken_by_wilson_then_team_id() -> None:
    rows = [
        ("T3", "C1", 5),
        ("T3", "C2", 3),
        ("T1", "A1", 4),
        ("T1", "A2", 4),
        ("T2", "B1", 3),
        ("T2", "B2", 5),
    ]
    got = rank(rows, [("T3", "D1"), ("T2", "D1"), ("T1", "D1")])
    # Same sum and count: same rating. T1 has two surveys >= 4, T2 and T3 one each.
    assert got["team_id"].to_list() == ["T1", "T2", "T3"]
    assert got["rank"].to_list() == [1, 2, 3]
    assert len(set(got["rating"])) == 1
    assert got["decided_by"].to_list() == [None, "wilson", "team_id"]
    assert got["good_surveys"].to_list() == [2, 1, 1]
    assert got["wilson_lower"][1] == got["wilson_lower"][2]
    assert got["wilson_lower"][0] > got["wilson_lower"][1]


def test_wilson_lower_bound_values() -> None:
    frame = pl.DataFrame({"good": [1, 0, 9, 0], "n": [1, 1, 10, 0]})
    got = frame.select(wilson_lower_expr(pl.col("good"), pl.col("n"), Z).alias("w"))["w"]
    z2 = Z * Z
    assert math.isclose(got[0], 1 / (1 + z2), rel_tol=1e-12)  # 0.2065…
    assert got[1] == 0.0
    p = 0.9
    exact = (p + z2 / 20 - Z * math.sqrt(p * (1 - p) / 10 + z2 / 400)) / (1 + z2 / 10)
    assert math.isclose(got[2], exact, rel_tol=1e-12)
    assert got[3] is None
    one = rank([("T1", "S1", 5)], [("T1", "D1")])
    assert one["wilson_lower"].to_list() == ["0.2065"]


def test_teams_without_a_counted_survey_are_listed_last_unranked() -> None:
    rows = [("T2", "S1", 3)]
    got = rank(rows, [("T0", "D1"), ("T2", "D1"), ("T1", "D1")])
    assert got["team_id"].to_list() == ["T2", "T0", "T1"]
    assert got["rank"].to_list() == [1, None, None]
    assert got["surveys"].to_list() == [1, 0, 0]
    assert got["rating"].to_list() == ["3.000", None, None]
    assert got["wilson_lower"].to_list() == ["0.0000", None, None]
    assert got["decided_by"].to_list() == [None, None, None]


def test_each_dealer_has_its_own_mean_and_ranks() -> None:
    rows = [
        ("A1", "S1", 5),
        ("A1", "S2", 5),
        ("A2", "S3", 3),
        ("B1", "S4", 2),
        ("B2", "S5", 1),
        ("B2", "S6", 4),
    ]
    teams = [("A1", "D1"), ("A2", "D1"), ("B1", "D2"), ("B2", "D2")]
    got = rank(rows, teams)
    assert got["dealer_id"].to_list() == ["D1", "D1", "D2", "D2"]
    assert got["dealer_name"].to_list() == ["Dealer one"] * 2 + ["Dealer two"] * 2
    assert got["team_id"].to_list() == ["A1", "A2", "B2", "B1"]
    assert got["rank"].to_list() == [1, 2, 1, 2]
    assert got["dealer_mean"].to_list() == ["4.333", "4.333", "2.333", "2.333"]
    # B2: (5 + 20·7/3) / 22 = 155/66; B1: (2 + 20·7/3) / 21 = 146/63.
    assert (got["rating_num"][2], got["rating_den"][2]) == (155, 66)
    assert (got["rating_num"][3], got["rating_den"][3]) == (146, 63)


def test_side_figures() -> None:
    figures = pl.LazyFrame(
        {
            "team_id": ["T1", "T2", "T3"],
            "completed_jobs": [8, 3, 0],
            "complaints_at_fault": [1, 2, 0],
            "revisit_reached_jobs": [7, 2, 0],
        }
    )
    rows = [("T1", "S1", 5), ("T2", "S2", 4), ("T3", "S3", 3)]
    got = rank(rows, [("T1", "D1"), ("T2", "D1"), ("T3", "D1"), ("T4", "D1")], figures)
    assert got.select(
        "team_id",
        "completed_jobs",
        "complaints_at_fault",
        "complaints_per_100_jobs",
        "revisit_reached_jobs",
        "revisit_reach_rate",
    ).rows() == [
        ("T1", 8, 1, "12.50", 7, "87.5%"),
        ("T2", 3, 2, "66.67", 2, "66.7%"),
        ("T3", 0, 0, None, 0, None),
        ("T4", 0, 0, None, 0, None),
    ]


def test_columns() -> None:
    got = rank([("T1", "S1", 5)], [("T1", "D1")])
    assert got.columns == [
        "dealer_id",
        "dealer_name",
        "rank",
        "team_id",
        "team_name",
        "kind",
        "surveys",
        "survey_sum",
        "good_surveys",
        "rating",
        "rating_num",
        "rating_den",
        "wilson_lower",
        "decided_by",
        "dealer_mean",
        "dealer_mean_num",
        "dealer_mean_den",
        "completed_jobs",
        "complaints_at_fault",
        "complaints_per_100_jobs",
        "revisit_reached_jobs",
        "revisit_reach_rate",
    ]
    assert got["team_name"].to_list() == ["name T1"]
    assert got["kind"].to_list() == ["outsourced"]


def wilson(good: int, n: int) -> float:
    p = good / n
    z2 = Z * Z
    centre = p + z2 / (2 * n)
    margin = Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, (centre - margin) / (1 + z2 / n))


@st.composite
def dealer_case(draw: st.DrawFn) -> tuple[list[tuple[str, str, int]], list[tuple[str, str]]]:
    team_ids = [f"T{n}" for n in range(draw(st.integers(1, 7)))]
    teams = [(team, draw(st.sampled_from(["D1", "D2"]))) for team in team_ids]
    rows: list[tuple[str, str, int]] = []
    for survey in range(draw(st.integers(0, 40))):
        team = draw(st.sampled_from(team_ids))
        rows.append((team, f"S{survey}", draw(st.integers(1, 5))))
    return rows, teams


@settings(max_examples=120, deadline=None)
@given(case=dealer_case())
def test_matches_a_fraction_reference(
    case: tuple[list[tuple[str, str, int]], list[tuple[str, str]]],
) -> None:
    rows, teams = case
    got = rank(rows, teams)
    dealer_of = dict(teams)
    expected_order: list[tuple[str, str, int | None]] = []
    for dealer in sorted(set(dealer_of.values())):
        mine = [t for t, d in teams if d == dealer]
        scores = [(t, o) for t, _, o in rows if dealer_of[t] == dealer]
        ranked = []
        if scores:
            mu = Fraction(sum(o for _, o in scores), len(scores))
            for team in mine:
                values = [o for t, o in scores if t == team]
                if values:
                    rating = (sum(values) + 20 * mu) / (len(values) + 20)
                    good = sum(1 for v in values if v >= 4)
                    ranked.append((-rating, -wilson(good, len(values)), team))
        ranked.sort()
        expected_order += [(dealer, team, i + 1) for i, (_, _, team) in enumerate(ranked)]
        unranked = sorted(set(mine) - {team for _, _, team in ranked})
        expected_order += [(dealer, team, None) for team in unranked]
    assert got.select("dealer_id", "team_id", "rank").rows() == expected_order
