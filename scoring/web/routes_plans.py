"""Plans under /api/plans: check, list, propose, approve/reject/withdraw, simulate.

A plan change takes two people on the web (scoring/services/plans.py): one proposes the
uploaded version, another (operations or HR, not the proposer) approves it, which stores it
and puts it in force from its effective date. ``POST /api/plans/activate`` (one user alone)
is gone and answers 410 pointing to the proposals; the local administrator still activates a
file directly with ``scoring plan activate``.

Rights: checking, listing, proposing, withdrawing one's own proposal and simulating need
``plans``; approving and rejecting ``approve_plans``. Without a token: 401.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Request, Response, UploadFile

from scoring.period import Period
from scoring.services import plans
from scoring.simulation import Order
from scoring.store.plans import PROPOSAL_STATES, StoredPlan
from scoring.web.auth import ApprovePlansCaller, PlansCaller, SignedIn
from scoring.web.deps import ServicesDep, SettingsDep, StoreDep
from scoring.web.errors import error_response
from scoring.web.models import ErrorOut, PlanCheckOut, PlanOut, ProblemOut, when
from scoring.web.models_plans import (
    ApproveIn,
    PlanSimulationOut,
    ProposalDetailOut,
    ProposalOut,
    RejectIn,
    WithdrawIn,
)
from scoring.web.uploads import PlanUpload, safe_name

router = APIRouter(
    prefix="/api/plans",
    tags=["plans"],
    dependencies=[SignedIn],
    responses={
        400: {"model": ErrorOut, "description": "an invalid plan or value"},
        401: {"model": ErrorOut, "description": "not signed in"},
        403: {"model": ErrorOut, "description": "the role may not do this"},
    },
)

ProposalId = Annotated[int, Path(ge=1, le=2_147_483_647, description="proposal number")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="first row to return")]
Limit = Annotated[
    int | None, Query(ge=1, le=plans.MAX_PAGE, description="at most this many (default 100)")
]
CONFLICT: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "no such proposal"},
    409: {"model": ErrorOut, "description": "decided already, or the store changed since"},
}


def _read(upload: UploadFile) -> bytes:
    """The uploaded file (one byte more than a plan may have, so that the service refuses
    a larger one without reading it whole)."""
    return upload.file.read(plans.MAX_PLAN_BYTES + 1)


@router.post(
    "/check",
    responses={422: {"model": PlanCheckOut, "description": "the plan has problems"}},
)
def check(plan: PlanUpload, response: Response, caller: PlansCaller) -> PlanCheckOut:
    """校验方案 / every problem of the uploaded plan with its line and column; 200 when the
    plan is valid, 422 with the problems otherwise."""
    name = safe_name(plan.filename, "plan.yaml")
    found, problems = plans.check(caller=caller, raw=_read(plan), source=name)
    if found is None:
        response.status_code = 422
        return PlanCheckOut(file=name, valid=False, problems=[ProblemOut.of(p) for p in problems])
    return PlanCheckOut(
        file=name, valid=True, plan_id=found.id, version=str(found.version), problems=[]
    )


def _plan_out(stored: StoredPlan, settings: SettingsDep) -> PlanOut:
    return PlanOut(
        plan_id=stored.plan_id,
        version=stored.version,
        effective_from=stored.effective_from,
        checksum=stored.checksum,
        active=stored.activated_at is not None,
        activated_at=when(stored.activated_at, settings.zone),
    )


@router.get("")
def list_plans(store: StoreDep, settings: SettingsDep, caller: PlansCaller) -> list[PlanOut]:
    """方案版本 / the stored plan versions."""
    found = plans.list_plans(store, caller=caller)
    return [_plan_out(p, settings) for p in found]


GONE = (
    "网页上不能由一人直接启用方案:请提交方案提议(POST /api/plans/proposals),由另一位运营或人事"
    "用户批准 / a plan is no longer activated by one web user alone: propose it (POST "
    "/api/plans/proposals) and another operations or HR user approves it"
)


@router.post(
    "/activate",
    status_code=410,
    deprecated=True,
    responses={410: {"model": ErrorOut, "description": "replaced by the proposals"}},
)
def activate(request: Request, caller: PlansCaller) -> Response:
    """已停用 / gone: plans are proposed and approved by a second person (see
    /api/plans/proposals)."""
    return error_response(request, 410, GONE)


# -- proposals --------------------------------------------------------------------------------


@router.post("/proposals", status_code=201, responses=CONFLICT)
def propose(
    plan: PlanUpload,
    note: Annotated[str, Form(description="why: what changes and for whom")],
    store: StoreDep,
    settings: SettingsDep,
    caller: PlansCaller,
    effective_from: Annotated[
        str | None, Form(description="YYYY-MM or YYYY-MM-01; must repeat the file's")
    ] = None,
) -> ProposalDetailOut:
    """提议方案 / propose the uploaded plan as a new version from its effective date; another
    user approves it. 400 with every problem at its line when the plan is invalid, 409 when
    its period is closed or the version is stored otherwise, in force or proposed already."""
    found = plans.propose(
        store,
        caller=caller,
        raw=_read(plan),
        source=safe_name(plan.filename, "plan.yaml"),
        note=note,
        effective_from=effective_from,
    )
    return ProposalDetailOut.of(found, settings.zone)


@router.get("/proposals")
def list_proposals(
    store: StoreDep,
    settings: SettingsDep,
    caller: PlansCaller,
    status: Annotated[str | None, Query(description=f"one of {', '.join(PROPOSAL_STATES)}")] = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> list[ProposalOut]:
    """方案提议 / plan proposals, newest first."""
    found = plans.list_proposals(store, caller=caller, status=status, offset=offset, limit=limit)
    return [ProposalOut.of(p, settings.zone) for p in found]


@router.get("/proposals/{proposal_id}", responses=CONFLICT)
def get_proposal(
    proposal_id: ProposalId, store: StoreDep, settings: SettingsDep, caller: PlansCaller
) -> ProposalDetailOut:
    """方案提议 / one proposal with its plan text."""
    found = plans.get_proposal(store, caller=caller, proposal_id=proposal_id)
    return ProposalDetailOut.of(found, settings.zone)


@router.post("/proposals/{proposal_id}/approve", responses=CONFLICT)
def approve(
    proposal_id: ProposalId,
    store: StoreDep,
    settings: SettingsDep,
    caller: ApprovePlansCaller,
    body: ApproveIn | None = None,
) -> ProposalOut:
    """批准方案提议 / approve another user's proposal: its version is stored and in force
    from its effective date. 403 for the proposer; 409 when decided already or when the store
    changed since (its period closed, another version put in force for its date)."""
    found = plans.approve(
        store, caller=caller, proposal_id=proposal_id, note=body.note if body else None
    )
    return ProposalOut.of(found, settings.zone)


@router.post("/proposals/{proposal_id}/reject", responses=CONFLICT)
def reject(
    proposal_id: ProposalId,
    body: RejectIn,
    store: StoreDep,
    settings: SettingsDep,
    caller: ApprovePlansCaller,
) -> ProposalOut:
    """驳回方案提议 / reject another user's proposal, with a reason."""
    found = plans.reject(store, caller=caller, proposal_id=proposal_id, reason=body.reason)
    return ProposalOut.of(found, settings.zone)


