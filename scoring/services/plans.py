"""Plans: check a file, propose a new version, approve it as a second person, simulate.

A plan change on the web needs two people (issue 14, "Operations"): an operations or HR user
*proposes* a version (the uploaded file, valid, with the date it takes effect and a note); a
*different* user with :attr:`Right.APPROVE_PLANS` approves it, which stores the version and
puts it in force from its effective date, or rejects it with a reason; the proposer may
withdraw it. A proposal is ``proposed`` until one of these, then ``approved``, ``rejected`` or
``withdrawn`` for good. Every step is in the audit log under the signed-in login.

The effective date is the plan file's own ``effective_from`` (the version's text says when it
applies, and the stored text is what was approved); a proposal may repeat it (as ``YYYY-MM``
or the first day of the month) and is refused when it differs. It must be the first day of a
period after every closed one: a closed period never changes.

Approval re-checks, under the period lock (so that a close cannot slip in between), what may
have changed since the proposal was made: the effective period closed, the version stored with
other content or already in force, or another version put in force for that date (what the
proposer compared against is no longer what it would replace): each refused with a clear
message (:class:`ProposalConflict`, HTTP 409).

The local administrator (the command line, who owns the store) may still activate a file
directly (:func:`activate`); the audit log says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import polars as pl
from sqlalchemy import Connection

from scoring.errors import InputError, PlanError, Problem
from scoring.period import Period
from scoring.periods import (
    Comparison,
    Context,
    keep_shipped_plan,
    plan_from_stored,
    simulate_plan,
    today,
)
from scoring.periods import store_plan_file as _store_plan_file
from scoring.result import Result
from scoring.rules.load import check_bytes, standard_plan_path
from scoring.rules.spec import Plan
from scoring.rules.yamlloc import compose_located
from scoring.services import drafts
from scoring.services.access import Caller, Forbidden, Right, require
from scoring.services.runtime import Runtime
from scoring.simulation import (
    DEFAULT_MAX_BANDS,
    ORDERS,
    Distribution,
    KindChange,
    Order,
    distribution,
    kind_totals,
    ordered,
)
from scoring.store import Store
from scoring.store import periods as store_periods
from scoring.store import plans as store_plans
from scoring.store.db import take_lock_sa
from scoring.store.plans import (
    PROPOSAL_STATES,
    PROPOSAL_WORDS,
    Proposal,
    ProposalConflict,
    StoredPlan,
)

__all__ = [
    "MAX_PAGE",
    "PROPOSAL_WORDS",
    "MAX_PLAN_BYTES",
    "MAX_TEXT",
    "PlanSimulation",
    "Proposal",
    "ProposalConflict",
    "activate",
    "approve",
    "draft",
    "overview",
    "propose_draft",
    "simulate_draft",
    "check",
    "get_proposal",
    "list_plans",
    "list_proposals",
    "propose",
    "reject",
    "simulate",
    "withdraw",
]

#: A plan file is a few kilobytes; anything near this is not a plan.
MAX_PLAN_BYTES = 1 << 20
#: The longest note or reason.
MAX_TEXT = 2000
#: The most proposals or simulated installers in one page.
MAX_PAGE = 1000
DEFAULT_PAGE = 100
#: How many installers each side of "the biggest changes" lists.
BIGGEST = 10


def check(*, caller: Caller, raw: bytes, source: str) -> tuple[Plan | None, list[Problem]]:
    """Every problem of a plan file, with its line and column (nothing is stored)."""
    require(caller, Right.PLANS)
    return check_bytes(raw, source)


def activate(store: Store, *, caller: Caller, path: Path) -> StoredPlan:
    """Keep the plan file as a version and put it in force from its effective date, at once:
    the local administrator's command (``scoring plan activate``), audited as a direct
    activation. The web has no such route: there a second person approves a proposal."""
    require(caller, Right.PLANS)
    require(caller, Right.APPROVE_PLANS)
    return _store_plan_file(store, path, actor=caller.login, activate=True, direct=True)


def list_plans(store: Store, *, caller: Caller) -> list[StoredPlan]:
    require(caller, Right.PLANS)
    with store.begin() as conn:
        return store_plans.list_plans(conn)


# -- proposals --------------------------------------------------------------------------------


def _text(value: str | None, what_zh: str, what_en: str, *, required: bool) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise InputError(f"请写明{what_zh} / {what_en} is required")
    if len(cleaned) > MAX_TEXT:
        raise InputError(
            f"{what_zh}最多 {MAX_TEXT} 字 / {what_en} has at most {MAX_TEXT} characters"
        )
    return cleaned


def _valid_plan(raw: bytes, source: str) -> Plan:
    if len(raw) > MAX_PLAN_BYTES:
        raise PlanError(
            f"方案文件过大(最多 {MAX_PLAN_BYTES // 1024} KB)/ the plan file {source} is too "
            f"large (at most {MAX_PLAN_BYTES // 1024} KB)"
        )
    plan, problems = check_bytes(raw, source)
    if plan is None:
        raise PlanError(
            f"方案有误,未提交 / the plan {source} is invalid ({len(problems)} problems); "
            "nothing was proposed",
            problems,
        )
    return plan


def _parse_day(text: str) -> dt.date:
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if len(cleaned) == 7:
        return Period.parse(cleaned).first_day
    try:
        return dt.date.fromisoformat(cleaned)
    except ValueError:
        shown = cleaned if len(cleaned) <= 40 else cleaned[:40] + "…"
        raise InputError(
            f"生效日期应为 YYYY-MM 或 YYYY-MM-01 / an effective date is YYYY-MM or the first "
            f"day of a month YYYY-MM-01, not {shown!r}"
        ) from None


def _effective_problem(raw: bytes, source: str, reason: str, value: str) -> Problem:
    """A problem placed at the plan file's ``effective_from``."""
    located = compose_located(raw.decode("utf-8-sig"))
    mark = located.mark_of(("effective_from",))
    return Problem(
        source,
        reason,
        column="effective_from",
        value=value,
        line=mark.line if mark else None,
        col=mark.col if mark else None,
    )


