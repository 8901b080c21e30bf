"""Plans under /api/plans: check, list, activate — ``scoring plan check|list|activate``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from scoring.services import plans
from scoring.store.plans import StoredPlan
from scoring.web.auth import PlansCaller, SignedIn
from scoring.web.deps import SettingsDep, StoreDep
from scoring.web.models import ErrorOut, PlanCheckOut, PlanOut, ProblemOut, when
from scoring.web.uploads import PlanUpload, safe_name, saved_one

router = APIRouter(prefix="/api/plans", tags=["plans"], dependencies=[SignedIn])


@router.post(
    "/check",
    responses={422: {"model": PlanCheckOut, "description": "the plan has problems"}},
)
def check(plan: PlanUpload, response: Response, caller: PlansCaller) -> PlanCheckOut:
    """校验方案 / every problem of the uploaded plan with its line and column; 200 when the
    plan is valid, 422 with the problems otherwise."""
    name = safe_name(plan.filename, "plan.yaml")
    found, problems = plans.check(caller=caller, raw=plan.file.read(), source=name)
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


@router.post(
    "/activate",
    status_code=201,
    responses={400: {"model": ErrorOut, "description": "the plan is invalid"}},
)
def activate(
    plan: PlanUpload, store: StoreDep, settings: SettingsDep, caller: PlansCaller
) -> PlanOut:
    """启用方案 / store the uploaded plan as a version and put it in force from its
    effective date."""
    with saved_one(plan, default="plan.yaml") as (path, _uploads):
        stored = plans.activate(store, caller=caller, path=path)
    return _plan_out(stored, settings)
