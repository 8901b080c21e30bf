"""The audit log, newest first, filtered."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scoring.services.access import Caller, Right, require
from scoring.store import Store
from scoring.store.audit import AuditFilter, audit_entries

MAX_PAGE = 10_000


def entries(
    store: Store,
    *,
    caller: Caller,
    where: AuditFilter | None = None,
    limit: int = 200,
    offset: int = 0,
) -> Sequence[dict[str, Any]]:
    require(caller, Right.AUDIT)
    with store.begin() as conn:
        return audit_entries(
            conn, where=where or AuditFilter(), limit=min(max(limit, 1), MAX_PAGE), offset=offset
        )
