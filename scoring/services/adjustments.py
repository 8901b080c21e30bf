"""Manual adjustments: a signed amount with an author and a reason, in an open period."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scoring.money import parse_amount
from scoring.period import Period
from scoring.services.access import Caller, Right, require
from scoring.store import Store
from scoring.store.adjustments import add_manual, list_manual
from scoring.store.periods import is_closed


@dataclass(frozen=True)
class Adjustment:
    adjustment_id: int
    period: str
    installer_id: str
    amount_fen: int
    reason: str
    author: str


def add(
    store: Store, *, caller: Caller, period: Period, installer_id: str, amount: str, reason: str
) -> Adjustment:
    """Add a manual adjustment (``amount`` in signed yuan text) authored by the caller."""
    require(caller, Right.ADJUST)
    fen = parse_amount(amount)
    with store.begin() as conn:
        adjustment_id = add_manual(
            conn,
            period=period.name,
            installer_id=installer_id,
            amount_fen=fen,
            reason=reason.strip(),
            author=caller.login,
        )
    return Adjustment(adjustment_id, period.name, installer_id, fen, reason.strip(), caller.login)


@dataclass(frozen=True)
class PeriodAdjustments:
    period: str
    #: Adjustments can be added only while the period is open.
    closed: bool
    #: In the order they were added, each with its installer's name (``installer_name``).
    items: list[dict[str, Any]]

    @property
    def total_fen(self) -> int:
        return sum(int(a["amount_fen"]) for a in self.items)


def of_period(store: Store, *, caller: Caller, period: Period) -> PeriodAdjustments:
    """A period's manual adjustments (those of accepted disputes included), with names."""
    require(caller, Right.READ_PERIODS)
    with store.begin() as conn:
        items = list_manual(conn, period.name)
        closed = is_closed(conn, period.name)
    return PeriodAdjustments(period.name, closed, items)
