"""Periods: compute a draft, close and lock, corrections after close, manual adjustments,
simulation, and the plan version in force.

A period is open until HR closes it. Closing computes it with the plan version in force at its
start, freezes its lines, statements and ranking with the plan's checksum and the checksums of
the inputs, and never changes again. Anything learnt later that would change what a closed
period pays is paid in the next open period as ``adjustment`` lines: per installer, rule and
record, the signed difference between what the closed period would pay now (recomputed with
its own plan version on today's data, caps included) and what was paid for it, each line naming
the period it corrects (``corrects_period``) and the record behind it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import Connection

from scoring import pipeline, service_levels
from scoring.caps import CARRY_RULE, carried_out
from scoring.entities import new_id_type
from scoring.errors import CalendarError, PeriodError, PlanError
from scoring.money import format_fen
from scoring.period import Period
from scoring.result import LINES_SCHEMA, STATEMENT_MONEY_COLUMNS, Result, as_schema
from scoring.rules.load import check_bytes, load_plan_text, standard_plan_path
from scoring.rules.spec import Plan
from scoring.store import Store
from scoring.store import adjustments as store_adjustments
from scoring.store import periods as store_periods
from scoring.store import plans as store_plans
from scoring.store.db import take_lock_sa
from scoring.store.plans import StoredPlan
from scoring.store.records import load_all
from scoring.workdays import WorkCalendar

log = logging.getLogger(__name__)

Frames = Mapping[str, pl.DataFrame]
#: The frames of a released context (see :meth:`Context.release`).
RELEASED: Frames = MappingProxyType({})
_KEY = ["installer_id", "rule_id", "source", "source_id", "job_id"]
#: Tables checksummed at once when a Context loads (the machines this runs on have 2 cores).
CHECKSUM_THREADS = 2


def parse_period(period: str) -> tuple[int, int]:
    found = Period.parse(period)
    return found.year, found.month


def previous_period(period: str) -> str:
    return Period.parse(period).previous().name


def next_period(period: str) -> str:
    return Period.parse(period).next().name


def first_day(period: str) -> str:
    return Period.parse(period).first_day.isoformat()


# -- plans ----------------------------------------------------------------------------------


def _label(stored: StoredPlan) -> str:
    return f"{stored.plan_id} v{stored.version}"


def _plan_from_bytes(raw: bytes, source: str) -> Plan:
    plan, problems = check_bytes(raw, source)
    if plan is None:
        raise PlanError(
            f"方案有误 / the plan {source} is invalid ({len(problems)} problems)", problems
        )
    return plan


def plan_from_stored(stored: StoredPlan) -> Plan:
    return load_plan_text(stored.content, source=f"{stored.plan_id} v{stored.version}")


def store_plan_file(
    store: Store, path: Path, *, actor: str, activate: bool, direct: bool = False
) -> StoredPlan:
    """Validate and keep a plan file as a version (and optionally put it in force; ``direct``:
    by the local administrator without a second person, as the audit log then says)."""
    raw = path.read_bytes()
    plan = _plan_from_bytes(raw, str(path))
    detail = {"direct": True, "file": path.name} if direct else None
    with store.begin() as conn:
        return _store_plan(conn, plan, raw, actor=actor, activate=activate, detail=detail)


def _version_of(plan: Plan, raw: bytes) -> StoredPlan:
    """The version a plan file makes (its text and checksum as given), not activated."""
    return StoredPlan(
        plan_id=plan.id,
        version=str(plan.version),
        effective_from=plan.effective_from.isoformat(),
        checksum=hashlib.sha256(raw).hexdigest(),
        content=raw.decode("utf-8-sig"),
        activated_at=None,
    )


def _store_plan(
    conn: Connection,
    plan: Plan,
    raw: bytes,
    *,
    actor: str,
    activate: bool,
    detail: dict[str, object] | None = None,
) -> StoredPlan:
    store_plans.store_plan(conn, _version_of(plan, raw), actor=actor)  # takes the period lock
    if activate:
        store_plans.activate_plan(
            conn, plan_id=plan.id, version=str(plan.version), actor=actor, detail=detail
        )
    return store_plans.get_plan(conn, plan.id, str(plan.version))


#: What to do when no plan is in force, in words for whoever reads it (a page or the CLI).
NO_PLAN_ZH = "运营人员可在「方案」页提议自该期起生效的方案,经另一人批准后生效"
NO_PLAN_EN = (
    "operations can propose a plan effective from this period on the Plans page; "
    "it applies once a second person approves it"
)


def plan_for(store: Store, period: str, *, actor: str, persist: bool = True) -> StoredPlan:
    """The version in force at the start of ``period``; the shipped plan when no version was
    ever activated (stored and activated on first use when ``persist``, else only read)."""
    day = first_day(period)
    with store.begin() as conn:
        found = store_plans.plan_in_force(conn, day)
        if found is None and any(p.activated_at for p in store_plans.list_plans(conn)):
            # An activation may have committed between the two reads: look once more.
            found = store_plans.plan_in_force(conn, day)
            if found is None:
                raise PlanError(
                    f"期间 {period} 开始时没有生效的方案;{NO_PLAN_ZH} / no activated plan is in "
                    f"force on {day}; {NO_PLAN_EN}"
                )
    if found is not None:
        return found
    raw = standard_plan_path().read_bytes()
    plan = _plan_from_bytes(raw, str(standard_plan_path()))
    if plan.effective_from.isoformat() > day:
        raise PlanError(
            f"期间 {period} 开始时没有生效的方案(内置方案自 {plan.effective_from} 起生效);"
            f"{NO_PLAN_ZH} / no plan is in force on {day}: the shipped plan applies from "
            f"{plan.effective_from}; {NO_PLAN_EN}"
        )
    if not persist:
        return _version_of(plan, raw)
    with store.begin() as conn:
        take_lock_sa(conn, "period")
        # Two first computations at once: the one that waited finds the other's plan.
        found = store_plans.plan_in_force(conn, day)
        if found is not None:
            return found
        return _store_plan(conn, plan, raw, actor=actor, activate=True)


def keep_shipped_plan(conn: Connection, *, actor: str, detail: dict[str, object]) -> StoredPlan:
    """Store and activate the shipped plan, which is in force while no version ever was, so
    that a version activated for a later date leaves the periods before it as they were."""
    raw = standard_plan_path().read_bytes()
    plan = _plan_from_bytes(raw, str(standard_plan_path()))
    return _store_plan(conn, plan, raw, actor=actor, activate=True, detail=detail)


# -- computing ------------------------------------------------------------------------------


@dataclass
class Context:
    """What every computation of one store needs, loaded once."""

    store: Store
    frames: Frames
    calendar: WorkCalendar
    zone: ZoneInfo
    #: The last import batch that changed a record, read *before* the frames: the frames hold
    #: at least the data of that batch (perhaps more, which only costs a recomputation).
    data_batch: int = 0
    #: ``pipeline.input_checksums`` of ``frames``: the same for every period computed from
    #: them, so computed once, at the load (None: each computation computes them).
    checksums: Mapping[str, dict[str, object]] | None = None

    @classmethod
    def load(cls, store: Store, *, zone: ZoneInfo, calendar: WorkCalendar | None = None) -> Context:
        data_batch = store_periods.last_changing_batch(store)
        started = time.perf_counter()
        frames = load_all(store, ids=new_id_type())
        loaded = time.perf_counter()
        checksums = pipeline.input_checksums(frames, threads=CHECKSUM_THREADS)
        log.info(
            "context loaded: frames %.3f s, input checksums %.3f s",
            loaded - started,
            time.perf_counter() - loaded,
        )
        return cls(store, frames, calendar or WorkCalendar.load(), zone, data_batch, checksums)

    def release(self) -> None:
        """Let the input frames go; the context computes nothing after. A close does this
        once its result is computed: writing the frozen result was otherwise the peak of a
        national month's close, the inputs (about 450 MiB) held for nothing."""
        self.frames = RELEASED

    def run(
        self,
        period: str,
        plan: Plan,
        *,
        prior: pl.DataFrame | None = None,
        carried_in: pl.DataFrame | None = None,
    ) -> Result:
        """``plan`` over this context's data for ``period`` (see pipeline.run)."""
        if self.frames is RELEASED:
            raise RuntimeError("this context was released by a close: load another")
        return pipeline.run(
            period,
            plan,
            self.frames,
            calendar=self.calendar,
            zone=self.zone,
            prior_lines=prior,
            carried_in=carried_in,
            checksums=self.checksums,
        )


