"""Order shares by rank (派单建议): weights per tier, the minimum share, exact 100%."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from scoring.dispatch import dispatch_shares
from scoring.rules.spec import Dispatch
from tests.test_evaluate_builders import World, standard


def ranking(
    *teams: tuple[str, str, int | None, str | None], kind: str = "outsourced"
) -> pl.DataFrame:
    """(dealer_id, team_id, rank, rating) rows as the pipeline's ranking frame has them."""
    rows: list[dict[str, Any]] = []
    for dealer_id, team_id, rank, rating in teams:
        value = Fraction(rating) if rating is not None else None
        rows.append(
            {
                "dealer_id": dealer_id,
                "team_id": team_id,
                "kind": kind,
                "rank": rank,
                "rating": rating,
                "rating_num": value.numerator if value is not None else None,
                "rating_den": value.denominator if value is not None else None,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "dealer_id": pl.String,
            "team_id": pl.String,
            "kind": pl.String,
            "rank": pl.Int64,
            "rating": pl.String,
            "rating_num": pl.Int64,
            "rating_den": pl.Int64,
        },
    )


BY_RANK = Dispatch.model_validate(
    {
        "by": "rank",
        "tiers": [{"up_to_rank": 1, "weight": 4}, {"up_to_rank": 3, "weight": 3}, {"weight": 2}],
        "unranked_weight": 2,
        "minimum_share": "0.05",
    }
)


def test_shares_follow_the_rank_tiers_and_add_up_to_exactly_100_percent() -> None:
    frame = ranking(
        ("D1", "T1", 1, "4.700"),
        ("D1", "T2", 2, "4.500"),
        ("D1", "T3", 3, "4.400"),
        ("D1", "T4", None, None),
    )
    shares = dispatch_shares(frame, BY_RANK)
    # weights 4, 3, 3, 2 of 12: 33.333…%, 25%, 25%, 16.666…%; one basis point to T1's .33.
    assert shares.select("team_id", "weight", "share_bp", "share").rows() == [
        ("T1", 4, 3333, "33.33%"),
        ("T2", 3, 2500, "25.00%"),
        ("T3", 3, 2500, "25.00%"),
        ("T4", 2, 1667, "16.67%"),
    ]
    reasons = dict(shares.select("team_id", "reason_en").rows())
    assert reasons["T1"] == "rank 1: weight 4"
    assert reasons["T4"] == "unranked (no counted survey): default weight 2"
    assert dict(shares.select("team_id", "reason_zh").rows())["T2"] == "排名第 2,权重 3"


def test_a_starved_team_is_raised_to_the_minimum_and_the_others_share_the_rest() -> None:
    dispatch = BY_RANK.model_copy(update={"unranked_weight": 0})
    frame = ranking(("D1", "T1", 1, "4.7"), ("D1", "T2", 2, "4.5"), ("D1", "T9", None, None))
    shares = dispatch_shares(frame, dispatch)
    # T9: weight 0 -> 5%; T1, T2 share 95% as 4 : 3.
    assert shares.select("team_id", "share_bp").rows() == [
        ("T1", 5429),
        ("T2", 4071),
        ("T9", 500),
    ]
    reason = dict(shares.select("team_id", "reason_en").rows())["T9"]
    assert reason.endswith("raised to the minimum share 5.00%")


def test_too_many_teams_for_the_minimum_get_equal_shares() -> None:
    teams = [("D1", f"T{i:02d}", i + 1, "4.0") for i in range(21)]
    shares = dispatch_shares(ranking(*teams), BY_RANK)
    assert shares.get_column("share_bp").sum() == 10_000
    assert set(shares.get_column("share_bp").to_list()) == {476, 477}
    assert "equal shares" in shares.get_column("reason_en")[0]


