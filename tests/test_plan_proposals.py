"""Plan proposals: one user proposes, a second approves (stores and activates), rejects, or the
proposer withdraws; conflicts with what changed meanwhile; rights; the audit log. Both stores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scoring.errors import InputError, NotFoundError, PlanError
from scoring.period import Period
from scoring.services import periods as period_services
from scoring.services import plans
from scoring.services.access import Caller, Forbidden
from scoring.services.runtime import Runtime
from scoring.settings import get_settings
from scoring.store import Store
from scoring.store import plans as store_plans
from scoring.store.audit import AuditFilter, audit_entries
from scoring.store.plans import ProposalConflict
from scoring.workdays import WorkCalendar
from tests.plan_helpers import line_of, plan_people, plan_text

NOTE = "五星好评奖励提高到 20 元"


@pytest.fixture
def people(store: Store, tmp_path: Path) -> dict[str, Caller]:
    return plan_people(store, tmp_path)


def runtime() -> Runtime:
    return Runtime.of(get_settings(), WorkCalendar.load())


def propose(
    store: Store, caller: Caller, text: str | None = None, **kwargs: str | None
) -> plans.Proposal:
    return plans.propose(
        store,
        caller=caller,
        raw=(text or plan_text()).encode("utf-8"),
        source="standard-v2.yaml",
        note=str(kwargs.pop("note", NOTE)),
        **kwargs,
    )


def in_force(store: Store, day: str = "2025-10-01") -> tuple[str | None, str]:
    with store.begin() as conn:
        return plans.in_force(conn, day)


def audit_of(store: Store, action: str) -> list[dict[str, object]]:
    with store.begin() as conn:
        return list(audit_entries(conn, where=AuditFilter(action=action)))


def test_a_proposal_waits_until_a_second_person_approves_it(
    store: Store, people: dict[str, Caller]
) -> None:
    proposal = propose(store, people["ops1"])
    assert proposal.status == "proposed" and proposal.proposed_by == "ops1"
    assert (proposal.plan_id, proposal.version, proposal.effective_from) == (
        "standard",
        "2",
        "2025-01-01",
    )
    assert proposal.base_label == "standard v1"  # the shipped plan, not stored yet
    # Nothing is in force or stored before the approval.
    assert plans.list_plans(store, caller=people["ops1"]) == []
    assert in_force(store)[0] == "standard v1"

    with pytest.raises(Forbidden, match="someone other than its proposer ops1"):
        plans.approve(store, caller=people["ops1"], proposal_id=proposal.proposal_id)
    assert plans.get_proposal(store, caller=people["ops2"], proposal_id=1).status == "proposed"

    approved = plans.approve(
        store, caller=people["ops2"], proposal_id=proposal.proposal_id, note="已模拟 10 月"
    )
    assert approved.status == "approved"
    assert approved.decided_by == "ops2" and approved.decision_note == "已模拟 10 月"
    stored = plans.list_plans(store, caller=people["hr1"])
    assert [(p.plan_id, p.version, p.activated_at is not None) for p in stored] == [
        ("standard", "2", True)
    ]
    assert stored[0].checksum == proposal.checksum
    assert in_force(store) == ("standard v2", proposal.checksum)

    # The audit log names who proposed and who approved.
    (proposed,) = audit_of(store, "plan_propose")
    assert proposed["actor"] == "ops1" and proposed["target"] == f"#{proposal.proposal_id}"
    (approval,) = audit_of(store, "plan_approve")
    assert approval["actor"] == "ops2"
    assert json.loads(str(approval["detail"]))["proposed_by"] == "ops1"
    (activation,) = audit_of(store, "plan_activate")
    assert activation["actor"] == "ops2" and activation["target"] == "standard v2"
    assert json.loads(str(activation["detail"])) == {"proposal": 1, "proposed_by": "ops1"}
    (kept,) = audit_of(store, "plan_store")
    assert kept["actor"] == "ops2"

    # Decided once: neither approved again nor rejected nor withdrawn.
    with pytest.raises(ProposalConflict, match="already approved"):
        plans.approve(store, caller=people["hr1"], proposal_id=proposal.proposal_id)
    with pytest.raises(ProposalConflict, match="already approved"):
        plans.reject(store, caller=people["hr1"], proposal_id=1, reason="太晚了")
    with pytest.raises(ProposalConflict, match="already approved"):
        plans.withdraw(store, caller=people["ops1"], proposal_id=1)


@pytest.mark.parametrize(("proposer", "approver"), [("hr1", "ops1"), ("ops1", "hr1")])
def test_hr_and_operations_approve_each_other(
    store: Store, people: dict[str, Caller], proposer: str, approver: str
) -> None:
    proposal = propose(store, people[proposer])
    with pytest.raises(Forbidden):
        plans.approve(store, caller=people[proposer], proposal_id=proposal.proposal_id)
    done = plans.approve(store, caller=people[approver], proposal_id=proposal.proposal_id)
    assert done.status == "approved" and done.decided_by == approver


@pytest.mark.parametrize("login", ["dealer1", "I1"])
def test_dealers_and_installers_may_do_nothing_with_plans(
    store: Store, people: dict[str, Caller], login: str
) -> None:
    proposal = propose(store, people["ops1"])
    caller = people[login]
    with pytest.raises(Forbidden):
        propose(store, caller)
    with pytest.raises(Forbidden):
        plans.list_proposals(store, caller=caller)
    with pytest.raises(Forbidden):
        plans.get_proposal(store, caller=caller, proposal_id=proposal.proposal_id)
    with pytest.raises(Forbidden):
        plans.approve(store, caller=caller, proposal_id=proposal.proposal_id)
    with pytest.raises(Forbidden):
        plans.reject(store, caller=caller, proposal_id=proposal.proposal_id, reason="不行")
    with pytest.raises(Forbidden):
        plans.withdraw(store, caller=caller, proposal_id=proposal.proposal_id)
    with pytest.raises(Forbidden):
        plans.simulate(
            store,
            caller=caller,
            period=Period.parse("2025-10"),
            runtime=runtime(),
            proposal_id=proposal.proposal_id,
        )
    assert plans.get_proposal(store, caller=people["hr1"], proposal_id=1).status == "proposed"


def test_a_rejection_needs_a_reason_and_another_person(
    store: Store, people: dict[str, Caller]
) -> None:
    proposal = propose(store, people["ops1"])
    with pytest.raises(InputError, match="reason is required"):
        plans.reject(store, caller=people["ops2"], proposal_id=proposal.proposal_id, reason="  ")
    with pytest.raises(Forbidden, match="proposer may withdraw"):
        plans.reject(store, caller=people["ops1"], proposal_id=1, reason="改主意了")
    rejected = plans.reject(store, caller=people["ops2"], proposal_id=1, reason="金额过高")
    assert rejected.status == "rejected" and rejected.decision_note == "金额过高"
    assert rejected.decided_by == "ops2"
    with pytest.raises(ProposalConflict, match="already rejected"):
        plans.approve(store, caller=people["hr1"], proposal_id=1)
    assert plans.list_plans(store, caller=people["hr1"]) == []
    (entry,) = audit_of(store, "plan_reject")
    assert entry["actor"] == "ops2" and json.loads(str(entry["detail"]))["note"] == "金额过高"
    # The version may be proposed again, fixed.
    assert propose(store, people["ops1"], plan_text("15.00")).status == "proposed"


def test_only_the_proposer_withdraws(store: Store, people: dict[str, Caller]) -> None:
    proposal = propose(store, people["ops1"])
    for other in ("ops2", "hr1"):
        with pytest.raises(Forbidden, match="only its proposer ops1"):
            plans.withdraw(store, caller=people[other], proposal_id=proposal.proposal_id)
    withdrawn = plans.withdraw(store, caller=people["ops1"], proposal_id=1, reason="先不改")
    assert withdrawn.status == "withdrawn" and withdrawn.decided_by == "ops1"
    with pytest.raises(ProposalConflict, match="already withdrawn"):
        plans.approve(store, caller=people["ops2"], proposal_id=1)
    (entry,) = audit_of(store, "plan_withdraw")
    assert entry["actor"] == "ops1"
    assert plans.list_plans(store, caller=people["hr1"]) == []


def test_lists_newest_first_and_by_status(store: Store, people: dict[str, Caller]) -> None:
    first = propose(store, people["ops1"])
    second = propose(store, people["ops2"], plan_text(version=3))
    plans.withdraw(store, caller=people["ops1"], proposal_id=first.proposal_id)
    listed = plans.list_proposals(store, caller=people["ops1"])
    assert [p.proposal_id for p in listed] == [second.proposal_id, first.proposal_id]
    waiting = plans.list_proposals(store, caller=people["ops1"], status="proposed")
    assert [p.proposal_id for p in waiting] == [second.proposal_id]
    assert [p.proposal_id for p in plans.list_proposals(store, caller=people["hr1"], limit=1)] == [
        second.proposal_id
    ]
    assert plans.list_proposals(store, caller=people["hr1"], offset=2) == []
    with pytest.raises(InputError, match="a status is one of"):
        plans.list_proposals(store, caller=people["hr1"], status="open")
    with pytest.raises(NotFoundError, match="no plan proposal #99"):
        plans.get_proposal(store, caller=people["hr1"], proposal_id=99)
    with pytest.raises(NotFoundError):
        plans.approve(store, caller=people["hr1"], proposal_id=99)


def test_an_invalid_plan_is_refused_with_its_problems_at_their_lines(
    store: Store, people: dict[str, Caller]
) -> None:
    broken = plan_text().replace("kind: bonus", "kind: bonsu", 1)
    with pytest.raises(PlanError) as caught:
        propose(store, people["ops1"], broken)
    assert "nothing was proposed" in caught.value.message
    (problem,) = caught.value.problems
    assert problem.source == "standard-v2.yaml"
    assert problem.line == line_of(broken, "    kind: bonsu")
    assert plans.list_proposals(store, caller=people["ops1"]) == []
    assert audit_of(store, "plan_propose") == []


def test_a_file_too_large_to_be_a_plan_is_refused(store: Store, people: dict[str, Caller]) -> None:
    with pytest.raises(PlanError, match="too large"):
        propose(store, people["ops1"], "#" * (plans.MAX_PLAN_BYTES + 1))


def test_a_proposal_needs_a_note(store: Store, people: dict[str, Caller]) -> None:
    with pytest.raises(InputError, match="a note saying why is required"):
        propose(store, people["ops1"], note=" ")
    with pytest.raises(InputError, match="at most 2000"):
        propose(store, people["ops1"], note="很" * 2001)


def test_the_effective_date_is_the_files_and_the_first_of_a_month(
    store: Store, people: dict[str, Caller]
) -> None:
    text = plan_text(effective_from="2025-11-01")
    # Repeating the file's date, as a period or a day, is fine.
    assert propose(store, people["ops1"], text, effective_from="2025-11").effective_from == (
        "2025-11-01"
    )
    other = plan_text(version=3, effective_from="2025-11-01")
    with pytest.raises(PlanError) as caught:
        propose(store, people["ops1"], other, effective_from="2025-12-01")
    (problem,) = caught.value.problems
    assert problem.line == line_of(other, "effective_from:")
    assert "edit effective_from in the file" in problem.reason
    with pytest.raises(InputError, match="YYYY-MM"):
        propose(store, people["ops1"], other, effective_from="next month")
    mid_month = plan_text(version=3, effective_from="2025-11-15")
    with pytest.raises(PlanError) as caught:
        propose(store, people["ops1"], mid_month)
    assert "write 2025-12-01" in caught.value.problems[0].reason
    assert caught.value.problems[0].line == line_of(mid_month, "effective_from:")
    assert [p.version for p in plans.list_proposals(store, caller=people["ops1"])] == ["2"]


def test_a_date_in_a_closed_period_is_refused_and_so_is_closing_it_meanwhile(
    store: Store, people: dict[str, Caller], tmp_path: Path
) -> None:
    period_services.close(
        store, caller=people["hr1"], period=Period.parse("2025-10"), runtime=runtime()
    )
    with pytest.raises(ProposalConflict, match="period 2025-10 is closed.*choose 2025-11 or later"):
        propose(store, people["ops1"])  # effective from 2025-01-01
    with pytest.raises(ProposalConflict, match="2025-10 is closed"):
        propose(store, people["ops1"], plan_text(effective_from="2025-10-01"))
    november = propose(store, people["ops1"], plan_text(effective_from="2025-11-01"))
    # November is closed before the approval: the approval is refused, nothing is stored.
    period_services.close(
        store, caller=people["hr1"], period=Period.parse("2025-11"), runtime=runtime()
    )
    before = plans.list_plans(store, caller=people["hr1"])
    with pytest.raises(ProposalConflict, match="period 2025-11 is closed"):
        plans.approve(store, caller=people["ops2"], proposal_id=november.proposal_id)
    assert plans.list_plans(store, caller=people["hr1"]) == before
    assert plans.get_proposal(store, caller=people["hr1"], proposal_id=1).status == "proposed"
    assert audit_of(store, "plan_approve") == []


def test_a_version_in_force_or_stored_otherwise_is_refused(
    store: Store, people: dict[str, Caller], tmp_path: Path
) -> None:
    proposal = propose(store, people["ops1"])
    # The same version, waiting already.
    with pytest.raises(ProposalConflict, match=r"already proposed \(#1 by ops1\)"):
        propose(store, people["ops2"], plan_text("15.00"))
    # Meanwhile the local administrator activates the same file directly.
    path = tmp_path / "same.yaml"
    path.write_text(plan_text(), encoding="utf-8")
    plans.activate(store, caller=Caller.local("admin"), path=path)
    (direct,) = audit_of(store, "plan_activate")
    assert direct["actor"] == "admin"
    assert json.loads(str(direct["detail"])) == {"direct": True, "file": "same.yaml"}
    with pytest.raises(ProposalConflict, match="already in force"):
        plans.approve(store, caller=people["ops2"], proposal_id=proposal.proposal_id)
    plans.withdraw(store, caller=people["ops1"], proposal_id=proposal.proposal_id)
    with pytest.raises(ProposalConflict, match="already in force"):
        propose(store, people["ops1"])
    with pytest.raises(ProposalConflict, match="other content: raise the version"):
        propose(store, people["ops1"], plan_text("15.00"))


def test_an_approval_is_refused_when_the_plan_it_replaces_changed(
    store: Store, people: dict[str, Caller]
) -> None:
    first = propose(store, people["ops1"], plan_text("20.00", version=2))
    second = propose(store, people["ops2"], plan_text("30.00", version=3))
    assert first.base_label == second.base_label == "standard v1"
    plans.approve(store, caller=people["ops2"], proposal_id=first.proposal_id)
    with pytest.raises(ProposalConflict, match="changed from standard v1 to standard v2"):
        plans.approve(store, caller=people["ops1"], proposal_id=second.proposal_id)
    assert in_force(store)[0] == "standard v2"
    # Proposed again against what is in force now, it is approved.
    plans.withdraw(store, caller=people["ops2"], proposal_id=second.proposal_id)
    again = propose(store, people["ops2"], plan_text("30.00", version=3))
    assert again.base_label == "standard v2"
    plans.approve(store, caller=people["hr1"], proposal_id=again.proposal_id)
    assert in_force(store)[0] == "standard v3"


def test_a_later_date_supersedes_from_its_own_period(
    store: Store, people: dict[str, Caller]
) -> None:
    later = propose(store, people["ops1"], plan_text(version=2, effective_from="2025-12-01"))
    plans.approve(store, caller=people["hr1"], proposal_id=later.proposal_id)
    assert in_force(store, "2025-11-01")[0] == "standard v1"
    assert in_force(store, "2025-12-01")[0] == "standard v2"
    with store.begin() as conn:
        assert store_plans.plan_in_force(conn, "2026-01-01") is not None


def test_a_close_that_computed_with_the_plan_replaced_meanwhile_is_not_frozen(
    store: Store, people: dict[str, Caller]
) -> None:
    from scoring.periods import Context, StoreChanged, close
    from scoring.result import Result

    proposal = propose(store, people["ops1"], plan_text(effective_from="2025-10-01"))

    def approve_meanwhile(_result: Result) -> None:  # runs between the computation and freezing
        plans.approve(store, caller=people["ops2"], proposal_id=proposal.proposal_id)

    ctx = Context.load(store, zone=runtime().zone, calendar=runtime().calendar)
    with pytest.raises(StoreChanged, match="plan in force for 2025-10 changed"):
        close(ctx, "2025-10", actor="hr1", verify=approve_meanwhile)
    # Closed again, it is closed with the approved version.
    closed = period_services.close(
        store, caller=people["hr1"], period=Period.parse("2025-10"), runtime=runtime()
    )
    assert str(closed.about["plan_version"]) == "2"
