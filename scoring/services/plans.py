"""Plans: check a file, keep versions, put one in force, list them."""

from __future__ import annotations

from pathlib import Path

from scoring.errors import Problem
from scoring.periods import store_plan_file
from scoring.rules.load import check_bytes
from scoring.rules.spec import Plan
from scoring.services.access import Caller, Right, require
from scoring.store import Store
from scoring.store import plans as store_plans
from scoring.store.plans import StoredPlan


def check(*, caller: Caller, raw: bytes, source: str) -> tuple[Plan | None, list[Problem]]:
    """Every problem of a plan file, with its line and column (nothing is stored)."""
    require(caller, Right.PLANS)
    return check_bytes(raw, source)


def activate(store: Store, *, caller: Caller, path: Path) -> StoredPlan:
    """Keep the plan file as a version and put it in force from its effective date."""
    require(caller, Right.PLANS)
    return store_plan_file(store, path, actor=caller.login, activate=True)


def list_plans(store: Store, *, caller: Caller) -> list[StoredPlan]:
    require(caller, Right.PLANS)
    with store.begin() as conn:
        return store_plans.list_plans(conn)