def effective_period(plan: Plan, raw: bytes, source: str, asked: str | None) -> Period:
    """The period from whose first day a proposed version applies: the file's
    ``effective_from``, which ``asked`` (when given) must repeat, and which must be the first
    day of a month."""
    day = plan.effective_from
    if asked is not None and asked.strip():
        wanted = _parse_day(asked)
        if wanted != day:
            reason = (
                f"方案文件写的生效日期是 {day},与提议的 {wanted} 不一致:请在文件中改 "
                f"effective_from / the file says effective_from {day}, the proposal {wanted}: "
                "edit effective_from in the file"
            )
            raise PlanError(
                f"生效日期不一致,未提交 / the effective date does not match the plan file "
                f"{source}; nothing was proposed",
                [_effective_problem(raw, source, reason, day.isoformat())],
            )
    if day.day != 1:
        start = Period.of(day).next().first_day
        reason = (
            f"方案自某月 1 日起生效,{day} 不是 1 日:请写 {start}(自 {Period.of(start)} 起) / a "
            f"plan takes effect on the first day of a period: {day} is not; write {start} "
            f"(from {Period.of(start)})"
        )
        raise PlanError(
            f"生效日期须为某月 1 日,未提交 / the effective date of {source} must be the first "
            "day of a month; nothing was proposed",
            [_effective_problem(raw, source, reason, day.isoformat())],
        )
    return Period.of(day)


@lru_cache(maxsize=4)
def _shipped(path: str, mtime_ns: int) -> tuple[str, str, str]:
    """(label, effective_from, checksum) of the shipped plan file."""
    raw = Path(path).read_bytes()
    plan, _ = check_bytes(raw, path)
    assert plan is not None, "the shipped plan is valid (tests/test_reference_plan.py)"
    checksum = hashlib.sha256(raw).hexdigest()
    return f"{plan.id} v{plan.version}", plan.effective_from.isoformat(), checksum


