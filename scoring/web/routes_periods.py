"""Periods under /api/periods/{period}: compute, close, export, statements, ranking, simulate,
manual adjustments — the operations of ``scoring compute|close|export|simulate|adjust``."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

import polars as pl
from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from payroll_export import export_period
from scoring.errors import InputError, PeriodError
from scoring.money import format_fen, parse_amount
from scoring.periods import close, compute, simulate
from scoring.result import Result
from scoring.store import periods as store_periods
from scoring.web.deps import ActorDep, PeriodDep, ServicesDep
from scoring.web.models import (
    AdjustmentIn,
    AdjustmentOut,
    ErrorOut,
    InstallerStatementOut,
    LineOut,
    PeriodOut,
    RankingOut,
    SimulatedInstallerOut,
    SimulationOut,
    StatementOut,
    TotalsOut,
    ranking_out,
)
from scoring.web.results import (
    context,
    installer_view,
    is_closed,
    load_result,
    plan_label,
    require_installer,
    status_of,
)
from scoring.web.uploads import PlanUpload, saved_one

router = APIRouter(
    prefix="/api/periods",
    tags=["periods"],
    responses={
        400: {"model": ErrorOut, "description": "a malformed period, plan or value"},
        409: {"model": ErrorOut, "description": "the period is closed"},
    },
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Offset = Annotated[int, Query(ge=0, description="first statement to return")]
Limit = Annotated[int | None, Query(ge=1, description="at most this many (default all)")]


def period_out(result: Result, *, offset: int = 0, limit: int | None = None) -> PeriodOut:
    statements = result.statements.sort("installer_id")
    page = statements.slice(offset, limit)
    return PeriodOut(
        period=result.period,
        status=status_of(result),
        plan=plan_label(result),
        totals=TotalsOut.of(statements),
        total_statements=statements.height,
        offset=offset,
        statements=[StatementOut.of(row) for row in page.iter_rows(named=True)],
    )


@router.post("/{period}/compute")
def compute_period(
    period: PeriodDep,
    services: ServicesDep,
    actor: ActorDep,
    plan: Annotated[UploadFile | None, File(description="compute with this plan instead")] = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> PeriodOut:
    """试算 / a draft of an open period (recorded in the audit log), optionally with an
    uploaded plan; 409 for a closed period."""
    if is_closed(services.store, period):
        raise PeriodError(
            f"期间 {period} 已关账,结果已锁定,请用 export 导出 / period {period} is closed and "
            "locked; export it instead"
        )
    if plan is None:
        result, _ = compute(context(services), period, actor=actor)
    else:
        with saved_one(plan, default="plan.yaml") as (path, _uploads):
            result, _ = compute(context(services), period, actor=actor, plan_path=path)
    return period_out(result, offset=offset, limit=limit)


@router.post("/{period}/close")
def close_period(
    period: PeriodDep,
    services: ServicesDep,
    actor: ActorDep,
    offset: Offset = 0,
    limit: Limit = None,
) -> PeriodOut:
    """关账 / close and lock the period with the plan in force; 409 when already closed."""
    if is_closed(services.store, period):
        raise PeriodError(store_periods.already_closed(period))
    result = close(context(services), period, actor=actor)
    return period_out(result, offset=offset, limit=limit)


def _export(
    services: ServicesDep, period: str, actor: str, headings: str, kind: Literal["xlsx", "csv"]
) -> FileResponse:
    if headings not in ("en", "zh"):
        raise InputError(f"headings 只能是 en 或 zh / must be en or zh, not {headings!r}")
    result = load_result(services, period, actor=actor)
    folder = tempfile.mkdtemp(prefix="scoring-export-")
    try:
        files = export_period(result, Path(folder), headings=headings)  # type: ignore[arg-type]
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    path = files.xlsx if kind == "xlsx" else files.csv
    return FileResponse(
        path,
        media_type=XLSX if kind == "xlsx" else "text/csv; charset=utf-8",
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


Headings = Annotated[str, Query(description="column headings: en or zh")]


@router.get(
    "/{period}/export",
    response_class=FileResponse,
    responses={200: {"content": {XLSX: {}}, "description": "payroll-PERIOD[-DRAFT].xlsx"}},
)
def export_xlsx(
    period: PeriodDep, services: ServicesDep, actor: ActorDep, headings: Headings = "en"
) -> FileResponse:
    """导出工资表 / the payroll workbook; ``-DRAFT`` in its name for an open period."""
    return _export(services, period, actor, headings, "xlsx")


@router.get(
    "/{period}/export.csv",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "the payroll sheet as CSV"}},
)
def export_csv(
    period: PeriodDep, services: ServicesDep, actor: ActorDep, headings: Headings = "en"
) -> FileResponse:
    """工资表 CSV / the payroll sheet as CSV (UTF-8 with BOM)."""
    return _export(services, period, actor, headings, "csv")


@router.get("/{period}/statements")
def statements(
    period: PeriodDep,
    services: ServicesDep,
    actor: ActorDep,
    offset: Offset = 0,
    limit: Limit = None,
) -> PeriodOut:
    """所有师傅的结算单 / every installer's statement (frozen, or a draft of an open period)."""
    return period_out(load_result(services, period, actor=actor), offset=offset, limit=limit)


