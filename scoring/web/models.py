"""The JSON shapes of the API (pydantic), and their construction from the engine's frames.

Money is yuan text with two decimals (``"12.50"``, ``"-30.00"``), made from integer fen by
:func:`scoring.money.format_fen`; never a float. Times are ISO 8601 in the configured zone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from pydantic import BaseModel, Field

from scoring.disputes import is_overdue
from scoring.errors import Problem
from scoring.money import format_fen
from scoring.timefmt import iso_local

#: Statement money columns, as the payroll sheet names them (without ``_fen``).
MONEY_COLUMNS = (
    "bonus",
    "deduction_before_cap",
    "deduction_waived_by_cap",
    "deduction",
    "grievance_allowance",
    "prior_period_adjustment",
    "manual_adjustment",
    "net",
)


#: Store microseconds as ISO 8601 local time (None for none).
when = iso_local


# -- errors and problems --------------------------------------------------------------------


class ProblemOut(BaseModel):
    """One problem with its place: a row and column of an input file, or a line of a plan."""

    file: str
    reason: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    line: int | None = None
    col: int | None = None

    @classmethod
    def of(cls, problem: Problem, names: Mapping[str, str] | None = None) -> ProblemOut:
        source = problem.source
        if names:
            source = names.get(source, source)
        return cls(
            file=source,
            reason=problem.reason,
            sheet=problem.sheet,
            row=problem.row,
            column=problem.column,
            value=problem.value,
            line=problem.line,
            col=problem.col,
        )


class ErrorOut(BaseModel):
    error: str
    problems: list[ProblemOut] = Field(default_factory=list)


# -- imports --------------------------------------------------------------------------------


class FileReportOut(BaseModel):
    file: str
    entity: str
    rows: int
    accepted: int
    replaced: int
    unchanged: int
    rejected: int
    rejects_path: str | None = Field(
        default=None, description="server path of the rejected rows, to fix and re-import"
    )


class ImportOut(BaseModel):
    batch_id: int | None
    stored: bool = Field(description="false when all_or_nothing held everything back")
    rejected: int
    files: list[FileReportOut]
    problems: list[ProblemOut]
    seconds: float


# -- statements, lines, totals --------------------------------------------------------------


class StatementOut(BaseModel):
    """One installer's payroll row; money in yuan text, ``net`` the sum of the lines."""

    period: str
    installer_id: str
    name: str | None
    team_id: str | None
    team_name: str | None
    dealer_id: str | None
    employment: str | None
    surveys: int
    rating: str | None = Field(description="three decimals, null without a counted survey")
    grade: str
    bonus: str
    deduction_before_cap: str
    deduction_waived_by_cap: str
    deduction: str
    grievance_allowance: str
    prior_period_adjustment: str
    manual_adjustment: str
    net: str

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> StatementOut:
        money = {name: format_fen(int(row[f"{name}_fen"] or 0)) for name in MONEY_COLUMNS}
        return cls(
            period=row["period"],
            installer_id=row["installer_id"],
            name=row["name"],
            team_id=row["team_id"],
            team_name=row["team_name"],
            dealer_id=row["dealer_id"],
            employment=row["employment"],
            surveys=int(row["surveys"] or 0),
            rating=row["rating"],
            grade=row["grade"],
            **money,
        )


class LineOut(BaseModel):
    """One amount and why it is there (Chinese and English)."""

    rule_id: str
    kind: str
    amount: str
    source: str | None
    source_id: str | None
    job_id: str | None
    corrects_period: str | None
    explanation_zh: str | None
    explanation_en: str | None
    dispute_target: str = Field(description="target_id to dispute this line (kind 'line')")

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> LineOut:
        return cls(
            rule_id=row["rule_id"],
            kind=row["kind"],
            amount=format_fen(int(row["amount_fen"])),
            source=row["source"],
            source_id=row["source_id"],
            job_id=row["job_id"],
            corrects_period=row["corrects_period"],
            explanation_zh=row["explanation_zh"],
            explanation_en=row["explanation_en"],
            dispute_target=line_target(row),
        )


def line_target(row: Mapping[str, Any]) -> str:
    """How a dispute names a line: ``rule_id:source_id`` (the CLI's convention)."""
    return f"{row['rule_id']}:{row['source_id'] or row['source'] or ''}"


