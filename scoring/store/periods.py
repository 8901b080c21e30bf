"""Periods in the store: their status, the frozen result of a closed one, the materialised
draft of an open one.

A closed period is written once, in one transaction under the ``period`` lock, after checking
inside that lock that it is still open: a close killed at any point leaves the period open and
whole, and of two closes started at once the second finds the period closed and is refused.
A draft is replaced the same way, and never written for a period closed meanwhile.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Connection, String, bindparam, cast, func, insert, select, update

from scoring.errors import PeriodError
from scoring.period_names import check_period
from scoring.result import LINES_SCHEMA, SURVEY_STATUS_SCHEMA, Result
from scoring.store.audit import audit
from scoring.store.db import Store, now_us, take_lock, take_lock_sa
from scoring.store.plans import StoredPlan
from scoring.store.records import ingest_frame
from scoring.store.results import CLOSED, DRAFT, cast_to, delete_result, load_frames, write_result
from scoring.store.schema import drafts, import_batches, manual_adjustments, periods, plans


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
    totals: Mapping[str, int] | None = None


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
        totals=_totals(row.totals),
    )


def _totals(text: str | None) -> dict[str, int] | None:
    """Stored totals (JSON of integer fen and counts); None for rows written before 0003."""
    return json.loads(text) if text else None


def _json_object(text: str | None) -> dict[str, Any]:
    return json.loads(text) if text else {}


_PERIOD_COLUMNS = [c for c in periods.c if c.name not in ("about", "ranking")]


def get_period(conn: Connection, period: str) -> PeriodRow | None:
    row = conn.execute(select(*_PERIOD_COLUMNS).where(periods.c.period == period)).first()
    return _row_period(row) if row is not None else None


def is_closed(conn: Connection, period: str) -> bool:
    row = get_period(conn, period)
    return row is not None and row.status == "closed"


def closed_periods(conn: Connection) -> list[PeriodRow]:
    rows = conn.execute(
        select(*_PERIOD_COLUMNS).where(periods.c.status == "closed").order_by(periods.c.period)
    )
    return [_row_period(r) for r in rows]


def all_periods(conn: Connection) -> list[PeriodRow]:
    rows = conn.execute(select(*_PERIOD_COLUMNS).order_by(periods.c.period.desc()))
    return [_row_period(r) for r in rows]


def about_of(conn: Connection, period: str) -> dict[str, Any]:
    return _json_object(
        conn.execute(select(periods.c.about).where(periods.c.period == period)).scalar()
    )


def last_changing_batch(store: Store) -> int:
    """The newest import batch that added or replaced a record (0 when none)."""
    with store.begin() as conn:
        return last_changing_batch_in(conn)


def last_changing_batch_in(conn: Connection) -> int:
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


def already_closed(period: str) -> str:
    return (
        f"期间 {period} 已关账,不能再次关账;之后的更正计入下一个未关账期间 / period {period} is "
        "already closed and cannot be closed again; later corrections are paid in the next open "
        "period"
    )


def _period_literal(period: str) -> str:
    """A period safe to put in SQL text: exactly YYYY-MM in ASCII digits."""
    literal = check_period(period)
    if literal != period:
        raise PeriodError(f"期间应为 YYYY-MM / a period key is YYYY-MM, not {period!r}")
    return literal


def _status_in(cur: Any, p: str) -> str | None:
    cur.execute("SELECT status FROM periods WHERE period = '" + p + "'")
    row = cur.fetchone()
    return None if row is None else str(row[0])


def _one_row(frame: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame({k: [v] for k, v in frame.items()})


@dataclass(frozen=True)
class Frozen:
    """What a close wrote besides the result's rows: its totals and its ``about``."""

    totals: dict[str, int]
    about: dict[str, Any]