@router.get("/{period}/statements/{installer_id}", responses={404: {"model": ErrorOut}})
def installer_statement(
    period: PeriodDep, installer_id: str, services: ServicesDep, actor: ActorDep
) -> InstallerStatementOut:
    """一位师傅的结算单 / one installer: rating, grade, every line with its explanation;
    the lines sum to ``net``. 404 for an unknown installer."""
    result = load_result(services, period, actor=actor)
    view = installer_view(services, result, installer_id)
    total = int(view.lines.get_column("amount_fen").sum() or 0)
    base = StatementOut.of(view.statement)
    return InstallerStatementOut(
        **base.model_dump(),
        status=status_of(result),
        lines=[LineOut.of(row) for row in view.lines.iter_rows(named=True)],
        lines_total=format_fen(total),
    )


@router.get("/{period}/ranking")
def ranking(period: PeriodDep, services: ServicesDep, actor: ActorDep) -> RankingOut:
    """团队排名 / teams per dealer, best first, with the figures behind the rank."""
    result = load_result(services, period, actor=actor)
    return ranking_out(period, status_of(result), result.ranking)


@router.post("/{period}/simulate")
def simulate_plan(
    period: PeriodDep, plan: PlanUpload, services: ServicesDep, actor: ActorDep
) -> SimulationOut:
    """模拟方案 / what the uploaded plan would pay against what the period pays now, per
    installer and in total; changes nothing."""
    with saved_one(plan, default="plan.yaml") as (path, uploads):
        comparison = simulate(context(services), period, path, actor=actor)
        name = uploads.names[str(path)]
    frame = comparison.per_installer
    changed = frame.filter(pl.col("change_fen") != 0).height
    return SimulationOut(
        period=period,
        plan=name,
        installers_changed=changed,
        total_now=format_fen(comparison.total_now_fen),
        total_simulated=format_fen(comparison.total_draft_fen),
        total_change=format_fen(comparison.total_draft_fen - comparison.total_now_fen),
        installers=[SimulatedInstallerOut.of(row) for row in frame.iter_rows(named=True)],
    )


@router.post("/{period}/adjustments", status_code=201, responses={404: {"model": ErrorOut}})
def add_adjustment(
    period: PeriodDep, body: AdjustmentIn, services: ServicesDep, actor: ActorDep
) -> AdjustmentOut:
    """人工调整 / a manual adjustment (signed yuan, with a reason) in an open period."""
    fen = parse_amount(body.amount)
    require_installer(services.store, body.installer_id)
    author = (body.author or "").strip() or actor
    with services.store.begin() as conn:
        adjustment_id = store_periods.add_manual(
            conn,
            period=period,
            installer_id=body.installer_id,
            amount_fen=fen,
            reason=body.reason,
            author=author,
        )
    return AdjustmentOut(
        adjustment_id=adjustment_id,
        period=period,
        installer_id=body.installer_id,
        amount=format_fen(fen),
        reason=body.reason,
        author=author,
    )
