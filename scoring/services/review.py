"""HR's view of the periods: every period with its status in words, and the review of one
before it is closed (totals, grades, the biggest changes against the month before, the
installers far from the rest, a page of statements).

Every read is a few queries over stored results (see :mod:`scoring.store.review`): the frozen
result of a closed period or the materialised draft of an open one, never a computation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection

from scoring.period import Period
from scoring.services.access import Caller, Right, require
from scoring.services.drafts import state_in
from scoring.services.statements import Source, page_bounds, source_in
from scoring.store import Store, results
from scoring.store import disputes as store_disputes
from scoring.store import periods as store_periods
from scoring.store import review as store_review
from scoring.store.review import Change

#: A period's state as HR reads it: closed; an open period with an up-to-date draft; with a
#: draft computed before the data changed (a new one is being computed); or never computed.
PeriodState = Literal["closed", "draft", "stale", "not_computed"]

#: Installers listed per direction among the biggest changes, and as outliers at most.
TOP_CHANGES = 10
SHOWN_OUTLIERS = 20
#: Outliers are incentive totals beyond this many interquartile ranges outside the middle
#: half (Tukey's "far out" fences); fewer statements than this have no quartiles worth it.
FENCE_IQRS = 3
MIN_FOR_OUTLIERS = 8
#: Statements per page of the review.
STATEMENTS_PAGE = 50


@dataclass(frozen=True)
class PeriodSummary:
    period: str
    state: PeriodState
    #: When the draft was computed or the period closed, and by whom.
    at: int | None
    by: str | None
    plan: str | None
    totals: dict[str, int] | None
    open_disputes: int

    @property
    def closed(self) -> bool:
        return self.state == "closed"

    @property
    def has_result(self) -> bool:
        return self.state != "not_computed"

    @property
    def installers(self) -> int:
        return int((self.totals or {}).get("installers", 0))

    @property
    def empty(self) -> bool:
        """An open month whose draft has no statement (such as the current month before its
        first import): nothing to review yet."""
        return self.state in ("draft", "stale") and self.installers == 0


def periods_overview(store: Store, *, caller: Caller) -> list[PeriodSummary]:
    """Every period that was ever computed or closed, newest first: its state, totals and
    open disputes."""
    require(caller, Right.READ_PERIODS)
    found: list[PeriodSummary] = []
    with store.snapshot() as conn:
        drafts = set(store_periods.draft_periods(conn))
        disputes = store_disputes.open_counts_by_period(conn)
        rows = {row.period: row for row in store_periods.all_periods(conn)}
        for name in sorted(set(rows) | drafts, reverse=True):
            found.append(_summary(conn, name, rows.get(name), name in drafts, disputes))
    return found


def _summary(
    conn: Connection,
    name: str,
    row: store_periods.PeriodRow | None,
    has_draft: bool,
    disputes: dict[str, int],
) -> PeriodSummary:
    open_disputes = disputes.get(name, 0)
    if row is not None and row.status == "closed":
        return PeriodSummary(
            period=name,
            state="closed",
            at=row.closed_at,
            by=row.closed_by,
            plan=_plan(row.plan_id, row.plan_version),
            totals=dict(row.totals) if row.totals else None,
            open_disputes=open_disputes,
        )
    draft = store_periods.get_draft(conn, name) if has_draft else None
    if draft is None:
        return PeriodSummary(
            name, "not_computed", row.computed_at if row else None, None, None, None, open_disputes
        )
    stale = draft.state != state_in(conn, Period.parse(name))
    return PeriodSummary(
        period=name,
        state="stale" if stale else "draft",
        at=draft.computed_at,
        by=draft.computed_by,
        plan=_plan(draft.plan_id, draft.plan_version),
        totals=dict(draft.totals) if draft.totals else None,
        open_disputes=open_disputes,
    )


def _plan(plan_id: str | None, version: str | None) -> str | None:
    return f"{plan_id} v{version}" if plan_id else None


@dataclass(frozen=True)
class Outliers:
    """Incentive totals outside ``low_fen``..``high_fen`` (the middle half widened by
    :data:`FENCE_IQRS` times its width on each side)."""

    low_fen: int
    high_fen: int
    rows: list[dict[str, Any]]
    total: int


@dataclass(frozen=True)
class Review:
    source: Source
    totals: dict[str, int]
    #: (grade, statements) best first as letters sort, "unrated" last.
    grades: list[tuple[str, int]]
    #: The month compared with (the one before, when it has a result), and the installers
    #: whose incentive rose and fell most since.
    before: str | None
    rises: list[Change]
    falls: list[Change]
    #: None when there are too few statements to tell what is far from the rest.
    outliers: Outliers | None
    open_disputes: int
    statements: list[dict[str, Any]]
    statements_total: int
    offset: int
    limit: int

    @property
    def state(self) -> PeriodState:
        if self.source.status == results.CLOSED:
            return "closed"
        return "stale" if self.source.stale else "draft"


def _grade_order(grade: str) -> tuple[int, str]:
    return (1 if grade == "unrated" else 0, grade)


def _before_status(conn: Connection, period: Period) -> results.Status | None:
    row = store_periods.get_period(conn, period.name)
    if row is not None and row.status == "closed":
        return results.CLOSED
    if store_periods.get_draft(conn, period.name) is not None:
        return results.DRAFT
    return None


def outlier_fences(q1: int, q3: int, k: int = FENCE_IQRS) -> tuple[int, int]:
    """Tukey's fences around the middle half ``q1``..``q3`` (integer fen)."""
    spread = q3 - q1
    return q1 - k * spread, q3 + k * spread


