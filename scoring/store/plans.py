"""Plan versions in the store: every version's text, which is in force from when."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from scoring.errors import PlanError
from scoring.store.audit import audit
from scoring.store.db import now_us, take_lock_sa
from scoring.store.schema import plans


@dataclass(frozen=True)
class StoredPlan:
    plan_id: str
    version: str
    effective_from: str
    checksum: str
    content: str
    activated_at: int | None


def store_plan(conn: Connection, plan: StoredPlan, *, actor: str) -> bool:
    """Keep a plan version (not its ``activated_at``: see activate_plan); True when it was
    new. A version's text never changes once stored."""
    take_lock_sa(conn, "period")  # two first closes must not both store the shipped plan
    plan_id, version, checksum = plan.plan_id, plan.version, plan.checksum
    existing = conn.execute(
        select(plans.c.checksum).where(plans.c.plan_id == plan_id, plans.c.version == version)
    ).first()
    if existing is not None:
        if existing.checksum != checksum:
            raise PlanError(
                f"方案 {plan_id} 第 {version} 版已存在且内容不同,请提高版本号 / plan {plan_id} "
                f"version {version} is already stored with other content: raise the version"
            )
        return False
    conn.execute(
        insert(plans).values(
            plan_id=plan_id,
            version=version,
            effective_from=plan.effective_from,
            checksum=checksum,
            content=plan.content,
            stored_at=now_us(),
            stored_by=actor,
        )
    )
    audit(conn, actor, "plan_store", f"{plan_id} v{version}", {"checksum": checksum})
    return True


def activate_plan(conn: Connection, *, plan_id: str, version: str, actor: str) -> None:
    done = conn.execute(
        update(plans)
        .where(plans.c.plan_id == plan_id, plans.c.version == version)
        .values(activated_at=now_us(), activated_by=actor)
    )
    if done.rowcount != 1:
        raise _no_plan(plan_id, version)
    audit(conn, actor, "plan_activate", f"{plan_id} v{version}", None)


def _no_plan(plan_id: str, version: str) -> PlanError:
    return PlanError(f"没有这个方案版本 / no stored plan {plan_id} version {version}")


def _row_plan(row: Any) -> StoredPlan:
    return StoredPlan(
        plan_id=row.plan_id,
        version=row.version,
        effective_from=row.effective_from,
        checksum=row.checksum,
        content=row.content,
        activated_at=row.activated_at,
    )


def plan_in_force(conn: Connection, first_day: str) -> StoredPlan | None:
    """The activated version with the latest effective date on or before ``first_day``."""
    row = conn.execute(
        select(plans)
        .where(plans.c.activated_at.is_not(None), plans.c.effective_from <= first_day)
        .order_by(plans.c.effective_from.desc(), plans.c.activated_at.desc())
        .limit(1)
    ).first()
    return _row_plan(row) if row is not None else None


def get_plan(conn: Connection, plan_id: str, version: str) -> StoredPlan:
    row = conn.execute(
        select(plans).where(plans.c.plan_id == plan_id, plans.c.version == version)
    ).first()
    if row is None:
        raise _no_plan(plan_id, version)
    return _row_plan(row)


def list_plans(conn: Connection) -> list[StoredPlan]:
    rows = conn.execute(select(plans).order_by(plans.c.plan_id, plans.c.effective_from))
    return [_row_plan(r) for r in rows]