def _shipped_plan() -> tuple[str, str, str]:
    shipped = standard_plan_path()
    return _shipped(str(shipped), shipped.stat().st_mtime_ns)


def in_force(conn: Connection, day: str) -> tuple[str | None, str]:
    """(label, checksum) of the version in force on ``day`` as a computation would find it:
    the activated one, else the shipped plan while none was ever activated (stored on first
    use); (None, "") when none is."""
    found = store_plans.plan_in_force(conn, day)
    if found is not None:
        return f"{found.plan_id} v{found.version}", found.checksum
    if any(p.activated_at for p in store_plans.list_plans(conn)):
        return None, ""
    label, effective, checksum = _shipped_plan()
    return (label, checksum) if effective <= day else (None, "")


def _refuse_changed_store(conn: Connection, version: StoredPlan, period: Period) -> None:
    """Refuse a version the store can no longer take as proposed: its effective period (or a
    later one) closed, the same version stored with other content, or already in force."""
    closed = [row.period for row in store_periods.closed_periods(conn)]
    last = max(closed) if closed else None
    if last is not None and last >= period.name:
        raise ProposalConflict(
            f"期间 {last} 已关账,方案不能自 {period} 起生效:请改为 {Period.parse(last).next()} "
            f"或以后 / period {last} is closed, so a plan cannot take effect from {period}: "
            f"choose {Period.parse(last).next()} or later"
        )
    stored = store_plans.find_plan(conn, version.plan_id, version.version)
    if stored is None:
        return
    label = f"{version.plan_id} v{version.version}"
    if stored.checksum != version.checksum:
        raise ProposalConflict(
            f"方案 {label} 已存在且内容不同,请提高版本号 / plan {label} is already stored with "
            "other content: raise the version"
        )
    if stored.activated_at is not None:
        raise ProposalConflict(
            f"方案 {label} 已生效(相同内容),无需再批准 / plan {label} with this content is "
            "already in force: there is nothing to approve"
        )


def propose(
    store: Store,
    *,
    caller: Caller,
    raw: bytes,
    source: str,
    note: str,
    effective_from: str | None = None,
) -> Proposal:
    """Propose the plan file ``raw`` (named ``source``) as a new version, to take effect from
    its ``effective_from`` (which ``effective_from`` may repeat), with a note saying why.
    Refused, with nothing kept, when the plan is invalid (every problem at its line), the
    date is not the first day of a period after the closed ones, the version is stored with
    other content or already in force, or the same version is already waiting."""
    require(caller, Right.PLANS)
    plan = _valid_plan(raw, source)
    period = effective_period(plan, raw, source, effective_from)
    text = _text(note, "提议说明", "a note saying why", required=True)
    version = StoredPlan(
        plan_id=plan.id,
        version=str(plan.version),
        effective_from=period.first_day.isoformat(),
        checksum=hashlib.sha256(raw).hexdigest(),
        content=raw.decode("utf-8-sig"),
        activated_at=None,
    )
    with store.begin() as conn:
        _refuse_changed_store(conn, version, period)
        waiting = store_plans.pending_of(conn, version.plan_id, version.version)
        if waiting is not None:
            raise ProposalConflict(
                f"方案 {waiting.label} 已有待批准的提议 #{waiting.proposal_id}"
                f"({waiting.proposed_by}):请提高版本号,或先撤回、驳回它 / plan "
                f"{waiting.label} is already proposed (#{waiting.proposal_id} by "
                f"{waiting.proposed_by}): raise the version, or withdraw or reject that one"
            )
        base_label, base_checksum = in_force(conn, version.effective_from)
        proposal_id = store_plans.add_proposal(
            conn,
            version,
            file_name=source,
            note=text,
            actor=caller.login,
            base_label=base_label,
            base_checksum=base_checksum,
        )
        return store_plans.get_proposal(conn, proposal_id)


