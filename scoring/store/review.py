"""Reads for HR's review of a period: how many statements per grade, the installers whose
incentive changed most against another month, and those far from the rest.

Each is one query over the statements of one period (the range of the ``(period,
installer_id)`` primary key, the other month joined by that key), sorted and cut to a few rows
in the database: no result is loaded or computed in Python, so a national month costs a sort
of its statements, not a computation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, and_, case, exists, func, literal, select, union_all

from scoring.store.results import TABLES, Status

#: The columns a row of the review names an installer by.
_NAMED = ("installer_id", "name", "team_name")


def _statements(status: Status) -> Table:
    return TABLES[status].statements


def grade_counts(conn: Connection, status: Status, period: str) -> dict[str, int]:
    """Statements per grade (``unrated`` included)."""
    table = _statements(status)
    rows = conn.execute(
        select(table.c.grade, func.count()).where(table.c.period == period).group_by(table.c.grade)
    )
    return {str(grade): int(count) for grade, count in rows}


@dataclass(frozen=True)
class Change:
    """An installer's incentive total in two months (0 where it had no statement)."""

    installer_id: str
    name: str | None
    team_name: str | None
    net_fen: int
    before_fen: int

    @property
    def change_fen(self) -> int:
        return self.net_fen - self.before_fen


def biggest_changes(
    conn: Connection,
    *,
    status: Status,
    period: str,
    before_status: Status,
    before: str,
    limit: int,
    rising: bool,
) -> list[Change]:
    """The ``limit`` installers whose incentive total rose (``rising``) or fell most from
    ``before`` to ``period``, biggest first; an installer with a statement in only one of the
    two months counts 0 in the other. Only changes in that direction are listed."""
    now = _statements(status).alias("now_s")
    then = _statements(before_status).alias("then_s")
    in_both = (
        select(
            *(now.c[c] for c in _NAMED),
            now.c.net_fen.label("net_fen"),
            func.coalesce(then.c.net_fen, 0).label("before_fen"),
        )
        .select_from(
            now.outerjoin(
                then, and_(then.c.period == before, then.c.installer_id == now.c.installer_id)
            )
        )
        .where(now.c.period == period)
    )
    now_again = _statements(status).alias("now_again")
    gone = select(
        *(then.c[c] for c in _NAMED),
        literal(0).label("net_fen"),
        then.c.net_fen.label("before_fen"),
    ).where(
        then.c.period == before,
        ~exists().where(
            now_again.c.period == period, now_again.c.installer_id == then.c.installer_id
        ),
    )
    both = union_all(in_both, gone).subquery("both_months")
    change = both.c.net_fen - both.c.before_fen
    query = (
        select(both)
        .where(change > 0 if rising else change < 0)
        .order_by(change.desc() if rising else change.asc(), both.c.installer_id)
        .limit(limit)
    )
    return [
        Change(
            installer_id=str(r.installer_id),
            name=r.name,
            team_name=r.team_name,
            net_fen=int(r.net_fen),
            before_fen=int(r.before_fen),
        )
        for r in conn.execute(query)
    ]


def net_at(conn: Connection, status: Status, period: str, position: int) -> int | None:
    """The incentive total at ``position`` (0 = the lowest) of the period's statements in
    ascending order, or None past the end (a quantile without loading the month)."""
    table = _statements(status)
    return conn.execute(
        select(table.c.net_fen)
        .where(table.c.period == period)
        .order_by(table.c.net_fen, table.c.installer_id)
        .offset(position)
        .limit(1)
    ).scalar()


def statements_beyond(
    conn: Connection, status: Status, period: str, *, low: int, high: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Statements whose incentive total is below ``low`` or above ``high``, the farthest from
    the range first (at most ``limit``), and how many there are in all."""
    table = _statements(status)
    outside = and_(table.c.period == period, (table.c.net_fen < low) | (table.c.net_fen > high))
    total = conn.execute(select(func.count()).select_from(table).where(outside)).scalar_one()
    distance = case((table.c.net_fen < low, low - table.c.net_fen), else_=table.c.net_fen - high)
    rows = conn.execute(
        select(table).where(outside).order_by(distance.desc(), table.c.installer_id).limit(limit)
    )
    return [dict(r._mapping) for r in rows], int(total)
