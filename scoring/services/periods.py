"""Periods: compute a draft, close, simulate a plan, list the periods with their status."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from payroll_export import check_result
from scoring import periods as engine
from scoring.errors import PeriodError
from scoring.period import Period
from scoring.periods import Comparison, Context, StoreChanged
from scoring.result import Result
from scoring.services.access import Caller, Right, require
from scoring.services.drafts import compute_and_store
from scoring.services.runtime import Runtime
from scoring.store import Store
from scoring.store import periods as store_periods
from scoring.store.plans import StoredPlan

log = logging.getLogger(__name__)

#: A close retried when records were imported while it computed (see periods.close).
CLOSE_ATTEMPTS = 3


def _context(store: Store, runtime: Runtime) -> Context:
    return Context.load(store, zone=runtime.zone, calendar=runtime.calendar)


def _refuse_closed(store: Store, period: Period) -> None:
    with store.begin() as conn:
        if store_periods.is_closed(conn, period.name):
            raise PeriodError(
                f"期间 {period} 已关账,结果已锁定,请用 export 导出 / period {period} is closed "
                "and locked; export it instead"
            )


def compute(
    store: Store,
    *,
    caller: Caller,
    period: Period,
    runtime: Runtime,
    plan_path: Path | None = None,
) -> tuple[Result, StoredPlan | None]:
    """A draft of an open period. With the plan in force it is recorded, materialised and
    served to every reader; with ``plan_path`` it is only returned (a trial)."""
    require(caller, Right.COMPUTE)
    _refuse_closed(store, period)
    if plan_path is not None:
        return engine.compute(
            _context(store, runtime), period.name, actor=caller.login, plan_path=plan_path
        )
    result = compute_and_store(store, caller=caller, period=period, runtime=runtime)
    if result is None:
        raise engine.ClosedMeanwhile(
            f"期间 {period} 在本次计算期间已关账,草稿作废 / period {period} was closed while "
            "this draft was computed; the draft is void"
        )
    with store.begin() as conn:
        draft = store_periods.get_draft(conn, period.name)
    stored = None
    if draft is not None and draft.plan_id is not None:
        from scoring.store.plans import get_plan

        with store.begin() as conn:
            stored = get_plan(conn, draft.plan_id, draft.plan_version or "")
    return result, stored


def close(store: Store, *, caller: Caller, period: Period, runtime: Runtime) -> Result:
    """Compute with the plan in force and freeze the period. Refused when its result could
    not be exported (nothing is frozen then), retried when records are imported meanwhile."""
    require(caller, Right.COMPUTE)
    with store.begin() as conn:
        if store_periods.is_closed(conn, period.name):
            raise PeriodError(store_periods.already_closed(period.name))
    last: StoreChanged | None = None
    for _attempt in range(CLOSE_ATTEMPTS):
        ctx = _context(store, runtime)
        try:
            return engine.close(ctx, period.name, actor=caller.login, verify=_exportable)
        except StoreChanged as exc:
            log.info("close of %s: records changed while computing, again", period)
            last = exc
        finally:
            del ctx
    assert last is not None
    raise last


def _exportable(result: Result) -> None:
    """Refuse to freeze a result the payroll export would refuse (a text too long for a
    cell…): a closed period must always be exportable."""
    _, _, problems = check_result(result)
    if problems:
        raise PeriodError(
            f"期间 {result.period} 的结果无法导出,未关账 / the result of {result.period} could "
            "not be exported, so it was not closed",
            list(problems),
        )


def simulate(
    store: Store, *, caller: Caller, period: Period, plan_path: Path, runtime: Runtime
) -> Comparison:
    """What ``plan_path`` would pay for ``period`` against what it pays now; changes nothing."""
    require(caller, Right.PLANS)
    return engine.simulate(_context(store, runtime), period.name, plan_path, actor=caller.login)


@dataclass(frozen=True)
class PeriodInfo:
    period: str
    status: str  # open or closed
    computed_at: int | None
    closed_at: int | None
    closed_by: str | None
    plan: str | None
    totals: dict[str, int] | None
    has_draft: bool


def list_periods(store: Store, *, caller: Caller) -> list[PeriodInfo]:
    """Every period computed or closed, newest first."""
    require(caller, Right.READ_PERIODS)
    found: list[PeriodInfo] = []
    with store.snapshot() as conn:
        drafts = set(store_periods.draft_periods(conn))
        for row in store_periods.all_periods(conn):
            draft = store_periods.get_draft(conn, row.period) if row.status == "open" else None
            totals = row.totals if row.status == "closed" else (draft.totals if draft else None)
            plan = (
                f"{row.plan_id} v{row.plan_version}"
                if row.plan_id
                else (f"{draft.plan_id} v{draft.plan_version}" if draft and draft.plan_id else None)
            )
            found.append(
                PeriodInfo(
                    period=row.period,
                    status=row.status,
                    computed_at=row.computed_at,
                    closed_at=row.closed_at,
                    closed_by=row.closed_by,
                    plan=plan,
                    totals=dict(totals) if totals else None,
                    has_draft=row.period in drafts,
                )
            )
    return found


@dataclass(frozen=True)
class ResultPeriod:
    period: str
    status: str  # closed, or draft for an open period with a computed draft


def result_periods(store: Store, *, caller: Caller) -> list[ResultPeriod]:
    """The periods with a result to read (closed, or open with a computed draft) that has any
    statement, newest first: what a page offers to pick from and opens by default (the
    newest), never a month without data such as the current one before its first import."""
    require(caller, Right.READ_STATEMENTS)
    found: list[ResultPeriod] = []
    with store.snapshot() as conn:
        drafts = set(store_periods.draft_periods(conn))
        for row in store_periods.all_periods(conn):
            if row.status == "closed":
                totals, status = row.totals, "closed"
            elif row.period in drafts:
                draft = store_periods.get_draft(conn, row.period)
                totals, status = (draft.totals if draft else None), "draft"
            else:
                continue
            if totals is None or int(totals.get("installers", 0)) > 0:
                found.append(ResultPeriod(row.period, status))
    return found
