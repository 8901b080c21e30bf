"""The installer's phone page: /me/{installer_id}?period=YYYY-MM, and its dispute form.

Rating and grade, counted surveys, every line with its amount and Chinese explanation (English
smaller beside it), the net, and under each line a small form that opens a dispute about it;
after sending, the page comes back showing the dispute and its status.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from scoring.disputes import is_overdue
from scoring.period import Period
from scoring.services import disputes, statements
from scoring.store import now_us
from scoring.web.auth import CsrfChecked, DisputeCaller, ReadStatementsCaller, SignedIn, csrf_field
from scoring.web.deps import ServicesDep, SettingsDep
from scoring.web.html import (
    MONEY_LABELS,
    bi,
    esc,
    grade_label,
    kind_label,
    layout,
    money,
    nav,
    path,
    status_tag,
    table,
)
from scoring.web.models import MONEY_COLUMNS, line_target, when

router = APIRouter(tags=["pages"], include_in_schema=False, dependencies=[SignedIn])

MAX_COMMENT = 2000
#: The money items listed above the net.
BREAKDOWN = tuple(name for name in MONEY_COLUMNS if name != "net")


@router.get("/me", response_class=HTMLResponse)
def find_me(
    settings: SettingsDep,
    installer_id: Annotated[str, Query(min_length=1)],
    period: str | None = None,
) -> RedirectResponse:
    """The home page's "my statement" form lands here."""
    chosen = Period.parse(period) if period else Period.current(settings.zone)
    return RedirectResponse(path("me", installer_id.strip(), period=chosen.name), status_code=303)


def _line_item(
    row: dict[str, Any],
    installer_id: str,
    period: str,
    disputed: dict[str, dict[str, Any]],
    csrf: str,
) -> str:
    target = line_target(row)
    action = esc(path("me", installer_id, "disputes"))
    corrects = (
        f"<div>{bi('更正期间', 'corrects')} {esc(row['corrects_period'])}</div>"
        if row["corrects_period"]
        else ""
    )
    dispute = disputed.get(target)
    if dispute is not None:
        dispute_html = (
            f"<div>{bi('申诉', 'dispute')} #{esc(dispute['dispute_id'])} "
            f"{status_tag(dispute['status'])}</div>"
        )
    else:
        dispute_html = (
            f"<details><summary>{bi('对这笔有异议?申诉', 'dispute this line')}</summary>"
            f'<form class="stack" method="post" action="{action}">{csrf}'
            f'<input type="hidden" name="period" value="{esc(period)}">'
            '<input type="hidden" name="target_kind" value="line">'
            f'<input type="hidden" name="target_id" value="{esc(target)}">'
            f"<label>{bi('理由', 'why')}"
            f'<textarea name="comment" required maxlength="{MAX_COMMENT}"></textarea></label>'
            f'<button class="primary" type="submit">{bi("提交申诉", "send")}</button>'
            "</form></details>"
        )
    return (
        '<li class="card">'
        f'<div class="row"><span>{kind_label(row["kind"])}</span>'
        f"{money(row['amount_fen'], signed=True)}</div>"
        f"<div>{esc(row['explanation_zh'])}</div>"
        f'<div class="en">{esc(row["explanation_en"])}</div>'
        f"{corrects}{dispute_html}</li>"
    )


