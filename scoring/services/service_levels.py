"""Service levels of a period, for the faces (command line, API, pages, scheduler).

``evaluate`` checks the promises to customers of the plan in force for a period, as of a date,
narrowed to what the caller may see (a dealer user: its dealers' teams). ``write`` also writes
``sla-PERIOD.csv`` and ``sla-PERIOD.xlsx`` and records the export in the audit log; ``page``
gives ``by_team`` whole and a page of the checks (the API). They only read records; none
changes a period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from payroll_export.columns import Headings
from payroll_export.service_levels import SlaFiles, write_service_levels
from scoring import service_levels
from scoring.errors import InputError, NotFoundError, PlanError
from scoring.period import Period
from scoring.periods import plan_for, plan_from_stored
from scoring.rules.compile import Deadlines
from scoring.service_levels import STATUSES, ServiceLevels
from scoring.services.access import Caller, Right, require
from scoring.store import Store
from scoring.store import audit as store_audit
from scoring.store.directory import dealer_exists
from scoring.store.records import load_all


def evaluate(
    store: Store,
    *,
    caller: Caller,
    period: Period | str,
    as_of: dt.date | None,
    zone: ZoneInfo,
    calendar: Deadlines,
) -> ServiceLevels:
    """The checks of ``period`` as of ``as_of`` (default: today in ``zone``) in the caller's
    scope. :class:`PlanError` when the plan in force declares no service levels."""
    require(caller, Right.SERVICE_LEVELS)
    period = Period.parse(period)
    as_of = as_of or dt.datetime.now(tz=zone).date()
    stored = plan_for(store, period.name, actor=caller.login, persist=False)
    plan = plan_from_stored(stored)
    if not plan.service_levels:
        raise PlanError(
            f"期间 {period} 的方案 {stored.plan_id} v{stored.version} 没有 service_levels / the "
            f"plan in force for {period} ({stored.plan_id} v{stored.version}) declares no "
            "service levels"
        )
    levels = service_levels.evaluate(
        plan, load_all(store), period=period, as_of=as_of, zone=zone, calendar=calendar
    )
    return levels.narrowed(_visible_dealers(caller, levels))


def _visible_dealers(caller: Caller, levels: ServiceLevels) -> set[str] | None:
    """The dealers whose rows the caller sees (None: every row)."""
    if not caller.scoped:
        return None
    scope = caller.scope_values()
    if scope is not None and scope[0] == "dealer_id":
        return set(scope[1])
    dealers = levels.checks.get_column("dealer_id").drop_nulls().unique().to_list()
    return {d for d in dealers if caller.sees_dealer(d)}


def write(
    store: Store,
    *,
    caller: Caller,
    period: Period | str,
    as_of: dt.date | None,
    zone: ZoneInfo,
    calendar: Deadlines,
    out_dir: Path,
    headings: Headings = "en",
) -> tuple[ServiceLevels, SlaFiles]:
    """:func:`evaluate`, then ``sla-PERIOD.csv`` and ``sla-PERIOD.xlsx`` in ``out_dir``."""
    levels = evaluate(
        store, caller=caller, period=period, as_of=as_of, zone=zone, calendar=calendar
    )
    files = write_service_levels(levels, out_dir, headings=headings)
    with store.begin() as conn:
        store_audit.audit(
            conn,
            caller.login,
            "sla_export",
            levels.period,
            {"as_of": levels.as_of.isoformat(), "rows": levels.checks.height},
        )
    return levels, files


#: The largest page of checks :func:`page` returns.
MAX_PAGE = 10_000


@dataclass(frozen=True)
class SlaPage:
    """``by_team`` of the caller's scope (one dealer's when asked) and a page of its checks."""

    period: str
    as_of: dt.date
    by_team: pl.DataFrame
    checks: pl.DataFrame
    total: int
    offset: int


def page(
    store: Store,
    *,
    caller: Caller,
    period: Period | str,
    as_of: dt.date | None,
    zone: ZoneInfo,
    calendar: Deadlines,
    dealer_id: str | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 1000,
) -> SlaPage:
    """:func:`evaluate`, narrowed to ``dealer_id`` (not found when outside the caller's scope)
    and the checks to ``status``; the checks from ``offset``, at most ``limit`` of them."""
    if status is not None and status not in STATUSES:
        raise InputError(
            f"状态应为 {'、'.join(STATUSES)} 之一 / status is one of {', '.join(STATUSES)}, "
            f"not {status!r}"
        )
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise InputError(
            f"分页参数无效 / offset must be >= 0 and limit 1-{MAX_PAGE} (got {offset}, {limit})"
        )
    if dealer_id is not None:
        require(caller, Right.SERVICE_LEVELS)  # a role without the right hears that first
        with store.begin() as conn:
            known = dealer_exists(conn, dealer_id)
        if not known or not caller.sees_dealer(dealer_id):
            raise NotFoundError(f"没有这个经销商 / no dealer {dealer_id!r}")
    levels = evaluate(
        store, caller=caller, period=period, as_of=as_of, zone=zone, calendar=calendar
    )
    if dealer_id is not None:
        levels = levels.narrowed({dealer_id})
    checks = levels.checks
    if status is not None:
        checks = checks.filter(pl.col("status") == status)
    return SlaPage(
        period=levels.period,
        as_of=levels.as_of,
        by_team=levels.by_team,
        checks=checks.slice(offset, limit),
        total=checks.height,
        offset=offset,
    )
