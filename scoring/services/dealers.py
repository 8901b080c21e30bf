"""The dealer's pages: its teams ranked in a month with their figures, the change against the
month before, suggested order shares (派单建议), today's service-level warnings, and one team
with its installers and its trend.

Every read is an indexed query of a stored result (never a computation, never a whole month):
the ranking rows of one dealer by (period, status, dealer_id), one team's by (period, status,
team_id), the statements of one team's installers as a range of the dealer index. The shares
come from the ``dispatch`` section of the plan that computed the result, applied to the
dealer's stored ranking (:func:`scoring.dispatch.dispatch_shares`).

Scope: a dealer user sees its own dealers (another dealer, or a team of another dealer, is not
found: nothing says it exists); HR and operations every dealer.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import polars as pl
from sqlalchemy import Connection

from scoring.dispatch import dispatch_shares
from scoring.errors import NotFoundError
from scoring.period import Period
from scoring.periods import plan_from_stored
from scoring.ranking import wilson_interval
from scoring.rules.spec import Plan
from scoring.services import sla_warnings
from scoring.services.access import Caller, Right, require
from scoring.services.periods import ResultPeriod, result_periods
from scoring.services.statements import NotComputed, Source, page_bounds, source_in
from scoring.store import Store, results
from scoring.store import periods as store_periods
from scoring.store import plans as store_plans
from scoring.store.directory import dealer_exists, dealer_names
from scoring.store.plans import StoredPlan

#: Teams on one page of a dealer's ranking (by default).
PAGE_TEAMS = 50
#: Dealers offered in the picker at most (HR and operations on a national network).
MAX_DEALERS = 2000
#: Months of a team's trend (the chosen one and the eleven before it).
TREND_MONTHS = 12
#: Warnings listed on the dealer's page at most.
MAX_WARNINGS = 200
#: The interval drawn around a team's share of good surveys when the plan gives none (95%).
DEFAULT_Z = 1.959964
#: Why a team has no rank (the ranking leaves out teams without a counted survey).
NO_SURVEYS = "no_surveys"


def _rate(num: int | None, den: int | None) -> Fraction | None:
    n, d = int(num or 0), int(den or 0)
    return Fraction(n, d) if d > 0 else None


@dataclass(frozen=True)
class Share:
    """A team's suggested share of next month's orders, in basis points (10000 = 100%)."""

    share_bp: int
    weight: int
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class TeamFigures:
    """One team's month in the words of the dealer's page (numbers; the page words them)."""

    period: str
    dealer_id: str | None
    team_id: str
    team_name: str | None
    kind: str | None
    rank: int | None
    rating: str | None
    surveys: int
    good_surveys: int
    completed_jobs: int
    complaints_at_fault: int
    revisit_reached_jobs: int
    sla_met: int
    sla_checks: int
    #: 95% interval of the share of good surveys (None without a survey).
    interval: tuple[float, float] | None
    #: Why the team is not ranked (None when ranked).
    unranked: str | None
    #: The same team the month before (None: no result then, or the team was not in it).
    before: TeamFigures | None = None
    share: Share | None = None
    #: Today's warnings by kind (sla_warnings.KINDS).
    warnings: Mapping[str, int] = field(default_factory=dict)

    @property
    def good_rate(self) -> Fraction | None:
        """好评率: good surveys of the counted ones."""
        return _rate(self.good_surveys, self.surveys)

    @property
    def complaint_rate(self) -> Fraction | None:
        """有责投诉率: complaints at fault per completed job."""
        return _rate(self.complaints_at_fault, self.completed_jobs)

    @property
    def revisit_rate(self) -> Fraction | None:
        """回访完成率: completed jobs whose revisit reached the customer in time."""
        return _rate(self.revisit_reached_jobs, self.completed_jobs)

    @property
    def sla_rate(self) -> Fraction | None:
        """服务承诺达成率: service-level checks met of those due."""
        return _rate(self.sla_met, self.sla_checks)

    @property
    def warning_count(self) -> int:
        return sum(self.warnings.values())


def figures_of(period: str, row: Mapping[str, Any], z: float) -> TeamFigures:
    """A stored ranking row as :class:`TeamFigures`."""
    surveys = int(row.get("surveys") or 0)
    good = int(row.get("good_surveys") or 0)
    rank = row.get("rank")
    return TeamFigures(
        period=period,
        dealer_id=row.get("dealer_id"),
        team_id=str(row.get("team_id")),
        team_name=row.get("team_name"),
        kind=row.get("kind"),
        rank=int(rank) if rank is not None else None,
        rating=row.get("rating"),
        surveys=surveys,
        good_surveys=good,
        completed_jobs=int(row.get("completed_jobs") or 0),
        complaints_at_fault=int(row.get("complaints_at_fault") or 0),
        revisit_reached_jobs=int(row.get("revisit_reached_jobs") or 0),
        sla_met=int(row.get("sla_met") or 0),
        sla_checks=int(row.get("sla_checks") or 0),
        interval=wilson_interval(good, surveys, z),
        unranked=None if rank is not None else NO_SURVEYS,
    )


@dataclass(frozen=True)
class Method:
    """How the ranking was made, for the page's one short explanation."""

    #: The rating counts as if ``m`` more surveys at the dealer's mean had come in.
    m: int | None
    #: The dealer's mean this month (text, as stored), toward which few surveys shrink.
    dealer_mean: str | None
    #: A survey with an overall score of at least this is good.
    good_from: int | None
    #: The interval's confidence in percent (95).
    confidence: int


