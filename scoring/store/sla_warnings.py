"""The scheduler's daily service-level warnings: one set of rows per local day of a run.

A day's rows are replaced whole in one transaction (a run again on the same day after a
failure leaves no half set), and days older than the retention are deleted with it. Which days
have a finished run is read from ``job_runs`` (the run's claim), so that a day without any
warning is told apart from a day that was never checked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl
from sqlalchemy import Connection, func, select

from scoring.store.db import Store
from scoring.store.records import ingest_frame
from scoring.store.schema import job_runs, sla_warnings

#: The job of the runs whose rows this table holds (scoring/jobs.py).
JOB_ID = "sla_warnings"
#: What a run that stored its rows writes first in its outcome.
STORED = "stored"

COLUMNS = (
    "day",
    "position",
    "kind",
    "period",
    "check_id",
    "record_id",
    "job_id",
    "team_id",
    "dealer_id",
    "due_date",
    "done_at",
    "status",
)


def replace_day(store: Store, day: dt.date, rows: pl.DataFrame, *, keep_days: int) -> None:
    """Store ``rows`` (``COLUMNS`` but ``day`` and ``position``) as the warnings of ``day``,
    replacing any of that day, and delete the days before ``day - keep_days``."""
    literal = day.isoformat()  # a date's own text: safe inside the statement
    oldest = (day - dt.timedelta(days=keep_days)).isoformat()
    frame = rows.with_row_index("position").select(
        pl.lit(literal).alias("day"),
        pl.col("position").cast(pl.Int32),
        *[pl.col(name) for name in COLUMNS[2:]],
    )
    with store.adbc() as conn, contextlib.closing(conn.cursor()) as cur:
        cur.execute(f"DELETE FROM sla_warnings WHERE day = '{literal}' OR day < '{oldest}'")
        if frame.height:
            ingest_frame(cur, sla_warnings.name, frame)
        conn.commit()


def latest_day(conn: Connection) -> str | None:
    """The newest day whose run stored its warnings, if any."""
    found = conn.execute(
        select(func.max(job_runs.c.slot)).where(
            job_runs.c.job_id == JOB_ID,
            job_runs.c.finished_at.is_not(None),
            job_runs.c.outcome.like(f"{STORED}%"),
        )
    ).scalar_one_or_none()
    return str(found) if found is not None else None


def day_rows(
    conn: Connection, day: str, *, dealer_ids: Sequence[str] | None
) -> list[dict[str, Any]]:
    """The warnings of ``day`` (of ``dealer_ids`` only when given), in the order stored."""
    t = sla_warnings
    where = [t.c.day == day]
    if dealer_ids is not None:
        where.append(t.c.dealer_id.in_(list(dealer_ids)))
    rows = conn.execute(select(t).where(*where).order_by(t.c.position))
    return [dict(r._mapping) for r in rows]
