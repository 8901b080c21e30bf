"""HR's overview of a period: /hr/{period}.

Totals, the statements, links to the payroll files, the close button, and the open disputes
with accept and reject forms. Every form posts here and comes back to the overview.
"""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from scoring.disputes import is_overdue
from scoring.errors import InputError
from scoring.period import Period
from scoring.services import disputes, statements
from scoring.services import periods as period_services
from scoring.store import now_us
from scoring.web.auth import (
    ComputeCaller,
    CsrfChecked,
    ReadPeriodsCaller,
    ResolveDisputesCaller,
    SignedIn,
    csrf_field,
)
from scoring.web.deps import PeriodDep, ServicesDep
from scoring.web.html import (
    MONEY_LABELS,
    bi,
    esc,
    grade_label,
    layout,
    link,
    money,
    nav,
    path,
    status_tag,
    table,
)
from scoring.web.models import MONEY_COLUMNS, when
from scoring.web.routes_disputes import DisputeId

router = APIRouter(tags=["pages"], include_in_schema=False, dependencies=[SignedIn])

#: Statements shown on the page; the payroll files have all of them.
SHOWN_STATEMENTS = 500
DONE = {
    "closed": ("期间已关账", "the period is closed"),
    "accepted": ("申诉已接受", "dispute accepted"),
    "rejected": ("申诉已驳回", "dispute rejected"),
}


def _dispute_row(
    d: dict[str, Any], period: str, default_target: str, now: int, zone: ZoneInfo, csrf: str
) -> list[str]:
    number = str(d["dispute_id"])
    accept_url = esc(path("hr", "disputes", number, "accept"))
    reject_url = esc(path("hr", "disputes", number, "reject"))
    accept_form = (
        f'<form class="stack" method="post" action="{accept_url}">{csrf}'
        f'<input type="hidden" name="back" value="{esc(period)}">'
        f"<label>{bi('金额(元)', 'amount, yuan')}"
        '<input type="text" name="amount" required inputmode="decimal" '
        'pattern="-?[0-9]+([.][0-9]{1,2})?"></label>'
        f"<label>{bi('计入期间', 'pay in period')}"
        f'<input type="text" name="period" value="{esc(default_target)}" '
        'pattern="[0-9]{4}-[0-9]{2}"></label>'
        f'<label>{bi("理由", "reason")}<input type="text" name="reason" required></label>'
        f'<button class="primary" type="submit">{bi("接受", "accept")}</button></form>'
    )
    reject_form = (
        f'<form class="stack" method="post" action="{reject_url}">{csrf}'
        f'<input type="hidden" name="back" value="{esc(period)}">'
        f'<label>{bi("理由", "reason")}<input type="text" name="reason" required></label>'
        f'<button type="submit">{bi("驳回", "reject")}</button></form>'
    )
    return [
        f"#{esc(d['dispute_id'])}",
        esc(d["period"]),
        link(path("me", d["installer_id"], period=d["period"]), esc(d["installer_id"])),
        esc(f"{d['target_kind']} {d['target_id']}"),
        esc(d["comment"]),
        esc(when(d["respond_by"], zone))
        + " "
        + status_tag(d["status"], overdue=is_overdue(d, now)),
        accept_form,
        reject_form,
    ]


