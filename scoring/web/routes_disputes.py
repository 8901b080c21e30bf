"""Disputes under /api/disputes: open, list, show, accept, reject — ``scoring dispute …``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from scoring.disputes import get_dispute, open_dispute
from scoring.errors import InputError
from scoring.store import now_us
from scoring.store import periods as store_periods
from scoring.web.deps import ActorDep, CalendarDep, SettingsDep, StoreDep
from scoring.web.dispute_actions import accept_dispute, reject_dispute
from scoring.web.models import AcceptIn, DisputeIn, DisputeOut, ErrorOut, RejectIn

router = APIRouter(
    prefix="/api/disputes",
    tags=["disputes"],
    responses={
        404: {"model": ErrorOut, "description": "no such dispute or installer"},
        409: {"model": ErrorOut, "description": "already resolved, or a closed period"},
    },
)

STATUSES = ("open", "accepted", "rejected")


@router.post("", status_code=201)
def open_one(
    body: DisputeIn,
    store: StoreDep,
    settings: SettingsDep,
    calendar: CalendarDep,
    actor: ActorDep,
) -> DisputeOut:
    """提出申诉 / dispute a line (``target_id`` ``rule_id:source_id``), or the survey,
    complaint, revisit or job behind it."""
    dispute_id = open_dispute(
        store,
        period=body.period,
        installer_id=body.installer_id,
        target_kind=body.target_kind,
        target_id=body.target_id,
        comment=body.comment,
        actor=actor,
        calendar=calendar,
        zone=settings.zone,
    )
    return DisputeOut.of(get_dispute(store, dispute_id), settings.zone, now_us())


@router.get("")
def list_all(
    store: StoreDep,
    settings: SettingsDep,
    status: Annotated[str | None, Query(description="open, accepted or rejected")] = None,
    installer_id: Annotated[str | None, Query()] = None,
) -> list[DisputeOut]:
    """申诉列表 / disputes, optionally of one status or installer."""
    if status is not None and status not in STATUSES:
        raise InputError(f"status 应为 / must be one of {', '.join(STATUSES)}, not {status!r}")
    with store.begin() as conn:
        found = store_periods.list_disputes(conn, status=status, installer_id=installer_id)
    now = now_us()
    return [DisputeOut.of(d, settings.zone, now) for d in found]


@router.get("/{dispute_id}")
def show(dispute_id: int, store: StoreDep, settings: SettingsDep) -> DisputeOut:
    """申诉详情 / one dispute with every step."""
    return DisputeOut.of(get_dispute(store, dispute_id), settings.zone, now_us())


@router.post("/{dispute_id}/accept")
def accept(
    dispute_id: int, body: AcceptIn, store: StoreDep, settings: SettingsDep, actor: ActorDep
) -> DisputeOut:
    """接受申诉 / accept with an amount, paid as a manual adjustment in an open period."""
    accepted = accept_dispute(
        store, dispute_id, amount=body.amount, reason=body.reason, period=body.period, actor=actor
    )
    return DisputeOut.of(accepted, settings.zone, now_us())


@router.post("/{dispute_id}/reject")
def reject(
    dispute_id: int, body: RejectIn, store: StoreDep, settings: SettingsDep, actor: ActorDep
) -> DisputeOut:
    """驳回申诉 / reject with a reason."""
    rejected = reject_dispute(store, dispute_id, reason=body.reason, actor=actor)
    return DisputeOut.of(rejected, settings.zone, now_us())