@router.get("/me/{installer_id}", response_class=HTMLResponse)
def statement_page(
    request: Request,
    installer_id: str,
    services: ServicesDep,
    caller: ReadStatementsCaller,
    period: str | None = None,
    dispute: int | None = None,
) -> HTMLResponse:
    """我的结算单 / my statement."""
    settings = services.settings
    month = Period.parse(period) if period else Period.current(settings.zone)
    chosen = month.name
    view = statements.installer_statement(
        services.store, caller=caller, period=month, installer_id=installer_id
    )
    st = view.statement
    mine = disputes.list_disputes(
        services.store, caller=caller, installer_id=installer_id, limit=200
    )
    now = now_us()
    of_period = [d for d in mine if d["period"] == chosen]
    disputed = {d["target_id"]: d for d in of_period if d["target_kind"] == "line"}

    notice = ""
    if dispute is not None:
        opened = next((d for d in mine if d["dispute_id"] == dispute), None)
        if opened is not None:
            notice = (
                f'<p class="notice">{bi("申诉已提交", "dispute sent")} #{esc(dispute)} · '
                f"{status_tag(opened['status'])} · {bi('答复期限', 'answer by')} "
                f"{esc(when(opened['respond_by'], settings.zone))}</p>"
            )
    draft = view.source.status == "draft"
    state = bi("草稿(未关账)", "draft, period open") if draft else bi("已关账", "closed")
    rating = st["rating"] if st["rating"] is not None else "—"
    lines = [
        _line_item(row, installer_id, chosen, disputed, csrf_field(request)) for row in view.lines
    ]
    lines_html = (
        '<ul class="plain">' + "".join(lines) + "</ul>"
        if lines
        else f"<p>{bi('本期没有金额', 'no amounts this period')}</p>"
    )
    breakdown = table(
        [bi("项目", "item"), bi("金额", "yuan")],
        [[bi(*MONEY_LABELS[name]), money(st[f"{name}_fen"])] for name in BREAKDOWN]
        + [[f"<strong>{bi('实发', 'net')}</strong>", f"<strong>{money(st['net_fen'])}</strong>"]],
        numeric={1},
    )
    dispute_rows = [
        [
            f"#{esc(d['dispute_id'])}",
            esc(d["period"]),
            esc(f"{d['target_kind']} {d['target_id']}"),
            esc(d["comment"]),
            status_tag(d["status"], overdue=is_overdue(d, now)),
            esc(d["resolution"] or ""),
        ]
        for d in mine
    ]
    body = (
        nav()
        + f"<h1>{esc(st['name'] or installer_id)} <span class='en'>{esc(installer_id)}</span></h1>"
        + f"<p>{esc(st['team_name'] or '')} · {bi('期间', 'period')} {esc(chosen)} · {state}</p>"
        + '<form method="get" class="row">'
        + f'<input type="month" name="period" value="{esc(chosen)}" aria-label="period">'
        + f'<button type="submit">{bi("查看", "show")}</button></form>'
        + notice
        + '<section class="card">'
        + f'<div class="row"><span>{bi("评分", "rating")}</span>'
        + f'<span class="big">{esc(rating)}</span></div>'
        + f'<div class="row"><span>{bi("等级", "grade")}</span>'
        + f'<span class="big">{grade_label(st["grade"])}</span></div>'
        + f'<div class="row"><span>{bi("计入问卷", "counted surveys")}</span>'
        + f"<span>{esc(st['surveys'])}</span></div>"
        + f'<div class="row"><span>{bi("实发", "net")}</span>'
        + f'<span class="big">{money(st["net_fen"], signed=True)}</span></div>'
        + "</section>"
        + f"<h2>{bi('明细', 'lines')}</h2>"
        + lines_html
        + f"<h2>{bi('合计', 'totals')}</h2>"
        + breakdown
        + f"<h2>{bi('我的申诉', 'my disputes')}</h2>"
        + (
            table(
                [
                    "#",
                    bi("期间", "period"),
                    bi("对象", "about"),
                    bi("理由", "comment"),
                    bi("状态", "status"),
                    bi("答复", "answer"),
                ],
                dispute_rows,
            )
            if dispute_rows
            else f"<p>{bi('没有申诉', 'none')}</p>"
        )
    )
    return layout(f"{st['name'] or installer_id} {chosen} 结算单 / statement", body)


@router.post("/me/{installer_id}/disputes", dependencies=[CsrfChecked])
def open_dispute_form(
    installer_id: str,
    services: ServicesDep,
    caller: DisputeCaller,
    period: Annotated[str, Form()],
    target_kind: Annotated[str, Form()],
    target_id: Annotated[str, Form()],
    comment: Annotated[str, Form(max_length=MAX_COMMENT)],
) -> RedirectResponse:
    """Open a dispute from the page, then show the page again with its status."""
    chosen = Period.parse(period)
    dispute_id = disputes.open_dispute(
        services.store,
        caller=caller,
        period=chosen,
        installer_id=installer_id,
        target_kind=target_kind,
        target_id=target_id,
        comment=comment,
        runtime=services.runtime,
    )
    return RedirectResponse(
        path("me", installer_id, period=chosen.name, dispute=dispute_id), status_code=303
    )
