"""Disputes: an installer questions one line, or the survey, complaint, revisit or job behind it;
HR accepts (with an amount, paid as a manual adjustment linked to the dispute) or rejects (with
a reason). Every step is recorded; HR must answer within a number of working days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from scoring.workdays import WorkCalendar

#: HR answers a dispute within this many working days (the end of that day, local time).
RESPONSE_WORKING_DAYS = 5


def respond_by(opened: dt.datetime, calendar: WorkCalendar, zone: ZoneInfo) -> int:
    """The deadline for an answer, as store microseconds: end of the N-th working day after."""
    day = pl.DataFrame({"d": [opened.astimezone(zone).date()], "n": [RESPONSE_WORKING_DAYS]})
    deadline: dt.date = day.select(calendar.deadline_expr(pl.col("d"), pl.col("n"))).item()
    end = dt.datetime.combine(deadline, dt.time(23, 59, 59), tzinfo=zone)
    return int(end.timestamp() * 1_000_000)


def is_overdue(dispute: Mapping[str, Any], now: int) -> bool:
    """Still open past its answer deadline (``now`` in store microseconds)."""
    return dispute["status"] == "open" and int(dispute["respond_by"]) < now
