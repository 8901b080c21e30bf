"""From what a month's reports are built from, one :class:`DealerReport` per dealer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import polars as pl

from scoring.dealer_report import sections
from scoring.dispatch import dispatch_shares
from scoring.evaluate.inputs import Inputs
from scoring.period import Period
from scoring.rules.spec import Plan
from scoring.service_levels import ServiceLevels, share_text


@dataclass(frozen=True)
class ReportInputs:
    """Everything the reports of one month are built from, read once for every dealer."""

    period: Period
    #: CLOSED, or DRAFT for an open period's draft.
    status: str
    plan: Plan
    plan_label: str | None
    #: When the result was computed (a draft) or closed, local ``YYYY-MM-DD HH:MM``.
    computed_at: str | None
    dealer_names: Mapping[str, str | None]
    #: Stored ranking rows (sections.ranking_frame) and statements of the month, and of the
    #: month before when it was computed (else None).
    ranking: pl.DataFrame
    statements: pl.DataFrame
    ranking_before: pl.DataFrame | None
    statements_before: pl.DataFrame | None
    #: The records (scoring.store.records.load_all).
    frames: Mapping[str, pl.DataFrame]
    #: The month's service levels (None when the plan declares none).
    levels: ServiceLevels | None
    zone: ZoneInfo
    generated_at: str


@dataclass(frozen=True)
class DealerReport:
    """One dealer's report of one month: each section a frame (see :mod:`.sections`)."""

    period: str
    previous_period: str
    dealer_id: str
    dealer_name: str | None
    status: str
    plan: str | None
    computed_at: str | None
    generated_at: str
    #: The date the service levels are as of (None: the plan declares none).
    sla_as_of: str | None
    ranking: pl.DataFrame
    changes: pl.DataFrame
    service_levels: pl.DataFrame
    complaints: pl.DataFrame
    surveys: pl.DataFrame
    words: pl.DataFrame
    grades: pl.DataFrame
    #: None when the plan has no ``dispatch`` section.
    dispatch: pl.DataFrame | None
    #: What the reader should know, (zh, en) each.
    notes: list[tuple[str, str]] = field(default_factory=list)
    #: The title of each service-level check, (zh, en), and of ``all``.
    check_titles: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        """The files' name without suffix: ``report-PERIOD-DEALER`` (the id made safe)."""
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in self.dealer_id)
        return f"report-{self.period}-{safe}"


SLA_SCHEMA = {
    "team_id": pl.String,
    "team_name": pl.String,
    "check": pl.String,
    "met": pl.Int64,
    "breached": pl.Int64,
    "pending": pl.Int64,
    "checks": pl.Int64,
    "share_met": pl.String,
}


_COUNTS = ("met", "breached", "pending", "checks")


def _service_levels(
    levels: ServiceLevels | None, dealer_id: str, teams: pl.DataFrame
) -> pl.DataFrame:
    """Per team of the dealer (in ``teams``' order) and check (in the plan's order), then the
    team's checks together (``check`` = ``all``)."""
    if levels is None:
        return pl.DataFrame(schema=SLA_SCHEMA)
    mine = (
        levels.by_team.filter(pl.col("dealer_id") == dealer_id)
        .select("team_id", "check", *_COUNTS, "share_met")
        .with_row_index("_order")
    )
    totals = (
        mine.group_by("team_id")
        .agg(pl.col(_COUNTS).sum())
        .with_columns(
            pl.lit(mine.height, pl.UInt32).alias("_order"),
            pl.lit("all").alias("check"),
            share_text(pl.col("met"), pl.col("checks")).alias("share_met"),
        )
        .select(mine.columns)
    )
    ordered = teams.select("team_id", "team_name").with_row_index("_team")
    return (
        ordered.join(pl.concat([mine, totals]), on="team_id", how="inner")
        .sort("_team", "_order")
        .select([pl.col(n).cast(d) for n, d in SLA_SCHEMA.items()])
    )


def _dispatch(plan: Plan, ranking: pl.DataFrame) -> pl.DataFrame | None:
    if plan.dispatch is None:
        return None
    shares = dispatch_shares(ranking, plan.dispatch)
    names = ranking.select("team_id", "team_name")
    return shares.join(names, on="team_id", how="left", maintain_order="left").select(
        "team_id",
        "team_name",
        "rank",
        "rating",
        "weight",
        "share_bp",
        "share",
        "reason_zh",
        "reason_en",
    )


def build_reports(data: ReportInputs, dealer_ids: Sequence[str]) -> list[DealerReport]:
    """One report per dealer of ``dealer_ids`` (in that order)."""
    inputs = Inputs.of(data.frames)
    complaints = sections.complaints_all(inputs, data.period, data.zone)
    surveys = sections.surveys_all(data.plan, inputs, data.period, data.zone)
    texts = sections.texts_all(inputs, data.period, data.zone)
    grades = [g.grade for g in data.plan.rating.grades]
    previous = data.period.previous().name
    sla_as_of = data.levels.as_of.isoformat() if data.levels is not None else None
    base_notes: list[tuple[str, str]] = []
    if data.status != "CLOSED":
        base_notes.append(
            (
                f"{data.period} 尚未关账,本报告依据草稿,数字可能变化",
                f"{data.period} is not closed: this report shows a draft, figures may change",
            )
        )
    if data.ranking_before is None:
        base_notes.append(
            (
                f"上月 {previous} 尚未计算,无环比与等级变化",
                f"last month {previous} was never computed: no month-over-month change, "
                "no grade changes",
            )
        )
    if data.levels is None:
        base_notes.append(
            ("方案未规定服务承诺检查", "the plan in force declares no service levels")
        )
    if data.plan.dispatch is None:
        base_notes.append(("方案未规定派单建议", "the plan in force declares no order shares"))
    titles = {check.id: (check.title.zh, check.title.en) for check in data.plan.service_levels}
    titles["all"] = ("全部检查", "all checks")
    reports = []
    for dealer_id in dealer_ids:
        ranking = data.ranking.filter(pl.col("dealer_id") == dealer_id)
        before = (
            data.ranking_before.filter(pl.col("dealer_id") == dealer_id)
            if data.ranking_before is not None
            else None
        )
        statements_now = data.statements.filter(pl.col("dealer_id") == dealer_id)
        statements_before = data.statements_before
        notes = list(base_notes)
        if ranking.height == 0:
            notes.append(
                ("本月该经销商没有团队数据", "no team of this dealer in this month's result")
            )
        reports.append(
            DealerReport(
                period=data.period.name,
                previous_period=previous,
                dealer_id=dealer_id,
                dealer_name=data.dealer_names.get(dealer_id),
                status=data.status,
                plan=data.plan_label,
                computed_at=data.computed_at,
                generated_at=data.generated_at,
                sla_as_of=sla_as_of,
                ranking=ranking.select(sections.RANKING_COLUMNS),
                changes=sections.month_over_month(ranking, before),
                service_levels=_service_levels(data.levels, dealer_id, ranking),
                complaints=sections.complaints_matrix(
                    complaints.filter(pl.col("dealer_id") == dealer_id)
                ),
                surveys=sections.survey_dimensions(
                    surveys.filter(pl.col("dealer_id") == dealer_id), ranking
                ),
                words=sections.word_lists(texts.filter(pl.col("dealer_id") == dealer_id)),
                grades=sections.grade_changes(statements_now, statements_before, grades),
                dispatch=_dispatch(data.plan, ranking),
                notes=notes,
                check_titles=titles,
            )
        )
    return reports


def local_now(zone: ZoneInfo) -> str:
    return dt.datetime.now(tz=zone).strftime("%Y-%m-%d %H:%M")
