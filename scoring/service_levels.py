"""Service levels: the promises to customers a plan declares, checked per record and team.

For a period and an "as of" date, every check of ``plan.service_levels`` gives one row per
record and team (CONTRACT.md, "Service levels"): the records of its source whose ``period_by``
falls in the period (local month) and that match ``when``; the due date (the last local date
on which the check is met) from ``due``; ``done_at`` the earliest completing time not before
``not_before``; and the status:

- ``met``: done on or before the due date (local dates);
- ``breached``: done after it, or not done and ``as_of`` is after the due date;
- ``pending``: not done and ``as_of <= due_date`` (or no due date could be computed).

``as_of`` only decides between ``breached`` and ``pending`` when nothing was done: an event
the data holds counts whatever the date it is checked on (as CONTRACT.md says), so a later
``as_of`` never turns ``breached`` into ``pending``, nor anything ``met`` into ``breached``.

The team and dealer of a record are those of its job's installers: a job of two teams gives a
row for each. Everything is vectorised in polars; the expressions are the plan's, compiled by
:mod:`scoring.rules.compile` (no eval).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import polars as pl

from scoring.evaluate.inputs import Inputs
from scoring.evaluate.prepare import decode_extras, prepare
from scoring.period import Period
from scoring.rules.check_service import done_scope, record_scope
from scoring.rules.compile import Compiler, Deadlines, Env, Needs
from scoring.rules.parser import parse
from scoring.rules.scope import JOB_RELATIONS, SOURCE_ENTITIES
from scoring.rules.spec import Plan, ServiceLevel

STATUSES = ("met", "breached", "pending")
MET, BREACHED, PENDING = STATUSES


def checks_schema(zone: ZoneInfo) -> pl.Schema:
    """The columns of the ``checks`` frame (``done_at`` local, in ``zone``)."""
    return pl.Schema(
        [
            ("period", pl.String()),
            ("check", pl.String()),
            ("record_id", pl.String()),
            ("job_id", pl.String()),
            ("team_id", pl.String()),
            ("dealer_id", pl.String()),
            ("due_date", pl.Date()),
            ("done_at", pl.Datetime("us", str(zone.key))),
            ("status", pl.String()),
        ]
    )


BY_TEAM_SCHEMA = pl.Schema(
    [
        ("period", pl.String()),
        ("dealer_id", pl.String()),
        ("team_id", pl.String()),
        ("check", pl.String()),
        ("met", pl.Int64()),
        ("breached", pl.Int64()),
        ("pending", pl.Int64()),
        ("checks", pl.Int64()),
        ("share_met", pl.String()),
    ]
)


@dataclass(frozen=True)
class ServiceLevels:
    """The checks of one period as of one date, and their summary per dealer, team and check."""

    period: str
    as_of: dt.date
    checks: pl.DataFrame
    by_team: pl.DataFrame

    def narrowed(self, dealer_ids: set[str] | None) -> ServiceLevels:
        """Only the rows of ``dealer_ids`` (None: all)."""
        if dealer_ids is None:
            return self
        keep = pl.col("dealer_id").is_in(sorted(dealer_ids))
        return ServiceLevels(
            self.period, self.as_of, self.checks.filter(keep), self.by_team.filter(keep)
        )


def evaluate(
    plan: Plan,
    frames: Mapping[str, pl.DataFrame | pl.LazyFrame],
    *,
    period: Period | str,
    as_of: dt.date,
    zone: ZoneInfo,
    calendar: Deadlines | None,
) -> ServiceLevels:
    """Every service-level check of ``plan`` for ``period`` as of ``as_of`` (see the module)."""
    period = Period.parse(period)
    order = {check.id: index for index, check in enumerate(plan.service_levels)}
    checks = (
        _checks(plan, frames, period, as_of, zone, calendar)
        .sort(
            pl.col("check").replace_strict(order, default=len(order), return_dtype=pl.Int64),
            "dealer_id",
            "team_id",
            "record_id",
            nulls_last=True,
        )
        .collect()
    )
    return ServiceLevels(period.name, as_of, checks, summarise(checks, order))


#: Per team, every check of the plan together (:func:`team_totals`): counts and the share met.
TEAM_TOTALS_SCHEMA = pl.Schema(
    [
        ("team_id", pl.String()),
        ("sla_checks", pl.Int64()),
        ("sla_met", pl.Int64()),
        ("sla_breached", pl.Int64()),
        ("sla_pending", pl.Int64()),
        ("sla_share_met", pl.String()),
    ]
)


def team_totals(
    plan: Plan,
    frames: Mapping[str, pl.DataFrame | pl.LazyFrame],
    *,
    period: Period | str,
    as_of: dt.date,
    zone: ZoneInfo,
    calendar: Deadlines | None,
) -> pl.DataFrame:
    """Per team, all checks of the period as of ``as_of`` together: how many, met, breached,
    pending, and ``sla_share_met`` = met / checks as :func:`summarise` gives it per check.
    The rows are counted, never sorted nor kept (cheaper than :func:`evaluate`)."""
    status = pl.col("status")
    counted = (
        _checks(plan, frames, Period.parse(period), as_of, zone, calendar)
        .filter(pl.col("team_id").is_not_null())
        .group_by("team_id")
        .agg(
            pl.len().cast(pl.Int64).alias("sla_checks"),
            *(status.eq(s).sum().cast(pl.Int64).alias(f"sla_{s}") for s in STATUSES),
        )
        .collect()
    )
    return counted.with_columns(
        share_text(pl.col("sla_met"), pl.col("sla_checks")).alias("sla_share_met")
    ).select([pl.col(n).cast(d) for n, d in TEAM_TOTALS_SCHEMA.items()])


def with_team_totals(ranking: pl.DataFrame, totals: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """The ranking with each team's :func:`team_totals` beside its other figures (a team
    without any check: 0 checks and no share) and the date they are as of (``sla_as_of``)."""
    joined = ranking.with_columns(pl.col("team_id").cast(pl.String)).join(
        totals, on="team_id", how="left", maintain_order="left"
    )
    counts = [name for name in TEAM_TOTALS_SCHEMA if name not in ("team_id", "sla_share_met")]
    return joined.with_columns(
        pl.col(counts).fill_null(0), pl.lit(as_of.isoformat()).alias("sla_as_of")
    )


def _checks(
    plan: Plan,
    frames: Mapping[str, pl.DataFrame | pl.LazyFrame],
    period: Period,
    as_of: dt.date,
    zone: ZoneInfo,
    calendar: Deadlines | None,
) -> pl.LazyFrame:
    """The rows of every check, in ``checks_schema`` but in no particular order."""
    inputs = Inputs.of(frames)
    env = Env(zone, calendar)
    teams = job_teams(inputs)
    parts = [
        _check_rows(check, plan.parameters, inputs, env, period, as_of, zone)
        for check in plan.service_levels
    ]
    schema = checks_schema(zone)
    if parts:
        rows = pl.concat(parts, how="vertical")
    else:
        rows = pl.LazyFrame(schema={n: d for n, d in schema.items() if n not in _TEAM_COLUMNS})
    return (
        rows.join(teams, on="job_id", how="left")
        .with_columns(pl.lit(period.name).alias("period"))
        .select([pl.col(name).cast(dtype) for name, dtype in schema.items()])
    )


_TEAM_COLUMNS = ("period", "team_id", "dealer_id")


def job_teams(inputs: Inputs) -> pl.LazyFrame:
    """``job_id, team_id, dealer_id``: each team (and its dealer) of a job's installers, once."""
    return (
        inputs.job_installers.select("job_id", "installer_id")
        .join(inputs.installers.select("installer_id", "team_id"), on="installer_id", how="inner")
        .join(inputs.teams.select("team_id", "dealer_id"), on="team_id", how="left")
        .select("job_id", "team_id", "dealer_id")
        .unique()
    )


