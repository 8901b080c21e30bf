"""Periods, plan versions, manual adjustments and disputes in the store.

A closed period is written once, in one transaction under the ``period`` lock, after checking
inside that lock that it is still open: a close killed at any point leaves the period open and
whole, and of two closes started at once the second finds the period closed and is refused.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Connection, and_, func, insert, select, update

from scoring.errors import InputError, NotFoundError, PeriodError, PlanError
from scoring.period_names import check_period
from scoring.result import LINES_SCHEMA, STATEMENTS_SCHEMA, SURVEY_STATUS_SCHEMA, Result
from scoring.store.db import Store, now_us, take_lock, take_lock_sa
from scoring.store.records import ingest_frame
from scoring.store.schema import (
    ENTITY_TABLES,
    audit_log,
    dispute_events,
    disputes,
    import_batches,
    manual_adjustments,
    periods,
    plans,
)

# -- plans ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredPlan:
    plan_id: str
    version: str
    effective_from: str
    checksum: str
    content: str
    activated_at: int | None


def store_plan(conn: Connection, plan: StoredPlan, *, actor: str) -> bool:
    """Keep a plan version (not its ``activated_at``: see activate_plan); True when it was
    new. A version's text never changes once stored."""
    take_lock_sa(conn, "period")  # two first closes must not both store the shipped plan
    plan_id, version, checksum = plan.plan_id, plan.version, plan.checksum
    existing = conn.execute(
        select(plans.c.checksum).where(plans.c.plan_id == plan_id, plans.c.version == version)
    ).first()
    if existing is not None:
        if existing.checksum != checksum:
            raise PlanError(
                f"方案 {plan_id} 第 {version} 版已存在且内容不同,请提高版本号 / plan {plan_id} "
                f"version {version} is already stored with other content: raise the version"
            )
        return False
    conn.execute(
        insert(plans).values(
            plan_id=plan_id,
            version=version,
            effective_from=plan.effective_from,
            checksum=checksum,
            content=plan.content,
            stored_at=now_us(),
            stored_by=actor,
        )
    )
    audit(conn, actor, "plan_store", f"{plan_id} v{version}", {"checksum": checksum})
    return True


def activate_plan(conn: Connection, *, plan_id: str, version: str, actor: str) -> None:
    done = conn.execute(
        update(plans)
        .where(plans.c.plan_id == plan_id, plans.c.version == version)
        .values(activated_at=now_us(), activated_by=actor)
    )
    if done.rowcount != 1:
        raise _no_plan(plan_id, version)
    audit(conn, actor, "plan_activate", f"{plan_id} v{version}", None)


def _no_plan(plan_id: str, version: str) -> PlanError:
    return PlanError(f"没有这个方案版本 / no stored plan {plan_id} version {version}")


def _row_plan(row: Any) -> StoredPlan:
    return StoredPlan(
        plan_id=row.plan_id,
        version=row.version,
        effective_from=row.effective_from,
        checksum=row.checksum,
        content=row.content,
        activated_at=row.activated_at,
    )


def plan_in_force(conn: Connection, first_day: str) -> StoredPlan | None:
    """The activated version with the latest effective date on or before ``first_day``."""
    row = conn.execute(
        select(plans)
        .where(plans.c.activated_at.is_not(None), plans.c.effective_from <= first_day)
        .order_by(plans.c.effective_from.desc(), plans.c.activated_at.desc())
        .limit(1)
    ).first()
    return _row_plan(row) if row is not None else None


def get_plan(conn: Connection, plan_id: str, version: str) -> StoredPlan:
    row = conn.execute(
        select(plans).where(plans.c.plan_id == plan_id, plans.c.version == version)
    ).first()
    if row is None:
        raise _no_plan(plan_id, version)
    return _row_plan(row)


def list_plans(conn: Connection) -> list[StoredPlan]:
    rows = conn.execute(select(plans).order_by(plans.c.plan_id, plans.c.effective_from))
    return [_row_plan(r) for r in rows]


# -- periods --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodRow:
    period: str
    status: str
    plan_id: str | None
    plan_version: str | None
    plan_checksum: str | None
    computed_at: int | None
    closed_at: int | None
    closed_by: str | None


