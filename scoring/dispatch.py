"""Order shares by rank (派单建议): a dealer's ranking turned into suggested shares of next
month's orders per team, from the plan's ``dispatch`` section.

Per dealer, each team the section covers (``teams``: kinds; default every team) gets a weight:
the first tier its rank (``by: rank``) or rating (``by: rating``) falls in, or
``unranked_weight`` without a rank. Shares are proportional to the weights and exact
(fractions). Then no team is starved: a team below ``minimum_share`` is raised to it, and the
rest is shared by the others in proportion to their weights, repeated until every team is at
least at the minimum (feasible when the teams times the minimum fit in 100%; otherwise, and
when every weight is 0, the shares are equal). Finally the shares are rounded to whole basis
points (0.01%) that add up to exactly 10000 per dealer: each share's floor, then one more to
the largest remainders, ties by ``team_id``. The minimum is taken in whole basis points
(rounded up), so every share at the minimum is exact and rounding never takes a team below it.

Each share has a reason in Chinese and English: the rank or rating and the weight, and whether
it was raised to the minimum or evened out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from scoring.rules.spec import Dispatch, DispatchTier

BASIS = 10_000

SHARES_SCHEMA = pl.Schema(
    [
        ("dealer_id", pl.String()),
        ("team_id", pl.String()),
        ("rank", pl.Int64()),
        ("rating", pl.String()),
        ("weight", pl.Int64()),
        ("share_bp", pl.Int64()),
        ("share", pl.String()),
        ("reason_zh", pl.String()),
        ("reason_en", pl.String()),
    ]
)


@dataclass
class _Team:
    team_id: str
    rank: int | None
    rating: str | None
    rating_value: Fraction | None
    weight: int
    zh: str
    en: str
    share: Fraction = Fraction(0)
    raised: bool = False


def dispatch_shares(ranking: pl.DataFrame, dispatch: Dispatch) -> pl.DataFrame:
    """Suggested shares per dealer and team (``SHARES_SCHEMA``), from the pipeline's ranking
    frame (``dealer_id, team_id, kind, rank, rating_num, rating_den, rating``)."""
    frame = ranking
    if dispatch.teams is not None:
        frame = frame.filter(pl.col("kind").cast(pl.String).is_in(list(dispatch.teams)))
    rows: list[dict[str, Any]] = []
    by_dealer: dict[str, list[_Team]] = {}
    for row in frame.sort("dealer_id", "team_id").iter_rows(named=True):
        by_dealer.setdefault(str(row["dealer_id"]), []).append(_weighed(row, dispatch))
    minimum_bp = math.ceil(dispatch.minimum_share * BASIS)
    for dealer_id, teams in by_dealer.items():
        note = _share_out(teams, Fraction(minimum_bp, BASIS))
        for team, points in zip(teams, _round(teams), strict=True):
            zh, en = team.zh, team.en
            if note is not None:
                zh, en = f"{zh};{note[0]}", f"{en}; {note[1]}"
            elif team.raised:
                zh = f"{zh};按最低份额 {_percent(minimum_bp)} 保底"
                en = f"{en}; raised to the minimum share {_percent(minimum_bp)}"
            rows.append(
                {
                    "dealer_id": dealer_id,
                    "team_id": team.team_id,
                    "rank": team.rank,
                    "rating": team.rating,
                    "weight": team.weight,
                    "share_bp": points,
                    "share": _percent(points),
                    "reason_zh": zh,
                    "reason_en": en,
                }
            )
    shares = pl.DataFrame(rows, schema=SHARES_SCHEMA)
    return shares.sort("dealer_id", "rank", "team_id", nulls_last=True)


def _weighed(row: dict[str, Any], dispatch: Dispatch) -> _Team:
    rank = row.get("rank")
    num, den = row.get("rating_num"), row.get("rating_den")
    value = Fraction(int(num), int(den)) if num is not None and den else None
    rating = row.get("rating")
    team = _Team(str(row["team_id"]), rank, rating, value, dispatch.unranked_weight, "", "")
    if rank is None:
        team.zh = f"本期无计入问卷、未排名,默认权重 {team.weight}"
        team.en = f"unranked (no counted survey): default weight {team.weight}"
        return team
    tier = _tier(rank, value, dispatch)
    team.weight = tier.weight
    if dispatch.by == "rank":
        team.zh = f"排名第 {rank},权重 {tier.weight}"
        team.en = f"rank {rank}: weight {tier.weight}"
    elif tier.at_least is not None:
        team.zh = f"评分 {rating} ≥ {_decimal(tier.at_least)},权重 {tier.weight}"
        team.en = f"rating {rating} >= {_decimal(tier.at_least)}: weight {tier.weight}"
    else:
        team.zh = f"评分 {rating},权重 {tier.weight}"
        team.en = f"rating {rating}: weight {tier.weight}"
    return team


def _tier(rank: int, rating: Fraction | None, dispatch: Dispatch) -> DispatchTier:
    for tier in dispatch.tiers:
        if dispatch.by == "rank" and (tier.up_to_rank is None or rank <= tier.up_to_rank):
            return tier
        if dispatch.by == "rating" and (
            tier.at_least is None or (rating is not None and rating >= tier.at_least)
        ):
            return tier
    return dispatch.tiers[-1]  # the plan check makes the last tier take every team


def _share_out(teams: list[_Team], minimum: Fraction) -> tuple[str, str] | None:
    """Set every team's exact share; a note for the whole dealer when they are evened out."""
    total = sum(t.weight for t in teams)
    if total == 0:
        for team in teams:
            team.share = Fraction(1, len(teams))
        return ("所有权重为 0,平均分配", "every weight is 0: equal shares")
    if minimum * len(teams) > 1:
        for team in teams:
            team.share = Fraction(1, len(teams))
        return (
            f"团队数 {len(teams)} 无法都满足最低份额,平均分配",
            f"{len(teams)} teams cannot all get the minimum share: equal shares",
        )
    floored: set[int] = set()
    while True:
        free = [i for i in range(len(teams)) if i not in floored]
        left = 1 - minimum * len(floored)
        weight = sum(teams[i].weight for i in free)
        below = [
            i for i in free if weight == 0 or Fraction(teams[i].weight, weight) * left < minimum
        ]
        if not below:
            break
        floored.update(below)
    for i, team in enumerate(teams):
        if i in floored:
            team.share, team.raised = minimum, True
        else:
            team.share = Fraction(team.weight, weight) * left
    return None


def _round(teams: list[_Team]) -> list[int]:
    """Whole basis points adding up to exactly 10000: floors, then the largest remainders
    (ties by team_id, the order of ``teams``)."""
    exact = [team.share * BASIS for team in teams]
    points = [math.floor(x) for x in exact]
    missing = BASIS - sum(points)
    order = sorted(range(len(teams)), key=lambda i: (-(exact[i] - points[i]), teams[i].team_id))
    for i in order[:missing]:
        points[i] += 1
    return points


def _percent(points: int) -> str:
    return f"{points // 100}.{points % 100:02d}%"


def _decimal(value: Fraction) -> str:
    """A plan's threshold as written (``4.6``), exact for any terminating decimal."""
    return str(Decimal(value.numerator) / Decimal(value.denominator))