def save_closed(
    store: Store,
    result: Result,
    *,
    actor: str,
    plan: StoredPlan,
    check: Any = None,
) -> Frozen:
    """Freeze ``result`` as the closed period, atomically; refuse a closed period. ``check``
    (called with the cursor under the period lock) may refuse a result computed from a store
    that has changed since. Returns the totals."""
    period = result.period
    p = _period_literal(period)
    about = dict(result.about)
    with store.adbc() as conn, contextlib.closing(conn.cursor()) as cur:
        take_lock(cur, "period")
        status = _status_in(cur, p)
        if status == "closed":
            raise PeriodError(already_closed(period))
        if check is not None:
            check(cur)
        cur.execute(f"SELECT adjustment_id FROM manual_adjustments WHERE period = '{p}'")
        stored_manual = {str(r[0]) for r in cur.fetchall()}
        frozen_manual = set(
            result.lines.filter(pl.col("kind") == "manual").get_column("source_id").to_list()
        )
        if stored_manual != frozen_manual:
            raise PeriodError(
                f"关账期间人工调整有变动,请重新关账 / manual adjustments of {period} changed "
                "while it was being closed: close it again"
            )
        if status is not None:
            cur.execute(f"DELETE FROM periods WHERE period = '{p}'")
        delete_result(cur, DRAFT, p)
        cur.execute(f"DELETE FROM drafts WHERE period = '{p}'")
        closed_at = now_us()
        closed_text = dt.datetime.fromtimestamp(closed_at / 1_000_000, tz=dt.UTC).isoformat()
        about.update({"status": "CLOSED", "closed_at": closed_text, "closed_by": actor})
        totals = write_result(cur, CLOSED, period, result.lines, result.statements, result.ranking)
        ingest_frame(
            cur,
            "periods",
            _one_row(
                {
                    "period": period,
                    "status": "closed",
                    "plan_id": plan.plan_id,
                    "plan_version": plan.version,
                    "plan_checksum": plan.checksum,
                    "computed_at": closed_at,
                    "closed_at": closed_at,
                    "closed_by": actor,
                    "about": json.dumps(about, ensure_ascii=False, default=str),
                    "ranking": None,
                    "totals": json.dumps(totals),
                }
            ).with_columns(pl.col("ranking").cast(pl.String)),
        )
        ingest_frame(
            cur,
            "audit_log",
            _one_row(
                {
                    "at": closed_at,
                    "actor": actor,
                    "action": "close",
                    "target": period,
                    "detail": json.dumps(
                        {"plan": f"{plan.plan_id} v{plan.version}", "lines": result.lines.height},
                        ensure_ascii=False,
                    ),
                }
            ),
        )
        conn.commit()
    return Frozen(totals=totals, about=about)


def load_closed(store: Store, period: str) -> Result:
    """A closed period exactly as it was frozen."""
    with store.begin() as conn:
        row = get_period(conn, period)
        about = about_of(conn, period) if row is not None else {}
    if row is None or row.status != "closed":
        raise PeriodError(f"期间 {period} 未关账 / period {period} is not closed")
    lines, statements, ranking = load_frames(store, CLOSED, _period_literal(period))
    return Result(
        period=period,
        lines=lines,
        statements=statements,
        ranking=ranking,
        surveys=pl.DataFrame(schema=SURVEY_STATUS_SCHEMA),
        about=about,
        draft=False,
    )


def paid_lines(store: Store, period: str) -> pl.DataFrame:
    """What was paid for ``period``: its own rule lines, and every adjustment correcting it
    in a later closed period (manual lines are HR's and are never recomputed)."""
    p = _period_literal(period)
    frame = store.read_frame(
        f"SELECT {', '.join(LINES_SCHEMA)} FROM period_lines "
        f"WHERE (period = '{p}' AND kind NOT IN ('adjustment', 'manual')) "
        f"OR (kind = 'adjustment' AND corrects_period = '{p}')"
    )
    return cast_to(frame, LINES_SCHEMA)


# -- drafts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftRow:
    period: str
    state: str
    plan_id: str | None
    plan_version: str | None
    plan_checksum: str | None
    computed_at: int
    computed_by: str
    totals: Mapping[str, int] | None


def get_draft(conn: Connection, period: str) -> DraftRow | None:
    row = conn.execute(
        select(*[c for c in drafts.c if c.name != "about"]).where(drafts.c.period == period)
    ).first()
    if row is None:
        return None
    return _row_draft(row)


def _row_draft(row: Any) -> DraftRow:
    return DraftRow(
        period=row.period,
        state=row.state,
        plan_id=row.plan_id,
        plan_version=row.plan_version,
        plan_checksum=row.plan_checksum,
        computed_at=row.computed_at,
        computed_by=row.computed_by,
        totals=_totals(row.totals),
    )


@dataclass(frozen=True)
class PeriodState:
    """A period's row and draft, and what a draft of it would be computed from now (the parts
    of its fingerprint, see services.drafts), read together by :func:`period_state`."""

    period: PeriodRow | None
    draft: DraftRow | None
    #: The newest import batch that added or replaced a record (0 when none).
    batch: int
    #: The checksum of the activated plan in force on the period's first day (None: none).
    plan_checksum: str | None
    #: (count, newest id, sum in fen) of the period's manual adjustments.
    manual: tuple[int, int, int]
    #: (period, closed_at) of every closed period, by period.
    closed: list[tuple[str, int | None]]