def _row_period(row: Any) -> PeriodRow:
    return PeriodRow(
        period=row.period,
        status=row.status,
        plan_id=row.plan_id,
        plan_version=row.plan_version,
        plan_checksum=row.plan_checksum,
        computed_at=row.computed_at,
        closed_at=row.closed_at,
        closed_by=row.closed_by,
    )


def get_period(conn: Connection, period: str) -> PeriodRow | None:
    row = conn.execute(select(periods).where(periods.c.period == period)).first()
    return _row_period(row) if row is not None else None


def is_closed(conn: Connection, period: str) -> bool:
    row = get_period(conn, period)
    return row is not None and row.status == "closed"


def closed_periods(conn: Connection) -> list[PeriodRow]:
    rows = conn.execute(
        select(periods).where(periods.c.status == "closed").order_by(periods.c.period)
    )
    return [_row_period(r) for r in rows]


def last_changing_batch(store: Store) -> int:
    """The newest import batch that added or replaced a record (0 when none)."""
    with store.begin() as conn:
        found = conn.execute(
            select(func.coalesce(func.max(import_batches.c.batch_id), 0)).where(
                import_batches.c.accepted + import_batches.c.replaced > 0
            )
        ).scalar_one()
    return int(found)


def record_compute(conn: Connection, period: str, actor: str, plan_label: str) -> None:
    """Note that a draft was computed (the period row is created open on first use)."""
    take_lock_sa(conn, "period")  # a close or another first compute may be racing
    now = now_us()
    if get_period(conn, period) is None:
        conn.execute(insert(periods).values(period=period, status="open", computed_at=now))
    else:
        conn.execute(
            update(periods)
            .where(periods.c.period == period, periods.c.status == "open")
            .values(computed_at=now)
        )
    audit(conn, actor, "compute", period, {"plan": plan_label})


def save_closed(store: Store, result: Result, *, actor: str, plan: StoredPlan) -> None:
    """Freeze ``result`` as the closed period, atomically; refuse a closed period."""
    period = result.period
    about = dict(result.about)
    with store.adbc() as conn, contextlib.closing(conn.cursor()) as cur:
        take_lock(cur, "period")
        cur.execute("SELECT status FROM periods WHERE period = '" + _period_literal(period) + "'")
        row = cur.fetchone()
        if row is not None and row[0] == "closed":
            raise PeriodError(already_closed(period))
        cur.execute(
            "SELECT adjustment_id FROM manual_adjustments WHERE period = '"
            + _period_literal(period)
            + "'"
        )
        stored_manual = {str(r[0]) for r in cur.fetchall()}
        frozen_manual = set(
            result.lines.filter(pl.col("kind") == "manual").get_column("source_id").to_list()
        )
        if stored_manual != frozen_manual:
            raise PeriodError(
                f"关账期间人工调整有变动,请重新关账 / manual adjustments of {period} changed "
                "while it was being closed: close it again"
            )
        if row is not None:
            cur.execute("DELETE FROM periods WHERE period = '" + _period_literal(period) + "'")
        closed_at = now_us()
        closed_text = dt.datetime.fromtimestamp(closed_at / 1_000_000, tz=dt.UTC).isoformat()
        about.update({"status": "CLOSED", "closed_at": closed_text, "closed_by": actor})
        ingest_frame(
            cur,
            "periods",
            pl.DataFrame(
                {
                    "period": [period],
                    "status": ["closed"],
                    "plan_id": [plan.plan_id],
                    "plan_version": [plan.version],
                    "plan_checksum": [plan.checksum],
                    "computed_at": [closed_at],
                    "closed_at": [closed_at],
                    "closed_by": [actor],
                    "about": [json.dumps(about, ensure_ascii=False, default=str)],
                    "ranking": [result.ranking.write_json()],
                }
            ),
        )
        lines = (
            result.lines.select(list(LINES_SCHEMA))
            .with_row_index("line_no")
            .select(
                "period",
                pl.col("line_no").cast(pl.Int64),
                *[c for c in LINES_SCHEMA if c != "period"],
            )
        )
        if lines.height:
            ingest_frame(cur, "period_lines", lines)
        statements = result.statements.select(list(STATEMENTS_SCHEMA))
        if statements.height:
            ingest_frame(cur, "period_statements", statements)
        ingest_frame(
            cur,
            "audit_log",
            pl.DataFrame(
                {
                    "at": [closed_at],
                    "actor": [actor],
                    "action": ["close"],
                    "target": [period],
                    "detail": [
                        json.dumps(
                            {"plan": f"{plan.plan_id} v{plan.version}", "lines": lines.height},
                            ensure_ascii=False,
                        )
                    ],
                }
            ),
        )
        conn.commit()