def _status(store: Store, period: str) -> str:
    with store.begin() as conn:
        row = store_periods.get_period(conn, period)
    return row.status if row is not None else "open"


def _raw_lines(
    ctx: Context, period: str, plan: Plan, carried_in: pl.DataFrame | None
) -> pl.DataFrame:
    """The rule lines (caps included) a period pays on today's data, without adjustments."""
    result = ctx.run(period, plan, carried_in=carried_in)
    return result.lines.filter(~pl.col("kind").is_in(["adjustment", "manual"]))


def _stored_plan_of(ctx: Context, row: store_periods.PeriodRow) -> Plan:
    assert row.plan_id is not None and row.plan_version is not None
    with ctx.store.begin() as conn:
        return plan_from_stored(store_plans.get_plan(conn, row.plan_id, row.plan_version))


def _frozen_carry(ctx: Context, period: str) -> pl.DataFrame | None:
    """What a closed period's caps carried forward, as frozen; None when it is not closed."""
    with ctx.store.begin() as conn:
        row = store_periods.get_period(conn, period)
    if row is None or row.status != "closed":
        return None
    plan = _stored_plan_of(ctx, row)
    if not any(cap.above_cap == "carry_forward" for cap in plan.caps):
        return None  # nothing can have been carried: spare reading its lines
    return carried_out(plan, store_periods.load_closed(ctx.store, period).lines)


