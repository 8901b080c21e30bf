"""The JSON shapes of plan proposals and plan simulations (see scoring/web/routes_plans.py).

Money is yuan text with two decimals, never a float; times ISO 8601 in the configured zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from scoring.money import format_fen
from scoring.services.plans import MAX_TEXT, PROPOSAL_WORDS, PlanSimulation, Proposal
from scoring.simulation import Band, Distribution, KindChange, Order
from scoring.timefmt import iso_local

# -- proposals --------------------------------------------------------------------------------


class ProposalOut(BaseModel):
    proposal_id: int
    plan_id: str
    version: str
    #: ``standard v2``
    plan: str
    #: The first day from which the version would be in force, and its period.
    effective_from: str
    effective_period: str
    checksum: str
    file: str
    note: str
    #: proposed, approved, rejected or withdrawn, and in words.
    status: str
    status_zh: str
    status_en: str
    proposed_by: str
    proposed_at: str | None
    #: The version in force for ``effective_from`` when proposed (what it would replace).
    replaces: str | None
    decided_by: str | None
    decided_at: str | None
    decision_note: str | None

    @classmethod
    def of(cls, found: Proposal, zone: ZoneInfo) -> ProposalOut:
        return cls(**_proposal_fields(found, zone))


class ProposalDetailOut(ProposalOut):
    """A proposal with the text of its plan file."""

    content: str

    @classmethod
    def of(cls, found: Proposal, zone: ZoneInfo) -> ProposalDetailOut:
        return cls(**_proposal_fields(found, zone), content=found.content)


def _proposal_fields(found: Proposal, zone: ZoneInfo) -> dict[str, Any]:
    zh, en = PROPOSAL_WORDS[found.status]
    return {
        "proposal_id": found.proposal_id,
        "plan_id": found.plan_id,
        "version": found.version,
        "plan": found.label,
        "effective_from": found.effective_from,
        "effective_period": found.effective_from[:7],
        "checksum": found.checksum,
        "file": found.file_name,
        "note": found.note,
        "status": found.status,
        "status_zh": zh,
        "status_en": en,
        "proposed_by": found.proposed_by,
        "proposed_at": iso_local(found.proposed_at, zone),
        "replaces": found.base_label,
        "decided_by": found.decided_by,
        "decided_at": iso_local(found.decided_at, zone),
        "decision_note": found.decision_note,
    }


class ApproveIn(BaseModel):
    note: str | None = Field(default=None, max_length=MAX_TEXT)


class RejectIn(BaseModel):
    reason: str = Field(max_length=MAX_TEXT)


class WithdrawIn(BaseModel):
    reason: str | None = Field(default=None, max_length=MAX_TEXT)


# -- simulations ------------------------------------------------------------------------------


class KindTotalOut(BaseModel):
    """One statement money column over all installers: ``bonus``, ``deduction_before_cap``,
    ``deduction_waived_by_cap``, ``deduction``, ``grievance_allowance``,
    ``prior_period_adjustment``, ``manual_adjustment``, ``net``."""

    kind: str
    now: str
    simulated: str
    change: str

    @classmethod
    def of(cls, total: KindChange) -> KindTotalOut:
        return cls(
            kind=total.name,
            now=format_fen(total.now_fen),
            simulated=format_fen(total.simulated_fen),
            change=format_fen(total.change_fen),
        )


class BandOut(BaseModel):
    """Installers whose net pay changes by at least ``low`` and less than ``high`` (not 0)."""

    low: str
    high: str
    count: int

    @classmethod
    def of(cls, band: Band) -> BandOut:
        return cls(low=format_fen(band.low_fen), high=format_fen(band.high_fen), count=band.count)


class DistributionOut(BaseModel):
    """A histogram of the change in net pay: contiguous bands of one ``width`` over the
    installers whose pay changes, and the counts that fall, stay and rise."""

    width: str
    bands: list[BandOut]
    decreased: int
    unchanged: int
    increased: int

    @classmethod
    def of(cls, found: Distribution) -> DistributionOut:
        return cls(
            width=format_fen(found.width_fen),
            bands=[BandOut.of(b) for b in found.bands],
            decreased=found.decreased,
            unchanged=found.unchanged,
            increased=found.increased,
        )


class SimulatedPayOut(BaseModel):
    installer_id: str
    name: str | None
    team_id: str | None
    team_name: str | None
    dealer_id: str | None
    bonus_now: str
    bonus_simulated: str
    deduction_now: str
    deduction_simulated: str
    grievance_allowance_now: str
    grievance_allowance_simulated: str
    net_now: str
    net_simulated: str
    change: str

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> SimulatedPayOut:
        money = {}
        for name in ("bonus", "deduction", "grievance_allowance", "net"):
            money[f"{name}_now"] = format_fen(int(row[f"{name}_fen"]))
            money[f"{name}_simulated"] = format_fen(int(row[f"{name}_fen_draft"]))
        return cls(
            installer_id=row["installer_id"],
            name=row["name"],
            team_id=row["team_id"],
            team_name=row["team_name"],
            dealer_id=row["dealer_id"],
            change=format_fen(int(row["change_fen"])),
            **money,
        )


class PlanSimulationOut(BaseModel):
    period: str
    #: closed (compared with what it paid) or open (with its draft as it stands).
    period_status: str
    plan: str
    #: The uploaded file's name, or ``#N`` for proposal N.
    source: str
    proposal_id: int | None
    installers: int
    installers_changed: int
    totals: list[KindTotalOut]
    distribution: DistributionOut
    order: str
    offset: int
    page: list[SimulatedPayOut]

    @classmethod
    def of(
        cls, found: PlanSimulation, *, offset: int, limit: int | None, order: Order
    ) -> PlanSimulationOut:
        rows = found.page(offset=offset, limit=limit, order=order)
        moved = found.distribution
        return cls(
            period=found.period,
            period_status=found.period_status,
            plan=found.plan,
            source=found.source,
            proposal_id=found.proposal_id,
            installers=found.installers,
            installers_changed=moved.decreased + moved.increased,
            totals=[KindTotalOut.of(t) for t in found.totals],
            distribution=DistributionOut.of(moved),
            order=order,
            offset=offset,
            page=[SimulatedPayOut.of(r) for r in rows.iter_rows(named=True)],
        )
