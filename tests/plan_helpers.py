"""Plan files for the tests of plan proposals and simulations: the shipped plan, edited."""

from __future__ import annotations

import re
from pathlib import Path

from scoring.rules.load import standard_plan_path
from scoring.services.access import Caller, Role
from scoring.store import Store
from tests.auth_helpers import make_user, make_users, seed_network


def plan_text(five_star: str = "20.00", version: int = 2, effective_from: str | None = None) -> str:
    """The shipped plan with another amount for a five-star survey (10.00 shipped), another
    version and, when given, another ``effective_from``."""
    text = standard_plan_path().read_text(encoding="utf-8")
    text = text.replace('amount: "10.00"', f'amount: "{five_star}"', 1)
    text = text.replace("version: 1", f"version: {version}", 1)
    if effective_from is not None:
        text = re.sub(
            r"^effective_from: .*$", f"effective_from: {effective_from}", text, count=1, flags=re.M
        )
    return text


def line_of(text: str, prefix: str) -> int:
    """The 1-based line of ``text`` that starts with ``prefix``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(prefix):
            return number
    raise AssertionError(f"no line starts with {prefix!r}")


def plan_people(store: Store, folder: Path) -> dict[str, Caller]:
    """hr1, ops1, ops2 (a second operations user), dealer1 (D1) and I1, as callers."""
    seed_network(store, folder)
    made = {info.login: info for info in make_users(store).values()}
    made["ops2"] = make_user(store, Role.OPERATIONS, login="ops2")
    return {
        login: Caller(
            login=info.login,
            role=info.role,
            dealer_ids=frozenset(info.dealer_ids),
            installer_id=info.installer_id,
        )
        for login, info in made.items()
    }