def already_closed(period: str) -> str:
    return (
        f"期间 {period} 已关账,不能再次关账;之后的更正计入下一个未关账期间 / period {period} is "
        "already closed and cannot be closed again; later corrections are paid in the next open "
        "period"
    )


def _period_literal(period: str) -> str:
    """A period safe to put in SQL text: exactly YYYY-MM in ASCII digits."""
    return check_period(period)


def load_closed(store: Store, period: str) -> Result:
    """A closed period exactly as it was frozen."""
    with store.begin() as conn:
        row = conn.execute(select(periods).where(periods.c.period == period)).first()
    if row is None or row.status != "closed":
        raise PeriodError(f"期间 {period} 未关账 / period {period} is not closed")
    p = _period_literal(period)
    lines = store.read_frame(
        f"SELECT {', '.join(LINES_SCHEMA)} FROM period_lines WHERE period = '{p}' ORDER BY line_no"
    )
    statements = store.read_frame(
        f"SELECT {', '.join(STATEMENTS_SCHEMA)} FROM period_statements WHERE period = '{p}' "
        "ORDER BY installer_id"
    )
    ranking = pl.read_json(row.ranking.encode()) if row.ranking else pl.DataFrame()
    return Result(
        period=period,
        lines=_cast(lines, LINES_SCHEMA),
        statements=_cast(statements, STATEMENTS_SCHEMA),
        ranking=ranking,
        surveys=pl.DataFrame(schema=SURVEY_STATUS_SCHEMA),
        about=json.loads(row.about or "{}"),
        draft=False,
    )


