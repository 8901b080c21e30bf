"""Scheduled jobs: the nightly draft of the current period, the drafts made stale by changes
from other processes, and an hourly look for overdue disputes.

Each job is a plain function taking a :class:`~scoring.store.Store` (tests call them directly)
and acting through the services as :meth:`Caller.system`. :func:`build_scheduler` registers
them on an APScheduler ``BackgroundScheduler`` that the web application starts and stops in its
lifespan (``create_app(..., scheduler=True)``, which ``scoring serve`` uses).

Several processes may run a scheduler on one store (``scoring serve --workers N``, or several
servers on one PostgreSQL): each run of a job at a time slot (the nightly draft of one day,
the dispute check of one hour) is claimed in the store first (``job_runs``), so exactly one
process runs it; draft refreshes share a lease (see scoring/services/drafts.py).

- ``nightly_compute`` (02:30 local): the drafts of the open periods are brought up to date,
  the current month's included, and its totals logged. A closed current month is skipped.
- ``refresh_drafts`` (every 5 minutes): drafts made stale by imports or changes made from the
  command line or another server are computed again; nothing is done when none is stale.
- ``overdue_disputes`` (hourly): a warning for each open dispute past its answer deadline.
- ``sla_warnings`` (06:00 local): the service-level checks as of today; what falls due today
  and tomorrow and is not done, and what was breached yesterday, stored per team for the HR
  and dealer pages (scoring/services/sla_warnings.py).
- ``dealer_reports`` (every 5 minutes): each period closed within the last days gets every
  dealer's monthly report under the reports folder, once (scoring/services/reports.py). A
  report that cannot be written is logged and recorded; the close stands.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scoring.errors import ScoringError
from scoring.money import format_fen
from scoring.period import Period
from scoring.services import disputes, drafts, reports, sla_warnings
from scoring.services.access import Caller
from scoring.services.runtime import Runtime
from scoring.store import Store
from scoring.store import periods as store_periods
from scoring.store import sla_warnings as store_warnings
from scoring.store.jobs import claim_slot, finish_slot, runs_of
from scoring.timefmt import local_time

log = logging.getLogger(__name__)

ACTOR = "scheduler"
NIGHTLY_JOB_ID = "nightly_compute"
REFRESH_JOB_ID = "refresh_drafts"
OVERDUE_JOB_ID = "overdue_disputes"
SLA_JOB_ID = store_warnings.JOB_ID
SLA_AT = dt.time(6, 0)
REPORTS_JOB_ID = "dealer_reports"
REPORTS_EVERY = dt.timedelta(minutes=5)
#: Periods closed longer ago than this get no report from the scheduler (an older store
#: brought up to date would otherwise write the reports of every month it ever closed).
REPORTS_WITHIN = dt.timedelta(days=7)
NIGHTLY_AT = dt.time(2, 30)
REFRESH_EVERY = dt.timedelta(minutes=5)
OVERDUE_EVERY = dt.timedelta(hours=1)


def _claimed(store: Store, job_id: str, slot: str) -> bool:
    if claim_slot(store, job_id, slot, drafts.holder_name()):
        return True
    log.info("%s %s: run by another process", job_id, slot)
    return False


def nightly_compute(
    store: Store,
    *,
    runtime: Runtime,
    period: Period | None = None,
    now: dt.datetime | None = None,
) -> drafts.Refreshed | None:
    """Bring the drafts of the open periods (``period`` or the current month included) up to
    date; ``None`` when another process claimed tonight's run."""
    moment = (now or dt.datetime.now(tz=runtime.zone)).astimezone(runtime.zone)
    slot = moment.date().isoformat()
    if not _claimed(store, NIGHTLY_JOB_ID, slot):
        return None
    target = period or Period.current(runtime.zone, moment)
    caller = Caller.system(ACTOR)
    try:
        done = drafts.refresh(
            store,
            caller=caller,
            runtime=runtime,
            periods=drafts.targets(store, runtime, extra=[target]),
        )
        _log_totals(store, target)
        finish_slot(store, NIGHTLY_JOB_ID, slot, "computed: " + ", ".join(done.computed))
        return done
    except BaseException as exc:
        finish_slot(store, NIGHTLY_JOB_ID, slot, f"failed: {exc}")
        raise


