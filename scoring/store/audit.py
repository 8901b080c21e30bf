"""The audit log: who did what, when, to what. Rows are only ever added."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select

from scoring.store.db import now_us
from scoring.store.schema import audit_log


def audit(conn: Connection, actor: str, action: str, target: str | None, detail: Any) -> None:
    conn.execute(
        insert(audit_log).values(
            at=now_us(),
            actor=actor,
            action=action,
            target=target,
            detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        )
    )


@dataclass(frozen=True)
class AuditFilter:
    """Which entries to list: all given conditions hold; ``target_prefix`` matches the start
    of the target (``2025-10`` finds the period's close and its adjustments)."""

    action: str | None = None
    actor: str | None = None
    target_prefix: str | None = None
    since: int | None = None
    until: int | None = None


def audit_entries(
    conn: Connection,
    *,
    where: AuditFilter | None = None,
    action: str | None = None,
    since: int | None = None,
    limit: int = 200,
    offset: int = 0,
) -> Sequence[dict[str, Any]]:
    """Entries newest first."""
    found = where or AuditFilter(action=action, since=since)
    query = select(audit_log).order_by(audit_log.c.event_id.desc()).limit(limit).offset(offset)
    if found.since is not None:
        query = query.where(audit_log.c.at >= found.since)
    if found.until is not None:
        query = query.where(audit_log.c.at < found.until)
    if found.action:
        query = query.where(audit_log.c.action == found.action)
    if found.actor:
        query = query.where(audit_log.c.actor == found.actor)
    if found.target_prefix:
        query = query.where(audit_log.c.target.startswith(found.target_prefix, autoescape=True))
    return [dict(r._mapping) for r in conn.execute(query)]
