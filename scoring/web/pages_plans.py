"""Operations' pages for the plan (issue 14, "Operations"): the plan in force, the proposals
waiting for a second person and the history (``/ops/plans``); a plan's text to upload or edit,
checked with every problem at its line (``/ops/plans/edit``, ``/ops/plans/check``); simulated
against any past period with data (``/ops/plans/simulate``); proposed with its effective period
(``/ops/plans/propose``); one proposal, to simulate and to approve, reject or withdraw
(``/ops/plans/proposals/{proposal_id}``). Templates ``plans.html``, ``plan_edit.html``,
``plan_proposal.html``.

Operations and HR use these pages (the rights ``plans`` and ``approve_plans``); the service
(scoring/services/plans.py) refuses the proposer's own approval and records every step in the
audit log. Checking and simulating change nothing (they are in ``QUIET_POSTS``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from scoring.money import format_fen
from scoring.period import Period
from scoring.services import plans
from scoring.services.access import Caller
from scoring.services.plans import PlanDraft, PlanSimulation, Proposal
from scoring.web import charts, i18n
from scoring.web.auth import ApprovePlansCaller, CsrfChecked, PlansCaller, SignedIn
from scoring.web.deps import ServicesDep
from scoring.web.hr_parts import hr_render
from scoring.web.uploads import safe_name
from scoring.web.urls import path

router = APIRouter(tags=["pages"], include_in_schema=False, dependencies=[SignedIn])

ProposalId = Annotated[int, Path(ge=1, le=2_147_483_647)]
PlanFile = Annotated[UploadFile | None, File()]
PlanText = Annotated[str, Form(max_length=plans.MAX_PLAN_BYTES)]
Reason = Annotated[str, Form(max_length=plans.MAX_TEXT)]
#: What a form just did, for the notice on the proposal's page.
Done = Literal["proposed", "approved", "rejected", "withdrawn"]


def _raw(upload: UploadFile | None, text: str) -> tuple[bytes, str]:
    """The plan given: the uploaded file when one was chosen, else the text of the box (with
    the browser's CRLF line ends made plain)."""
    if upload is not None and upload.filename:
        raw = upload.file.read(plans.MAX_PLAN_BYTES + 1)
        if raw:
            return raw, safe_name(upload.filename, "plan.yaml")
    return text.replace("\r\n", "\n").encode("utf-8"), "plan.yaml"


def _chart(found: PlanSimulation, lang: i18n.Lang) -> object:
    moved = found.distribution
    return charts.change_histogram(
        [(b.low_fen, b.high_fen, b.count) for b in moved.bands],
        unchanged=moved.unchanged,
        title=i18n.text("plans.sim.chart", lang),
        value_text=lambda fen: format_fen(int(fen)),
        zero_text=i18n.text("plans.sim.unchanged_bar", lang),
    )


def _draft_page(
    request: Request,
    shown: PlanDraft,
    *,
    caller: Caller,
    status: int = 200,
    done: Done | None = None,
) -> HTMLResponse:
    """The page of a plan text: a proposal's, or the editor's."""
    sim = shown.simulation
    ups, downs = sim.biggest() if sim is not None else ([], [])
    return hr_render(
        request,
        "plan_proposal.html" if shown.proposal is not None else "plan_edit.html",
        status=status,
        caller=caller,
        shown=shown,
        sim=sim,
        net=sim.total() if sim is not None else None,
        ups=ups,
        downs=downs,
        chart=_chart(sim, i18n.lang_of(request)) if sim is not None else None,
        max_text=plans.MAX_TEXT,
        done=done,
    )


@router.get("/ops/plans", response_class=HTMLResponse)
def plans_page(request: Request, services: ServicesDep, caller: PlansCaller) -> HTMLResponse:
    """方案 / the plan in force, the proposals waiting, the history."""
    found = plans.overview(services.store, caller=caller, runtime=services.runtime)
    return hr_render(request, "plans.html", caller=caller, found=found)


@router.get("/ops/plans/edit", response_class=HTMLResponse)
def edit_page(request: Request, services: ServicesDep, caller: PlansCaller) -> HTMLResponse:
    """编辑方案 / the text of the plan in force, to edit, upload over, check and simulate."""
    shown = plans.draft(services.store, caller=caller, runtime=services.runtime)
    return _draft_page(request, shown, caller=caller)


@router.post("/ops/plans/check", response_class=HTMLResponse, dependencies=[CsrfChecked])
def check_form(
    request: Request,
    services: ServicesDep,
    caller: PlansCaller,
    text: PlanText = "",
    plan: PlanFile = None,
) -> HTMLResponse:
    """检查 / every problem of the text (or the uploaded file) at its line; nothing is kept."""
    raw, source = _raw(plan, text)
    shown = plans.draft(
        services.store, caller=caller, runtime=services.runtime, raw=raw, source=source
    )
    return _draft_page(request, shown, caller=caller)


@router.post("/ops/plans/simulate", response_class=HTMLResponse, dependencies=[CsrfChecked])
def simulate_form(
    request: Request,
    services: ServicesDep,
    caller: PlansCaller,
    period: Annotated[str, Form(max_length=20)],
    text: PlanText = "",
    plan: PlanFile = None,
    proposal_id: Annotated[int | None, Form(ge=1, le=2_147_483_647)] = None,
) -> HTMLResponse:
    """模拟 / what the text (or the file, or a proposal's plan) would pay for a past period
    against what it pays: totals, the biggest changes, the distribution. Changes nothing."""
    raw, source = (None, "plan.yaml") if proposal_id is not None else _raw(plan, text)
    shown = plans.simulate_draft(
        services.store,
        caller=caller,
        runtime=services.runtime,
        period=Period.parse(period),
        raw=raw,
        source=source,
        proposal_id=proposal_id,
    )
    return _draft_page(request, shown, caller=caller)


@router.post("/ops/plans/propose", dependencies=[CsrfChecked], response_model=None)
def propose_form(
    request: Request,
    services: ServicesDep,
    caller: PlansCaller,
    note: Reason,
    text: PlanText = "",
    plan: PlanFile = None,
    effective_from: Annotated[str | None, Form(max_length=20)] = None,
) -> HTMLResponse | RedirectResponse:
    """提议 / propose the text as a new version from its effective period; another operations
    or HR user approves it. Refused: the text back with the reason at its line."""
    raw, source = _raw(plan, text)
    found = plans.propose_draft(
        services.store,
        caller=caller,
        runtime=services.runtime,
        raw=raw,
        source=source,
        note=note,
        effective_from=effective_from or None,
    )
    if isinstance(found, Proposal):
        to = path("ops", "plans", "proposals", str(found.proposal_id), done="proposed")
        return RedirectResponse(to, status_code=303)
    return _draft_page(request, found, caller=caller, status=400)


@router.get("/ops/plans/proposals/{proposal_id}", response_class=HTMLResponse)
def proposal_page(
    request: Request,
    proposal_id: ProposalId,
    services: ServicesDep,
    caller: PlansCaller,
    done: Done | None = None,
) -> HTMLResponse:
    """方案提议 / one proposal: its text, a simulation, the decision."""
    shown = plans.draft(
        services.store, caller=caller, runtime=services.runtime, proposal_id=proposal_id
    )
    return _draft_page(request, shown, caller=caller, done=done)


def _decided(proposal_id: int, done: Done) -> RedirectResponse:
    return RedirectResponse(
        path("ops", "plans", "proposals", str(proposal_id), done=done), status_code=303
    )


@router.post("/ops/plans/proposals/{proposal_id}/approve", dependencies=[CsrfChecked])
def approve_form(
    proposal_id: ProposalId,
    services: ServicesDep,
    caller: ApprovePlansCaller,
    note: Reason = "",
) -> RedirectResponse:
    """批准 / approve another user's proposal: its version is in force from its date."""
    plans.approve(services.store, caller=caller, proposal_id=proposal_id, note=note or None)
    return _decided(proposal_id, "approved")


@router.post("/ops/plans/proposals/{proposal_id}/reject", dependencies=[CsrfChecked])
def reject_form(
    proposal_id: ProposalId, services: ServicesDep, caller: ApprovePlansCaller, reason: Reason
) -> RedirectResponse:
    """驳回 / reject another user's proposal, with a reason."""
    plans.reject(services.store, caller=caller, proposal_id=proposal_id, reason=reason)
    return _decided(proposal_id, "rejected")


@router.post("/ops/plans/proposals/{proposal_id}/withdraw", dependencies=[CsrfChecked])
def withdraw_form(
    proposal_id: ProposalId, services: ServicesDep, caller: PlansCaller, reason: Reason = ""
) -> RedirectResponse:
    """撤回 / the proposer takes its own proposal back."""
    plans.withdraw(services.store, caller=caller, proposal_id=proposal_id, reason=reason or None)
    return _decided(proposal_id, "withdrawn")
