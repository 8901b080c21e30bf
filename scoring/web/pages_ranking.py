"""The dealer's pages (templates ``ranking.html`` and ``team.html``).

- ``/ranking``: the newest month with a result (or ``?period=``), keeping ``?dealer=``.
- ``/ranking/{period}``: one dealer's teams ranked (``?dealer=``: one of the caller's dealers,
  HR and operations any; default the first), a page at a time (``?offset=``, ``?limit=``):
  cards on a phone, a table on a desktop; 好评率 with its 95% interval as a chart, 有责投诉率,
  回访完成率, 服务承诺达成率, the change against last month, 派单建议 with the reason of each
  share, today's service-level warnings, the method explained once and the monthly report.
- ``/ranking/{period}/teams/{team_id}``: one team: its installers and its trend.
- ``/ranking/{period}/report?dealer=&format=xlsx|html``: the monthly report (每月例会通报).

Every figure is read by one service function (:mod:`scoring.services.dealers`); here they
become words in the page's language.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from markupsafe import Markup

from scoring.errors import NotFoundError
from scoring.money import round_half_up
from scoring.period import Period
from scoring.services import dealers, sla_warnings
from scoring.services.dealers import DealerRanking, TeamDetail, TeamFigures
from scoring.services.periods import result_periods
from scoring.web import charts, i18n
from scoring.web.auth import ReadRankingCaller, SignedIn
from scoring.web.deps import PeriodDep, ServicesDep, StoreDep
from scoring.web.pages_me import month_label
from scoring.web.report_files import report_file
from scoring.web.templating import render
from scoring.web.urls import path

router = APIRouter(tags=["pages"], include_in_schema=False, dependencies=[SignedIn])

DealerQuery = Annotated[str | None, Query(min_length=1, max_length=200)]


# -- figures in words ---------------------------------------------------------------------------


def percent(value: Fraction | None) -> str:
    """A share as a percentage with one decimal (half up): ``Fraction(14, 15)`` → ``93.3%``."""
    return "—" if value is None else f"{round_half_up(value * 100, 1)}%"


def points_change(now: Fraction | None, before: Fraction | None, lang: str) -> str | None:
    """The change of a share in percentage points, in words; "持平" when it rounds to 0.0;
    None when either month has no value."""
    if now is None or before is None:
        return None
    points = round_half_up((now - before) * 100, 1)
    if points == 0:
        return i18n.text("change.same", lang)
    key = "change.points_up" if points > 0 else "change.points_down"
    return i18n.text(key, lang, n=abs(points))


def rank_change(team: TeamFigures, lang: str) -> str | None:
    """How many places the team rose or fell since last month, in words."""
    before = team.before
    if before is None or team.rank is None or before.rank is None:
        return None
    moved = before.rank - team.rank
    if moved == 0:
        return i18n.text("change.same", lang)
    return i18n.text("change.up" if moved > 0 else "change.down", lang, n=abs(moved))


def change_words(team: TeamFigures, previous: str | None, lang: str) -> list[str]:
    """The month-over-month change of a team: its place and its 好评率."""
    if previous is None:
        return []
    before = team.before
    if before is None:
        return [i18n.text("change.new", lang)]
    found = []
    rank = rank_change(team, lang)
    if rank is not None:
        found.append(i18n.text("change.rank", lang, change=rank))
    elif team.rank is not None:
        found.append(i18n.text("change.ranked_now", lang))
    elif before.rank is not None:
        found.append(i18n.text("change.was_ranked", lang, rank=before.rank))
    good = points_change(team.good_rate, before.good_rate, lang)
    if good is not None:
        found.append(i18n.text("change.good", lang, change=good))
    return found


def share_text(points: int) -> str:
    return f"{points // 100}.{points % 100:02d}%"


def interval_chart(teams: list[TeamFigures], lang: str) -> Markup:
    """The teams' 好评率 with its 95% interval (few surveys: a wide bar)."""
    rows = [
        charts.Interval(
            label=team.team_name or team.team_id,
            value=float(team.good_surveys / team.surveys),
            low=team.interval[0],
            high=team.interval[1],
            note=i18n.text("ranking.chart_note", lang, n=team.surveys),
        )
        for team in teams
        if team.interval is not None and team.surveys
    ]
    return charts.interval_chart(
        rows,
        title=i18n.text("ranking.chart_title", lang),
        value_text=lambda v: f"{v * 100:.0f}%",
        low=0,
        high=1,
        empty_text=i18n.text("ranking.chart_empty", lang),
    )


