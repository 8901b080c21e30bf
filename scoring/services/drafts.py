"""Drafts of open periods, materialised in the store so that reads never compute.

A draft depends on the records (the newest import batch that changed one), the plan in force
at the period's start, the period's manual adjustments and the closed periods (their
corrections and carried deductions). :func:`draft_state` fingerprints these; a stored draft
whose fingerprint differs from the store's now is *stale*: reads still serve it, saying so and
when it was computed, while :func:`refresh` computes a new one. Each of these only moves
forward, and the state is read before the data, so a draft is at least as new as its state.

:func:`refresh` runs under a lease in the store, so that of several processes (web workers,
servers, the command line) one computes at a time; the others skip.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Connection

from scoring.errors import ScoringError
from scoring.period import Period
from scoring.periods import ClosedMeanwhile, Context, compute
from scoring.result import Result
from scoring.rules.load import standard_plan_path
from scoring.services.access import Caller, Right, require
from scoring.services.runtime import Runtime
from scoring.store import Store
from scoring.store import adjustments as store_adjustments
from scoring.store import periods as store_periods
from scoring.store.jobs import release_lease, take_lease
from scoring.timefmt import moment

log = logging.getLogger(__name__)

LEASE = "drafts"
#: How long a refresh may hold the lease without renewing it (a national month computes in
#: well under a minute; a crashed holder's lease runs out after this).
LEASE_SECONDS = 600.0


@lru_cache(maxsize=4)
def _shipped_plan_checksum(path: str, mtime_ns: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def state_in(conn: Connection, period: Period) -> str:
    """The fingerprint of what a draft of ``period`` would be computed from now."""
    return fingerprint(period_state(conn, period))


def period_state(conn: Connection, period: Period) -> store_periods.PeriodState:
    """The period's row, its draft and the parts of its fingerprint, in one query."""
    return store_periods.period_state(conn, period.name, period.first_day.isoformat())


def fingerprint(state: store_periods.PeriodState) -> str:
    """The fingerprint of a draft computed from ``state``: the newest changing import batch,
    the plan in force (else the shipped plan), the period's manual adjustments and the closed
    periods."""
    if state.plan_checksum is not None:
        plan_key = state.plan_checksum
    else:  # the shipped plan, stored (with this checksum) on its first use
        shipped = standard_plan_path()
        plan_key = _shipped_plan_checksum(str(shipped), shipped.stat().st_mtime_ns)
    parts = [
        f"batch={state.batch}",
        f"plan={plan_key}",
        "manual={}/{}/{}".format(*state.manual),
        "closed=" + ",".join(f"{period}@{closed_at}" for period, closed_at in state.closed),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def draft_state(store: Store, period: Period) -> str:
    with store.snapshot() as conn:
        return state_in(conn, period)


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def compute_and_store(
    store: Store, *, caller: Caller, period: Period, runtime: Runtime, ctx: Context | None = None
) -> Result | None:
    """Compute a draft of ``period`` with the plan in force and materialise it; None when the
    period is closed (or was closed meanwhile)."""
    require(caller, Right.COMPUTE)
    state = draft_state(store, period)
    ctx = ctx or Context.load(store, zone=runtime.zone, calendar=runtime.calendar)
    try:
        result, stored = compute(ctx, period.name, actor=caller.login)
    except ClosedMeanwhile:
        return None
    if not store_periods.save_draft(store, result, state=state, actor=caller.login, plan=stored):
        return None
    return result


@dataclass(frozen=True)
class Refreshed:
    computed: list[str]
    fresh: list[str]
    busy: bool = False


#: The newest event time of each input table, per store, with the last changing import batch
#: it was read at: records change only through an import batch that accepted or replaced
#: rows, so while that batch is the same the four MAX() scans of the input tables (whole-table
#: scans on a national month) are not repeated every 5 minutes.
_NEWEST: dict[str, tuple[int, list[int]]] = {}


def _newest_event_times(conn: Connection, store: Store) -> list[int]:
    batch = store_periods.last_changing_batch_in(conn)
    known = _NEWEST.get(store.url)
    if known is not None and known[0] == batch:
        return known[1]
    newest = store_periods.latest_event_times(conn)
    _NEWEST[store.url] = (batch, newest)
    return newest


def targets(store: Store, runtime: Runtime, extra: Iterable[Period] = ()) -> list[Period]:
    """Open periods whose drafts are kept: those with a draft, the current month, the month
    of the newest record of each kind and the month before it, the month after the last
    closed one (it pays the corrections), months with manual adjustments, and ``extra``."""
    with store.begin() as conn:
        found = {Period.parse(p) for p in store_periods.draft_periods(conn)}
        closed = {r.period for r in store_periods.closed_periods(conn)}
        newest = _newest_event_times(conn, store)
        found.update(Period.parse(p) for p in store_adjustments.adjusted_periods(conn))
    found.add(Period.current(runtime.zone))
    if closed:
        found.add(Period.parse(max(closed)).next())
    for us in newest:
        month = Period.of(moment(us, runtime.zone).date())
        found.update((month, month.previous()))
    found.update(extra)
    return sorted(p for p in found if p.name not in closed)


def refresh(
    store: Store,
    *,
    caller: Caller,
    runtime: Runtime,
    periods: Iterable[Period] | None = None,
) -> Refreshed:
    """Compute the stale drafts of ``periods`` (default: :func:`targets`), under the lease."""
    require(caller, Right.COMPUTE)
    holder = holder_name()
    if not take_lease(store, LEASE, holder, LEASE_SECONDS):
        return Refreshed([], [], busy=True)
    computed: list[str] = []
    fresh: list[str] = []
    ctx: Context | None = None
    try:
        for period in periods if periods is not None else targets(store, runtime):
            with store.snapshot() as conn:
                state = period_state(conn, period)
            closed = state.period is not None and state.period.status == "closed"
            if closed or (state.draft is not None and state.draft.state == fingerprint(state)):
                fresh.append(period.name)
                continue
            take_lease(store, LEASE, holder, LEASE_SECONDS)  # renew before a long compute
            if ctx is None or ctx.data_batch != store_periods.last_changing_batch(store):
                ctx = Context.load(store, zone=runtime.zone, calendar=runtime.calendar)
            try:
                if compute_and_store(store, caller=caller, period=period, runtime=runtime, ctx=ctx):
                    computed.append(period.name)
            except ScoringError as exc:  # a missing plan, a calendar year: logged, not fatal
                log.error("draft of %s not computed: %s", period, exc)
    finally:
        release_lease(store, LEASE, holder)
    return Refreshed(computed, fresh)
