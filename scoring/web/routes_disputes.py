"""Disputes under /api/disputes: open, list, show, accept, reject — ``scoring dispute …``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from scoring.period import Period
from scoring.services import disputes
from scoring.store import now_us
from scoring.web.auth import DisputeCaller, ReadDisputesCaller, ResolveDisputesCaller, SignedIn
from scoring.web.deps import ServicesDep
from scoring.web.models import AcceptIn, DisputeIn, DisputeOut, ErrorOut, RejectIn

router = APIRouter(
    prefix="/api/disputes",
    tags=["disputes"],
    dependencies=[SignedIn],
    responses={
        404: {"model": ErrorOut, "description": "no such dispute, installer, line or record"},
        409: {"model": ErrorOut, "description": "already resolved, or a closed period"},
    },
)

DisputeId = Annotated[int, Path(ge=1, le=2**31 - 1, description="dispute number")]


@router.post("", status_code=201)
def open_one(body: DisputeIn, services: ServicesDep, caller: DisputeCaller) -> DisputeOut:
    """提出申诉 / dispute a line (``target_id`` ``rule_id:source_id``), or the survey,
    complaint, revisit or job behind it (which must exist)."""
    dispute_id = disputes.open_dispute(
        services.store,
        caller=caller,
        period=Period.parse(body.period),
        installer_id=body.installer_id,
        target_kind=body.target_kind,
        target_id=body.target_id,
        comment=body.comment,
        runtime=services.runtime,
    )
    found = disputes.get(services.store, caller=caller, dispute_id=dispute_id)
    return DisputeOut.of(found, services.settings.zone, now_us())


@router.get("")
def list_all(
    services: ServicesDep,
    caller: ReadDisputesCaller,
    status: Annotated[Literal["open", "accepted", "rejected"] | None, Query()] = None,
    installer_id: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[DisputeOut]:
    """申诉列表 / the disputes the caller may see, optionally of one status or installer."""
    found = disputes.list_disputes(
        services.store,
        caller=caller,
        status=status,
        installer_id=installer_id,
        offset=offset,
        limit=limit,
    )
    now = now_us()
    return [DisputeOut.of(d, services.settings.zone, now) for d in found]


@router.get("/{dispute_id}")
def show(dispute_id: DisputeId, services: ServicesDep, caller: ReadDisputesCaller) -> DisputeOut:
    """申诉详情 / one dispute with every step."""
    found = disputes.get(services.store, caller=caller, dispute_id=dispute_id)
    return DisputeOut.of(found, services.settings.zone, now_us())


@router.post("/{dispute_id}/accept")
def accept(
    dispute_id: DisputeId, body: AcceptIn, services: ServicesDep, caller: ResolveDisputesCaller
) -> DisputeOut:
    """接受申诉 / accept with an amount, paid as a manual adjustment in an open period."""
    accepted = disputes.resolve(
        services.store,
        caller=caller,
        dispute_id=dispute_id,
        accept=True,
        amount=body.amount,
        reason=body.reason,
        period=Period.parse(body.period) if body.period else None,
    )
    return DisputeOut.of(accepted, services.settings.zone, now_us())


@router.post("/{dispute_id}/reject")
def reject(
    dispute_id: DisputeId, body: RejectIn, services: ServicesDep, caller: ResolveDisputesCaller
) -> DisputeOut:
    """驳回申诉 / reject with a reason."""
    rejected = disputes.resolve(
        services.store, caller=caller, dispute_id=dispute_id, accept=False, reason=body.reason
    )
    return DisputeOut.of(rejected, services.settings.zone, now_us())
