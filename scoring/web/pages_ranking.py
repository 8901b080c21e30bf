"""Team ranking for dealers: /ranking/{period} — teams per dealer with rank and figures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from scoring.services import statements
from scoring.web.auth import ReadRankingCaller, SignedIn
from scoring.web.deps import PeriodDep, ServicesDep
from scoring.web.html import bi, esc, layout, link, nav, path, table

router = APIRouter(tags=["pages"], include_in_schema=False, dependencies=[SignedIn])

#: (column, zh, en) shown per team when the ranking has the column.
COLUMNS = (
    ("rank", "名次", "rank"),
    ("team_name", "团队", "team"),
    ("kind", "类型", "kind"),
    ("surveys", "计入问卷", "surveys"),
    ("rating", "评分(贝叶斯)", "rating"),
    ("good_surveys", "好评", "good"),
    ("wilson_lower", "好评率下限", "Wilson lower"),
    ("completed_jobs", "完工单", "jobs done"),
    ("complaints_at_fault", "责任投诉", "complaints at fault"),
    ("complaints_per_100_jobs", "每百单投诉", "per 100 jobs"),
    ("revisit_reach_rate", "回访接通率", "revisit reach"),
    ("decided_by", "同分判定", "tie decided by"),
)
#: Teams per page: a national network has thousands; a page stays small.
PAGE_TEAMS = 100
KINDS = {"in_house": "自有", "outsourced": "外包"}
NUMERIC = {"rank", "surveys", "rating", "good_surveys", "wilson_lower", "completed_jobs"}


def _cell(name: str, row: dict[str, Any]) -> str:
    value = row.get(name)
    if name == "team_name":
        return f"{esc(value)} <span class='en'>{esc(row.get('team_id'))}</span>"
    if name == "rank" and value is None:
        return bi("未排名", "not ranked")
    if name == "kind" and value in KINDS:
        return bi(KINDS[value], value)
    return esc(value)


@router.get("/ranking/{period}", response_class=HTMLResponse)
def ranking_page(
    period: PeriodDep,
    services: ServicesDep,
    caller: ReadRankingCaller,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    """团队排名 / team ranking, a page of teams at a time."""
    page = statements.ranking(
        services.store, caller=caller, period=period, offset=offset, limit=PAGE_TEAMS
    )
    present = set().union(*(row.keys() for row in page.rows)) if page.rows else set()
    columns = [c for c in COLUMNS if c[0] in present]
    numeric = {i for i, c in enumerate(columns) if c[0] in NUMERIC}
    sections: list[str] = []
    by_dealer: dict[str, list[dict[str, Any]]] = {}
    for row in page.rows:
        by_dealer.setdefault(row.get("dealer_id") or "", []).append(row)
    if by_dealer:
        for dealer_id, rows in by_dealer.items():
            name = rows[0].get("dealer_name") or ""
            sections.append(
                f"<h2>{esc(name)} <span class='en'>{esc(dealer_id)}</span></h2>"
                + table(
                    [bi(zh, en) for _, zh, en in columns],
                    [[_cell(c, row) for c, _, _ in columns] for row in rows],
                    numeric=numeric,
                )
            )
    else:
        sections.append(f"<p>{bi('本期没有团队数据', 'no teams this period')}</p>")
    state = bi("草稿", "draft") if page.source.status == "draft" else bi("已关账", "closed")
    pager = []
    if offset > 0:
        back = path("ranking", period.name, offset=max(0, offset - PAGE_TEAMS))
        pager.append(link(back, bi("上一页", "previous")))
    if offset + len(page.rows) < page.total:
        pager.append(
            link(path("ranking", period.name, offset=offset + PAGE_TEAMS), bi("下一页", "next"))
        )
    body = (
        nav((path("hr", period.name), bi("月结", "HR")))
        + f"<h1>{bi('团队排名', 'team ranking')} {esc(period)}</h1>"
        + f"<p>{state} · "
        + bi(
            "按贝叶斯平均排名,样本少的团队向经销商均值收缩",
            "ranked by Bayesian average: small samples shrink toward the dealer mean",
        )
        + "</p>"
        + "".join(sections)
        + (f"<p>{' · '.join(pager)}</p>" if pager else "")
    )
    return layout(f"{period} 团队排名 / ranking", body)