def _not_second_person(proposal: Proposal) -> Forbidden:
    return Forbidden(
        f"方案提议 #{proposal.proposal_id} 须由提议人以外的另一位用户批准或驳回;提议人可以撤回 / "
        f"plan proposal #{proposal.proposal_id} must be approved or rejected by someone other "
        f"than its proposer {proposal.proposed_by}; the proposer may withdraw it"
    )


def _refuse_decided(proposal: Proposal) -> None:
    if proposal.status != "proposed":
        raise store_plans.already_decided(proposal)


def approve(store: Store, *, caller: Caller, proposal_id: int, note: str | None = None) -> Proposal:
    """Approve another user's proposal: store its version and put it in force from its
    effective date, in one transaction under the period lock. Refused for the proposer
    (403), and when the proposal was decided already or the store changed since (409)."""
    require(caller, Right.APPROVE_PLANS)
    text = _text(note, "批准说明", "an approval note", required=False) or None
    with store.begin() as conn:
        proposal = store_plans.get_proposal(conn, proposal_id)
    if proposal.proposed_by == caller.login:
        raise _not_second_person(proposal)
    _refuse_decided(proposal)
    # The text was valid when proposed; the rules of the language may have changed since.
    _valid_plan(proposal.content.encode("utf-8"), proposal.file_name)
    version = proposal.as_version()
    with store.begin() as conn:
        take_lock_sa(conn, "period")  # a close waits for this approval, or this for it
        proposal = store_plans.get_proposal(conn, proposal_id)
        _refuse_decided(proposal)
        _refuse_changed_store(conn, version, Period.parse(proposal.effective_from[:7]))
        label, checksum = in_force(conn, proposal.effective_from)
        if checksum != proposal.base_checksum:
            raise ProposalConflict(
                f"提议之后,自 {proposal.effective_from} 起生效的方案已变为 {label or '无'}"
                f"(提议时为 {proposal.base_label or '无'}):请重新模拟并重新提议 / since "
                f"proposal #{proposal_id} was made, the plan in force from "
                f"{proposal.effective_from} changed from {proposal.base_label or 'none'} to "
                f"{label or 'none'}: simulate again and propose again"
            )
        never = not any(p.activated_at for p in store_plans.list_plans(conn))
        if never and _shipped_plan()[1] < proposal.effective_from:
            # The shipped plan is in force implicitly (stored on first use): keep it in force
            # for the periods before this version's date, as they were.
            keep_shipped_plan(
                conn, actor=caller.login, detail={"kept_before_proposal": proposal_id}
            )
        store_plans.store_plan(conn, version, actor=caller.login)
        store_plans.activate_plan(
            conn,
            plan_id=version.plan_id,
            version=version.version,
            actor=caller.login,
            detail={"proposal": proposal_id, "proposed_by": proposal.proposed_by},
        )
        return store_plans.decide_proposal(
            conn, proposal_id=proposal_id, status="approved", actor=caller.login, note=text
        )


def reject(store: Store, *, caller: Caller, proposal_id: int, reason: str) -> Proposal:
    """Reject another user's proposal, with a reason (the proposer withdraws instead)."""
    require(caller, Right.APPROVE_PLANS)
    text = _text(reason, "驳回理由", "a reason", required=True)
    with store.begin() as conn:
        proposal = store_plans.get_proposal(conn, proposal_id)
        if proposal.proposed_by == caller.login:
            raise _not_second_person(proposal)
        _refuse_decided(proposal)
        return store_plans.decide_proposal(
            conn, proposal_id=proposal_id, status="rejected", actor=caller.login, note=text
        )