def _check_rows(
    check: ServiceLevel,
    params: Mapping[str, object],
    inputs: Inputs,
    env: Env,
    period: Period,
    as_of: dt.date,
    zone: ZoneInfo,
) -> pl.LazyFrame:
    """``check, record_id, job_id, due_date, done_at, status`` of one check (no team yet)."""
    scope = record_scope(check.source, params)
    needs = Needs()

    def compiled(text: str) -> pl.Expr:
        return Compiler(scope, env, needs, text).value(parse(text)).expr

    when = Compiler(scope, env, needs, check.when).condition(parse(check.when))
    due = compiled(check.due).cast(pl.Date)
    not_before = compiled(check.done.not_before) if check.done.not_before else None
    own_at = compiled(check.done.at) if check.done.by == "record" else None
    own_where = (
        Compiler(scope, env, needs, check.done.where).condition(parse(check.done.where))
        if own_at is not None
        else None
    )

    entity = SOURCE_ENTITIES[check.source]
    start = pl.lit(period.start(zone)).dt.cast_time_unit("us")
    end = pl.lit(period.end(zone)).dt.cast_time_unit("us")
    stamp = pl.col(check.period_by)
    events = inputs.table(entity.name).filter(
        stamp.is_not_null() & (stamp >= start) & (stamp < end)
    )
    frame = prepare(check.source, events, needs, inputs).filter(when)
    no_bound = pl.lit(None, pl.Datetime("us", "UTC"))
    records = frame.select(
        pl.col(entity.id_column).alias("record_id"),
        "job_id",
        due.alias("due_date"),
        (not_before if not_before is not None else no_bound).alias("_not_before"),
        *(
            [pl.when(own_where).then(own_at).alias("_at")]
            if own_at is not None and own_where is not None
            else []
        ),
    )
    if own_at is not None:
        records = records.with_columns(
            _not_early(pl.col("_at"), pl.col("_not_before")).alias("_done")
        )
    if own_at is None:
        records = records.join(
            _related_done(check, params, inputs, env, records), on="record_id", how="left"
        )
    return records.select(
        pl.lit(check.id).alias("check"),
        "record_id",
        "job_id",
        "due_date",
        pl.col("_done").dt.convert_time_zone(str(zone.key)).alias("done_at"),
        status_expr(pl.col("_done"), pl.col("due_date"), as_of, zone).alias("status"),
    )


