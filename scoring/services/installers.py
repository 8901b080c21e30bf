"""One installer across months: the page an installer reads on a phone, and the same page others
open read-only (HR, operations, the installer's dealer).

:func:`overview` gathers, in one snapshot of the store, the months that have a statement of the
installer (closed or draft), the chosen month's statement and lines, its rating explained
(:mod:`scoring.rating_explained`), the statements of the twelve months up to it (for a trend),
and the installer's disputes with their steps and the lines they name. Every read is an
indexed lookup of stored results — a statement by (period, installer), lines by (period,
installer), disputes by installer — never a computation, so the page costs the same in a
national month as in a small one.

Scope: an installer sees itself only; a dealer the installers of its dealers; HR and operations
everyone. Outside the scope the installer is not found (nothing says it exists).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from scoring.disputes import is_overdue
from scoring.errors import NotFoundError
from scoring.period import Period
from scoring.rating_explained import RatingBasis, RatingExplained, explain_rating
from scoring.services.access import Caller, Forbidden, Right, require
from scoring.services.disputes import line_target
from scoring.services.statements import InstallerStatement, source_in
from scoring.store import Store, now_us, results
from scoring.store import disputes as store_disputes
from scoring.store import periods as store_periods
from scoring.store.directory import installer_record

#: How many of the newest computed periods are looked through for the month picker.
MAX_MONTHS = 60
#: The months of the trend (the chosen one and the eleven before it).
TREND_MONTHS = 12
#: The installer's disputes shown at most (newest first).
MAX_DISPUTES = 200


class NotAnInstaller(Forbidden):
    """The caller asked for its own statement but is not an installer's account."""


@dataclass(frozen=True)
class Month:
    """A month with a statement of the installer, and whether it is closed or a draft."""

    period: str
    status: results.Status


@dataclass(frozen=True)
class DisputeView:
    dispute: dict[str, Any]
    events: list[dict[str, Any]]
    #: The line a line dispute names, when it is still in the statement.
    line: dict[str, Any] | None
    overdue: bool


@dataclass(frozen=True)
class InstallerOverview:
    installer_id: str
    name: str | None
    team_name: str | None
    #: Months with a statement of the installer, newest first.
    months: list[Month]
    #: The month shown (None: the installer has no statement at all).
    chosen: str | None
    #: Its statement and lines (None when the chosen month has none of the installer's).
    statement: InstallerStatement | None
    rating: RatingExplained | None
    #: The statements of the trend months that have one, oldest first.
    history: list[dict[str, Any]]
    #: The calendar months of the trend, oldest first (the chosen one last).
    trend_months: list[str]
    disputes: list[DisputeView]
    #: The caller is this installer (it may open disputes on the page).
    own: bool


def _not_found(installer_id: str) -> NotFoundError:
    return NotFoundError(f"没有这个师傅 / no installer {installer_id!r}")


def overview(
    store: Store,
    *,
    caller: Caller,
    installer_id: str | None = None,
    period: Period | None = None,
) -> InstallerOverview:
    """The installer's page: ``installer_id`` (default: the caller's own) in ``period``
    (default: the newest month with a statement of the installer)."""
    require(caller, Right.READ_STATEMENTS)
    if installer_id is None:
        if caller.installer_id is None:
            raise NotAnInstaller(
                "这是师傅本人的页面 / this page is an installer's own statement",
            )
        installer_id = caller.installer_id
    if caller.excludes_installer(installer_id):
        raise _not_found(installer_id)
    with store.snapshot() as conn:
        record = installer_record(conn, installer_id)
        if record is None or not caller.sees_installer(installer_id, record.get("dealer_id")):
            raise _not_found(installer_id)
        rows = _statements_by_month(conn, caller, installer_id)
        months = [Month(p, status) for p, (status, _) in rows.items()]
        chosen = period.name if period is not None else (months[0].period if months else None)
        statement, rating = None, None
        if chosen is not None and chosen in rows:
            status, row = rows[chosen]
            source = source_in(conn, Period.parse(chosen))
            lines = results.installer_lines(conn, status, chosen, installer_id)
            statement = InstallerStatement(source, row, lines)
            rating = explain_rating(
                surveys=int(row.get("surveys") or 0),
                rating_num=row.get("rating_num"),
                rating_den=row.get("rating_den"),
                grade=row.get("grade"),
                basis=RatingBasis.of_about(_about(conn, chosen, status)),
            )
        trend = _trend_months(chosen)
        history = [rows[p][1] for p in trend if p in rows]
        found = (
            _disputes(conn, installer_id, rows, statement)
            if caller.may(Right.READ_DISPUTES)
            else []
        )
    return InstallerOverview(
        installer_id=installer_id,
        name=(statement.statement.get("name") if statement else None) or record.get("name"),
        team_name=(statement.statement.get("team_name") if statement else None)
        or record.get("team_name"),
        months=months,
        chosen=chosen,
        statement=statement,
        rating=rating,
        history=history,
        trend_months=trend,
        disputes=found,
        own=caller.installer_id == installer_id,
    )


def _statements_by_month(
    conn: Connection, caller: Caller, installer_id: str
) -> dict[str, tuple[results.Status, dict[str, Any]]]:
    """The installer's statement of each computed month (newest first): one indexed lookup per
    month, in the closed result or the draft. A dealer sees the months when the installer
    worked for one of its dealers."""
    drafts = set(store_periods.draft_periods(conn))
    found: dict[str, tuple[results.Status, dict[str, Any]]] = {}
    for row in store_periods.all_periods(conn)[:MAX_MONTHS]:
        if row.status == "closed":
            status = results.CLOSED
        elif row.period in drafts:
            status = results.DRAFT
        else:
            continue
        statement = results.statement_row(conn, status, row.period, installer_id)
        if statement is not None and caller.sees_installer(
            installer_id, statement.get("dealer_id")
        ):
            found[row.period] = (status, statement)
    return found


def _about(conn: Connection, period: str, status: results.Status) -> dict[str, Any]:
    if status == results.CLOSED:
        return store_periods.about_of(conn, period)
    return store_periods.draft_about(conn, period)


def _trend_months(chosen: str | None) -> list[str]:
    if chosen is None:
        return []
    month = Period.parse(chosen)
    found = [month]
    for _ in range(TREND_MONTHS - 1):
        found.append(found[-1].previous())
    return [m.name for m in reversed(found)]


def _disputes(
    conn: Connection,
    installer_id: str,
    rows: dict[str, tuple[results.Status, dict[str, Any]]],
    shown: InstallerStatement | None,
) -> list[DisputeView]:
    found = store_disputes.list_disputes(conn, installer_id=installer_id)
    found = sorted(found, key=lambda d: -int(d["dispute_id"]))[:MAX_DISPUTES]
    events = store_disputes.events_of(conn, [int(d["dispute_id"]) for d in found])
    lines_of: dict[str, dict[str, dict[str, Any]]] = {}
    if shown is not None:
        lines_of[shown.source.period] = {line_target(line): line for line in shown.lines}
    for period in {d["period"] for d in found if d["target_kind"] == "line"} - set(lines_of):
        if period in rows:
            status = rows[period][0]
            lines = results.installer_lines(conn, status, period, installer_id)
            lines_of[period] = {line_target(line): line for line in lines}
    now = now_us()
    return [
        DisputeView(
            dispute=d,
            events=events.get(int(d["dispute_id"]), []),
            line=lines_of.get(d["period"], {}).get(d["target_id"])
            if d["target_kind"] == "line"
            else None,
            overdue=is_overdue(d, now),
        )
        for d in found
    ]