@router.post("/proposals/{proposal_id}/withdraw", responses=CONFLICT)
def withdraw(
    proposal_id: ProposalId,
    store: StoreDep,
    settings: SettingsDep,
    caller: PlansCaller,
    body: WithdrawIn | None = None,
) -> ProposalOut:
    """撤回方案提议 / the proposer takes its own proposal back."""
    found = plans.withdraw(
        store, caller=caller, proposal_id=proposal_id, reason=body.reason if body else None
    )
    return ProposalOut.of(found, settings.zone)


# -- simulation -------------------------------------------------------------------------------


@router.post("/simulate", responses={404: {"model": ErrorOut, "description": "no such proposal"}})
def simulate(
    period: Annotated[str, Form(description="the period to simulate, YYYY-MM")],
    services: ServicesDep,
    caller: PlansCaller,
    plan: Annotated[UploadFile | None, File(description="a plan file (YAML)")] = None,
    proposal_id: Annotated[
        int | None, Form(ge=1, le=2_147_483_647, description="or a proposal's plan")
    ] = None,
    offset: Offset = 0,
    limit: Limit = None,
    order: Annotated[Order, Query(description="installer, or change (biggest first)")] = (
        "installer"
    ),
) -> PlanSimulationOut:
    """模拟方案 / what a plan (uploaded, or a proposal's) would pay for a period, closed or
    open, against what it pays now: a page of installers, the totals per kind and the
    distribution of the change. Changes nothing; may take seconds on a big month."""
    found = plans.simulate(
        services.store,
        caller=caller,
        period=Period.parse(period),
        runtime=services.runtime,
        raw=_read(plan) if plan is not None else None,
        source=safe_name(plan.filename if plan else None, "plan.yaml"),
        proposal_id=proposal_id,
    )
    return PlanSimulationOut.of(found, offset=offset, limit=limit, order=order)
