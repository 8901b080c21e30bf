"""Periods under /api/periods/{period}: compute, close, export, statements, ranking, simulate,
manual adjustments — the operations of ``scoring compute|close|export|simulate|adjust``.

Reads (statements, ranking, export) serve the frozen result of a closed period or the draft
of an open one materialised in the store; they never compute. ``stale`` says a draft was
computed from an older state of the store while a newer one is being computed.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

import polars as pl
from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from scoring.money import format_fen
from scoring.result import Result
from scoring.services import adjustments, exports, statements
from scoring.services import periods as period_services
from scoring.services.access import Caller
from scoring.services.statements import Source
from scoring.web.auth import (
    AdjustCaller,
    ComputeCaller,
    ExportCaller,
    PlansCaller,
    ReadRankingCaller,
    ReadStatementsCaller,
    SignedIn,
)
from scoring.web.deps import PeriodDep, ServicesDep
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
from scoring.web.uploads import PlanUpload, saved_one

router = APIRouter(
    prefix="/api/periods",
    tags=["periods"],
    dependencies=[SignedIn],
    responses={
        400: {"model": ErrorOut, "description": "a malformed period, plan or value"},
        409: {"model": ErrorOut, "description": "the period is closed, or not computed yet"},
    },
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="first row to return")]
Limit = Annotated[
    int | None, Query(ge=1, le=statements.MAX_PAGE, description="at most this many (default 100)")
]
DEFAULT_PAGE = 100


def _computed(result: Result, offset: int, limit: int | None) -> PeriodOut:
    """A result just computed in this request (compute, close)."""
    ordered = result.statements.sort("installer_id")
    page = ordered.slice(offset, limit or DEFAULT_PAGE)
    about = result.about
    plan = f"{about['plan_id']} v{about.get('plan_version')}" if about.get("plan_id") else None
    return PeriodOut(
        period=result.period,
        status="DRAFT" if result.draft else "CLOSED",
        stale=False,
        plan=plan,
        totals=TotalsOut.of_frame(ordered),
        total_statements=ordered.height,
        offset=offset,
        statements=[StatementOut.of(row) for row in page.iter_rows(named=True)],
    )


@router.post("/{period}/compute")
def compute_period(
    period: PeriodDep,
    services: ServicesDep,
    caller: ComputeCaller,
    plan: Annotated[UploadFile | None, File(description="compute with this plan instead")] = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> PeriodOut:
    """试算 / a draft of an open period with the plan in force, stored for every reader (or a
    trial with an uploaded plan, not stored); 409 for a closed period."""
    if plan is None:
        result, _ = period_services.compute(
            services.store, caller=caller, period=period, runtime=services.runtime
        )
    else:
        with saved_one(plan, default="plan.yaml") as (path, _uploads):
            result, _ = period_services.compute(
                services.store,
                caller=caller,
                period=period,
                runtime=services.runtime,
                plan_path=path,
            )
    return _computed(result, offset, limit)


@router.post("/{period}/close")
def close_period(
    period: PeriodDep,
    services: ServicesDep,
    caller: ComputeCaller,
    offset: Offset = 0,
    limit: Limit = None,
) -> PeriodOut:
    """关账 / close and lock the period with the plan in force; 409 when already closed."""
    result = period_services.close(
        services.store, caller=caller, period=period, runtime=services.runtime
    )
    return _computed(result, offset, limit)


def _export(
    services: ServicesDep, caller: Caller, period: PeriodDep, headings: str, kind: str
) -> FileResponse:
    chosen = exports.headings_of(headings)
    folder = tempfile.mkdtemp(prefix="scoring-export-")
    try:
        files = exports.export(
            services.store,
            caller=caller,
            period=period,
            out_dir=Path(folder),
            headings=chosen,
            runtime=services.runtime,
            fresh=False,
        )
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


Headings = Annotated[Literal["en", "zh"], Query(description="column headings: en or zh")]


@router.get(
    "/{period}/export",
    response_class=FileResponse,
    responses={200: {"content": {XLSX: {}}, "description": "payroll-PERIOD[-DRAFT].xlsx"}},
)
def export_xlsx(
    period: PeriodDep, services: ServicesDep, caller: ExportCaller, headings: Headings = "en"
) -> FileResponse:
    """导出工资表 / the payroll workbook; ``-DRAFT`` in its name for an open period."""
    return _export(services, caller, period, headings, "xlsx")


@router.get(
    "/{period}/export.csv",
    response_class=FileResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "the payroll sheet as CSV"}},
)
def export_csv(
    period: PeriodDep, services: ServicesDep, caller: ExportCaller, headings: Headings = "en"
) -> FileResponse:
    """工资表 CSV / the payroll sheet as CSV (UTF-8 with BOM)."""
    return _export(services, caller, period, headings, "csv")


def _status(source: Source) -> dict[str, object]:
    return {"status": source.label, "stale": source.stale, "plan": source.plan}


@router.get("/{period}/statements")
def list_statements(
    period: PeriodDep,
    services: ServicesDep,
    caller: ReadStatementsCaller,
    offset: Offset = 0,
    limit: Limit = None,
) -> PeriodOut:
    """结算单 / a page of the statements the caller may see, by installer id, with totals."""
    page = statements.list_statements(
        services.store, caller=caller, period=period, offset=offset, limit=limit or DEFAULT_PAGE
    )
    return PeriodOut(
        period=period.name,
        **_status(page.source),  # type: ignore[arg-type]
        totals=TotalsOut.of_totals(page.totals),
        total_statements=page.total,
        offset=page.offset,
        statements=[StatementOut.of(row) for row in page.statements],
    )


@router.get("/{period}/statements/{installer_id}", responses={404: {"model": ErrorOut}})
def installer_statement(
    period: PeriodDep, installer_id: str, services: ServicesDep, caller: ReadStatementsCaller
) -> InstallerStatementOut:
    """一位师傅的结算单 / one installer: rating, grade, every line with its explanation;
    the lines sum to ``net``. 404 for an unknown installer."""
    found = statements.installer_statement(
        services.store, caller=caller, period=period, installer_id=installer_id
    )
    base = StatementOut.of(found.statement)
    return InstallerStatementOut(
        **base.model_dump(),
        **_status(found.source),  # type: ignore[arg-type]
        lines=[LineOut.of(row) for row in found.lines],
        lines_total=format_fen(found.lines_total_fen),
    )


@router.get("/{period}/ranking")
def ranking(
    period: PeriodDep,
    services: ServicesDep,
    caller: ReadRankingCaller,
    dealer_id: Annotated[str | None, Query(description="one dealer's teams")] = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> RankingOut:
    """团队排名 / teams per dealer, best first, with the figures behind the rank (paged)."""
    page = statements.ranking(
        services.store,
        caller=caller,
        period=period,
        dealer_id=dealer_id,
        offset=offset,
        limit=limit,
    )
    return ranking_out(
        period.name, page.source.label, page.rows, total=page.total, offset=page.offset
    )


@router.post("/{period}/simulate")
def simulate_plan(
    period: PeriodDep, plan: PlanUpload, services: ServicesDep, caller: PlansCaller
) -> SimulationOut:
    """模拟方案 / what the uploaded plan would pay against what the period pays now, per
    installer and in total; changes nothing."""
    with saved_one(plan, default="plan.yaml") as (path, uploads):
        comparison = period_services.simulate(
            services.store, caller=caller, period=period, plan_path=path, runtime=services.runtime
        )
        name = uploads.names[str(path)]
    frame = comparison.per_installer
    changed = frame.filter(pl.col("change_fen") != 0).height
    return SimulationOut(
        period=period.name,
        plan=name,
        installers_changed=changed,
        total_now=format_fen(comparison.total_now_fen),
        total_simulated=format_fen(comparison.total_draft_fen),
        total_change=format_fen(comparison.total_draft_fen - comparison.total_now_fen),
        installers=[SimulatedInstallerOut.of(row) for row in frame.iter_rows(named=True)],
    )


@router.post("/{period}/adjustments", status_code=201, responses={404: {"model": ErrorOut}})
def add_adjustment(
    period: PeriodDep, body: AdjustmentIn, services: ServicesDep, caller: AdjustCaller
) -> AdjustmentOut:
    """人工调整 / a manual adjustment (signed yuan, with a reason) in an open period, by the
    signed-in user."""
    made = adjustments.add(
        services.store,
        caller=caller,
        period=period,
        installer_id=body.installer_id,
        amount=body.amount,
        reason=body.reason,
    )
    return AdjustmentOut(
        adjustment_id=made.adjustment_id,
        period=made.period,
        installer_id=made.installer_id,
        amount=format_fen(made.amount_fen),
        reason=made.reason,
        author=made.author,
    )
