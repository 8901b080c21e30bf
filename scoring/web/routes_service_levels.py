"""Service levels over HTTP: the checks of a period (``scoring sla``), the scheduler's early
warnings, and the dealer's monthly report (每月例会通报) as a download (``scoring report``).

Every route declares its right through :mod:`scoring.web.auth`; the service functions narrow
what they return to the caller's scope (a dealer user: its dealers). Dates are ``YYYY-MM-DD``,
times local ISO 8601 with the offset.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import polars as pl
from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from scoring.services import service_levels, sla_warnings
from scoring.timefmt import iso_local
from scoring.web import auth
from scoring.web.deps import IsoDate, PeriodDep, ServicesDep
from scoring.web.models import ErrorOut
from scoring.web.report_files import XLSX, report_file

router = APIRouter(
    prefix="/api",
    tags=["service levels"],
    responses={
        400: {"model": ErrorOut, "description": "a malformed period, date or value"},
        401: {"model": ErrorOut, "description": "not signed in"},
        403: {"model": ErrorOut, "description": "the role has no right to service levels"},
        404: {"model": ErrorOut, "description": "no such dealer (in the caller's scope)"},
    },
)


class CheckOut(BaseModel):
    period: str
    check: str
    record_id: str
    job_id: str | None
    team_id: str | None
    dealer_id: str | None
    due_date: str | None = Field(description="the last local date on which the check is met")
    done_at: str | None = Field(description="local ISO 8601 time of the event that did it")
    status: str = Field(description="met, breached or pending")


class TeamCheckOut(BaseModel):
    period: str
    dealer_id: str | None
    team_id: str | None
    check: str
    met: int
    breached: int
    pending: int
    checks: int
    share_met: str | None = Field(description="met / checks, three decimals half up")


class ServiceLevelsOut(BaseModel):
    period: str
    as_of: str
    by_team: list[TeamCheckOut]
    total_checks: int = Field(description="checks in all (of the dealer and status asked for)")
    offset: int
    checks: list[CheckOut]


def _texts(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows with dates as ``YYYY-MM-DD`` and times as local ISO 8601 with the offset."""
    shown = frame.with_columns(
        pl.col(name).dt.to_string("%Y-%m-%d")
        for name, dtype in frame.schema.items()
        if dtype == pl.Date
    ).with_columns(
        pl.col(name).dt.to_string("%Y-%m-%dT%H:%M:%S%:z")
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime)
    )
    return shown.to_dicts()


@router.get("/periods/{period}/service-levels")
def period_service_levels(
    period: PeriodDep,
    services: ServicesDep,
    caller: auth.ServiceLevelsCaller,
    as_of: Annotated[
        IsoDate | None, Query(description="check date YYYY-MM-DD (default: today, local)")
    ] = None,
    dealer_id: Annotated[str | None, Query(max_length=200, description="one dealer")] = None,
    status: Annotated[str | None, Query(max_length=20, description="met|breached|pending")] = None,
    offset: Annotated[int, Query(ge=0, le=100_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=service_levels.MAX_PAGE)] = 1000,
) -> ServiceLevelsOut:
    """服务承诺检查 / the service-level checks of a period as ``scoring sla`` gives them:
    ``by_team`` whole, the checks paged, both within the caller's scope."""
    found = service_levels.page(
        services.store,
        caller=caller,
        period=period,
        as_of=as_of,
        zone=services.runtime.zone,
        calendar=services.runtime.calendar,
        dealer_id=dealer_id,
        status=status,
        offset=offset,
        limit=limit,
    )
    return ServiceLevelsOut(
        period=found.period,
        as_of=found.as_of.isoformat(),
        by_team=[TeamCheckOut(**row) for row in _texts(found.by_team)],
        total_checks=found.total,
        offset=found.offset,
        checks=[CheckOut(**row) for row in _texts(found.checks)],
    )


class WarningOut(BaseModel):
    kind: str = Field(description="due_today, due_tomorrow or breached_yesterday")
    period: str
    check: str
    record_id: str
    job_id: str | None
    team_id: str | None
    dealer_id: str | None
    due_date: str | None
    done_at: str | None = Field(description="local ISO 8601 time, when done (late)")
    status: str


class TeamWarningsOut(BaseModel):
    dealer_id: str | None
    team_id: str | None
    due_today: int
    due_tomorrow: int
    breached_yesterday: int


class WarningsOut(BaseModel):
    day: str | None = Field(description="the day of the run shown; null before any run")
    by_team: list[TeamWarningsOut]
    total: int = Field(description="warnings in all (of the dealer and kind asked for)")
    offset: int
    warnings: list[WarningOut]


@router.get("/service-levels/warnings")
def service_level_warnings(
    services: ServicesDep,
    caller: auth.ServiceLevelsCaller,
    day: Annotated[
        IsoDate | None, Query(description="the run of this day (default: the newest)")
    ] = None,
    dealer_id: Annotated[str | None, Query(max_length=200, description="one dealer")] = None,
    kind: Annotated[
        str | None,
        Query(max_length=30, description="due_today, due_tomorrow or breached_yesterday"),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=100_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=sla_warnings.MAX_PAGE)] = 1000,
) -> WarningsOut:
    """服务承诺预警 / the scheduler's daily early warning within the caller's scope: per team
    what falls due today and tomorrow and is not done, and what was breached yesterday."""
    found = sla_warnings.warnings(
        services.store,
        caller=caller,
        day=day,
        dealer_id=dealer_id,
        kind=kind,
        offset=offset,
        limit=limit,
    )
    zone = services.runtime.zone
    return WarningsOut(
        day=found.day,
        by_team=[TeamWarningsOut(**row) for row in found.by_team],
        total=found.total,
        offset=found.offset,
        warnings=[
            WarningOut(
                kind=row["kind"],
                period=row["period"],
                check=row["check_id"],
                record_id=row["record_id"],
                job_id=row["job_id"],
                team_id=row["team_id"],
                dealer_id=row["dealer_id"],
                due_date=row["due_date"],
                done_at=iso_local(row["done_at"], zone),
                status=row["status"],
            )
            for row in found.rows
        ],
    )


@router.get(
    "/periods/{period}/report",
    response_class=FileResponse,
    responses={
        200: {
            "content": {XLSX: {}, "text/html": {}},
            "description": "report-PERIOD-DEALER.xlsx or .html",
        },
        409: {"model": ErrorOut, "description": "the period has no result yet"},
    },
)
def dealer_report(
    period: PeriodDep,
    services: ServicesDep,
    caller: auth.ReadRankingCaller,
    dealer: Annotated[str, Query(min_length=1, max_length=200, description="the dealer's id")],
    format: Annotated[Literal["xlsx", "html"], Query(description="xlsx or html")] = "xlsx",
    headings: Annotated[Literal["zh", "en"], Query(description="workbook headings")] = "zh",
) -> FileResponse:
    """经销商月度例会通报 / one dealer's monthly report: a workbook with charts, or a page that
    prints well. A dealer user gets its own dealers' only (another dealer: 404)."""
    return report_file(
        services, caller=caller, period=period, dealer_id=dealer, format=format, headings=headings
    )