def _log_totals(store: Store, period: Period) -> None:
    with store.begin() as conn:
        draft = store_periods.get_draft(conn, period.name)
    if draft is None or not draft.totals:
        return
    t = draft.totals
    log.info(
        "draft %s (plan %s v%s): installers %d, bonus %s, deduction %s, allowance %s, "
        "adjustments %s, net %s",
        period,
        draft.plan_id,
        draft.plan_version,
        t.get("installers", 0),
        format_fen(t.get("bonus_fen", 0)),
        format_fen(t.get("deduction_fen", 0)),
        format_fen(t.get("grievance_allowance_fen", 0)),
        format_fen(t.get("prior_period_adjustment_fen", 0) + t.get("manual_adjustment_fen", 0)),
        format_fen(t.get("net_fen", 0)),
    )


def refresh_drafts(store: Store, *, runtime: Runtime) -> drafts.Refreshed:
    """The stale drafts computed again (under the shared lease)."""
    return drafts.refresh(store, caller=Caller.system(ACTOR), runtime=runtime)


def check_overdue(
    store: Store, *, runtime: Runtime, now: dt.datetime | None = None
) -> list[dict[str, Any]] | None:
    """Log a warning for each open dispute past its deadline and return them; ``None`` when
    another process claimed this hour's check."""
    moment = (now or dt.datetime.now(tz=runtime.zone)).astimezone(runtime.zone)
    slot = moment.strftime("%Y-%m-%dT%H")
    if not _claimed(store, OVERDUE_JOB_ID, slot):
        return None
    found = disputes.overdue(store, caller=Caller.system(ACTOR))
    for d in found:
        log.warning(
            "申诉逾期未答复 / dispute #%s overdue: period %s, installer %s, %s %s, "
            "answer was due %s",
            d["dispute_id"],
            d["period"],
            d["installer_id"],
            d["target_kind"],
            d["target_id"],
            local_time(d["respond_by"], runtime.zone),
        )
    if not found:
        log.info("no overdue disputes")
    finish_slot(store, OVERDUE_JOB_ID, slot, f"overdue: {len(found)}")
    return found


def check_service_levels(
    store: Store, *, runtime: Runtime, now: dt.datetime | None = None
) -> sla_warnings.Refreshed | None:
    """Store today's service-level warnings and log them per team; ``None`` when another
    process claimed today's run."""
    moment = (now or dt.datetime.now(tz=runtime.zone)).astimezone(runtime.zone)
    day = moment.date()
    slot = day.isoformat()
    if not _claimed(store, SLA_JOB_ID, slot):
        return None
    try:
        done = sla_warnings.refresh(store, caller=Caller.system(ACTOR), runtime=runtime, day=day)
    except BaseException as exc:
        finish_slot(store, SLA_JOB_ID, slot, f"failed: {exc}")
        raise
    counts = done.counts()
    per_team = (
        done.rows.group_by("dealer_id", "team_id", "kind").len().sort("dealer_id", "team_id")
        if done.rows.height
        else None
    )
    for row in per_team.iter_rows(named=True) if per_team is not None else ():
        zh, en = sla_warnings.LABELS[row["kind"]]
        log.warning(
            "服务承诺%s / service levels %s: dealer %s, team %s: %d",
            zh,
            en,
            row["dealer_id"],
            row["team_id"],
            row["len"],
        )
    summary = ", ".join(f"{kind} {count}" for kind, count in counts.items())
    skipped = ""
    if done.skipped:
        skipped = f"; no service levels in the plan of {', '.join(done.skipped)}"
    checked = ", ".join(done.checked)
    log.info("service levels %s: %s (periods %s)%s", slot, summary, checked, skipped)
    # The pages read the newest day whose run's outcome says it stored its warnings.
    finish_slot(store, SLA_JOB_ID, slot, f"{store_warnings.STORED}: {summary}{skipped}")
    return done


