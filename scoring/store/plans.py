"""Plan versions in the store: every version's text, which is in force from when; and the
proposals of new versions waiting for a second person (see scoring/services/plans.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from scoring.errors import NotFoundError, PeriodError, PlanError
from scoring.store.audit import audit
from scoring.store.db import now_us, take_lock_sa
from scoring.store.schema import plan_proposals, plans


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


def activate_plan(
    conn: Connection,
    *,
    plan_id: str,
    version: str,
    actor: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Put a stored version in force from its effective date; ``detail`` says how (the
    proposal approved, or a direct activation by the local administrator)."""
    done = conn.execute(
        update(plans)
        .where(plans.c.plan_id == plan_id, plans.c.version == version)
        .values(activated_at=now_us(), activated_by=actor)
    )
    if done.rowcount != 1:
        raise _no_plan(plan_id, version)
    audit(conn, actor, "plan_activate", f"{plan_id} v{version}", detail)


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


def find_plan(conn: Connection, plan_id: str, version: str) -> StoredPlan | None:
    row = conn.execute(
        select(plans).where(plans.c.plan_id == plan_id, plans.c.version == version)
    ).first()
    return _row_plan(row) if row is not None else None


def get_plan(conn: Connection, plan_id: str, version: str) -> StoredPlan:
    found = find_plan(conn, plan_id, version)
    if found is None:
        raise _no_plan(plan_id, version)
    return found


def list_plans(conn: Connection) -> list[StoredPlan]:
    rows = conn.execute(select(plans).order_by(plans.c.plan_id, plans.c.effective_from))
    return [_row_plan(r) for r in rows]


# -- proposals --------------------------------------------------------------------------------

#: The states of a proposal; only ``proposed`` ever changes, once, to one of the others.
PROPOSAL_STATES = ("proposed", "approved", "rejected", "withdrawn")
#: The states in words (zh-CN, English).
PROPOSAL_WORDS: dict[str, tuple[str, str]] = {
    "proposed": ("待批准", "waiting for approval"),
    "approved": ("已批准", "approved"),
    "rejected": ("已驳回", "rejected"),
    "withdrawn": ("已撤回", "withdrawn"),
}


class ProposalConflict(PeriodError):
    """A proposal's state, or what changed in the store since it was made, forbids the step
    (HTTP 409)."""


@dataclass(frozen=True)
class Proposal:
    proposal_id: int
    plan_id: str
    version: str
    effective_from: str
    checksum: str
    content: str
    file_name: str
    note: str
    status: str
    proposed_at: int
    proposed_by: str
    #: The version in force for ``effective_from`` when proposed ("" checksum: none was).
    base_label: str | None
    base_checksum: str
    decided_at: int | None
    decided_by: str | None
    decision_note: str | None

    @property
    def label(self) -> str:
        return f"{self.plan_id} v{self.version}"

    def as_version(self) -> StoredPlan:
        """The plan version this proposal would store."""
        return StoredPlan(
            plan_id=self.plan_id,
            version=self.version,
            effective_from=self.effective_from,
            checksum=self.checksum,
            content=self.content,
            activated_at=None,
        )


def _row_proposal(row: Any) -> Proposal:
    return Proposal(**{name: getattr(row, name) for name in Proposal.__dataclass_fields__})


def add_proposal(
    conn: Connection,
    version: StoredPlan,
    *,
    file_name: str,
    note: str,
    actor: str,
    base_label: str | None,
    base_checksum: str,
) -> int:
    """Keep a proposed version (not stored as a plan yet); its number."""
    result = conn.execute(
        insert(plan_proposals)
        .values(
            plan_id=version.plan_id,
            version=version.version,
            effective_from=version.effective_from,
            checksum=version.checksum,
            content=version.content,
            file_name=file_name,
            note=note,
            status="proposed",
            proposed_at=now_us(),
            proposed_by=actor,
            base_label=base_label,
            base_checksum=base_checksum,
        )
        .returning(plan_proposals.c.proposal_id)
    )
    proposal_id = int(result.scalar_one())
    audit(
        conn,
        actor,
        "plan_propose",
        f"#{proposal_id}",
        {
            "plan": f"{version.plan_id} v{version.version}",
            "effective_from": version.effective_from,
            "checksum": version.checksum,
            "note": note,
        },
    )
    return proposal_id


def get_proposal(conn: Connection, proposal_id: int) -> Proposal:
    row = conn.execute(
        select(plan_proposals).where(plan_proposals.c.proposal_id == proposal_id)
    ).first()
    if row is None:
        raise NotFoundError(f"没有这个方案提议 / no plan proposal #{proposal_id}")
    return _row_proposal(row)


def list_proposals(
    conn: Connection, *, status: str | None = None, offset: int = 0, limit: int | None = None
) -> list[Proposal]:
    """Proposals, newest first."""
    query = select(plan_proposals).order_by(plan_proposals.c.proposal_id.desc()).offset(offset)
    if status is not None:
        query = query.where(plan_proposals.c.status == status)
    if limit is not None:
        query = query.limit(limit)
    return [_row_proposal(r) for r in conn.execute(query)]


def pending_of(conn: Connection, plan_id: str, version: str) -> Proposal | None:
    """The proposal of this version still waiting for a decision, if any."""
    row = conn.execute(
        select(plan_proposals).where(
            plan_proposals.c.plan_id == plan_id,
            plan_proposals.c.version == version,
            plan_proposals.c.status == "proposed",
        )
    ).first()
    return _row_proposal(row) if row is not None else None


def already_decided(proposal: Proposal) -> ProposalConflict:
    return ProposalConflict(
        f"方案提议 #{proposal.proposal_id} {PROPOSAL_WORDS[proposal.status][0]},不能再处理 / "
        f"plan proposal #{proposal.proposal_id} is already {proposal.status}"
    )


def decide_proposal(
    conn: Connection, *, proposal_id: int, status: str, actor: str, note: str | None
) -> Proposal:
    """Move a proposed proposal to ``status`` (approved, rejected, withdrawn), once."""
    if status not in PROPOSAL_STATES[1:]:
        raise ValueError(f"not a decision: {status!r}")
    done = conn.execute(
        update(plan_proposals)
        .where(
            plan_proposals.c.proposal_id == proposal_id,
            plan_proposals.c.status == "proposed",
        )
        .values(status=status, decided_at=now_us(), decided_by=actor, decision_note=note)
    )
    if done.rowcount != 1:
        found = get_proposal(conn, proposal_id)  # not found: NotFoundError
        raise already_decided(found)
    action = {"approved": "plan_approve", "rejected": "plan_reject", "withdrawn": "plan_withdraw"}
    found = get_proposal(conn, proposal_id)
    audit(
        conn,
        actor,
        action[status],
        f"#{proposal_id}",
        {"plan": found.label, "proposed_by": found.proposed_by, "note": note},
    )
    return found