@dataclass(frozen=True)
class Dealer:
    dealer_id: str
    name: str | None


@dataclass(frozen=True)
class DealerRanking:
    period: str
    source: Source
    #: Months with a result to pick from, newest first.
    months: list[ResultPeriod]
    #: Dealers the caller may pick in this month (one for most dealer users).
    dealers: list[Dealer]
    dealer: Dealer | None
    #: The month before, when it has a result (the change is against it).
    previous: str | None
    total: int
    offset: int
    limit: int
    #: The page of teams, best first.
    teams: list[TeamFigures]
    method: Method
    #: The plan has a dispatch section (shares are shown).
    dispatch: bool
    #: The day of the newest warnings run (None: none stored yet) and its rows for the dealer.
    warnings_day: str | None
    warnings: list[dict[str, Any]]
    #: Per team with a warning: ``team_id``, ``team_name`` and the count of each kind.
    warnings_by_team: list[dict[str, Any]] = field(default_factory=list)
    #: Ranked teams and all teams of the dealer (for the summary).
    ranked: int = 0


def _result_status(conn: Connection, period: str) -> results.Status | None:
    row = store_periods.get_period(conn, period)
    if row is not None and row.status == "closed":
        return results.CLOSED
    return results.DRAFT if store_periods.get_draft(conn, period) is not None else None


def _plan_key(conn: Connection, period: str) -> tuple[str, str] | None:
    row = store_periods.get_period(conn, period)
    if row is not None and row.status == "closed" and row.plan_id and row.plan_version:
        return row.plan_id, row.plan_version
    draft = store_periods.get_draft(conn, period)
    if draft is not None and draft.plan_id and draft.plan_version:
        return draft.plan_id, draft.plan_version
    return None


@functools.lru_cache(maxsize=16)
def _parsed_plan(plan_id: str, version: str, checksum: str, content: str) -> Plan:
    return plan_from_stored(StoredPlan(plan_id, version, "", checksum, content, None))


def _plan_of(conn: Connection, period: str) -> Plan | None:
    """The plan that computed the period's result (parsed once per version)."""
    key = _plan_key(conn, period)
    stored = store_plans.find_plan(conn, *key) if key else None
    if stored is None:
        return None
    return _parsed_plan(stored.plan_id, stored.version, stored.checksum, stored.content)


def _z(plan: Plan | None) -> float:
    return float(plan.ranking.z) if plan is not None else DEFAULT_Z


def _shares(plan: Plan | None, rows: list[dict[str, Any]]) -> dict[str, Share]:
    if plan is None or plan.dispatch is None or not rows:
        return {}
    frame = pl.DataFrame(
        [
            {
                "dealer_id": r.get("dealer_id"),
                "team_id": r.get("team_id"),
                "kind": r.get("kind"),
                "rank": r.get("rank"),
                "rating_num": r.get("rating_num"),
                "rating_den": r.get("rating_den"),
                "rating": r.get("rating"),
            }
            for r in rows
        ],
        schema={
            "dealer_id": pl.String,
            "team_id": pl.String,
            "kind": pl.String,
            "rank": pl.Int64,
            "rating_num": pl.Int64,
            "rating_den": pl.Int64,
            "rating": pl.String,
        },
    )
    shares = dispatch_shares(frame, plan.dispatch)
    return {
        str(s["team_id"]): Share(
            int(s["share_bp"]), int(s["weight"]), str(s["reason_zh"]), str(s["reason_en"])
        )
        for s in shares.iter_rows(named=True)
    }