def carry_key(carried: pl.DataFrame | None) -> str:
    """A fingerprint of what was carried into a period, recorded in its ``about``."""
    if carried is None or carried.height == 0:
        return "none"
    rows = sorted(carried.select("installer_id", "amount_fen", "period").iter_rows())
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@dataclass
class Reconciliation:
    """What an open period owes for the closed periods before it."""

    adjustments: pl.DataFrame
    carried_in: pl.DataFrame | None
    recomputed: dict[str, pl.DataFrame]


def reconcile(ctx: Context, period: str) -> Reconciliation:
    """Recompute, in order, the closed periods whose next open period is ``period``, each with
    its own plan version and with what the period before it carries forward as recomputed;
    the differences against what was paid become ``period``'s adjustment lines."""
    with ctx.store.begin() as conn:
        closed = store_periods.closed_periods(conn)
    closed_names = {p.period for p in closed}
    parts: list[pl.DataFrame] = []
    recomputed: dict[str, pl.DataFrame] = {}
    carry: pl.DataFrame | None = None
    carry_from: str | None = None
    for row in closed:
        if row.period >= period:
            continue
        target = next_period(row.period)
        while target in closed_names:
            target = next_period(target)
        if target != period:
            continue  # its corrections went to an earlier open period
        plan = _stored_plan_of(ctx, row)
        before = previous_period(row.period)
        carried_in = carry if carry_from == before else _frozen_carry(ctx, before)
        frozen = store_periods.load_closed(ctx.store, row.period)
        if frozen.about.get("data_batch") == ctx.data_batch and frozen.about.get(
            "carried_in"
        ) == carry_key(carried_in):
            # No record has changed since this period was closed and what is carried into it
            # is what was carried then: recomputing it would give exactly what it paid.
            carry, carry_from = carried_out(plan, frozen.lines), row.period
            continue
        now = _raw_lines(ctx, row.period, plan, carried_in)
        recomputed[row.period] = now
        paid = store_periods.paid_lines(ctx.store, row.period)
        parts.append(_difference(period, row.period, now, paid))
        carry, carry_from = carried_out(plan, now), row.period
    before = previous_period(period)
    carried = carry if carry_from == before else _frozen_carry(ctx, before)
    adjustments = pl.concat(parts, how="vertical") if parts else pl.DataFrame(schema=LINES_SCHEMA)
    return Reconciliation(adjustments, carried, recomputed)


