"""Disputes: an installer questions one line, or the survey, complaint, revisit or job behind it;
HR accepts (with an amount, paid as a manual adjustment linked to the dispute) or rejects (with
a reason). Every step is recorded; HR must answer within a number of working days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from scoring.errors import PeriodError
from scoring.periods import parse_period
from scoring.store import Store, now_us
from scoring.store import periods as store_periods
from scoring.workdays import WorkCalendar

#: HR answers a dispute within this many working days (the end of that day, local time).
RESPONSE_WORKING_DAYS = 5


def respond_by(opened: dt.datetime, calendar: WorkCalendar, zone: ZoneInfo) -> int:
    """The deadline for an answer, as store microseconds: end of the N-th working day after."""
    day = pl.DataFrame({"d": [opened.astimezone(zone).date()], "n": [RESPONSE_WORKING_DAYS]})
    deadline: dt.date = day.select(calendar.deadline_expr(pl.col("d"), pl.col("n"))).item()
    end = dt.datetime.combine(deadline, dt.time(23, 59, 59), tzinfo=zone)
    return int(end.timestamp() * 1_000_000)


def open_dispute(
    store: Store,
    *,
    period: str,
    installer_id: str,
    target_kind: str,
    target_id: str,
    comment: str,
    actor: str,
    calendar: WorkCalendar,
    zone: ZoneInfo,
) -> int:
    parse_period(period)
    deadline = respond_by(dt.datetime.now(tz=zone), calendar, zone)
    with store.begin() as conn:
        store_periods.require_installer(conn, installer_id)
        return store_periods.open_dispute(
            conn,
            period=period,
            installer_id=installer_id,
            target_kind=target_kind,
            target_id=target_id,
            comment=comment.strip(),
            actor=actor,
            respond_by=deadline,
        )


def resolve(
    store: Store,
    *,
    dispute_id: int,
    accept: bool,
    reason: str,
    actor: str,
    amount_fen: int | None = None,
    period: str | None = None,
) -> dict[str, Any]:
    """Accept or reject; an accepted amount goes into ``period`` (default: the dispute's own
    period while it is open)."""
    if period:
        parse_period(period)
    with store.begin() as conn:
        dispute = store_periods.get_dispute(conn, dispute_id)
        target = period or dispute["period"]
        if accept and store_periods.is_closed(conn, target):
            raise PeriodError(
                f"期间 {target} 已关账,请用 --period 指定一个未关账期间 / period {target} is "
                "closed: name an open period with --period for the amount"
            )
        return store_periods.resolve_dispute(
            conn,
            dispute_id=dispute_id,
            accept=accept,
            reason=reason.strip(),
            actor=actor,
            amount_fen=amount_fen,
            period=target,
        )


def get_dispute(store: Store, dispute_id: int) -> dict[str, Any]:
    """The dispute with its steps; :class:`NotFoundError` when there is none."""
    with store.begin() as conn:
        return store_periods.get_dispute(conn, dispute_id)


def is_overdue(dispute: Mapping[str, Any], now: int) -> bool:
    """Still open past its answer deadline (``now`` in store microseconds)."""
    return dispute["status"] == "open" and int(dispute["respond_by"]) < now


def overdue(store: Store) -> list[dict[str, Any]]:
    """Open disputes past their answer deadline (the scheduler reports these)."""
    now = now_us()
    with store.begin() as conn:
        return [d for d in store_periods.list_disputes(conn, status="open") if is_overdue(d, now)]
