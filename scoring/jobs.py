"""Scheduled jobs: a nightly draft of the current period and an hourly look for overdue disputes.

Each job is a plain function taking a :class:`~scoring.store.Store` (tests call them directly);
:func:`build_scheduler` registers them on an APScheduler ``BackgroundScheduler`` that the web
application starts and stops in its lifespan (``create_app(..., scheduler=True)``, which
``scoring serve`` uses).

- ``nightly_compute`` (every day at 02:30 local time): computes a draft of the current month
  through :func:`scoring.periods.compute`, so that the compute is recorded in the audit log, and
  logs the totals. A closed current month is skipped.
- ``overdue_disputes`` (every hour): logs a warning for each open dispute past its answer
  deadline (:func:`scoring.disputes.overdue`).

One process should run the scheduler: with several web workers, each would run the jobs.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scoring.disputes import overdue
from scoring.errors import ScoringError
from scoring.money import format_fen
from scoring.periods import ClosedMeanwhile, Context, compute
from scoring.result import Result
from scoring.store import Store
from scoring.store import periods as store_periods
from scoring.workdays import WorkCalendar

log = logging.getLogger(__name__)

ACTOR = "scheduler"
NIGHTLY_JOB_ID = "nightly_compute"
OVERDUE_JOB_ID = "overdue_disputes"
NIGHTLY_AT = dt.time(2, 30)
OVERDUE_EVERY = dt.timedelta(hours=1)


def current_period(zone: ZoneInfo, now: dt.datetime | None = None) -> str:
    """The calendar month of ``now`` (default: now) in ``zone``."""
    moment = now or dt.datetime.now(tz=zone)
    return moment.astimezone(zone).strftime("%Y-%m")


def nightly_compute(
    store: Store,
    *,
    zone: ZoneInfo,
    calendar: WorkCalendar | None = None,
    period: str | None = None,
    actor: str = ACTOR,
) -> Result | None:
    """Compute a draft of ``period`` (default: the current month), recorded in the audit log;
    ``None`` when that period is closed. User errors (a missing plan…) are raised."""
    target = period or current_period(zone)
    with store.begin() as conn:
        row = store_periods.get_period(conn, target)
    if row is not None and row.status == "closed":
        log.info("nightly compute: period %s is closed, nothing to compute", target)
        return None
    ctx = Context.load(store, zone=zone, calendar=calendar)
    try:
        result, stored = compute(ctx, target, actor=actor)
    except ClosedMeanwhile:
        log.info("nightly compute: period %s was closed meanwhile, draft dropped", target)
        return None
    statements = result.statements

    def total(column: str) -> str:
        return format_fen(int(statements.get_column(column).sum() or 0))

    log.info(
        "nightly compute %s (plan %s): installers %d, bonus %s, deduction %s, allowance %s, "
        "adjustments %s, net %s",
        target,
        f"{stored.plan_id} v{stored.version}" if stored else "?",
        statements.height,
        total("bonus_fen"),
        total("deduction_fen"),
        total("grievance_allowance_fen"),
        format_fen(
            int(statements.get_column("prior_period_adjustment_fen").sum() or 0)
            + int(statements.get_column("manual_adjustment_fen").sum() or 0)
        ),
        total("net_fen"),
    )
    return result


def check_overdue(store: Store, *, zone: ZoneInfo | None = None) -> list[dict[str, Any]]:
    """Log a warning for each open dispute past its deadline, and return them."""
    found = overdue(store)
    for d in found:
        deadline = dt.datetime.fromtimestamp(d["respond_by"] / 1_000_000, tz=zone or dt.UTC)
        log.warning(
            "申诉逾期未答复 / dispute #%s overdue: period %s, installer %s, %s %s, "
            "answer was due %s",
            d["dispute_id"],
            d["period"],
            d["installer_id"],
            d["target_kind"],
            d["target_id"],
            deadline.isoformat(timespec="minutes"),
        )
    if not found:
        log.info("no overdue disputes")
    return found


def _run_nightly(store: Store, zone: ZoneInfo, calendar: WorkCalendar | None) -> None:
    try:
        nightly_compute(store, zone=zone, calendar=calendar)
    except ScoringError as exc:  # a user error: say it plainly, the next night tries again
        log.error("nightly compute failed: %s", exc)


def _run_overdue(store: Store, zone: ZoneInfo) -> None:
    try:
        check_overdue(store, zone=zone)
    except ScoringError as exc:
        log.error("overdue dispute check failed: %s", exc)


def build_scheduler(
    store: Store, *, zone: ZoneInfo, calendar: WorkCalendar | None = None
) -> BackgroundScheduler:
    """A scheduler (not started) with both jobs registered."""
    scheduler = BackgroundScheduler(timezone=zone)
    scheduler.add_job(
        _run_nightly,
        CronTrigger(hour=NIGHTLY_AT.hour, minute=NIGHTLY_AT.minute, timezone=zone),
        args=(store, zone, calendar),
        id=NIGHTLY_JOB_ID,
        name="nightly draft compute of the current period",
        coalesce=True,
        max_instances=1,
        misfire_grace_time=3600,
    )
    scheduler.add_job(
        _run_overdue,
        IntervalTrigger(seconds=int(OVERDUE_EVERY.total_seconds()), timezone=zone),
        args=(store, zone),
        id=OVERDUE_JOB_ID,
        name="hourly check of overdue disputes",
        coalesce=True,
        max_instances=1,
    )
    return scheduler
