"""Manual adjustments HR adds to an open period: signed fen, with an author and a reason."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl
from sqlalchemy import Connection, func, insert, select

from scoring.errors import InputError, PeriodError
from scoring.period_names import check_period
from scoring.result import LINES_SCHEMA
from scoring.store.audit import audit
from scoring.store.db import now_us, take_lock_sa
from scoring.store.directory import require_installer
from scoring.store.periods import is_closed
from scoring.store.schema import ENTITY_TABLES, manual_adjustments


def add_manual(
    conn: Connection,
    *,
    period: str,
    installer_id: str,
    amount_fen: int,
    reason: str,
    author: str,
    dispute_id: int | None = None,
) -> int:
    check_period(period)
    if not reason.strip():
        raise InputError("须写明理由 / a reason is required")
    require_installer(conn, installer_id)
    # Under the period lock, so a close cannot freeze the period between this check and the
    # insert; save_closed then sees the adjustment and refuses a result computed without it.
    take_lock_sa(conn, "period")
    if is_closed(conn, period):
        raise PeriodError(
            f"期间 {period} 已关账,人工调整只能加在未关账期间 / period {period} is closed: a "
            "manual adjustment goes into an open period"
        )
    result = conn.execute(
        insert(manual_adjustments)
        .values(
            period=period,
            installer_id=installer_id,
            amount_fen=amount_fen,
            reason=reason,
            author=author,
            created_at=now_us(),
            dispute_id=dispute_id,
        )
        .returning(manual_adjustments.c.adjustment_id)
    )
    adjustment_id = int(result.scalar_one())
    audit(
        conn,
        author,
        "adjust",
        f"{period} {installer_id}",
        {"amount_fen": amount_fen, "reason": reason, "dispute_id": dispute_id},
    )
    return adjustment_id


def manual_lines(conn: Connection, period: str) -> pl.DataFrame:
    rows = conn.execute(
        select(manual_adjustments)
        .where(manual_adjustments.c.period == period)
        .order_by(manual_adjustments.c.adjustment_id)
    ).all()
    return pl.DataFrame(
        {
            "period": [period] * len(rows),
            "installer_id": [r.installer_id for r in rows],
            "rule_id": ["manual"] * len(rows),
            "kind": ["manual"] * len(rows),
            "amount_fen": [int(r.amount_fen) for r in rows],
            "source": ["manual"] * len(rows),
            "source_id": [str(r.adjustment_id) for r in rows],
            "job_id": [None] * len(rows),
            "corrects_period": [None] * len(rows),
            "explanation_zh": [
                f"人工调整(经办:{r.author}):{r.reason}"
                + (f"(申诉 #{r.dispute_id})" if r.dispute_id else "")
                for r in rows
            ],
            "explanation_en": [
                f"manual adjustment by {r.author}: {r.reason}"
                + (f" (dispute #{r.dispute_id})" if r.dispute_id else "")
                for r in rows
            ],
        },
        schema=LINES_SCHEMA,
    )


def manual_state(conn: Connection, period: str) -> tuple[int, int, int]:
    """(count, newest id, sum) of a period's adjustments: they are only ever added, so this
    changes whenever one is."""
    row = conn.execute(
        select(
            func.count(),
            func.coalesce(func.max(manual_adjustments.c.adjustment_id), 0),
            func.coalesce(func.sum(manual_adjustments.c.amount_fen), 0),
        ).where(manual_adjustments.c.period == period)
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def adjusted_periods(conn: Connection) -> list[str]:
    """The periods that have manual adjustments."""
    column = manual_adjustments.c.period
    return [r[0] for r in conn.execute(select(column).distinct().order_by(column))]


def list_manual(conn: Connection, period: str) -> list[dict[str, Any]]:
    """A period's manual adjustments in the order they were added, each with the name of its
    installer (indexed by period; the names by the installers' key)."""
    installers = ENTITY_TABLES["installers"]
    rows = conn.execute(
        select(manual_adjustments, installers.c.name.label("installer_name"))
        .select_from(
            manual_adjustments.outerjoin(
                installers, installers.c.installer_id == manual_adjustments.c.installer_id
            )
        )
        .where(manual_adjustments.c.period == period)
        .order_by(manual_adjustments.c.adjustment_id)
    )
    return [dict(r._mapping) for r in rows]


def of_disputes(conn: Connection, dispute_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The adjustment that paid each accepted dispute (its period and amount), by dispute."""
    wanted = sorted(set(dispute_ids))
    if not wanted:
        return {}
    rows = conn.execute(
        select(manual_adjustments).where(manual_adjustments.c.dispute_id.in_(wanted))
    )
    return {int(r.dispute_id): dict(r._mapping) for r in rows}