def _dealers(conn: Connection, caller: Caller, status: results.Status, period: str) -> list[Dealer]:
    ids = [d for d in results.ranking_dealers(conn, status, period) if caller.sees_dealer(d)]
    ids = ids[:MAX_DEALERS]
    names = dealer_names(conn, ids)
    return [Dealer(d, names.get(d)) for d in ids]


def _not_found_dealer(dealer_id: str) -> NotFoundError:
    return NotFoundError(f"没有这个经销商 / no dealer {dealer_id!r}")


def dealer_ranking(
    store: Store,
    *,
    caller: Caller,
    period: Period,
    dealer_id: str | None = None,
    offset: int = 0,
    limit: int | None = PAGE_TEAMS,
) -> DealerRanking:
    """One dealer's teams in ``period`` (default dealer: the first the caller may see), a
    page of them with their figures, the change against last month, the order shares and the
    newest warnings. A dealer outside the caller's scope is not found."""
    require(caller, Right.READ_RANKING)
    offset, limit = page_bounds(offset, limit)
    if dealer_id is not None and not caller.sees_dealer(dealer_id):
        raise _not_found_dealer(dealer_id)
    months = result_periods(store, caller=caller) if caller.may(Right.READ_STATEMENTS) else []
    with store.snapshot() as conn:
        source = source_in(conn, period)
        dealers = _dealers(conn, caller, source.status, period.name)
        chosen: Dealer | None
        if dealer_id is None:
            chosen = dealers[0] if dealers else None
        else:
            chosen = next((d for d in dealers if d.dealer_id == dealer_id), None)
            if chosen is None:  # beyond the picker's list, or without teams this month
                if not dealer_exists(conn, dealer_id):
                    raise _not_found_dealer(dealer_id)
                chosen = Dealer(dealer_id, dealer_names(conn, [dealer_id]).get(dealer_id))
        rows: list[dict[str, Any]] = []
        before_rows: list[dict[str, Any]] = []
        previous = period.previous().name
        plan = _plan_of(conn, period.name)
        if chosen is not None:
            rows, _ = results.ranking(
                conn, source.status, period.name, dealer_ids=[chosen.dealer_id]
            )
            before_status = _result_status(conn, previous)
            if before_status is not None:
                before_rows, _ = results.ranking(
                    conn, before_status, previous, dealer_ids=[chosen.dealer_id]
                )
        if _result_status(conn, previous) is None:
            previous_name: str | None = None
        else:
            previous_name = previous
        before_plan = _plan_of(conn, previous) if before_rows else None
    z = _z(plan)
    shares = _shares(plan, rows)
    before = {str(r.get("team_id")): figures_of(previous, r, _z(before_plan)) for r in before_rows}
    day, warning_rows, by_team = _warnings(store, caller, chosen)
    teams = [
        _with(
            figures_of(period.name, row, z),
            before=before.get(str(row.get("team_id"))),
            share=shares.get(str(row.get("team_id"))),
            warnings=by_team.get(str(row.get("team_id")), {}),
        )
        for row in rows
    ]
    first = rows[0] if rows else {}
    method = Method(
        m=plan.ranking.m if plan is not None else None,
        dealer_mean=first.get("dealer_mean"),
        good_from=plan.ranking.good_from if plan is not None else None,
        confidence=95,
    )
    names = {t.team_id: t.team_name for t in teams}
    for w in warning_rows:
        w["team_name"] = names.get(str(w.get("team_id")))
    per_team = [
        {"team_id": team_id, "team_name": names.get(team_id)} | counts
        for team_id, counts in by_team.items()
    ]
    return DealerRanking(
        period=period.name,
        source=source,
        months=months,
        dealers=dealers,
        dealer=chosen,
        previous=previous_name,
        total=len(teams),
        offset=offset,
        limit=limit,
        teams=teams[offset : offset + limit],
        method=method,
        dispatch=plan is not None and plan.dispatch is not None,
        warnings_day=day,
        warnings=warning_rows,
        warnings_by_team=per_team,
        ranked=sum(1 for t in teams if t.rank is not None),
    )