def _period_state_query() -> Any:
    wanted = select(cast(bindparam("period"), String(7)).label("k")).subquery("wanted")
    row, draft, closed = periods.alias("p"), drafts.alias("d"), periods.alias("c")
    batch = (
        select(func.coalesce(func.max(import_batches.c.batch_id), 0))
        .where(import_batches.c.accepted + import_batches.c.replaced > 0)
        .scalar_subquery()
    )
    plan = (  # the same choice as plans.plan_in_force
        select(plans.c.checksum)
        .where(plans.c.activated_at.is_not(None), plans.c.effective_from <= bindparam("first"))
        .order_by(plans.c.effective_from.desc(), plans.c.activated_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    manual = manual_adjustments.c

    def of_period(column: Any) -> Any:
        return select(column).where(manual.period == wanted.c.k).scalar_subquery()

    return (
        select(
            *[row.c[c.name].label(f"p_{c.name}") for c in _PERIOD_COLUMNS],
            *[draft.c[c.name].label(f"d_{c.name}") for c in drafts.c if c.name != "about"],
            closed.c.period.label("c_period"),
            closed.c.closed_at.label("c_closed_at"),
            batch.label("batch"),
            plan.label("plan_checksum"),
            of_period(func.count()).label("manual_count"),
            of_period(func.coalesce(func.max(manual.adjustment_id), 0)).label("manual_newest"),
            of_period(func.coalesce(func.sum(manual.amount_fen), 0)).label("manual_sum"),
        )
        .select_from(
            wanted.outerjoin(row, row.c.period == wanted.c.k)
            .outerjoin(draft, draft.c.period == wanted.c.k)
            .outerjoin(closed, closed.c.status == "closed")
        )
        .order_by(closed.c.period)
    )


#: Built once: a read of a statement runs it on every request.
_PERIOD_STATE = _period_state_query()


def period_state(conn: Connection, period: str, first_day: str) -> PeriodState:
    """:class:`PeriodState` of ``period`` in one query (a row per closed period, at least one):
    the read of an open period's statement pays one query for its source, not six."""
    rows = conn.execute(_PERIOD_STATE, {"period": period, "first": first_day}).all()
    first = rows[0]._mapping

    def part(prefix: str) -> dict[str, Any]:
        return {k[2:]: v for k, v in first.items() if k.startswith(prefix)}

    found = part("p_")
    made = part("d_")
    return PeriodState(
        period=_row_period(_Fields(found)) if found["period"] is not None else None,
        draft=_row_draft(_Fields(made)) if made["period"] is not None else None,
        batch=int(first["batch"]),
        plan_checksum=first["plan_checksum"],
        manual=(
            int(first["manual_count"]),
            int(first["manual_newest"]),
            int(first["manual_sum"]),
        ),
        closed=[(r.c_period, r.c_closed_at) for r in rows if r.c_period is not None],
    )


class _Fields:
    """A mapping read as attributes (the row readers take rows)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def draft_periods(conn: Connection) -> list[str]:
    return [r.period for r in conn.execute(select(drafts.c.period).order_by(drafts.c.period))]


def draft_about(conn: Connection, period: str) -> dict[str, Any]:
    return _json_object(
        conn.execute(select(drafts.c.about).where(drafts.c.period == period)).scalar()
    )


def save_draft(
    store: Store, result: Result, *, state: str, actor: str, plan: StoredPlan | None
) -> bool:
    """Replace the materialised draft of an open period by ``result``, atomically; False (and
    nothing written) when the period was closed meanwhile."""
    period = result.period
    p = _period_literal(period)
    with store.adbc() as conn, contextlib.closing(conn.cursor()) as cur:
        take_lock(cur, "period")
        status = _status_in(cur, p)
        if status == "closed":
            conn.rollback()
            return False
        delete_result(cur, DRAFT, p)
        cur.execute(f"DELETE FROM drafts WHERE period = '{p}'")
        totals = write_result(cur, DRAFT, period, result.lines, result.statements, result.ranking)
        now = now_us()
        ingest_frame(
            cur,
            "drafts",
            _one_row(
                {
                    "period": period,
                    "state": state,
                    "plan_id": plan.plan_id if plan else None,
                    "plan_version": plan.version if plan else None,
                    "plan_checksum": plan.checksum if plan else None,
                    "computed_at": now,
                    "computed_by": actor,
                    "about": json.dumps(dict(result.about), ensure_ascii=False, default=str),
                    "totals": json.dumps(totals),
                }
            ).with_columns(pl.col("plan_id", "plan_version", "plan_checksum").cast(pl.String)),
        )
        if status is None:
            cur.execute(
                f"INSERT INTO periods (period, status, computed_at) VALUES ('{p}', 'open', {now})"
            )
        else:
            cur.execute(f"UPDATE periods SET computed_at = {now} WHERE period = '{p}'")
        conn.commit()
    return True


def load_draft(store: Store, period: str) -> Result | None:
    """The materialised draft of ``period`` as a result, or None when there is none."""
    p = _period_literal(period)
    with store.begin() as conn:
        about = draft_about(conn, period)
        if get_draft(conn, period) is None:
            return None
    lines, statements, ranking = load_frames(store, DRAFT, p)
    return Result(
        period=period,
        lines=lines,
        statements=statements,
        ranking=ranking,
        surveys=pl.DataFrame(schema=SURVEY_STATUS_SCHEMA),
        about=about,
        draft=True,
    )


#: The timestamp that puts a record of each table in a period (CONTRACT.md).
PERIOD_TIMES = {
    "surveys": "surveyed_at",
    "revisits": "revisited_at",
    "complaints": "resolved_at",
    "jobs": "completed_at",
}


def latest_event_times(conn: Connection) -> list[int]:
    """The newest period timestamp (store microseconds) of each table that has one."""
    from scoring.store.schema import ENTITY_TABLES

    found: list[int] = []
    for table_name, column in PERIOD_TIMES.items():
        table = ENTITY_TABLES[table_name]
        value = conn.execute(select(func.max(table.c[column]))).scalar()
        if value is not None:
            found.append(int(value))
    return found
