"""Disputes: an installer questions a line of its statement, or a record behind it, or claims
something missing (``missing``: a survey that should have counted, a job not credited, with
the number it names if any); HR accepts with an amount (a manual adjustment linked to the
dispute) or rejects with a reason, within a number of working days. Every step is kept."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from scoring.disputes import is_overdue, respond_by
from scoring.errors import InputError, NotFoundError, PeriodError
from scoring.money import parse_amount
from scoring.period import Period
from scoring.services.access import Caller, Forbidden, Right, require
from scoring.services.runtime import Runtime
from scoring.services.statements import page_bounds, source_in
from scoring.store import Store, now_us, results
from scoring.store import adjustments as store_adjustments
from scoring.store import disputes as store_disputes
from scoring.store import periods as store_periods
from scoring.store.directory import installer_record, installer_records
from scoring.store.schema import ENTITY_TABLES

#: Record kinds a dispute may name besides a line, and their tables.
RECORD_TABLES = {
    "survey": "surveys",
    "complaint": "complaints",
    "revisit": "revisits",
    "job": "jobs",
}
MAX_TEXT = 2000
#: The longest reference a claim for something missing may give.
MAX_REFERENCE = 200


def line_target(row: dict[str, Any]) -> str:
    """How a dispute names a line: ``rule_id:source_id``."""
    return f"{row['rule_id']}:{row['source_id'] or row['source'] or ''}"


def open_dispute(
    store: Store,
    *,
    caller: Caller,
    period: Period,
    installer_id: str,
    target_kind: str,
    target_id: str,
    comment: str,
    runtime: Runtime,
) -> int:
    """Open a dispute; the line or record it names must exist, the installer's own for an
    installer user."""
    require(caller, Right.DISPUTE)
    if caller.excludes_installer(installer_id):
        raise NotFoundError(f"没有这个师傅 / no installer {installer_id!r}")
    text = comment.strip()
    if len(text) > MAX_TEXT:
        raise InputError(f"理由最多 {MAX_TEXT} 字 / a comment has at most {MAX_TEXT} characters")
    if target_kind == "missing":
        target_id = " ".join(target_id.split())
        if len(target_id) > MAX_REFERENCE:
            raise InputError(
                f"单号最多 {MAX_REFERENCE} 字 / a reference has at most {MAX_REFERENCE} characters"
            )
    deadline = respond_by(dt.datetime.now(tz=runtime.zone), runtime.calendar, runtime.zone)
    with store.begin() as conn:
        if installer_record(conn, installer_id) is None:
            raise NotFoundError(f"没有这个师傅 / no installer {installer_id!r}")
        if target_kind == "line":
            source = source_in(conn, period)
            lines = results.installer_lines(conn, source.status, period.name, installer_id)
            if target_id not in {line_target(row) for row in lines}:
                raise NotFoundError(
                    f"{period} 期没有这笔明细 / no line {target_id!r} in the statement of "
                    f"{installer_id} for {period}"
                )
        elif target_kind in RECORD_TABLES:
            table = ENTITY_TABLES[RECORD_TABLES[target_kind]]
            key = table.primary_key.columns.values()[0]
            if conn.execute(table.select().where(key == target_id)).first() is None:
                raise NotFoundError(f"没有这条记录 / no {target_kind} {target_id!r}")
        return store_disputes.open_dispute(
            conn,
            period=period.name,
            installer_id=installer_id,
            target_kind=target_kind,
            target_id=target_id,
            comment=text,
            actor=caller.login,
            respond_by=deadline,
        )


def open_own_dispute(
    store: Store,
    *,
    caller: Caller,
    period: Period,
    target_kind: str,
    target_id: str,
    comment: str,
    runtime: Runtime,
) -> int:
    """An installer disputes its own statement (the form of its page): the installer is the
    caller's own; a caller that is not an installer's account is refused."""
    if caller.installer_id is None:
        raise Forbidden(
            "只有师傅本人可以在这里申诉 / only an installer can dispute their own statement here"
        )
    return open_dispute(
        store,
        caller=caller,
        period=period,
        installer_id=caller.installer_id,
        target_kind=target_kind,
        target_id=target_id,
        comment=comment,
        runtime=runtime,
    )


def get(store: Store, *, caller: Caller, dispute_id: int) -> dict[str, Any]:
    """One dispute with its steps (not found outside the caller's scope)."""
    require(caller, Right.READ_DISPUTES)
    with store.begin() as conn:
        found = store_disputes.get_dispute(conn, dispute_id)
        record = installer_record(conn, found["installer_id"]) or {}
    if not caller.sees_installer(found["installer_id"], record.get("dealer_id")):
        raise NotFoundError(f"没有这个申诉 / no dispute #{dispute_id}")
    return found


def list_disputes(
    store: Store,
    *,
    caller: Caller,
    status: str | None = None,
    installer_id: str | None = None,
    period: Period | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Disputes within the caller's scope, by number."""
    require(caller, Right.READ_DISPUTES)
    offset, limit = page_bounds(offset, limit)
    scope = caller.scope_values()
    dealer_ids = None
    if scope is not None and scope[0] == "installer_id":
        if installer_id is not None and caller.excludes_installer(installer_id):
            return []
        installer_id = caller.installer_id or ""
    elif scope is not None:
        dealer_ids = list(scope[1])
    with store.begin() as conn:
        return store_disputes.list_disputes(
            conn,
            status=status,
            installer_id=installer_id,
            dealer_ids=dealer_ids,
            period=period.name if period else None,
            offset=offset,
            limit=limit,
        )


def resolve(
    store: Store,
    *,
    caller: Caller,
    dispute_id: int,
    accept: bool,
    reason: str,
    amount: str | None = None,
    period: Period | None = None,
) -> dict[str, Any]:
    """Accept (``amount`` in yuan, paid in ``period``, default the dispute's own while it is
    open) or reject, with a reason."""
    require(caller, Right.RESOLVE_DISPUTES)
    with store.begin() as conn:  # an unknown dispute is not found before its amount is read
        store_disputes.get_dispute(conn, dispute_id)
    fen = parse_amount(amount) if amount is not None and amount.strip() else None
    if len(reason) > MAX_TEXT:
        raise InputError(f"理由最多 {MAX_TEXT} 字 / a reason has at most {MAX_TEXT} characters")
    with store.begin() as conn:
        dispute = store_disputes.get_dispute(conn, dispute_id)
        target = period.name if period else dispute["period"]
        if accept and store_periods.is_closed(conn, target):
            raise PeriodError(
                f"期间 {target} 已关账,请指定一个未关账期间入账 / period {target} is closed: "
                "name an open period for the amount"
            )
        return store_disputes.resolve_dispute(
            conn,
            dispute_id=dispute_id,
            accept=accept,
            reason=reason.strip(),
            actor=caller.login,
            amount_fen=fen,
            period=target,
        )


def overdue(store: Store, *, caller: Caller) -> list[dict[str, Any]]:
    """Open disputes past their answer deadline, within the caller's scope."""
    require(caller, Right.READ_DISPUTES)
    now = now_us()
    with store.begin() as conn:
        found = store_disputes.list_disputes(conn, status="open")
    if caller.scoped:  # the scheduler and HR see all; others only through list_disputes
        visible = {d["dispute_id"] for d in list_disputes(store, caller=caller, status="open")}
        found = [d for d in found if d["dispute_id"] in visible]
    return [d for d in found if is_overdue(d, now)]


#: The filters of HR's queue: a status, or the open disputes past their deadline.
QUEUE_FILTERS = ("open", "overdue", "accepted", "rejected", "all")
QUEUE_PAGE = 50


@dataclass(frozen=True)
class QueueItem:
    """A dispute as the queue shows it: who (with names), what about (the line it names, when
    it still exists), every step, and the adjustment that paid it."""

    dispute: dict[str, Any]
    installer_name: str | None
    team_name: str | None
    events: list[dict[str, Any]]
    line: dict[str, Any] | None
    overdue: bool
    #: The adjustment an acceptance added (its period and amount), if any.
    paid: dict[str, Any] | None
    #: Where an acceptance is paid by default: the dispute's own period while it is open,
    #: else the month after the newest closed one.
    pay_in: str


@dataclass(frozen=True)
class Queue:
    items: list[QueueItem]
    #: How many disputes each filter finds (within the other filters).
    counts: dict[str, int]
    shown: str
    offset: int
    limit: int

    @property
    def total(self) -> int:
        return self.counts["all"] if self.shown == "all" else self.counts.get(self.shown, 0)


def queue(
    store: Store,
    *,
    caller: Caller,
    shown: str = "open",
    period: Period | None = None,
    installer_id: str | None = None,
    offset: int = 0,
    limit: int = QUEUE_PAGE,
) -> Queue:
    """HR's disputes queue (within the caller's scope): the open ones by deadline (the most
    urgent first), the overdue ones, or the answered ones newest first; each with its steps."""
    require(caller, Right.READ_DISPUTES)
    if shown not in QUEUE_FILTERS:
        raise InputError(
            f"没有这个筛选 / unknown filter {shown!r}: one of {', '.join(QUEUE_FILTERS)}"
        )
    offset, limit = page_bounds(offset, limit)
    scope = caller.scope_values()
    dealer_ids = None
    if scope is not None and scope[0] == "installer_id":
        if caller.installer_id is None or (
            installer_id is not None and caller.excludes_installer(installer_id)
        ):
            nothing = dict.fromkeys(("open", "overdue", "accepted", "rejected", "all"), 0)
            return Queue([], nothing, shown, offset, limit)
        installer_id = caller.installer_id
    elif scope is not None:
        dealer_ids = list(scope[1])
    now = now_us()
    status = {"open": "open", "overdue": "open", "accepted": "accepted", "rejected": "rejected"}
    order = {"open": "deadline", "overdue": "deadline"}.get(shown, "newest")
    month = period.name if period is not None else None
    with store.snapshot() as conn:
        counts = store_disputes.count_disputes(
            conn, installer_id=installer_id, dealer_ids=dealer_ids, period=month, now=now
        )
        found = store_disputes.list_disputes(
            conn,
            status=status.get(shown),
            installer_id=installer_id,
            dealer_ids=dealer_ids,
            period=month,
            due_before=now if shown == "overdue" else None,
            order=order,
            offset=offset,
            limit=limit,
        )
        ids = [int(d["dispute_id"]) for d in found]
        events = store_disputes.events_of(conn, ids)
        people = installer_records(conn, {d["installer_id"] for d in found})
        paid = store_adjustments.of_disputes(conn, ids)
        closed = {r.period for r in store_periods.closed_periods(conn)}
        lines = _disputed_lines(conn, found)
    after_closed = Period.parse(max(closed)).next().name if closed else None
    items = [
        QueueItem(
            dispute=d,
            installer_name=people.get(d["installer_id"], {}).get("name"),
            team_name=people.get(d["installer_id"], {}).get("team_name"),
            events=events.get(int(d["dispute_id"]), []),
            line=lines.get(int(d["dispute_id"])),
            overdue=is_overdue(d, now),
            paid=paid.get(int(d["dispute_id"])),
            pay_in=d["period"] if d["period"] not in closed else (after_closed or d["period"]),
        )
        for d in found
    ]
    counts["all"] = counts["open"] + counts["accepted"] + counts["rejected"]
    return Queue(items, counts, shown, offset, limit)


def _disputed_lines(conn: Connection, found: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The line each line dispute names, when the period's result still has it (one indexed
    read of the installer's lines per dispute)."""
    lines: dict[int, dict[str, Any]] = {}
    sources: dict[str, results.Status | None] = {}
    for d in found:
        if d["target_kind"] != "line":
            continue
        if d["period"] not in sources:
            try:
                sources[d["period"]] = source_in(conn, Period.parse(d["period"])).status
            except PeriodError:  # not computed (yet): no line to show
                sources[d["period"]] = None
        status = sources[d["period"]]
        if status is None:
            continue
        for row in results.installer_lines(conn, status, d["period"], d["installer_id"]):
            if line_target(row) == d["target_id"]:
                lines[int(d["dispute_id"])] = row
                break
    return lines