def _with(figures: TeamFigures, **changes: Any) -> TeamFigures:
    return replace(figures, **changes)


def _warnings(
    store: Store, caller: Caller, dealer: Dealer | None
) -> tuple[str | None, list[dict[str, Any]], dict[str, dict[str, int]]]:
    if dealer is None or not caller.may(Right.SERVICE_LEVELS):
        return None, [], {}
    try:
        found = sla_warnings.warnings(
            store, caller=caller, dealer_id=dealer.dealer_id, limit=MAX_WARNINGS
        )
    except NotFoundError:  # a dealer of the ranking no longer in the directory
        return None, [], {}
    by_team = {
        str(row["team_id"]): {kind: int(row[kind]) for kind in sla_warnings.KINDS}
        for row in found.by_team
    }
    return found.day, [dict(row) for row in found.rows], by_team


@dataclass(frozen=True)
class TrendMonth:
    period: str
    #: The team's figures that month (None: no result, or the team was not in it).
    figures: TeamFigures | None


@dataclass(frozen=True)
class TeamDetail:
    period: str
    source: Source
    dealer: Dealer
    team: TeamFigures
    #: The statements of the team's installers this month, by installer id.
    installers: list[dict[str, Any]]
    #: The trend months, oldest first (the chosen one last).
    trend: list[TrendMonth]
    method: Method


def _not_found_team(team_id: str) -> NotFoundError:
    return NotFoundError(f"没有这个团队 / no team {team_id!r}")


def team_detail(store: Store, *, caller: Caller, period: Period, team_id: str) -> TeamDetail:
    """One team in ``period``: its figures, its installers' statements and its trend over
    :data:`TREND_MONTHS` months. A team of a dealer outside the caller's scope is not found."""
    require(caller, Right.READ_RANKING)
    with store.snapshot() as conn:
        source = source_in(conn, period)
        row = results.ranking_team(conn, source.status, period.name, team_id)
        if row is None or not caller.sees_dealer(row.get("dealer_id")):
            raise _not_found_team(team_id)
        dealer_id = str(row["dealer_id"])
        plan = _plan_of(conn, period.name)
        z = _z(plan)
        statements: list[dict[str, Any]] = []
        if caller.may(Right.READ_STATEMENTS):
            statements = [
                s
                for s in results.team_statements(
                    conn, source.status, period.name, dealer_id, team_id
                )
                if caller.sees_installer(str(s["installer_id"]), s.get("dealer_id"))
            ]
        trend: list[TrendMonth] = []
        month = period
        for _ in range(TREND_MONTHS):
            status = _result_status(conn, month.name)
            found = (
                results.ranking_team(conn, status, month.name, team_id)
                if status is not None
                else None
            )
            if found is not None and not caller.sees_dealer(found.get("dealer_id")):
                found = None
            figures = figures_of(month.name, found, z) if found is not None else None
            trend.append(TrendMonth(month.name, figures))
            month = month.previous()
        trend.reverse()
        names = dealer_names(conn, [dealer_id])
    while trend and trend[0].figures is None:  # start at the first month with figures
        trend.pop(0)
    before = trend[-2].figures if len(trend) >= 2 else None
    team = _with(figures_of(period.name, row, z), before=before)
    return TeamDetail(
        period=period.name,
        source=source,
        dealer=Dealer(dealer_id, names.get(dealer_id)),
        team=team,
        installers=statements,
        trend=trend,
        method=Method(
            m=plan.ranking.m if plan is not None else None,
            dealer_mean=row.get("dealer_mean"),
            good_from=plan.ranking.good_from if plan is not None else None,
            confidence=95,
        ),
    )


__all__ = [
    "NO_SURVEYS",
    "PAGE_TEAMS",
    "Dealer",
    "DealerRanking",
    "Method",
    "NotComputed",
    "Share",
    "TeamDetail",
    "TeamFigures",
    "TrendMonth",
    "dealer_ranking",
    "figures_of",
    "team_detail",
]