class InstallerStatementOut(StatementOut):
    status: str = Field(description="DRAFT for an open period, CLOSED once locked")
    stale: bool = Field(
        description="a draft computed from an older state of the store; a newer one is coming"
    )
    plan: str | None
    lines: list[LineOut]
    lines_total: str = Field(description="the sum of the lines; always equals net")


def money_totals(statements: pl.DataFrame) -> dict[str, int]:
    """Each of :data:`MONEY_COLUMNS` summed over ``statements``, in fen."""
    return {name: int(statements.get_column(f"{name}_fen").sum() or 0) for name in MONEY_COLUMNS}


class TotalsOut(BaseModel):
    installers: int
    bonus: str
    deduction_before_cap: str
    deduction_waived_by_cap: str
    deduction: str
    grievance_allowance: str
    prior_period_adjustment: str
    manual_adjustment: str
    net: str

    @classmethod
    def of_frame(cls, statements: pl.DataFrame) -> TotalsOut:
        money = {name: format_fen(fen) for name, fen in money_totals(statements).items()}
        return cls(installers=statements.height, **money)

    @classmethod
    def of_totals(cls, totals: Mapping[str, int]) -> TotalsOut:
        """From stored totals (``installers`` and each ``*_fen``)."""
        money = {name: format_fen(int(totals.get(f"{name}_fen", 0))) for name in MONEY_COLUMNS}
        return cls(installers=int(totals.get("installers", 0)), **money)


class PeriodOut(BaseModel):
    """A computed period: its totals and (a page of) its statements."""

    period: str
    status: str
    stale: bool = Field(description="a draft from an older state of the store")
    plan: str | None
    totals: TotalsOut
    total_statements: int
    offset: int
    statements: list[StatementOut]


# -- ranking --------------------------------------------------------------------------------


class TeamRankOut(BaseModel):
    rank: int | None = Field(description="null: no counted survey, not ranked")
    team_id: str
    team_name: str | None
    kind: str | None
    surveys: int
    rating: str | None
    figures: dict[str, str | int | None] = Field(
        description="the other figures the rank came from (money in yuan text)"
    )


class DealerRankingOut(BaseModel):
    dealer_id: str
    dealer_name: str | None
    teams: list[TeamRankOut]


class RankingOut(BaseModel):
    period: str
    status: str
    total_teams: int = Field(description="teams in all (of the dealers asked for)")
    offset: int
    dealers: list[DealerRankingOut]


_RANK_CORE = {"dealer_id", "dealer_name", "rank", "team_id", "team_name", "kind", "surveys"}


def _figure(name: str, value: Any) -> tuple[str, str | int | None]:
    if name.endswith("_fen") and value is not None:
        return name[: -len("_fen")], format_fen(int(value))
    if value is None or isinstance(value, str | int):
        return name, value
    return name, str(value)  # never hand out a float: show its text


def ranking_out(
    period: str, status: str, rows: Sequence[Mapping[str, Any]], *, total: int, offset: int
) -> RankingOut:
    dealers: dict[str, DealerRankingOut] = {}
    for row in rows:
        dealer = dealers.setdefault(
            row["dealer_id"],
            DealerRankingOut(
                dealer_id=row["dealer_id"], dealer_name=row.get("dealer_name"), teams=[]
            ),
        )
        figures = dict(_figure(k, v) for k, v in row.items() if k not in _RANK_CORE)
        dealer.teams.append(
            TeamRankOut(
                rank=row.get("rank"),
                team_id=row["team_id"],
                team_name=row.get("team_name"),
                kind=row.get("kind"),
                surveys=int(row.get("surveys") or 0),
                rating=figures.pop("rating", None),  # type: ignore[arg-type]
                figures=figures,
            )
        )
    return RankingOut(
        period=period,
        status=status,
        total_teams=total,
        offset=offset,
        dealers=list(dealers.values()),
    )


# -- simulation -----------------------------------------------------------------------------


class SimulatedInstallerOut(BaseModel):
    installer_id: str
    bonus_now: str
    bonus_simulated: str
    deduction_now: str
    deduction_simulated: str
    grievance_allowance_now: str
    grievance_allowance_simulated: str
    net_now: str
    net_simulated: str
    change: str

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> SimulatedInstallerOut:
        def pair(name: str) -> dict[str, str]:
            return {
                f"{name}_now": format_fen(int(row[f"{name}_fen"])),
                f"{name}_simulated": format_fen(int(row[f"{name}_fen_draft"])),
            }

        return cls(
            installer_id=row["installer_id"],
            **pair("bonus"),
            **pair("deduction"),
            **pair("grievance_allowance"),
            **pair("net"),
            change=format_fen(int(row["change_fen"])),
        )


