"""GET /api/audit: who imported, computed, closed, adjusted, disputed or changed a plan."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from scoring.services.audit import entries as audit_entries
from scoring.store.audit import AuditFilter
from scoring.web.auth import AuditCaller, SignedIn
from scoring.web.deps import SettingsDep, StoreDep
from scoring.web.models import AuditOut

router = APIRouter(prefix="/api/audit", tags=["audit"], dependencies=[SignedIn])


@router.get("")
def audit(
    store: StoreDep,
    settings: SettingsDep,
    caller: AuditCaller,
    action: Annotated[str | None, Query(max_length=40, description="e.g. close")] = None,
    actor: Annotated[str | None, Query(max_length=200, description="who acted")] = None,
    target: Annotated[str | None, Query(max_length=200, description="target starts with")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000, description="newest first")] = 200,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[AuditOut]:
    """审计日志 / the audit log, newest first, filtered."""
    entries = audit_entries(
        store,
        caller=caller,
        where=AuditFilter(action=action, actor=actor, target_prefix=target),
        limit=limit,
        offset=offset,
    )
    return [AuditOut.of(e, settings.zone) for e in entries]
