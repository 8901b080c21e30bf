"""The start page: where to go for this month, closed months, and "my statement"."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scoring.period import Period
from scoring.services.access import Caller, Role
from scoring.services.periods import list_periods
from scoring.web.auth import CallerDep, SignedIn
from scoring.web.deps import SettingsDep, StoreDep
from scoring.web.html import bi, esc, layout, link, path

router = APIRouter(tags=["pages"], include_in_schema=False, dependencies=[SignedIn])


def _landing(caller: Caller, period: str) -> str | None:
    """Where a scoped user starts (its own page), instead of the overview of every period."""
    if caller.role is Role.INSTALLER and caller.installer_id:
        return path("me", caller.installer_id, period=period)
    if caller.role is Role.DEALER:
        return path("ranking", period)
    return None


@router.get("/", response_class=HTMLResponse, response_model=None)
def home(store: StoreDep, settings: SettingsDep, caller: CallerDep) -> Response:
    """首页 / home: the overview for HR and operations; installers and dealers start on
    their own page."""
    period = Period.current(settings.zone).name
    landing = _landing(caller, period)
    if landing is not None:
        return RedirectResponse(landing, status_code=303)
    closed = [p.period for p in list_periods(store, caller=caller) if p.status == "closed"]
    closed_items = "".join(
        f"<li>{esc(p)}: {link(path('hr', p), bi('月结', 'HR'))} · "
        f"{link(path('ranking', p), bi('排名', 'ranking'))}</li>"
        for p in closed
    )
    body = (
        f"<h1>{bi('售后服务满意度激励', 'satisfaction-linked incentives')}</h1>"
        + '<section class="card">'
        + f"<h2>{bi('我的结算单', 'my statement')}</h2>"
        + '<form class="stack" method="get" action="/me">'
        + f"<label>{bi('工号', 'installer id')}"
        + '<input type="text" name="installer_id" required></label>'
        + f"<label>{bi('期间', 'period')}"
        + f'<input type="month" name="period" value="{esc(period)}"></label>'
        + f'<button class="primary" type="submit">{bi("查看", "show")}</button></form>'
        + "</section>"
        + '<section class="card">'
        + f"<h2>{bi('本月', 'this month')} {esc(period)}</h2><ul>"
        + f"<li>{link(path('hr', period), bi('HR 月结', 'HR overview'))}</li>"
        + f"<li>{link(path('ranking', period), bi('团队排名', 'team ranking'))}</li>"
        + "</ul></section>"
        + (
            f'<section class="card"><h2>{bi("已关账期间", "closed periods")}</h2>'
            f"<ul>{closed_items}</ul></section>"
            if closed_items
            else ""
        )
        + f"<p class='en'>API: {link('/openapi.json', 'openapi.json')} · "
        + "Authorization: Bearer (POST /api/token)</p>"
    )
    return layout("售后服务满意度激励 / incentives", body)
