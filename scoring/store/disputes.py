"""Disputes and their steps in the store."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, insert, select, update

from scoring.errors import InputError, NotFoundError, PeriodError
from scoring.store.adjustments import add_manual
from scoring.store.audit import audit
from scoring.store.db import now_us
from scoring.store.schema import ENTITY_TABLES, dispute_events, disputes

#: What a dispute may be about: a line of the statement, a record behind it, or something the
#: installer thinks is missing (``target_id``: the job, survey or complaint it names, if any).
DISPUTE_TARGETS = ("line", "survey", "complaint", "revisit", "job", "missing")


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


def events_of(conn: Connection, dispute_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The steps of several disputes in one query, in order, by dispute."""
    wanted = sorted(set(dispute_ids))
    found: dict[int, list[dict[str, Any]]] = {d: [] for d in wanted}
    if not wanted:
        return found
    rows = conn.execute(
        select(dispute_events)
        .where(dispute_events.c.dispute_id.in_(wanted))
        .order_by(dispute_events.c.dispute_id, dispute_events.c.step)
    )
    for row in rows:
        found[int(row.dispute_id)].append(dict(row._mapping))
    return found


def _conditions(
    *,
    status: str | None,
    installer_id: str | None,
    dealer_ids: Iterable[str] | None,
    period: str | None,
    due_before: int | None = None,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if status:
        where.append(disputes.c.status == status)
    if due_before is not None:
        where.append(disputes.c.respond_by < due_before)
    if installer_id is not None:
        where.append(disputes.c.installer_id == installer_id)
    if period is not None:
        where.append(disputes.c.period == period)
    if dealer_ids is not None:
        installers, teams = ENTITY_TABLES["installers"], ENTITY_TABLES["teams"]
        of_dealers = (
            select(installers.c.installer_id)
            .join(teams, teams.c.team_id == installers.c.team_id)
            .where(teams.c.dealer_id.in_(list(dealer_ids)))
        )
        where.append(disputes.c.installer_id.in_(of_dealers))
    return where


#: How a list of disputes is ordered: by number; by answer deadline, the most urgent first
#: (a queue of open disputes); or the newest first.
ORDERS = {
    "number": (disputes.c.dispute_id,),
    "deadline": (disputes.c.respond_by, disputes.c.dispute_id),
    "newest": (disputes.c.dispute_id.desc(),),
}


def list_disputes(
    conn: Connection,
    *,
    status: str | None = None,
    installer_id: str | None = None,
    dealer_ids: Iterable[str] | None = None,
    period: str | None = None,
    due_before: int | None = None,
    order: str = "number",
    offset: int = 0,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Disputes in ``order``; ``dealer_ids``: those of installers of these dealers' teams;
    ``due_before``: those whose answer deadline is before it (with ``status="open"``: overdue
    at that time)."""
    where = _conditions(
        status=status,
        installer_id=installer_id,
        dealer_ids=dealer_ids,
        period=period,
        due_before=due_before,
    )
    query = select(disputes).where(*where).order_by(*ORDERS[order]).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [dict(r._mapping) for r in conn.execute(query)]


def count_disputes(
    conn: Connection,
    *,
    installer_id: str | None = None,
    dealer_ids: Iterable[str] | None = None,
    period: str | None = None,
    now: int,
) -> dict[str, int]:
    """How many disputes of each status there are, and ``overdue``: open past the deadline at
    ``now``."""
    where = _conditions(
        status=None, installer_id=installer_id, dealer_ids=dealer_ids, period=period
    )
    found = {"open": 0, "accepted": 0, "rejected": 0}
    rows = conn.execute(
        select(disputes.c.status, func.count()).where(*where).group_by(disputes.c.status)
    )
    found.update({str(status): int(n) for status, n in rows})
    found["overdue"] = int(
        conn.execute(
            select(func.count())
            .select_from(disputes)
            .where(*where, disputes.c.status == "open", disputes.c.respond_by < now)
        ).scalar_one()
    )
    return found


def open_counts_by_period(conn: Connection) -> dict[str, int]:
    """Open disputes per period."""
    rows = conn.execute(
        select(disputes.c.period, func.count())
        .where(disputes.c.status == "open")
        .group_by(disputes.c.period)
    )
    return {str(period): int(n) for period, n in rows}


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
