"""HR's periods: every period with its state (``/hr/periods``), the review of one before it is
closed (``/hr/periods/{period}``: totals, grades, the biggest changes against the month before,
outliers, statements), its close with a confirmation, its payroll files, and its manual
adjustments (``/hr/periods/{period}/adjustments``). Templates ``hr_periods.html``,
``hr_review.html``, ``hr_adjustments.html``.

``/hr`` opens the review of the newest period with a result; ``/hr/{period}`` (the earlier
address of a review) leads to it. Operations reads these pages; the forms (close, adjust) and
the payroll files are HR's.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from scoring.errors import InputError
from scoring.services import adjustments, exports, review
from scoring.services import periods as period_services
from scoring.services.periods import result_periods
from scoring.services.review import STATEMENTS_PAGE
from scoring.web import charts, i18n
from scoring.web.auth import (
    AdjustCaller,
    ComputeCaller,
    CsrfChecked,
    ExportCaller,
    ReadPeriodsCaller,
    SignedIn,
)
from scoring.web.deps import PeriodDep, ServicesDep
from scoring.web.hr_parts import CSV, XLSX, download, hr_render, pager
from scoring.web.urls import path

router = APIRouter(tags=["pages"], include_in_schema=False, dependencies=[SignedIn])
#: ``/hr/{period}``: mounted after every other page, whose fixed paths under /hr would
#: otherwise be taken for a period.
old_links = APIRouter(tags=["pages"], include_in_schema=False, dependencies=[SignedIn])

Offset = Annotated[int, Query(ge=0, le=10_000_000)]
MAX_REASON = 2000


@router.get("/hr")
def newest_period(services: ServicesDep, caller: ReadPeriodsCaller) -> RedirectResponse:
    """月结 / the review of the newest period with a result."""
    found = result_periods(services.store, caller=caller)
    if not found:
        return RedirectResponse("/hr/periods", status_code=303)
    return RedirectResponse(path("hr", "periods", found[0].period), status_code=303)


@router.get("/hr/periods", response_class=HTMLResponse)
def period_list(request: Request, services: ServicesDep, caller: ReadPeriodsCaller) -> HTMLResponse:
    """月结 / every period with its state."""
    found = review.periods_overview(services.store, caller=caller)
    return hr_render(
        request,
        "hr_periods.html",
        caller=caller,
        periods=[p for p in found if not p.empty],
        empty=[p.period for p in found if p.empty],
    )


def grade_chart(grades: list[tuple[str, int]], lang: i18n.Lang) -> object:
    unrated = i18n.text("grade.unrated", lang)
    return charts.bar_chart(
        [(unrated if g == "unrated" else g, n) for g, n in grades],
        title=i18n.text("hr.grades", lang),
        empty_text=i18n.text("trend.empty", lang),
    )


@router.get("/hr/periods/{period}", response_class=HTMLResponse)
def review_page(
    request: Request,
    period: PeriodDep,
    services: ServicesDep,
    caller: ReadPeriodsCaller,
    offset: Offset = 0,
    done: str | None = None,
) -> HTMLResponse:
    """复核 / the review of a period: totals, grades, changes, outliers, statements, close."""
    seen = review.review(services.store, caller=caller, period=period, offset=offset)
    lang = i18n.lang_of(request)
    return hr_render(
        request,
        "hr_review.html",
        caller=caller,
        period=period.name,
        seen=seen,
        chart=grade_chart(seen.grades, lang),
        pages=pager(
            request,
            offset=seen.offset,
            limit=STATEMENTS_PAGE,
            shown=len(seen.statements),
            total=seen.statements_total,
        ),
        done=done,
    )


@router.post("/hr/periods/{period}/close", dependencies=[CsrfChecked])
def close_form(
    period: PeriodDep,
    services: ServicesDep,
    caller: ComputeCaller,
    confirm: Annotated[str | None, Form(max_length=40)] = None,
) -> RedirectResponse:
    """关账 / close, once the box naming this period is ticked; then the closed result."""
    if confirm != period.name:
        raise InputError(
            f"请勾选“确认关账 {period}”后再关账 / tick “close {period}” to confirm the close"
        )
    period_services.close(services.store, caller=caller, period=period, runtime=services.runtime)
    return RedirectResponse(path("hr", "periods", period.name, done="closed"), status_code=303)


@router.get("/hr/periods/{period}/export", response_class=FileResponse)
def export_file(
    period: PeriodDep,
    services: ServicesDep,
    caller: ExportCaller,
    headings: Literal["zh", "en"] = "zh",
    format: Literal["xlsx", "csv"] = "xlsx",
) -> FileResponse:
    """工资表 / the payroll file of a period (a draft's name ends in -DRAFT)."""
    folder = Path(tempfile.mkdtemp(prefix="scoring-export-"))
    try:
        files = exports.export(
            services.store,
            caller=caller,
            period=period,
            out_dir=folder,
            headings=headings,
            runtime=services.runtime,
            fresh=False,
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    chosen = files.xlsx if format == "xlsx" else files.csv
    return download(
        chosen, name=chosen.name, media_type=XLSX if format == "xlsx" else CSV, cleanup=folder
    )


@router.get("/hr/periods/{period}/adjustments", response_class=HTMLResponse)
def adjustments_page(
    request: Request,
    period: PeriodDep,
    services: ServicesDep,
    caller: ReadPeriodsCaller,
    done: int | None = None,
) -> HTMLResponse:
    """人工调整 / a period's manual adjustments, and the form to add one."""
    found = adjustments.of_period(services.store, caller=caller, period=period)
    return hr_render(
        request,
        "hr_adjustments.html",
        caller=caller,
        period=period.name,
        found=found,
        done=done,
        max_reason=MAX_REASON,
    )


@router.post("/hr/periods/{period}/adjustments", dependencies=[CsrfChecked])
def add_adjustment(
    period: PeriodDep,
    services: ServicesDep,
    caller: AdjustCaller,
    installer_id: Annotated[str, Form(max_length=200)],
    amount: Annotated[str, Form(max_length=40)],
    reason: Annotated[str, Form(max_length=MAX_REASON)],
) -> RedirectResponse:
    """添加人工调整 / add a manual adjustment to an open period."""
    made = adjustments.add(
        services.store,
        caller=caller,
        period=period,
        installer_id=installer_id.strip(),
        amount=amount,
        reason=reason,
    )
    to = path("hr", "periods", period.name, "adjustments", done=made.adjustment_id)
    return RedirectResponse(to, status_code=303)


@old_links.get("/hr/{period}")
def old_review_link(period: PeriodDep, caller: ReadPeriodsCaller) -> RedirectResponse:
    """The earlier address of a period's page leads to its review."""
    return RedirectResponse(path("hr", "periods", period.name), status_code=303)