class SimulationOut(BaseModel):
    period: str
    plan: str
    installers_changed: int
    total_now: str
    total_simulated: str
    total_change: str
    installers: list[SimulatedInstallerOut]


# -- plans ----------------------------------------------------------------------------------


class PlanCheckOut(BaseModel):
    file: str
    valid: bool
    plan_id: str | None = None
    version: str | None = None
    problems: list[ProblemOut]


class PlanOut(BaseModel):
    plan_id: str
    version: str
    effective_from: str
    checksum: str
    active: bool
    activated_at: str | None


# -- adjustments, disputes, audit -----------------------------------------------------------


class AdjustmentIn(BaseModel):
    installer_id: str = Field(min_length=1)
    amount: str = Field(description="signed yuan, at most two decimals, e.g. '-12.50'")
    reason: str


class AdjustmentOut(BaseModel):
    adjustment_id: int
    period: str
    installer_id: str
    amount: str
    reason: str
    author: str


class DisputeIn(BaseModel):
    period: str
    installer_id: str = Field(min_length=1)
    target_kind: str = Field(description="line, survey, complaint, revisit, job or missing")
    target_id: str = Field(min_length=1, description="a line: rule_id:source_id")
    comment: str


class AcceptIn(BaseModel):
    amount: str = Field(description="yuan paid as a manual adjustment, e.g. '30.00'")
    reason: str
    period: str | None = Field(
        default=None, description="open period for the amount; default the dispute's own"
    )


class RejectIn(BaseModel):
    reason: str


class DisputeEventOut(BaseModel):
    step: int
    at: str | None
    actor: str
    action: str
    note: str | None


class DisputeOut(BaseModel):
    dispute_id: int
    period: str
    installer_id: str
    target_kind: str
    target_id: str
    comment: str
    status: str
    overdue: bool
    opened_at: str | None
    respond_by: str | None
    resolved_at: str | None
    resolved_by: str | None
    resolution: str | None
    amount: str | None
    events: list[DisputeEventOut] | None = None

    @classmethod
    def of(cls, d: Mapping[str, Any], zone: ZoneInfo, now_us: int) -> DisputeOut:
        events = d.get("events")
        return cls(
            dispute_id=int(d["dispute_id"]),
            period=d["period"],
            installer_id=d["installer_id"],
            target_kind=d["target_kind"],
            target_id=d["target_id"],
            comment=d["comment"],
            status=d["status"],
            overdue=is_overdue(d, now_us),
            opened_at=when(d["opened_at"], zone),
            respond_by=when(d["respond_by"], zone),
            resolved_at=when(d["resolved_at"], zone),
            resolved_by=d["resolved_by"],
            resolution=d["resolution"],
            amount=format_fen(int(d["amount_fen"])) if d["amount_fen"] is not None else None,
            events=None
            if events is None
            else [
                DisputeEventOut(
                    step=int(e["step"]),
                    at=when(e["at"], zone),
                    actor=e["actor"],
                    action=e["action"],
                    note=e["note"],
                )
                for e in events
            ],
        )


class AuditOut(BaseModel):
    event_id: int
    at: str | None
    actor: str
    action: str
    target: str | None
    detail: Any

    @classmethod
    def of(cls, e: Mapping[str, Any], zone: ZoneInfo) -> AuditOut:
        detail: Any = e["detail"]
        if isinstance(detail, str):
            try:
                detail = json.loads(detail)
            except ValueError:
                pass
        return cls(
            event_id=int(e["event_id"]),
            at=when(e["at"], zone),
            actor=e["actor"],
            action=e["action"],
            target=e["target"],
            detail=detail,
        )


def display_name(path: str, names: Mapping[str, str]) -> str:
    return names.get(path, Path(path).name)


def file_reports(files: Sequence[Any], names: Mapping[str, str]) -> list[FileReportOut]:
    return [
        FileReportOut(
            file=display_name(f.path, names),
            entity=f.entity,
            rows=f.rows,
            accepted=f.accepted,
            replaced=f.replaced,
            unchanged=f.unchanged,
            rejected=f.rejected,
            rejects_path=f.rejects_path,
        )
        for f in files
    ]
