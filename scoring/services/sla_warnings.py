"""The daily early warning of service levels: what falls due today and tomorrow and is not
done yet, and what was breached yesterday, per team (issue 15).

:func:`refresh` is the scheduler's: it checks, as of the day, the periods whose checks can
fall due around it (the day's month and the two before: a revisit is due up to 30 days after
the job) with the plan in force for each, and stores the day's warnings (replacing any of the
same day). :func:`warnings` reads a stored day for the pages and the API, narrowed to the
caller's scope: HR and operations every dealer, a dealer user its dealers.

Kinds: ``due_today`` and ``due_tomorrow``: ``pending`` with the due date that day (as of the
day, nothing done yet); ``breached_yesterday``: ``breached`` with yesterday as the due date
(not done, or done late).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from scoring import service_levels
from scoring.errors import InputError, NotFoundError
from scoring.period import Period
from scoring.periods import plan_for, plan_from_stored
from scoring.services.access import Caller, Right, require
from scoring.services.runtime import Runtime
from scoring.store import Store
from scoring.store import sla_warnings as store_warnings
from scoring.store.directory import dealer_exists
from scoring.store.records import load_all

log = logging.getLogger(__name__)

KINDS = ("due_today", "due_tomorrow", "breached_yesterday")
DUE_TODAY, DUE_TOMORROW, BREACHED_YESTERDAY = KINDS
#: Months checked before the day's own: a check can fall due this long after its month.
MONTHS_BACK = 2
#: Days of warnings kept in the store.
KEEP_DAYS = 60
MAX_PAGE = 10_000

LABELS = {
    DUE_TODAY: ("今日到期", "due today"),
    DUE_TOMORROW: ("明日到期", "due tomorrow"),
    BREACHED_YESTERDAY: ("昨日超时", "breached yesterday"),
}


def periods_around(day: dt.date) -> list[Period]:
    """The day's month and the :data:`MONTHS_BACK` before it, oldest first."""
    found = [Period.of(day)]
    for _ in range(MONTHS_BACK):
        found.insert(0, found[0].previous())
    return found


