"""HR's disputes queue: ``/hr/disputes`` (open ones by deadline, overdue, accepted, rejected,
all; by month or installer), each with who, what it is about, every step, and for an open one
the forms to accept it with an amount paid in an open month or reject it with a reason.
Template ``hr_disputes.html``.

The forms go through :func:`scoring.services.disputes.resolve`, as ``POST
/api/disputes/{id}/accept|reject`` and ``scoring dispute`` do, and come back to the queue as it
was filtered. Operations reads the queue.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from scoring.period import Period
from scoring.services import disputes
from scoring.services.disputes import QUEUE_PAGE
from scoring.web.auth import CsrfChecked, ReadPeriodsCaller, ResolveDisputesCaller, SignedIn
from scoring.web.deps import OptionalPeriodDep, ServicesDep
from scoring.web.hr_parts import back_to, hr_render, pager, with_query
from scoring.web.routes_disputes import DisputeId

router = APIRouter(tags=["pages"], include_in_schema=False, dependencies=[SignedIn])

QUEUE = "/hr/disputes"
MAX_REASON = 2000
Shown = Literal["open", "overdue", "accepted", "rejected", "all"]


@router.get(QUEUE, response_class=HTMLResponse)
def queue_page(
    request: Request,
    services: ServicesDep,
    caller: ReadPeriodsCaller,
    period: OptionalPeriodDep,
    status: Shown = "open",
    installer: Annotated[str, Query(max_length=200)] = "",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    done: Literal["accepted", "rejected"] | None = None,
    dispute: int | None = None,
) -> HTMLResponse:
    """申诉处理 / the disputes queue."""
    found = disputes.queue(
        services.store,
        caller=caller,
        shown=status,
        period=period,
        installer_id=installer.strip() or None,
        offset=offset,
    )
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return hr_render(
        request,
        "hr_disputes.html",
        caller=caller,
        queue=found,
        period=period.name if period else "",
        installer=installer.strip(),
        tabs=[
            (name, with_query(QUEUE, **_filters(name, period, installer)))
            for name in disputes.QUEUE_FILTERS
        ],
        pages=pager(
            request, offset=offset, limit=QUEUE_PAGE, shown=len(found.items), total=found.total
        ),
        back=here,
        done=done,
        dispute=dispute,
        max_reason=MAX_REASON,
    )


def _filters(status: str, period: Period | None, installer: str) -> dict[str, str]:
    chosen = {"status": status}
    if period is not None:
        chosen["period"] = period.name
    if installer.strip():
        chosen["installer"] = installer.strip()
    return chosen


def _after(back: str, done: str, dispute_id: int) -> RedirectResponse:
    to = with_query(back_to(back, QUEUE, under=QUEUE), done=done, dispute=dispute_id)
    return RedirectResponse(to + f"#dispute-{dispute_id}", status_code=303)


@router.post("/hr/disputes/{dispute_id}/accept", dependencies=[CsrfChecked])
def accept_form(
    dispute_id: DisputeId,
    services: ServicesDep,
    caller: ResolveDisputesCaller,
    amount: Annotated[str, Form(max_length=40)],
    reason: Annotated[str, Form(max_length=MAX_REASON)],
    period: Annotated[str, Form(max_length=40)] = "",
    back: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    """接受 / accept with an amount, paid in an open month (default: the dispute's own)."""
    disputes.resolve(
        services.store,
        caller=caller,
        dispute_id=dispute_id,
        accept=True,
        amount=amount,
        reason=reason,
        period=Period.parse(period.strip()) if period.strip() else None,
    )
    return _after(back, "accepted", dispute_id)


@router.post("/hr/disputes/{dispute_id}/reject", dependencies=[CsrfChecked])
def reject_form(
    dispute_id: DisputeId,
    services: ServicesDep,
    caller: ResolveDisputesCaller,
    reason: Annotated[str, Form(max_length=MAX_REASON)],
    back: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    """驳回 / reject with a reason."""
    disputes.resolve(
        services.store, caller=caller, dispute_id=dispute_id, accept=False, reason=reason
    )
    return _after(back, "rejected", dispute_id)
