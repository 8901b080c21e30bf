"""Dispute steps shared by the API and the pages: check what the request says, then call
:mod:`scoring.disputes` (the service the command line uses)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from scoring.disputes import open_dispute, resolve
from scoring.errors import InputError, PeriodError
from scoring.money import parse_amount
from scoring.store import Store
from scoring.store import periods as store_periods
from scoring.web.deps import valid_period
from scoring.web.errors import NotFound
from scoring.web.results import require_installer
from scoring.workdays import WorkCalendar


def get_dispute(store: Store, dispute_id: int) -> dict[str, Any]:
    """The dispute with its steps; :class:`NotFound` when there is none."""
    with store.begin() as conn:
        try:
            return store_periods.get_dispute(conn, dispute_id)
        except PeriodError as exc:
            raise NotFound(exc.message) from None


def create_dispute(
    store: Store,
    *,
    period: str,
    installer_id: str,
    target_kind: str,
    target_id: str,
    comment: str,
    actor: str,
    calendar: WorkCalendar,
    zone: ZoneInfo,
) -> int:
    """Open a dispute after checking what the store would only half check (shared by the page)."""
    valid_period(period)
    if target_kind not in store_periods.DISPUTE_TARGETS:
        raise InputError(
            f"申诉对象应为 / a dispute is about one of {', '.join(store_periods.DISPUTE_TARGETS)}, "
            f"not {target_kind!r}"
        )
    if not comment.strip():
        raise InputError("申诉须写明理由 / a dispute needs a comment")
    require_installer(store, installer_id)
    return open_dispute(
        store,
        period=period,
        installer_id=installer_id,
        target_kind=target_kind,
        target_id=target_id,
        comment=comment.strip(),
        actor=actor,
        calendar=calendar,
        zone=zone,
    )


def accept_dispute(
    store: Store, dispute_id: int, *, amount: str, reason: str, period: str | None, actor: str
) -> dict[str, Any]:
    get_dispute(store, dispute_id)
    fen = parse_amount(amount)
    if period:
        valid_period(period)
    if not reason.strip():
        raise InputError("处理申诉须写明理由 / resolving a dispute needs a reason")
    return resolve(
        store,
        dispute_id=dispute_id,
        accept=True,
        reason=reason.strip(),
        actor=actor,
        amount_fen=fen,
        period=period or None,
    )


def reject_dispute(store: Store, dispute_id: int, *, reason: str, actor: str) -> dict[str, Any]:
    get_dispute(store, dispute_id)
    if not reason.strip():
        raise InputError("处理申诉须写明理由 / resolving a dispute needs a reason")
    return resolve(store, dispute_id=dispute_id, accept=False, reason=reason.strip(), actor=actor)
