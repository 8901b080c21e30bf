"""The audit log for HR: ``/hr/audit``, newest first, filtered by action, actor, the start of
the target and a range of local dates, a page at a time. Template ``hr_audit.html``.

The same service as ``GET /api/audit`` and ``scoring audit``
(:func:`scoring.services.audit.entries`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import PurePath
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from scoring.errors import InputError
from scoring.services import audit
from scoring.store.audit import AuditFilter
from scoring.web.auth import AuditCaller, SignedIn
from scoring.web.deps import ServicesDep
from scoring.web.hr_parts import hr_render, pager

router = APIRouter(tags=["pages"], include_in_schema=False, dependencies=[SignedIn])

PAGE = 100
#: What the log records (the filter offers these; any other action is shown as written).
ACTIONS = (
    "import",
    "compute",
    "close",
    "adjust",
    "dispute",
    "dispute_resolve",
    "plan_store",
    "plan_activate",
    "plan_propose",
    "plan_approve",
    "plan_reject",
    "plan_withdraw",
    "sla_export",
    "user_add",
    "user_enable",
    "user_disable",
    "user_password",
    "user_invite",
    "user_activate",
    "signin",
    "signin_failed",
    "signin_blocked",
    "activate_failed",
    "activate_blocked",
)
#: The most characters of an entry's detail a page shows.
SHOWN_DETAIL = 300


def day_start(text: str, zone: ZoneInfo, *, field: str, after: bool = False) -> int | None:
    """The start of a local day ``YYYY-MM-DD`` (``after``: of the day after it, the end of a
    range that includes the day) as store microseconds; None when empty."""
    if not text.strip():
        return None
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{field}: 日期应为 YYYY-MM-DD / a date is written YYYY-MM-DD, not {text!r}"
        ) from None
    if after:
        day += dt.timedelta(days=1)
    return int(dt.datetime.combine(day, dt.time(), tzinfo=zone).timestamp() * 1_000_000)


def _shown(value: Any) -> Any:
    """A detail value as a page shows it: file paths by their names (an import's files)."""
    if isinstance(value, list):
        return [_shown(v) for v in value]
    if isinstance(value, dict):
        return {
            k: PurePath(str(v).replace("\\", "/")).name if k == "path" and v else _shown(v)
            for k, v in value.items()
            if k != "rejects_path"
        }
    return value


def detail_text(detail: str | None) -> str:
    """An entry's detail (JSON) as ``name: value`` pairs, shortened."""
    if not detail:
        return ""
    try:
        found: Any = _shown(json.loads(detail))
    except ValueError:
        found = detail
    if isinstance(found, dict):
        text = "; ".join(
            f"{k}: {v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}"
            for k, v in found.items()
        )
    else:
        text = str(found)
    return text if len(text) <= SHOWN_DETAIL else text[: SHOWN_DETAIL - 1] + "…"


@router.get("/hr/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    services: ServicesDep,
    caller: AuditCaller,
    action: Annotated[str, Query(max_length=40)] = "",
    actor: Annotated[str, Query(max_length=200)] = "",
    target: Annotated[str, Query(max_length=200)] = "",
    since: Annotated[str, Query(alias="from", max_length=20)] = "",
    until: Annotated[str, Query(alias="to", max_length=20)] = "",
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> HTMLResponse:
    """审计日志 / the audit log, newest first."""
    zone = services.settings.zone
    start = day_start(since, zone, field="from")
    end = day_start(until, zone, field="to", after=True)
    where = AuditFilter(
        action=action.strip() or None,
        actor=actor.strip() or None,
        target_prefix=target.strip() or None,
        since=start,
        until=end,
    )
    found = audit.entries(services.store, caller=caller, where=where, limit=PAGE + 1, offset=offset)
    shown = list(found[:PAGE])
    return hr_render(
        request,
        "hr_audit.html",
        caller=caller,
        entries=[{**e, "detail_text": detail_text(e.get("detail"))} for e in shown],
        actions=ACTIONS,
        chosen={"action": action, "actor": actor, "target": target, "from": since, "to": until},
        pages=pager(
            request, offset=offset, limit=PAGE, shown=len(shown), total=None, more=len(found) > PAGE
        ),
    )