def _outliers(conn: Connection, status: results.Status, period: str, count: int) -> Outliers | None:
    if count < MIN_FOR_OUTLIERS:
        return None
    q1 = store_review.net_at(conn, status, period, (count - 1) // 4)
    q3 = store_review.net_at(conn, status, period, 3 * (count - 1) // 4)
    if q1 is None or q3 is None:
        return None
    low, high = outlier_fences(int(q1), int(q3))
    rows, total = store_review.statements_beyond(
        conn, status, period, low=low, high=high, limit=SHOWN_OUTLIERS
    )
    return Outliers(low, high, rows, total)


def review(
    store: Store,
    *,
    caller: Caller,
    period: Period,
    offset: int = 0,
    limit: int = STATEMENTS_PAGE,
    top: int = TOP_CHANGES,
) -> Review:
    """A period's review: its result (closed, or the draft), totals, grades, the biggest
    changes against the month before, the outliers, and a page of statements by installer."""
    require(caller, Right.READ_PERIODS)
    offset, limit = page_bounds(offset, limit)
    with store.snapshot() as conn:
        source = source_in(conn, period)
        status = source.status
        totals = dict(source.totals or {})
        grades = sorted(
            store_review.grade_counts(conn, status, period.name).items(),
            key=lambda item: _grade_order(item[0]),
        )
        count = sum(n for _, n in grades)
        previous = period.previous()
        before_status = _before_status(conn, previous)
        rises: list[Change] = []
        falls: list[Change] = []
        if before_status is not None:
            for rising, into in ((True, rises), (False, falls)):
                into.extend(
                    store_review.biggest_changes(
                        conn,
                        status=status,
                        period=period.name,
                        before_status=before_status,
                        before=previous.name,
                        limit=top,
                        rising=rising,
                    )
                )
        outliers = _outliers(conn, status, period.name, count)
        open_disputes = store_disputes.open_counts_by_period(conn).get(period.name, 0)
        rows, total = results.list_statements(
            conn, status, period.name, scope=None, offset=offset, limit=limit
        )
    return Review(
        source=source,
        totals=totals,
        grades=grades,
        before=previous.name if before_status is not None else None,
        rises=rises,
        falls=falls,
        outliers=outliers,
        open_disputes=open_disputes,
        statements=rows,
        statements_total=total,
        offset=offset,
        limit=limit,
    )