def _not_early(at: pl.Expr, not_before: pl.Expr) -> pl.Expr:
    """``at``, or null when it is before ``not_before`` (a null ``not_before`` bounds nothing)."""
    return pl.when(not_before.is_null() | (at >= not_before)).then(at)


def _related_done(
    check: ServiceLevel,
    params: Mapping[str, object],
    inputs: Inputs,
    env: Env,
    records: pl.LazyFrame,
) -> pl.LazyFrame:
    """``record_id, _done``: the earliest matching related record of the job, not too early."""
    scope = done_scope(check, params)
    needs = Needs()
    where = Compiler(scope, env, needs, check.done.where).condition(parse(check.done.where))
    at = Compiler(scope, env, needs, check.done.at).value(parse(check.done.at)).expr
    related = decode_extras(inputs.table(JOB_RELATIONS[check.done.by]), needs.extras)
    candidates = (
        related.filter(where).select("job_id", at.alias("_at")).filter(pl.col("_at").is_not_null())
    )
    return (
        records.select("record_id", "job_id", "_not_before")
        .join(candidates, on="job_id", how="inner")
        .filter(_not_early(pl.col("_at"), pl.col("_not_before")).is_not_null())
        .group_by("record_id")
        .agg(pl.col("_at").min().alias("_done"))
    )


def status_expr(done: pl.Expr, due: pl.Expr, as_of: dt.date, zone: ZoneInfo) -> pl.Expr:
    """``met``, ``breached`` or ``pending`` (see the module)."""
    done_day = done.dt.convert_time_zone(str(zone.key)).dt.date()
    return (
        pl.when(done.is_not_null() & due.is_not_null() & (done_day <= due))
        .then(pl.lit(MET))
        .when(done.is_not_null() & due.is_not_null())
        .then(pl.lit(BREACHED))
        .when(due.is_not_null() & (pl.lit(as_of) > due))
        .then(pl.lit(BREACHED))
        .otherwise(pl.lit(PENDING))
    )


def summarise(checks: pl.DataFrame, order: Mapping[str, int] | None = None) -> pl.DataFrame:
    """Per dealer, team and check: counts of met, breached and pending, all checks, and
    ``share_met`` = met / checks as exact text with three decimals (half up)."""
    order = order or {}
    status = pl.col("status")
    counted = checks.group_by("period", "dealer_id", "team_id", "check").agg(
        *(status.eq(s).sum().cast(pl.Int64).alias(s) for s in STATUSES),
        pl.len().cast(pl.Int64).alias("checks"),
    )
    return (
        counted.with_columns(share_text(pl.col("met"), pl.col("checks")).alias("share_met"))
        .sort(
            "dealer_id",
            "team_id",
            pl.col("check").replace_strict(order, default=len(order), return_dtype=pl.Int64),
            nulls_last=True,
        )
        .select([pl.col(n).cast(d) for n, d in BY_TEAM_SCHEMA.items()])
    )


def share_text(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    """``part / whole`` rounded half up to three decimals, as text (``"0.875"``); exact."""
    thousandths = (part * 2000 + whole) // (whole * 2)
    whole_part = (thousandths // 1000).cast(pl.String)
    fraction = (thousandths % 1000).cast(pl.String).str.pad_start(3, "0")
    return pl.when(whole > 0).then(pl.concat_str([whole_part, pl.lit("."), fraction]))