def closed_period_reports(
    store: Store, *, runtime: Runtime, now: dt.datetime | None = None
) -> dict[str, reports.AfterClose]:
    """Every dealer's report of each period closed within :data:`REPORTS_WITHIN` that has
    none yet, each period claimed once across processes; what was done per period."""
    if runtime.reports_dir is None:
        return {}
    moment = (now or dt.datetime.now(tz=runtime.zone)).astimezone(runtime.zone)
    since = int((moment - REPORTS_WITHIN).timestamp() * 1_000_000)
    with store.begin() as conn:
        closed = [
            row.period
            for row in store_periods.closed_periods(conn)
            if row.closed_at is not None and row.closed_at >= since
        ]
        done_before = {str(run["slot"]) for run in runs_of(conn, REPORTS_JOB_ID)}
    made: dict[str, reports.AfterClose] = {}
    for name in closed:
        if name in done_before or not _claimed(store, REPORTS_JOB_ID, name):
            continue
        result = reports.after_close(store, runtime=runtime, period=Period.parse(name))
        outcome = f"written {len(result.written)} to {result.folder}"
        if result.failed:
            outcome += f"; failed: {', '.join(sorted(result.failed))}"
        log.info("monthly reports of %s: %s", name, outcome)
        finish_slot(store, REPORTS_JOB_ID, name, outcome)
        made[name] = result
    return made


def _logged(job: str, func: Any, *args: Any, **kwargs: Any) -> None:
    try:
        func(*args, **kwargs)
    except ScoringError as exc:  # a user error: say it plainly, the next run tries again
        log.error("%s failed: %s", job, exc)
    except Exception:  # a bug of ours: logged with its traceback, the scheduler goes on
        log.exception("%s failed", job)


def build_scheduler(store: Store, *, runtime: Runtime) -> BackgroundScheduler:
    """A scheduler (not started) with the jobs registered. Each runs alone (one instance,
    missed runs coalesced); a daily job that was missed (the server was down at its time)
    still runs within the hour after."""
    zone = runtime.zone

    def daily(at: dt.time) -> CronTrigger:
        return CronTrigger(hour=at.hour, minute=at.minute, timezone=zone)

    def every(period: dt.timedelta) -> IntervalTrigger:
        return IntervalTrigger(seconds=int(period.total_seconds()), timezone=zone)

    jobs: list[tuple[str, Any, Any, str]] = [
        (NIGHTLY_JOB_ID, daily(NIGHTLY_AT), nightly_compute, "nightly drafts of the open periods"),
        (
            REFRESH_JOB_ID,
            every(REFRESH_EVERY),
            refresh_drafts,
            "drafts made stale by other processes",
        ),
        (OVERDUE_JOB_ID, every(OVERDUE_EVERY), check_overdue, "hourly check of overdue disputes"),
        (SLA_JOB_ID, daily(SLA_AT), check_service_levels, "daily service-level warnings"),
        (
            REPORTS_JOB_ID,
            every(REPORTS_EVERY),
            closed_period_reports,
            "monthly reports of the periods just closed",
        ),
    ]
    scheduler = BackgroundScheduler(timezone=zone)
    for job_id, trigger, func, name in jobs:
        scheduler.add_job(
            _logged,
            trigger,
            args=(job_id, func, store),
            kwargs={"runtime": runtime},
            id=job_id,
            name=name,
            coalesce=True,
            max_instances=1,
            **({"misfire_grace_time": 3600} if isinstance(trigger, CronTrigger) else {}),
        )
    return scheduler