def warnings_of(checks: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """From checks evaluated as of ``day``: the warning rows of the day with their ``kind``."""
    due, status = pl.col("due_date"), pl.col("status")
    kind = (
        pl.when((status == service_levels.PENDING) & (due == day))
        .then(pl.lit(DUE_TODAY))
        .when((status == service_levels.PENDING) & (due == day + dt.timedelta(days=1)))
        .then(pl.lit(DUE_TOMORROW))
        .when((status == service_levels.BREACHED) & (due == day - dt.timedelta(days=1)))
        .then(pl.lit(BREACHED_YESTERDAY))
    )
    order = {name: index for index, name in enumerate(KINDS)}
    return (
        checks.with_columns(kind.alias("kind"))
        .filter(pl.col("kind").is_not_null())
        .sort(
            pl.col("kind").replace_strict(order, return_dtype=pl.Int64),
            "dealer_id",
            "team_id",
            "check",
            "record_id",
            nulls_last=True,
        )
    )


@dataclass(frozen=True)
class Refreshed:
    day: dt.date
    rows: pl.DataFrame
    #: Periods checked, and periods skipped because their plan declares no service levels.
    checked: list[str]
    skipped: list[str]

    def counts(self) -> dict[str, int]:
        found = self.rows.get_column("kind").value_counts() if self.rows.height else None
        counted = dict(found.iter_rows()) if found is not None else {}
        return {kind: int(counted.get(kind, 0)) for kind in KINDS}


def refresh(store: Store, *, caller: Caller, runtime: Runtime, day: dt.date) -> Refreshed:
    """Check the periods around ``day`` as of ``day`` and store the day's warnings."""
    require(caller, Right.COMPUTE)
    frames = load_all(store)
    parts: list[pl.DataFrame] = []
    checked: list[str] = []
    skipped: list[str] = []
    for period in periods_around(day):
        plan = plan_from_stored(plan_for(store, period.name, actor=caller.login, persist=False))
        if not plan.service_levels:
            skipped.append(period.name)
            continue
        levels = service_levels.evaluate(
            plan,
            frames,
            period=period,
            as_of=day,
            zone=runtime.zone,
            calendar=runtime.calendar,
        )
        parts.append(warnings_of(levels.checks, day))
        checked.append(period.name)
    del frames
    rows = (
        pl.concat(parts, how="vertical")
        if parts
        else warnings_of(pl.DataFrame(schema=service_levels.checks_schema(runtime.zone)), day)
    )
    stored = rows.select(
        "kind",
        "period",
        pl.col("check").alias("check_id"),
        "record_id",
        "job_id",
        "team_id",
        "dealer_id",
        pl.col("due_date").dt.to_string("%Y-%m-%d"),
        pl.col("done_at").dt.epoch("us").alias("done_at"),
        "status",
    )
    store_warnings.replace_day(store, day, stored, keep_days=KEEP_DAYS)
    return Refreshed(day, rows, checked, skipped)


@dataclass(frozen=True)
class Warnings:
    """A day's warnings in the caller's scope: per team the counts of each kind, and a page of
    the rows. ``day`` is None when no run has stored any yet."""

    day: str | None
    by_team: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    total: int
    offset: int


def _parse_day(day: str | dt.date | None) -> str | None:
    if day is None or isinstance(day, dt.date):
        return day.isoformat() if day else None
    try:
        return dt.date.fromisoformat(day.strip()).isoformat()
    except ValueError:
        raise InputError(f"日期应为 YYYY-MM-DD / a day is YYYY-MM-DD, not {day!r}") from None


def warnings(
    store: Store,
    *,
    caller: Caller,
    day: str | dt.date | None = None,
    dealer_id: str | None = None,
    kind: str | None = None,
    offset: int = 0,
    limit: int = 1000,
) -> Warnings:
    """The warnings of ``day`` (default: the newest run's) the caller may see, of one dealer
    and one kind when asked. An unknown dealer, or one outside the scope, is not found."""
    require(caller, Right.SERVICE_LEVELS)
    if kind is not None and kind not in KINDS:
        raise InputError(
            f"类型应为 {'、'.join(KINDS)} 之一 / kind is one of {', '.join(KINDS)}, not {kind!r}"
        )
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise InputError(
            f"分页参数无效 / offset must be >= 0 and limit 1-{MAX_PAGE} (got {offset}, {limit})"
        )
    chosen = _parse_day(day)
    dealers: Sequence[str] | None = sorted(caller.dealer_ids) if caller.scoped else None
    with store.snapshot() as conn:
        if dealer_id is not None:
            if not dealer_exists(conn, dealer_id) or not caller.sees_dealer(dealer_id):
                raise NotFoundError(f"没有这个经销商 / no dealer {dealer_id!r}")
            dealers = [dealer_id]
        chosen = chosen or store_warnings.latest_day(conn)
        rows = store_warnings.day_rows(conn, chosen, dealer_ids=dealers) if chosen else []
    by_team = _by_team(rows)
    if kind is not None:
        rows = [r for r in rows if r["kind"] == kind]
    return Warnings(chosen, by_team, rows[offset : offset + limit], len(rows), offset)


def _by_team(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    teams: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["dealer_id"] or "", row["team_id"] or "")
        found = teams.setdefault(
            key,
            {"dealer_id": row["dealer_id"], "team_id": row["team_id"]} | dict.fromkeys(KINDS, 0),
        )
        found[row["kind"]] += 1
    return [teams[key] for key in sorted(teams)]


__all__ = [
    "KINDS",
    "LABELS",
    "Refreshed",
    "Warnings",
    "periods_around",
    "refresh",
    "warnings",
    "warnings_of",
]