def _page_link(view: DealerRanking, offset: int) -> str:
    dealer = view.dealer.dealer_id if view.dealer else None
    limit = view.limit if view.limit != dealers.PAGE_TEAMS else None
    return path("ranking", view.period, dealer=dealer, offset=offset or None, limit=limit)


def pager(view: DealerRanking) -> dict[str, object]:
    shown = len(view.teams)
    return {
        "first": view.offset + 1 if shown else 0,
        "last": view.offset + shown,
        "total": view.total,
        "previous": _page_link(view, max(0, view.offset - view.limit)) if view.offset else None,
        "next": _page_link(view, view.offset + view.limit)
        if view.offset + shown < view.total
        else None,
    }


# -- routes ---------------------------------------------------------------------------------------


@router.get("/ranking")
def newest_ranking(
    store: StoreDep,
    caller: ReadRankingCaller,
    period: Annotated[str | None, Query(max_length=20)] = None,
    dealer: DealerQuery = None,
) -> RedirectResponse:
    """团队排名 / the ranking of ``period`` (the month picker), or of the newest month with a
    result."""
    if period:
        chosen = Period.parse(period).name
    else:
        found = result_periods(store, caller=caller)
        if not found:
            raise NotFoundError("还没有计算过任何期间 / no period has been computed yet")
        chosen = found[0].period
    return RedirectResponse(path("ranking", chosen, dealer=dealer), status_code=303)


@router.get("/ranking/{period}", response_class=HTMLResponse)
def ranking_page(
    request: Request,
    period: PeriodDep,
    services: ServicesDep,
    caller: ReadRankingCaller,
    dealer: DealerQuery = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = dealers.PAGE_TEAMS,
) -> HTMLResponse:
    """团队排名 / a dealer's teams ranked, a page at a time."""
    view = dealers.dealer_ranking(
        services.store, caller=caller, period=period, dealer_id=dealer, offset=offset, limit=limit
    )
    lang = i18n.lang_of(request)
    return render(
        request,
        "ranking.html",
        view=view,
        path=path,
        percent=percent,
        share_text=share_text,
        changes={t.team_id: change_words(t, view.previous, lang) for t in view.teams},
        chart=interval_chart(view.teams, lang),
        pages=pager(view),
        warning_kinds=sla_warnings.KINDS,
    )


def team_trend_charts(view: TeamDetail, lang: str) -> list[tuple[str, Markup]]:
    """(title, chart) of the team's 好评率 and rating over the trend months."""
    labels = [(m, month_label(m.period, lang)) for m in view.trend]
    good_title = i18n.text("team.trend_good", lang)
    rating_title = i18n.text("team.trend_rating", lang)
    empty = i18n.text("trend.empty", lang)

    def good(figures: TeamFigures | None) -> float | None:
        rate = figures.good_rate if figures is not None else None
        return float(rate) if rate is not None else None

    def rating(figures: TeamFigures | None) -> float | None:
        return float(figures.rating) if figures is not None and figures.rating else None

    return [
        (
            good_title,
            charts.trend_chart(
                [(label, good(m.figures)) for m, label in labels],
                title=good_title,
                value_text=lambda v: f"{v * 100:.0f}%",
                empty_text=empty,
            ),
        ),
        (
            rating_title,
            charts.trend_chart(
                [(label, rating(m.figures)) for m, label in labels],
                title=rating_title,
                value_text=lambda v: f"{v:.2f}",
                empty_text=empty,
            ),
        ),
    ]


@router.get("/ranking/{period}/teams/{team_id}", response_class=HTMLResponse)
def team_page(
    request: Request,
    period: PeriodDep,
    team_id: str,
    services: ServicesDep,
    caller: ReadRankingCaller,
) -> HTMLResponse:
    """团队详情 / one team: its installers and its trend."""
    view = dealers.team_detail(services.store, caller=caller, period=period, team_id=team_id)
    lang = i18n.lang_of(request)
    previous = view.trend[-2].period if len(view.trend) >= 2 else None
    return render(
        request,
        "team.html",
        view=view,
        team=view.team,
        path=path,
        percent=percent,
        changes=change_words(view.team, previous, lang),
        charts=team_trend_charts(view, lang),
    )


@router.get("/ranking/{period}/report")
def report_download(
    period: PeriodDep,
    services: ServicesDep,
    caller: ReadRankingCaller,
    dealer: Annotated[str, Query(min_length=1, max_length=200)],
    format: Literal["xlsx", "html"] = "xlsx",
    headings: Literal["zh", "en"] = "zh",
) -> FileResponse:
    """每月例会通报 / the dealer's monthly report as a workbook or a page that prints well
    (a dealer user: its own dealers only)."""
    return report_file(
        services, caller=caller, period=period, dealer_id=dealer, format=format, headings=headings
    )