def test_by_rating_bands_and_the_kinds_of_teams() -> None:
    dispatch = Dispatch.model_validate(
        {
            "by": "rating",
            "tiers": [
                {"at_least": "4.6", "weight": 3},
                {"at_least": "4.2", "weight": 2},
                {"weight": 1},
            ],
            "unranked_weight": 1,
            "teams": ["outsourced"],
        }
    )
    frame = pl.concat(
        [
            ranking(("D1", "T1", 1, "4.600"), ("D1", "T2", 2, "4.300"), ("D1", "T3", 3, "3.900")),
            ranking(("D1", "T0", 1, "4.9"), kind="in_house"),
        ]
    )
    shares = dispatch_shares(frame, dispatch)
    assert shares.select("team_id", "weight", "share_bp").rows() == [
        ("T1", 3, 5000),
        ("T2", 2, 3333),
        ("T3", 1, 1667),
    ]
    assert shares.get_column("reason_en")[0] == "rating 4.600 >= 4.6: weight 3"


def test_every_weight_zero_gives_equal_shares_per_dealer() -> None:
    dispatch = BY_RANK.model_copy(
        update={"tiers": [BY_RANK.tiers[-1].model_copy(update={"weight": 0})], "unranked_weight": 0}
    )
    frame = ranking(
        ("D1", "T1", 1, "4"), ("D1", "T2", 2, "4"), ("D1", "T3", 3, "4"), ("D2", "T4", 1, "4")
    )
    shares = dispatch_shares(frame, dispatch)
    assert shares.select("dealer_id", "team_id", "share_bp").rows() == [
        ("D1", "T1", 3334),
        ("D1", "T2", 3333),
        ("D1", "T3", 3333),
        ("D2", "T4", 10_000),
    ]


@pytest.mark.parametrize(
    ("tiers", "by", "needle"),
    [
        ([{"up_to_rank": 3, "weight": 1}], "rank", "the last tier has no up_to_rank"),
        ([{"weight": 1}, {"weight": 2}], "rank", "the last tier has no up_to_rank"),
        (
            [{"up_to_rank": 3, "weight": 1}, {"up_to_rank": 2, "weight": 1}, {"weight": 1}],
            "rank",
            "ascending",
        ),
        (
            [{"at_least": "4", "weight": 1}, {"at_least": "4.5", "weight": 1}, {"weight": 1}],
            "rating",
            "descending",
        ),
        ([{"at_least": "4", "weight": 1}, {"weight": 1}], "rank", "tiers use up_to_rank"),
    ],
)
def test_badly_ordered_tiers_are_refused(tiers: list[dict[str, Any]], by: str, needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        Dispatch.model_validate({"by": by, "tiers": tiers, "unranked_weight": 1})


def test_the_standard_plan_gives_shares_from_the_pipelines_ranking() -> None:
    world = World.basic()
    world.team("T2", "D1")
    world.team("T3", "D1")
    world.installer("I4", team="T2")
    world.installer("I5", team="T3")
    world.job("J1", {"I1": "1"})
    world.job("J2", {"I4": "1"})
    world.survey("S1", "J1", overall=5)
    world.survey("S2", "J2", overall=3)
    result = world.run()
    plan = standard()
    assert plan.dispatch is not None
    shares = dispatch_shares(result.ranking, plan.dispatch)
    # weights 4, 3 and 2 (unranked) of 9; the spare basis point to the largest remainder.
    assert shares.select("team_id", "rank", "share_bp").rows() == [
        ("T1", 1, 4445),
        ("T2", 2, 3333),
        ("T3", None, 2222),
    ]


_WEIGHTS = st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=25)


@settings(max_examples=200, deadline=None)
@given(_WEIGHTS, st.integers(min_value=0, max_value=2000), st.integers(0, 8))
def test_shares_add_up_to_10000_and_keep_the_minimum_when_feasible(
    weights: list[int], minimum_bp: int, unranked: int
) -> None:
    dispatch = Dispatch.model_validate(
        {
            "by": "rank",
            "tiers": [{"up_to_rank": r + 1, "weight": w} for r, w in enumerate(weights)]
            + [{"weight": 1}],
            "unranked_weight": 3,
            "minimum_share": str(Fraction(minimum_bp, 10_000)),
        }
    )
    teams = [("D1", f"T{r:02d}", r + 1, "4") for r in range(len(weights))]
    teams += [("D1", f"U{u}", None, None) for u in range(unranked)]
    shares = dispatch_shares(ranking(*teams), dispatch)
    points = shares.get_column("share_bp").to_list()
    assert sum(points) == 10_000
    assert all(p >= 0 for p in points)
    if minimum_bp * len(teams) <= 10_000:
        assert min(points) >= minimum_bp
