"""Dispute steps shared by the API and the pages: check what the request says, then call
:mod:`scoring.disputes` (the service the command line uses)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from scoring.disputes import open_dispute, resolve
from scoring.money import parse_amount
from scoring.store import Store
from scoring.store import periods as store_periods
from scoring.workdays import WorkCalendar


def get_dispute(store: Store, dispute_id: int) -> dict[str, Any]:
    """The dispute with its steps; :class:`NotFoundError` when there is none."""
    with store.begin() as conn:
        return store_periods.get_dispute(conn, dispute_id)


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
    """Open a dispute (the service checks the period, the installer, the target and comment)."""
    return open_dispute(
        store,
        period=period,
        installer_id=installer_id,
        target_kind=target_kind,
        target_id=target_id,
        comment=comment,
        actor=actor,
        calendar=calendar,
        zone=zone,
    )


def accept_dispute(
    store: Store, dispute_id: int, *, amount: str, reason: str, period: str | None, actor: str
) -> dict[str, Any]:
    get_dispute(store, dispute_id)  # an unknown dispute is 404 before its amount is read
    return resolve(
        store,
        dispute_id=dispute_id,
        accept=True,
        reason=reason,
        actor=actor,
        amount_fen=parse_amount(amount),
        period=period or None,
    )


def reject_dispute(store: Store, dispute_id: int, *, reason: str, actor: str) -> dict[str, Any]:
    return resolve(store, dispute_id=dispute_id, accept=False, reason=reason, actor=actor)
