"""Dispute answers shared by the API and the pages: check what the request says, then call
:mod:`scoring.disputes` (the service the command line uses; opening and reading a dispute go
to it directly)."""

from __future__ import annotations

from typing import Any

from scoring.disputes import get_dispute, resolve
from scoring.money import parse_amount
from scoring.store import Store


def accept_dispute(
    store: Store, dispute_id: int, *, amount: str, reason: str, period: str | None, actor: str
) -> dict[str, Any]:
    get_dispute(store, dispute_id)  # an unknown dispute is 404 before its amount is read
    return resolve(
        store,
        dispute_id=dispute_id,
        accept=True,
        reason=reason,
        actor=actor,
        amount_fen=parse_amount(amount),
        period=period or None,
    )


def reject_dispute(store: Store, dispute_id: int, *, reason: str, actor: str) -> dict[str, Any]:
    return resolve(store, dispute_id=dispute_id, accept=False, reason=reason, actor=actor)