def _difference(period: str, corrected: str, now: pl.DataFrame, paid: pl.DataFrame) -> pl.DataFrame:
    def sums(frame: pl.DataFrame, name: str) -> pl.DataFrame:
        return frame.group_by(_KEY, maintain_order=True).agg(
            pl.col("amount_fen").sum().alias(name),
            pl.col("kind").first().alias(f"kind_{name}"),
        )

    joined = sums(now, "now").join(
        sums(paid, "paid"), on=_KEY, how="full", coalesce=True, nulls_equal=True
    )
    diff = joined.with_columns(
        pl.col("now").fill_null(0), pl.col("paid").fill_null(0)
    ).with_columns((pl.col("now") - pl.col("paid")).alias("amount_fen"))
    diff = diff.filter(pl.col("amount_fen") != 0).sort(_KEY, nulls_last=True)
    rows = diff.to_dicts()
    zh = [
        f"更正{corrected}期「{r['rule_id']}」"
        + (f"({r['source']} {r['source_id']})" if r["source_id"] else "")
        + f":原付{format_fen(r['paid'])}元,应付{format_fen(r['now'])}元,"
        f"差额{format_fen(r['amount_fen'])}元"
        for r in rows
    ]
    en = [
        f"correction of {corrected}, rule {r['rule_id']}"
        + (f" ({r['source']} {r['source_id']})" if r["source_id"] else "")
        + f": paid {format_fen(r['paid'])}, due {format_fen(r['now'])}, "
        f"difference {format_fen(r['amount_fen'])} yuan"
        for r in rows
    ]
    return diff.select(
        pl.lit(period).alias("period"),
        "installer_id",
        "rule_id",
        pl.lit("adjustment").alias("kind"),
        pl.col("amount_fen").cast(pl.Int64),
        "source",
        "source_id",
        "job_id",
        pl.lit(corrected).alias("corrects_period"),
        pl.Series("explanation_zh", zh, dtype=pl.String),
        pl.Series("explanation_en", en, dtype=pl.String),
    ).select(as_schema(LINES_SCHEMA))


class ClosedMeanwhile(PeriodError):
    """The period was closed while a draft of it was computed."""


def compute(
    ctx: Context,
    period: str,
    *,
    actor: str,
    plan_path: Path | None = None,
    record: bool = True,
    persist_plan: bool = False,
) -> tuple[Result, StoredPlan | None]:
    """A draft of an open period: the plan in force (or ``plan_path``), corrections, manual
    adjustments. Refuses a closed period (its frozen result is exported instead)."""
    parse_period(period)
    if _status(ctx.store, period) == "closed":
        raise PeriodError(
            f"期间 {period} 已关账,结果已锁定,请用 export 导出 / period {period} is closed and "
            "locked; export it instead"
        )
    stored: StoredPlan | None
    if plan_path is not None:
        plan = _plan_from_bytes(plan_path.read_bytes(), str(plan_path))
        stored = None
    else:
        stored = plan_for(ctx.store, period, actor=actor, persist=record or persist_plan)
        plan = plan_from_stored(stored)
    with ctx.store.begin() as conn:
        manual = store_adjustments.manual_lines(conn, period)
    reconciled = reconcile(ctx, period)
    prior = pl.concat([reconciled.adjustments, manual], how="vertical")
    result = ctx.run(period, plan, prior=prior, carried_in=reconciled.carried_in)
    result = replace(
        result,
        ranking=_with_service_levels(ctx, period, plan, result.ranking),
        draft=True,
        about={
            **result.about,
            "status": "DRAFT",
            "data_batch": ctx.data_batch,
            "carried_in": carry_key(reconciled.carried_in),
        },
    )
    # A close may have frozen the period while this draft was computed: then the draft is
    # void (what is paid is the frozen result). Checked under the period lock when the
    # compute is recorded, so that a close cannot slip in between.
    with ctx.store.begin() as conn:
        if record:
            take_lock_sa(conn, "period")
        if store_periods.is_closed(conn, period):
            raise ClosedMeanwhile(
                f"期间 {period} 在本次计算期间已关账,草稿作废,请用 export 导出锁定的结果 / "
                f"period {period} was closed while this draft was computed; the draft is void, "
                "export the locked result instead"
            )
        if record:
            store_periods.record_compute(
                conn, period, actor, _label(stored) if stored else str(plan_path)
            )
    return result, stored