def withdraw(
    store: Store, *, caller: Caller, proposal_id: int, reason: str | None = None
) -> Proposal:
    """The proposer takes its own proposal back (others reject it instead)."""
    require(caller, Right.PLANS)
    text = _text(reason, "撤回说明", "a reason", required=False) or None
    with store.begin() as conn:
        proposal = store_plans.get_proposal(conn, proposal_id)
        if proposal.proposed_by != caller.login:
            raise Forbidden(
                f"只有提议人 {proposal.proposed_by} 能撤回方案提议 #{proposal_id};其他人可以驳回 / "
                f"only its proposer {proposal.proposed_by} may withdraw plan proposal "
                f"#{proposal_id}; others may reject it"
            )
        _refuse_decided(proposal)
        return store_plans.decide_proposal(
            conn, proposal_id=proposal_id, status="withdrawn", actor=caller.login, note=text
        )


def page_bounds(offset: int, limit: int | None) -> tuple[int, int]:
    if offset < 0:
        raise InputError("offset 不能为负 / offset must not be negative")
    if limit is not None and limit < 1:
        raise InputError("limit 至少为 1 / limit must be at least 1")
    return offset, min(limit or DEFAULT_PAGE, MAX_PAGE)


def list_proposals(
    store: Store,
    *,
    caller: Caller,
    status: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[Proposal]:
    """Proposals, newest first; ``status`` one of proposed, approved, rejected, withdrawn."""
    require(caller, Right.PLANS)
    if status is not None and status not in PROPOSAL_STATES:
        raise InputError(
            f"状态应为 / a status is one of {', '.join(PROPOSAL_STATES)}, not {status!r}"
        )
    offset, limit = page_bounds(offset, limit)
    with store.begin() as conn:
        return store_plans.list_proposals(conn, status=status, offset=offset, limit=limit)


def get_proposal(store: Store, *, caller: Caller, proposal_id: int) -> Proposal:
    """One proposal with its plan text."""
    require(caller, Right.PLANS)
    with store.begin() as conn:
        return store_plans.get_proposal(conn, proposal_id)


# -- simulation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanSimulation:
    """What a plan would pay for a period against what the period pays now."""

    period: str
    #: ``closed`` (compared with what was paid) or ``open`` (with the draft as it stands).
    period_status: str
    #: The simulated plan (``standard v2``) and where it came from (a file name, ``#3``).
    plan: str
    source: str
    proposal_id: int | None
    #: One row per installer (see :class:`scoring.periods.Comparison`), by installer id.
    per_installer: pl.DataFrame
    totals: tuple[KindChange, ...]
    distribution: Distribution

    @property
    def installers(self) -> int:
        return self.per_installer.height

    def total(self, column: str = "net_fen") -> KindChange:
        return next(t for t in self.totals if t.column == column)

    def page(
        self, *, offset: int = 0, limit: int | None = None, order: Order = "installer"
    ) -> pl.DataFrame:
        """A page of installers, by id or biggest change first."""
        if order not in ORDERS:
            raise InputError(f"排序应为 / order is one of {', '.join(ORDERS)}, not {order!r}")
        offset, limit = page_bounds(offset, limit)
        return ordered(self.per_installer, order).slice(offset, limit)

    def biggest(
        self, count: int = BIGGEST
    ) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        """The ``count`` installers whose net pay rises most, and the ``count`` whose falls
        most (biggest first, then by id): rows with id, name, team, net now and simulated,
        change."""
        keep = ["installer_id", "name", "team_name", "net_fen", "net_fen_draft", "change_fen"]
        frame = self.per_installer.select(keep)
        up = frame.filter(pl.col("change_fen") > 0).sort(
            ["change_fen", "installer_id"], descending=[True, False]
        )
        down = frame.filter(pl.col("change_fen") < 0).sort(["change_fen", "installer_id"])
        return up.head(count).to_dicts(), down.head(count).to_dicts()


def _current(store: Store, ctx: Context, period: Period) -> Result | None:
    """The stored draft of an open period when it is fresh (what it pays now, without
    computing it again); None otherwise."""
    with store.snapshot() as conn:
        draft = store_periods.get_draft(conn, period.name)
        fresh = draft is not None and draft.state == drafts.state_in(conn, period)
        closed = store_periods.is_closed(conn, period.name)
    if closed or not fresh:
        return None
    return store_periods.load_draft(store, period.name)


def simulate(
    store: Store,
    *,
    caller: Caller,
    period: Period,
    runtime: Runtime,
    raw: bytes | None = None,
    source: str = "plan.yaml",
    proposal_id: int | None = None,
    max_bands: int = DEFAULT_MAX_BANDS,
) -> PlanSimulation:
    """What a plan (the file ``raw``, or the plan of proposal ``proposal_id``) would pay for
    ``period`` (closed, or open with data) against what it pays now: per installer, totals
    per kind, the distribution of the change. It may take seconds on a big month; it writes
    nothing (no draft, no plan version, no closed result)."""
    require(caller, Right.PLANS)
    if (raw is None) == (proposal_id is None):
        raise InputError("请给出方案文件或提议编号之一 / give either a plan file or a proposal")
    if raw is not None:
        plan = _valid_plan(raw, source)
        shown = source
    else:
        assert proposal_id is not None
        with store.begin() as conn:
            proposal = store_plans.get_proposal(conn, proposal_id)
        plan = plan_from_stored(proposal.as_version())
        shown = f"#{proposal_id}"
    ctx = Context.load(store, zone=runtime.zone, calendar=runtime.calendar)
    with store.begin() as conn:
        status = "closed" if store_periods.is_closed(conn, period.name) else "open"
    comparison: Comparison = simulate_plan(
        ctx, period.name, plan, actor=caller.login, current=_current(store, ctx, period)
    )
    frame = comparison.per_installer
    if frame.height == 0:
        raise InputError(
            f"期间 {period} 没有数据,无法模拟 / period {period} has no data to simulate against"
        )
    return PlanSimulation(
        period=period.name,
        period_status=status,
        plan=f"{plan.id} v{plan.version}",
        source=shown,
        proposal_id=proposal_id,
        per_installer=frame,
        totals=tuple(kind_totals(frame)),
        distribution=distribution(frame.get_column("change_fen"), max_bands),
    )


# -- what the operations pages read (scoring/web/pages_plans.py) -------------------------------

#: How many decided proposals the plans page lists.
HISTORY = 50


@dataclass(frozen=True)
class VersionInForce:
    """An activated plan version and the days it applies: from ``effective_from`` to ``until``
    (the day before the next version's date; None: no later version), with who put it in force:
    the approver of its proposal, or nobody (activated directly by the local administrator, or
    the shipped plan in force because none was ever activated)."""

    label: str
    effective_from: str
    until: str | None
    activated_at: int | None
    proposal_id: int | None = None
    proposed_by: str | None = None
    approved_by: str | None = None
    approved_at: int | None = None
    shipped: bool = False

    @property
    def direct(self) -> bool:
        return not self.shipped and self.approved_by is None


@dataclass(frozen=True)
class PlansOverview:
    today: str
    #: The version in force today, None when none is.
    in_force: VersionInForce | None
    #: Every activated version in the order they take effect, latest first (with the shipped
    #: plan while none was ever activated).
    versions: list[VersionInForce]
    pending: list[Proposal]
    #: Decided proposals (approved, rejected, withdrawn), newest first.
    decided: list[Proposal]


def _timeline(conn: Connection) -> list[VersionInForce]:
    """The activated versions, each with the days it applies (a version replaced by another of
    the same date before taking effect applies on no day: ``until`` before its start)."""
    approved = {
        (p.plan_id, p.version): p
        for p in store_plans.list_proposals(conn, status="approved", limit=None)
    }
    active = sorted(
        (p for p in store_plans.list_plans(conn) if p.activated_at is not None),
        key=lambda p: (p.effective_from, p.activated_at or 0),
    )
    if not active:
        label, effective, _ = _shipped_plan()
        return [VersionInForce(label, effective, None, None, shipped=True)]
    starts = sorted({p.effective_from for p in active})
    shipped_checksum = _shipped_plan()[2]
    found = []
    for stored in active:
        later = [s for s in starts if s > stored.effective_from]
        until = (
            (dt.date.fromisoformat(later[0]) - dt.timedelta(days=1)).isoformat() if later else None
        )
        same_day = [p for p in active if p.effective_from == stored.effective_from]
        if same_day[-1] is not stored:  # replaced before it took effect
            until = (
                dt.date.fromisoformat(stored.effective_from) - dt.timedelta(days=1)
            ).isoformat()
        by = approved.get((stored.plan_id, stored.version))
        found.append(
            VersionInForce(
                label=f"{stored.plan_id} v{stored.version}",
                effective_from=stored.effective_from,
                until=until,
                activated_at=stored.activated_at,
                proposal_id=by.proposal_id if by else None,
                proposed_by=by.proposed_by if by else None,
                approved_by=by.decided_by if by else None,
                approved_at=by.decided_at if by else None,
                shipped=by is None and stored.checksum == shipped_checksum,
            )
        )
    return found[::-1]


def overview(store: Store, *, caller: Caller, runtime: Runtime) -> PlansOverview:
    """The plan in force today (who approved it, when, the days it applies), the proposals
    waiting for a second person, and the history: versions and decided proposals."""
    require(caller, Right.PLANS)
    day = today(runtime.zone).isoformat()
    with store.begin() as conn:
        versions = _timeline(conn)
        pending = store_plans.list_proposals(conn, status="proposed", limit=MAX_PAGE)
        decided = [
            p
            for p in store_plans.list_proposals(conn, limit=HISTORY + len(pending))
            if p.status != "proposed"
        ][:HISTORY]
    now = [v for v in versions if v.effective_from <= day and (v.until is None or day <= v.until)]
    return PlansOverview(
        today=day,
        in_force=now[0] if now else None,
        versions=versions,
        pending=pending,
        decided=decided,
    )


@dataclass(frozen=True)
class PlanLine:
    number: int
    text: str
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class PlanDraft:
    """A plan text on the operations pages: what it starts from, whether it was checked and
    its problems at their lines, the periods it can be simulated against (closed, or open with
    data; newest first) and, once simulated, the simulation. ``message`` says why a proposal
    was refused (the text is kept for another try)."""

    text: str
    source: str
    #: What the text was taken from: the version in force (``standard v1``), a proposal.
    base: str | None
    periods: list[tuple[str, str]]
    checked: bool = False
    problems: tuple[Problem, ...] = ()
    #: The plan's label and its ``effective_from`` when the text is valid.
    plan: str | None = None
    effective_from: str | None = None
    proposal: Proposal | None = None
    period: str | None = None
    simulation: PlanSimulation | None = None
    message: str | None = None

    @property
    def valid(self) -> bool:
        return self.checked and self.plan is not None and not self.problems

    def lines(self) -> list[PlanLine]:
        """The text line by line (numbered from 1) with the problems found on each."""
        at: dict[int, list[Problem]] = {}
        for problem in self.problems:
            if problem.line is not None:
                at.setdefault(problem.line, []).append(problem)
        return [
            PlanLine(n, line, tuple(at.get(n, ())))
            for n, line in enumerate(self.text.splitlines() or [""], start=1)
        ]

    @property
    def unplaced(self) -> list[Problem]:
        """Problems with no line (or a line past the end of the text)."""
        count = max(len(self.text.splitlines()), 1)
        return [p for p in self.problems if p.line is None or not 1 <= p.line <= count]


def _data_periods(conn: Connection) -> list[tuple[str, str]]:
    """(period, closed or open) of every period with statements to simulate against."""
    drafts_ = set(store_periods.draft_periods(conn))
    found = []
    for row in store_periods.all_periods(conn):
        if row.status == "closed":
            totals = row.totals
        elif row.period in drafts_:
            draft = store_periods.get_draft(conn, row.period)
            totals = draft.totals if draft else None
        else:
            continue
        if totals is None or int(totals.get("installers", 0)) > 0:
            found.append((row.period, "closed" if row.status == "closed" else "open"))
    return found


def _current_text(conn: Connection, day: str) -> tuple[str, str]:
    """(label, text) of the version in force on ``day``, else the shipped plan."""
    found = store_plans.plan_in_force(conn, day)
    if found is not None:
        return f"{found.plan_id} v{found.version}", found.content
    label, _, _ = _shipped_plan()
    return label, standard_plan_path().read_text(encoding="utf-8")


def _checked(raw: bytes, source: str, periods: list[tuple[str, str]]) -> PlanDraft:
    """``raw`` checked: every problem at its line, or the plan's label and date."""
    text = raw.decode("utf-8-sig", errors="replace")
    if len(raw) > MAX_PLAN_BYTES:
        reason = (
            f"方案文件过大(最多 {MAX_PLAN_BYTES // 1024} KB)/ the plan file is too large (at "
            f"most {MAX_PLAN_BYTES // 1024} KB)"
        )
        return PlanDraft(
            text, source, None, periods, checked=True, problems=(Problem(source, reason),)
        )
    plan, problems = check_bytes(raw, source)
    if plan is None:
        return PlanDraft(text, source, None, periods, checked=True, problems=tuple(problems))
    return PlanDraft(
        text,
        source,
        None,
        periods,
        checked=True,
        plan=f"{plan.id} v{plan.version}",
        effective_from=plan.effective_from.isoformat(),
    )


def draft(
    store: Store,
    *,
    caller: Caller,
    runtime: Runtime,
    raw: bytes | None = None,
    source: str = "plan.yaml",
    proposal_id: int | None = None,
) -> PlanDraft:
    """A plan text to edit or read: ``raw`` checked (every problem at its line), else the
    plan of proposal ``proposal_id``, else the text of the version in force today; with the
    periods it can be simulated against."""
    require(caller, Right.PLANS)
    with store.begin() as conn:
        periods = _data_periods(conn)
        if raw is not None:
            return _checked(raw, source, periods)
        if proposal_id is not None:
            found = store_plans.get_proposal(conn, proposal_id)
            return PlanDraft(
                found.content,
                found.file_name,
                f"#{proposal_id}",
                periods,
                proposal=found,
                plan=found.label,
                effective_from=found.effective_from,
            )
        label, text = _current_text(conn, today(runtime.zone).isoformat())
    return PlanDraft(text, f"{label.replace(' ', '-')}.yaml", label, periods)


def simulate_draft(
    store: Store,
    *,
    caller: Caller,
    runtime: Runtime,
    period: Period,
    raw: bytes | None = None,
    source: str = "plan.yaml",
    proposal_id: int | None = None,
) -> PlanDraft:
    """:func:`draft` of ``raw`` (or of proposal ``proposal_id``) simulated against ``period``
    when it is valid; when not, its problems at their lines and no simulation."""
    shown = draft(
        store, caller=caller, runtime=runtime, raw=raw, source=source, proposal_id=proposal_id
    )
    if raw is not None and not shown.valid:
        return replace(shown, period=period.name)
    found = simulate(
        store,
        caller=caller,
        period=period,
        runtime=runtime,
        raw=raw,
        source=source,
        proposal_id=None if raw is not None else proposal_id,
    )
    return replace(shown, period=period.name, simulation=found)


def propose_draft(
    store: Store,
    *,
    caller: Caller,
    runtime: Runtime,
    raw: bytes,
    source: str,
    note: str,
    effective_from: str | None = None,
) -> Proposal | PlanDraft:
    """:func:`propose`; when refused for the plan, its date, the note or a conflict, the text
    back as a :class:`PlanDraft` with the reason and the problems at their lines."""
    require(caller, Right.PLANS)
    try:
        return propose(
            store, caller=caller, raw=raw, source=source, note=note, effective_from=effective_from
        )
    except (PlanError, InputError, ProposalConflict) as exc:
        shown = draft(store, caller=caller, runtime=runtime, raw=raw, source=source)
        problems = shown.problems or tuple(exc.problems)
        return replace(shown, problems=problems, message=exc.message)
