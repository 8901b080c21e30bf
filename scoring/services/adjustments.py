"""Manual adjustments: a signed amount with an author and a reason, in an open period."""

from __future__ import annotations

from dataclasses import dataclass

from scoring.money import parse_amount
from scoring.period import Period
from scoring.services.access import Caller, Right, require
from scoring.store import Store
from scoring.store.adjustments import add_manual


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
