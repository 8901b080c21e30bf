"""Reading results: one installer's statement, a page of statements, a dealer's ranking.

Each read is a few indexed queries in one snapshot of the store: the frozen result of a closed
period, or the materialised draft of an open one (see :mod:`scoring.services.drafts`), never a
computation. Its cost does not grow with the month. What a caller may see is narrowed here:
an installer its own statement, a dealer those of its dealers' installers and teams.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from scoring.errors import NotFoundError, PeriodError
from scoring.period import Period
from scoring.result import STATEMENT_MONEY_COLUMNS
from scoring.services.access import Caller, Right, require
from scoring.services.drafts import fingerprint, period_state
from scoring.store import Store, results
from scoring.store.directory import installer_record

#: The largest page a list returns.
MAX_PAGE = 1000


class NotComputed(PeriodError):
    """An open period whose draft has not been computed yet."""


@dataclass(frozen=True)
class Source:
    """Where a period's result is read from, and how current it is."""

    period: str
    status: results.Status
    #: A draft computed from an older state of the store (a newer one is being computed).
    stale: bool
    computed_at: int | None
    plan: str | None
    totals: dict[str, int] | None
    #: Who closed the period, or whose action computed the draft.
    by: str | None = None

    @property
    def label(self) -> str:
        return "CLOSED" if self.status == results.CLOSED else "DRAFT"


def source_in(conn: Connection, period: Period) -> Source:
    """Where ``period`` is read from: its frozen result or its draft (one query)."""
    state = period_state(conn, period)
    row = state.period
    if row is not None and row.status == "closed":
        return Source(
            period.name,
            results.CLOSED,
            stale=False,
            computed_at=row.closed_at,
            plan=f"{row.plan_id} v{row.plan_version}" if row.plan_id else None,
            totals=dict(row.totals) if row.totals else None,
            by=row.closed_by,
        )
    draft = state.draft
    if draft is None:
        raise NotComputed(
            f"期间 {period} 的草稿尚未生成,正在计算,请稍后再看 / the draft of {period} has not "
            "been computed yet; it is being computed, look again in a minute"
        )
    return Source(
        period.name,
        results.DRAFT,
        stale=draft.state != fingerprint(state),
        computed_at=draft.computed_at,
        plan=f"{draft.plan_id} v{draft.plan_version}" if draft.plan_id else None,
        totals=dict(draft.totals) if draft.totals else None,
        by=draft.computed_by,
    )


def _not_found(installer_id: str) -> NotFoundError:
    return NotFoundError(f"没有这个师傅 / no installer {installer_id!r}")


@dataclass(frozen=True)
class InstallerStatement:
    source: Source
    statement: dict[str, Any]
    lines: list[dict[str, Any]]

    @property
    def lines_total_fen(self) -> int:
        return sum(int(line["amount_fen"]) for line in self.lines)


def installer_statement(
    store: Store, *, caller: Caller, period: Period, installer_id: str
) -> InstallerStatement:
    """One installer's statement and lines; zeros for a known installer without any. An
    installer outside the caller's scope is not found (nothing says it exists)."""
    require(caller, Right.READ_STATEMENTS)
    if caller.excludes_installer(installer_id):
        raise _not_found(installer_id)
    with store.snapshot() as conn:
        source = source_in(conn, period)
        row = results.statement_row(conn, source.status, period.name, installer_id)
        if row is None:
            record = installer_record(conn, installer_id)
            if record is None:
                raise _not_found(installer_id)
            row = _empty_statement(period, record)
        if not caller.sees_installer(installer_id, row.get("dealer_id")):
            raise _not_found(installer_id)
        lines = results.installer_lines(conn, source.status, period.name, installer_id)
    return InstallerStatement(source, row, lines)


def _empty_statement(period: Period, record: dict[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any] = {name: 0 for name in STATEMENT_MONEY_COLUMNS}
    statement.update(
        period=period.name,
        installer_id=record["installer_id"],
        name=record.get("name"),
        team_id=record.get("team_id"),
        team_name=record.get("team_name"),
        dealer_id=record.get("dealer_id"),
        employment=record.get("employment"),
        surveys=0,
        rating_num=None,
        rating_den=None,
        rating=None,
        grade="unrated",
    )
    return statement


@dataclass(frozen=True)
class StatementPage:
    source: Source
    totals: dict[str, int]
    total: int
    offset: int
    statements: list[dict[str, Any]]


def _scope(caller: Caller) -> results.Scope | None:
    found = caller.scope_values()
    return None if found is None else results.Scope(found[0], list(found[1]))


def page_bounds(offset: int, limit: int | None) -> tuple[int, int]:
    if offset < 0:
        raise PeriodError("offset 不能为负 / offset must not be negative")
    return offset, min(limit or MAX_PAGE, MAX_PAGE)


def list_statements(
    store: Store, *, caller: Caller, period: Period, offset: int = 0, limit: int | None = None
) -> StatementPage:
    """A page of statements by installer id (of the caller's scope) with their totals."""
    require(caller, Right.READ_STATEMENTS)
    offset, limit = page_bounds(offset, limit)
    scope = _scope(caller)
    with store.snapshot() as conn:
        source = source_in(conn, period)
        rows, total = results.list_statements(
            conn, source.status, period.name, scope=scope, offset=offset, limit=limit
        )
        if scope is None and source.totals is not None:
            totals = source.totals
        else:
            totals = results.scoped_totals(
                conn, source.status, period.name, scope or results.Scope("period", [period.name])
            )
    return StatementPage(source, totals, total, offset, rows)


@dataclass(frozen=True)
class RankingPage:
    source: Source
    total: int
    offset: int
    rows: list[dict[str, Any]]


def ranking(
    store: Store,
    *,
    caller: Caller,
    period: Period,
    dealer_id: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> RankingPage:
    """Teams per dealer, best first (a dealer user: its dealers' teams only)."""
    require(caller, Right.READ_RANKING)
    offset, limit = page_bounds(offset, limit)
    dealers: list[str] | None = None
    if caller.dealer_ids or caller.scoped:
        dealers = sorted(caller.dealer_ids)
    if dealer_id is not None:
        if not caller.sees_dealer(dealer_id):
            raise NotFoundError(f"没有这个经销商 / no dealer {dealer_id!r}")
        dealers = [dealer_id]
    with store.snapshot() as conn:
        source = source_in(conn, period)
        rows, total = results.ranking(
            conn, source.status, period.name, dealer_ids=dealers, offset=offset, limit=limit
        )
    return RankingPage(source, total, offset, rows)
