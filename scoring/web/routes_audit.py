"""GET /api/audit: who imported, computed, closed, adjusted, disputed or changed a plan."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from scoring.store import periods as store_periods
from scoring.web.deps import SettingsDep, StoreDep
from scoring.web.models import AuditOut

router = APIRouter(prefix="/api/audit", tags=["audit"])


@router.get("")
def audit(
    store: StoreDep,
    settings: SettingsDep,
    action: Annotated[str | None, Query(description="only this action, e.g. close")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000, description="newest first")] = 200,
) -> list[AuditOut]:
    """审计日志 / the audit log, newest first."""
    with store.begin() as conn:
        entries = store_periods.audit_entries(conn, action=action, limit=limit)
    return [AuditOut.of(e, settings.zone) for e in entries]