def today(zone: ZoneInfo) -> dt.date:
    """The local date now (the date a draft's or a close's service levels are as of)."""
    return dt.datetime.now(tz=zone).date()


def _with_service_levels(
    ctx: Context, period: str, plan: Plan, ranking: pl.DataFrame
) -> pl.DataFrame:
    """The ranking with each team's share of the plan's service-level checks met, as of
    today, beside its other figures: computed with the draft or the close and stored with the
    ranking, never per read. Service levels measure teams and pay nothing, so a due date the
    calendar cannot compute leaves the figures out (with a warning) instead of failing."""
    if not plan.service_levels or ranking.height == 0:
        return ranking
    as_of = today(ctx.zone)
    started = time.perf_counter()
    try:
        totals = service_levels.team_totals(
            plan, ctx.frames, period=period, as_of=as_of, zone=ctx.zone, calendar=ctx.calendar
        )
    except CalendarError as exc:
        log.warning("%s: service levels left out of the ranking: %s", period, exc)
        return ranking
    log.info("%s service levels of the ranking: %.3f s", period, time.perf_counter() - started)
    return service_levels.with_team_totals(ranking, totals, as_of)


class StoreChanged(PeriodError):
    """Records were imported while a period was computed for its close: its inputs were not
    read in one state of the store, so the result must not be frozen."""


def close(
    ctx: Context,
    period: str,
    *,
    actor: str,
    verify: Callable[[Result], None] | None = None,
) -> Result:
    """Compute with the plan in force and freeze the period, atomically and once. ``ctx``
    is released once the result is computed (see :meth:`Context.release`).

    The frozen result must come from one state of the store: the frames were read after
    ``ctx.data_batch`` was, so if no batch changed a record since, every table was read in
    that state. Checked under the period lock as the result is written; otherwise
    :class:`StoreChanged` (load the context again and retry)."""
    if _status(ctx.store, period) == "closed":
        raise PeriodError(store_periods.already_closed(period))
    result, stored = compute(ctx, period, actor=actor, record=False, persist_plan=True)
    assert stored is not None
    if verify is not None:
        verify(result)

    def unchanged(cur: object) -> None:
        cur.execute(  # type: ignore[attr-defined]
            "SELECT COALESCE(MAX(batch_id), 0) FROM import_batches WHERE accepted + replaced > 0"
        )
        if int(cur.fetchone()[0]) != ctx.data_batch:  # type: ignore[attr-defined]
            raise StoreChanged(
                f"关账计算期间有新数据导入,请重试 / records were imported while {period} was "
                "computed for its close; it was not closed: try again"
            )
        # A plan version approved for the period meanwhile: it must be closed with that one.
        cur.execute(  # type: ignore[attr-defined]
            "SELECT checksum FROM plans WHERE activated_at IS NOT NULL AND effective_from <= "
            f"'{first_day(period)}' ORDER BY effective_from DESC, activated_at DESC LIMIT 1"
        )
        in_force = cur.fetchone()  # type: ignore[attr-defined]
        if in_force is None or in_force[0] != stored.checksum:
            raise StoreChanged(
                f"关账计算期间生效方案有变,请重试 / the plan in force for {period} changed while "
                "it was computed for its close; it was not closed: try again"
            )

    ctx.release()
    frozen = store_periods.save_closed(ctx.store, result, actor=actor, plan=stored, check=unchanged)
    return replace(result, draft=False, about=frozen.about)