@router.get("/hr/{period}", response_class=HTMLResponse)
def overview(
    request: Request,
    period: PeriodDep,
    services: ServicesDep,
    caller: ReadPeriodsCaller,
    done: str | None = None,
    dispute: int | None = None,
) -> HTMLResponse:
    """HR 月结 / HR overview of a period."""
    zone = services.settings.zone
    page = statements.list_statements(
        services.store, caller=caller, period=period, limit=SHOWN_STATEMENTS
    )
    open_disputes = disputes.list_disputes(services.store, caller=caller, status="open")
    now = now_us()
    draft = page.source.status == "draft"
    label = period.name

    notice = ""
    if done in DONE:
        zh, en = DONE[done]
        suffix = f" #{esc(dispute)}" if dispute is not None else ""
        notice = f'<p class="notice">{bi(zh, en)}{suffix}</p>'
    if draft:
        state = bi("未关账,以下为草稿", "open: a draft")
        if page.source.stale:
            state += " · " + bi("数据有变动,新草稿计算中", "data changed: a new draft is coming")
        action = esc(path("hr", label, "close"))
        close_html = (
            f'<form class="stack card" method="post" action="{action}">{csrf_field(request)}'
            f'<label><input type="checkbox" name="confirm" value="yes" required> '
            f"{bi('确认关账:结果将锁定,不再改变', 'close: the result is locked for good')}"
            f"</label>"
            f'<button class="danger" type="submit">{bi("关账", "close")} {esc(label)}</button>'
            "</form>"
        )
    else:
        shown_at = when(page.source.computed_at, zone)
        state = bi("已关账", "closed") + f" · {esc(page.source.by)} · {esc(shown_at)}"
        close_html = ""
    totals = page.totals
    totals_table = table(
        [bi("项目", "item"), bi("合计(元)", "total, yuan")],
        [[bi("师傅人数", "installers"), esc(totals.get("installers", 0))]]
        + [
            [bi(*MONEY_LABELS[name]), money(totals.get(f"{name}_fen", 0))] for name in MONEY_COLUMNS
        ],
        numeric={1},
    )
    exports = " · ".join(
        [
            link(path("api", "periods", label, "export", headings="zh"), "XLSX 中文表头"),
            link(path("api", "periods", label, "export", headings="en"), "XLSX English"),
            link(path("api", "periods", label, "export.csv", headings="zh"), "CSV 中文"),
            link(path("api", "periods", label, "export.csv", headings="en"), "CSV English"),
            link(path("ranking", label), bi("团队排名", "ranking")),
        ]
    )
    statement_rows = [
        [
            link(path("me", r["installer_id"], period=label), esc(r["installer_id"])),
            esc(r["name"]),
            esc(r["team_name"]),
            esc(r["surveys"]),
            esc(r["rating"] or ""),
            grade_label(r["grade"]),
            money(r["bonus_fen"]),
            money(r["deduction_fen"]),
            money(r["grievance_allowance_fen"]),
            money(r["prior_period_adjustment_fen"] + r["manual_adjustment_fen"]),
            money(r["net_fen"]),
        ]
        for r in page.statements
    ]
    more = page.total - len(page.statements)
    more_html = (
        f"<p>{bi(f'另有 {more} 位师傅,见导出文件', f'{more} more installers: see the export')}</p>"
        if more > 0
        else ""
    )
    default_target = "" if not draft else label
    dispute_rows = [
        _dispute_row(d, label, default_target, now, zone, csrf_field(request))
        for d in open_disputes
    ]
    body = (
        nav((path("ranking", label), bi("排名", "ranking")))
        + f"<h1>{bi('月结', 'HR overview')} {esc(label)}</h1>"
        + f"<p>{state} · {bi('方案', 'plan')} {esc(page.source.plan or '—')}</p>"
        + notice
        + f"<h2>{bi('合计', 'totals')}</h2>"
        + totals_table
        + f"<h2>{bi('导出', 'export')}</h2><p>{exports}</p>"
        + close_html
        + f"<h2>{bi('待处理申诉', 'open disputes')} ({len(open_disputes)})</h2>"
        + (
            table(
                [
                    "#",
                    bi("期间", "period"),
                    bi("工号", "installer"),
                    bi("对象", "about"),
                    bi("理由", "comment"),
                    bi("答复期限", "answer by"),
                    bi("接受", "accept"),
                    bi("驳回", "reject"),
                ],
                dispute_rows,
            )
            if dispute_rows
            else f"<p>{bi('没有待处理的申诉', 'none')}</p>"
        )
        + f"<h2>{bi('结算单', 'statements')} ({page.total})</h2>"
        + table(
            [
                bi("工号", "id"),
                bi("姓名", "name"),
                bi("团队", "team"),
                bi("问卷", "surveys"),
                bi("评分", "rating"),
                bi("等级", "grade"),
                bi("奖金", "bonus"),
                bi("扣款", "deduction"),
                bi("委屈奖", "allowance"),
                bi("调整", "adjustments"),
                bi("实发", "net"),
            ],
            statement_rows,
            numeric={3, 4, 6, 7, 8, 9, 10},
        )
        + more_html
    )
    return layout(f"{label} 月结 / HR overview", body)


def _back(period: str) -> str:
    try:
        return Period.parse(period).name
    except InputError:
        return ""


def _redirect(back: str, **query: str | int) -> RedirectResponse:
    target = path("hr", _back(back), **query) if _back(back) else "/"
    return RedirectResponse(target, status_code=303)


@router.post("/hr/{period}/close", dependencies=[CsrfChecked])
def close_form(
    period: PeriodDep,
    services: ServicesDep,
    caller: ComputeCaller,
    confirm: Annotated[str | None, Form()] = None,
) -> RedirectResponse:
    """关账 / close from the page (the checkbox must be ticked)."""
    if confirm != "yes":
        raise InputError("请勾选确认后再关账 / tick the confirmation to close")
    period_services.close(services.store, caller=caller, period=period, runtime=services.runtime)
    return _redirect(period.name, done="closed")


@router.post("/hr/disputes/{dispute_id}/accept", dependencies=[CsrfChecked])
def accept_form(
    dispute_id: DisputeId,
    services: ServicesDep,
    caller: ResolveDisputesCaller,
    amount: Annotated[str, Form(max_length=40)],
    reason: Annotated[str, Form(max_length=2000)],
    back: Annotated[str, Form(max_length=40)] = "",
    period: Annotated[str, Form(max_length=40)] = "",
) -> RedirectResponse:
    disputes.resolve(
        services.store,
        caller=caller,
        dispute_id=dispute_id,
        accept=True,
        amount=amount,
        reason=reason,
        period=Period.parse(period) if period.strip() else None,
    )
    return _redirect(back, done="accepted", dispute=dispute_id)


@router.post("/hr/disputes/{dispute_id}/reject", dependencies=[CsrfChecked])
def reject_form(
    dispute_id: DisputeId,
    services: ServicesDep,
    caller: ResolveDisputesCaller,
    reason: Annotated[str, Form(max_length=2000)],
    back: Annotated[str, Form(max_length=40)] = "",
) -> RedirectResponse:
    disputes.resolve(
        services.store, caller=caller, dispute_id=dispute_id, accept=False, reason=reason
    )
    return _redirect(back, done="rejected", dispute=dispute_id)