def _cast(frame: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    if frame.height == 0:
        return pl.DataFrame(schema=schema)
    return frame.select([pl.col(n).cast(t) for n, t in schema.items()])


def paid_lines(store: Store, period: str) -> pl.DataFrame:
    """What was paid for ``period``: its own rule lines, and every adjustment correcting it
    in a later closed period (manual lines are HR's and are never recomputed)."""
    p = _period_literal(period)
    frame = store.read_frame(
        f"SELECT {', '.join(LINES_SCHEMA)} FROM period_lines "
        f"WHERE (period = '{p}' AND kind NOT IN ('adjustment', 'manual')) "
        f"OR (kind = 'adjustment' AND corrects_period = '{p}')"
    )
    return _cast(frame, LINES_SCHEMA)


# -- manual adjustments and disputes ---------------------------------------------------------


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


DISPUTE_TARGETS = ("line", "survey", "complaint", "revisit", "job")


def open_dispute(
    conn: Connection,
    *,
    period: str,
    installer_id: str,
    target_kind: str,
    target_id: str,
    comment: str,
    actor: str,
    respond_by: int,
) -> int:
    if target_kind not in DISPUTE_TARGETS:
        raise InputError(
            f"申诉对象应为 / a dispute is about one of {', '.join(DISPUTE_TARGETS)}, "
            f"not {target_kind!r}"
        )
    if not comment.strip():
        raise InputError("申诉须写明理由 / a dispute needs a comment")
    result = conn.execute(
        insert(disputes)
        .values(
            period=period,
            installer_id=installer_id,
            target_kind=target_kind,
            target_id=target_id,
            comment=comment,
            status="open",
            opened_at=now_us(),
            respond_by=respond_by,
        )
        .returning(disputes.c.dispute_id)
    )
    dispute_id = int(result.scalar_one())
    _dispute_step(conn, dispute_id, actor, "open", comment)
    audit(conn, actor, "dispute", f"#{dispute_id}", {"target": f"{target_kind} {target_id}"})
    return dispute_id


def installer_exists(conn: Connection, installer_id: str) -> bool:
    table = ENTITY_TABLES["installers"]
    found = conn.execute(select(table.c.installer_id).where(table.c.installer_id == installer_id))
    return found.first() is not None


def require_installer(conn: Connection, installer_id: str) -> None:
    """:class:`NotFoundError` for an unknown installer."""
    if not installer_exists(conn, installer_id):
        raise NotFoundError(f"没有这个师傅 / no installer {installer_id!r}")


def _dispute_step(conn: Connection, dispute_id: int, actor: str, action: str, note: str) -> None:
    step = conn.execute(
        select(func.coalesce(func.max(dispute_events.c.step), 0)).where(
            dispute_events.c.dispute_id == dispute_id
        )
    ).scalar_one()
    conn.execute(
        insert(dispute_events).values(
            dispute_id=dispute_id,
            step=int(step) + 1,
            at=now_us(),
            actor=actor,
            action=action,
            note=note,
        )
    )


def get_dispute(conn: Connection, dispute_id: int) -> dict[str, Any]:
    row = conn.execute(select(disputes).where(disputes.c.dispute_id == dispute_id)).first()
    if row is None:
        raise NotFoundError(f"没有这个申诉 / no dispute #{dispute_id}")
    found = dict(row._mapping)
    found["events"] = [
        dict(r._mapping)
        for r in conn.execute(
            select(dispute_events)
            .where(dispute_events.c.dispute_id == dispute_id)
            .order_by(dispute_events.c.step)
        )
    ]
    return found


def list_disputes(
    conn: Connection, *, status: str | None = None, installer_id: str | None = None
) -> list[dict[str, Any]]:
    query = select(disputes).order_by(disputes.c.dispute_id)
    if status:
        query = query.where(disputes.c.status == status)
    if installer_id:
        query = query.where(disputes.c.installer_id == installer_id)
    return [dict(r._mapping) for r in conn.execute(query)]


def resolve_dispute(
    conn: Connection,
    *,
    dispute_id: int,
    accept: bool,
    reason: str,
    actor: str,
    amount_fen: int | None,
    period: str | None,
) -> dict[str, Any]:
    """Accept (with an amount, paid as a manual adjustment linked to the dispute) or reject."""
    dispute = get_dispute(conn, dispute_id)
    if dispute["status"] != "open":
        raise PeriodError(
            f"申诉 #{dispute_id} 已处理({dispute['status']})/ dispute #{dispute_id} is already "
            f"{dispute['status']}"
        )
    if not reason.strip():
        raise InputError("处理申诉须写明理由 / resolving a dispute needs a reason")
    if accept and amount_fen is None:
        raise InputError("接受申诉须给出金额 / accepting a dispute needs an amount")
    changed = conn.execute(
        update(disputes)
        .where(and_(disputes.c.dispute_id == dispute_id, disputes.c.status == "open"))
        .values(
            status="accepted" if accept else "rejected",
            resolved_at=now_us(),
            resolved_by=actor,
            resolution=reason,
            amount_fen=amount_fen if accept else None,
        )
    )
    if changed.rowcount != 1:  # someone resolved it in between
        raise PeriodError(
            f"申诉 #{dispute_id} 已被处理 / dispute #{dispute_id} was resolved meanwhile"
        )
    if accept and amount_fen:
        add_manual(
            conn,
            period=period or dispute["period"],
            installer_id=dispute["installer_id"],
            amount_fen=amount_fen,
            reason=f"申诉 #{dispute_id} 接受 / dispute accepted: {reason}",
            author=actor,
            dispute_id=dispute_id,
        )
    _dispute_step(conn, dispute_id, actor, "accept" if accept else "reject", reason)
    audit(
        conn,
        actor,
        "dispute_resolve",
        f"#{dispute_id}",
        {"accepted": accept, "amount_fen": amount_fen, "reason": reason},
    )
    return get_dispute(conn, dispute_id)


# -- audit ----------------------------------------------------------------------------------


def audit(conn: Connection, actor: str, action: str, target: str | None, detail: Any) -> None:
    conn.execute(
        insert(audit_log).values(
            at=now_us(),
            actor=actor,
            action=action,
            target=target,
            detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        )
    )


def audit_entries(
    conn: Connection, *, since: int | None = None, action: str | None = None, limit: int = 200
) -> Sequence[dict[str, Any]]:
    query = select(audit_log).order_by(audit_log.c.event_id.desc()).limit(limit)
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    if action:
        query = query.where(audit_log.c.action == action)
    return [dict(r._mapping) for r in conn.execute(query)]