def result_for_export(ctx: Context, period: str, *, actor: str) -> Result:
    """The frozen result of a closed period, or a fresh draft of an open one (the frozen
    result when the period is closed while the draft is computed)."""
    if _status(ctx.store, period) == "closed":
        return store_periods.load_closed(ctx.store, period)
    try:
        result, _ = compute(ctx, period, actor=actor, record=False)
    except ClosedMeanwhile:
        return store_periods.load_closed(ctx.store, period)
    return result


@dataclass
class Comparison:
    """What a plan would pay for a period against what the period pays now: one row per
    installer with ``name``, ``team_id``, ``team_name``, ``dealer_id``, every statement money
    column as now (``net_fen`` …) and as the plan would pay (``net_fen_draft`` …), and
    ``change_fen`` (the change in net pay), by installer id."""

    per_installer: pl.DataFrame
    total_now_fen: int
    total_draft_fen: int


#: The identity columns of a compared installer (from either side of the comparison).
_WHO = ("name", "team_id", "team_name", "dealer_id")


def simulate(ctx: Context, period: str, plan_path: Path, *, actor: str) -> Comparison:
    """What ``plan_path`` would pay for ``period`` against what it pays now; changes nothing."""
    draft_plan = _plan_from_bytes(plan_path.read_bytes(), str(plan_path))
    return simulate_plan(ctx, period, draft_plan, actor=actor)


def simulate_plan(
    ctx: Context, period: str, plan: Plan, *, actor: str, current: Result | None = None
) -> Comparison:
    """What ``plan`` would pay for ``period`` against what it pays now (``current``: the
    period's result as it stands, when the caller already has it); changes nothing: no draft,
    no plan version, no closed result is written."""
    if current is None:
        current = result_for_export(ctx, period, actor=actor)
    with ctx.store.begin() as conn:
        manual = store_adjustments.manual_lines(conn, period)
    carried_in: pl.DataFrame | None
    if _status(ctx.store, period) == "closed":
        prior = current.lines.filter(pl.col("kind").is_in(["adjustment", "manual"]))
        # Exactly what the period was closed with: its own carried-deduction lines.
        carried_in = current.lines.filter(pl.col("rule_id") == CARRY_RULE).select(
            "installer_id",
            (-pl.col("amount_fen")).alias("amount_fen"),
            pl.col("source_id").alias("period"),
        )
    else:
        reconciled = reconcile(ctx, period)
        prior = pl.concat([reconciled.adjustments, manual], how="vertical")
        carried_in = reconciled.carried_in
    draft = ctx.run(period, plan, prior=prior, carried_in=carried_in)
    money = list(STATEMENT_MONEY_COLUMNS)
    cols = ["installer_id", *_WHO, *money]
    now = current.statements.select(cols)
    new = draft.statements.select(cols)
    joined = now.join(new, on="installer_id", how="full", coalesce=True, suffix="_draft")
    joined = joined.with_columns(
        [pl.coalesce(c, f"{c}_draft").alias(c) for c in _WHO]
        + [pl.col(c).fill_null(0) for c in money]
        + [pl.col(f"{c}_draft").fill_null(0) for c in money]
    ).drop([f"{c}_draft" for c in _WHO])
    joined = joined.with_columns((pl.col("net_fen_draft") - pl.col("net_fen")).alias("change_fen"))
    joined = joined.sort("installer_id")
    return Comparison(
        per_installer=joined,
        total_now_fen=int(joined.get_column("net_fen").sum()),
        total_draft_fen=int(joined.get_column("net_fen_draft").sum()),
    )
